/*
 * The rule registry: one list of every check family's rule table. Adding a
 * family means adding its table here; ids must be unique, lower case and of
 * the form family.slug (tests/unit/test_registry.c checks all three).
 */
#include "registry.h"

#include <stdbool.h>
#include <string.h>

#include "checks.h"
#include "secrets.h"

static const struct rule_family *const families[] = {
	&assay_rule_family,
	&env_rule_family,
	&k8s_rule_family,
	&compose_rule_family,
	&docker_rule_family,
	&image_rule_family,
	&secret_rule_family,
	&git_rule_family,
};

/* Rules the configuration adds (custom secret rules) for this process. */
static struct rule_family configured_family = {.name = "configured"};

void registry_set_configured(const struct rule *rules, size_t count, size_t stride)
{
	configured_family.rules = rules;
	configured_family.count = rules ? count : 0;
	configured_family.stride = stride;
}

static const struct rule_family *family_at(size_t f)
{
	return f < ARRAY_LEN(families) ? families[f] : &configured_family;
}

#define FAMILY_COUNT (ARRAY_LEN(families) + 1)

static const struct rule *family_rule(const struct rule_family *f, size_t i)
{
	size_t stride = f->stride ? f->stride : sizeof(struct rule);
	return (const struct rule *)((const char *)f->rules + i * stride);
}

size_t registry_count(void)
{
	size_t n = 0;

	for (size_t i = 0; i < FAMILY_COUNT; i++)
		n += family_at(i)->count;
	return n;
}

size_t registry_builtin_count(void)
{
	return registry_count() - configured_family.count;
}

const struct rule *registry_at(size_t i)
{
	for (size_t f = 0; f < FAMILY_COUNT; f++) {
		if (i < family_at(f)->count)
			return family_rule(family_at(f), i);
		i -= family_at(f)->count;
	}
	return NULL;
}

/* Whether id reads "name.something": a built-in family holds only such
 * ids (tests/unit/test_registry.c), so the others need no look. */
static bool in_family(const char *id, const char *name)
{
	size_t n = strlen(name);

	return strncmp(id, name, n) == 0 && id[n] == '.';
}

/* Every finding looks its rule up (for its severity): one family's rules
 * are compared, not the whole registry's. */
const struct rule *registry_find(const char *id)
{
	for (size_t f = 0; f < FAMILY_COUNT; f++) {
		const struct rule_family *fam = family_at(f);
		if (fam != &configured_family && !in_family(id, fam->name))
			continue;
		for (size_t i = 0; i < fam->count; i++)
			if (strcmp(family_rule(fam, i)->id, id) == 0)
				return family_rule(fam, i);
	}
	return NULL;
}

const struct rule *registry_find_builtin(const char *id)
{
	const struct rule *r = registry_find(id);

	for (size_t i = 0; r && i < configured_family.count; i++)
		if (family_rule(&configured_family, i) == r)
			return NULL;
	return r;
}
