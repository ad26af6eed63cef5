/*
 * The rule registry: one list of every check family's rule table. Adding a
 * family means adding its table here; ids must be unique, lower case and of
 * the form family.slug (tests/unit/test_registry.c checks all three).
 */
#include "registry.h"

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

static const struct rule *family_rule(const struct rule_family *f, size_t i)
{
	size_t stride = f->stride ? f->stride : sizeof(struct rule);
	return (const struct rule *)((const char *)f->rules + i * stride);
}

size_t registry_count(void)
{
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_LEN(families); i++)
		n += families[i]->count;
	return n;
}

const struct rule *registry_at(size_t i)
{
	for (size_t f = 0; f < ARRAY_LEN(families); f++) {
		if (i < families[f]->count)
			return family_rule(families[f], i);
		i -= families[f]->count;
	}
	return NULL;
}

const struct rule *registry_find(const char *id)
{
	for (size_t f = 0; f < ARRAY_LEN(families); f++)
		for (size_t i = 0; i < families[f]->count; i++)
			if (strcmp(family_rule(families[f], i)->id, id) == 0)
				return family_rule(families[f], i);
	return NULL;
}
