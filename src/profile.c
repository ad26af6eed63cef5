/*
 * Profiles (see profile.h): parsing and checking a profile file, and the
 * built-in ones compiled in from profiles/. A profile that names a rule
 * assay does not have is rejected, so a profile can never claim evidence
 * that no check produces.
 */
#include "profile.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile_data.h"
#include "registry.h"
#include "util.h"
#include "yaml.h"
#include "yaml_check.h"

static const char *const profile_keys[] = {"id", "title", "version", "source", "description", "controls", NULL};
static const char *const control_keys[] = {"id", "title", "level", "category", "section", "rules", "evidence", NULL};

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static const char **registry_ids(size_t *n)
{
	const char **ids;

	*n = registry_count();
	ids = xcalloc(*n ? *n : 1, sizeof(*ids));
	for (size_t i = 0; i < *n; i++)
		ids[i] = registry_at(i)->id;
	return ids;
}

static void check_rule_id(struct yaml_check *c, const struct yaml_node *n)
{
	const char *id = yaml_scalar_str(n), *hint, **ids;
	size_t count;

	if (!id || registry_find(id))
		return;
	ids = registry_ids(&count);
	hint = suggest_closest(id, ids, count);
	if (hint)
		yaml_check_error(c, n, "no rule '%s' (did you mean '%s'?)", id, hint);
	else
		yaml_check_error(c, n, "no rule '%s' (assay rules lists them)", id);
	free(ids);
}

static bool control_has_rule(const struct profile_control *ctl, const char *id)
{
	for (size_t i = 0; i < ctl->n_rules; i++)
		if (strcmp(ctl->rules[i], id) == 0)
			return true;
	return false;
}

static void add_rule(struct profile_control *ctl, const char *id)
{
	ctl->rules = xrealloc(ctl->rules, (ctl->n_rules + 1) * sizeof(*ctl->rules));
	ctl->rules[ctl->n_rules++] = xstrdup(id);
}

/* "family.prefix*" stands for every rule whose id starts so, those the
 * configuration adds included (secret.custom-*): a built-in profile can
 * count rules that a project defines. Matching none is not an error. */
static void add_rule_pattern(struct yaml_check *c, const struct yaml_node *item, struct profile_control *ctl)
{
	const char *pat = yaml_scalar_str(item), *dot = strchr(pat, '.');
	size_t len = strlen(pat);

	if (!dot || dot == pat || pat[len - 1] != '*' || strchr(pat, '*') != pat + len - 1) {
		yaml_check_error(c, item, "a rule pattern is family.prefix* (one '*', at the end), not '%s'", pat);
		return;
	}
	for (size_t i = 0; i < registry_count(); i++) {
		const char *id = registry_at(i)->id;

		if (strncmp(id, pat, len - 1) == 0 && !control_has_rule(ctl, id))
			add_rule(ctl, id);
	}
}

static void parse_rules(struct yaml_check *c, const struct yaml_node *map, struct profile_control *ctl)
{
	const struct yaml_pair *p = yaml_map_find(map, "rules");
	const struct yaml_node *list;

	if (!p) {
		yaml_check_error(c, map, "a control needs 'rules' (an empty list [] for a manual control)");
		return;
	}
	if (yaml_is_sequence(p->value) && p->value->n_items == 0)
		return;
	list = yaml_check_str_list(c, map, "rules", true);
	if (!list)
		return;
	for (size_t i = 0; i < yaml_list_len(list) && !c->failed; i++) {
		const struct yaml_node *item = yaml_list_at(list, i);
		const char *id = yaml_scalar_str(item);

		if (strchr(id, '*')) {
			add_rule_pattern(c, item, ctl);
			continue;
		}
		check_rule_id(c, item);
		if (!c->failed && control_has_rule(ctl, id))
			yaml_check_error(c, item, "rule '%s' is listed twice", id);
		if (!c->failed)
			add_rule(ctl, id);
	}
}

static void parse_control(struct yaml_check *c, const struct yaml_node *n, struct profile_control *ctl)
{
	const char *level, *category;

	ctl->line = n->line;
	if (!yaml_is_mapping(n)) {
		yaml_check_error(c, n, "each control must be a mapping with id, title, rules and evidence");
		return;
	}
	if (!yaml_check_keys(c, n, control_keys))
		return;
	ctl->id = dup_or_null(yaml_check_str(c, n, "id", true));
	ctl->title = dup_or_null(yaml_check_str(c, n, "title", true));
	level = yaml_check_str(c, n, "level", false);
	category = yaml_check_str(c, n, "category", false);
	if (level && category)
		yaml_check_error(c, yaml_map_get(n, "category"), "a control has a level or a category, not both");
	ctl->level = dup_or_null(level ? level : category);
	ctl->section = dup_or_null(yaml_check_str(c, n, "section", false));
	ctl->evidence = dup_or_null(yaml_check_str(c, n, "evidence", true));
	if (!c->failed)
		parse_rules(c, n, ctl);
}

static void parse_controls(struct yaml_check *c, const struct yaml_node *root, struct profile *p)
{
	const struct yaml_node *list = yaml_map_get(root, "controls");

	if (!list || !yaml_is_sequence(list) || list->n_items == 0) {
		yaml_check_error(c, list ? list : root, "'controls' must be a non-empty list");
		return;
	}
	p->controls = xcalloc(list->n_items, sizeof(*p->controls));
	for (size_t i = 0; i < list->n_items && !c->failed; i++) {
		parse_control(c, list->items[i], &p->controls[i]);
		p->n_controls = i + 1;
		for (size_t j = 0; j < i && !c->failed; j++)
			if (p->controls[i].id && p->controls[j].id && strcmp(p->controls[i].id, p->controls[j].id) == 0)
				yaml_check_error(c, list->items[i], "control '%s' is defined twice (first at line %u)",
						 p->controls[j].id, p->controls[j].line);
	}
}

static void parse_root(struct yaml_check *c, const struct yaml_node *root, struct profile *p)
{
	if (!yaml_check_keys(c, root, profile_keys))
		return;
	p->id = dup_or_null(yaml_check_str(c, root, "id", true));
	p->title = dup_or_null(yaml_check_str(c, root, "title", true));
	p->version = dup_or_null(yaml_check_str(c, root, "version", true));
	p->source = dup_or_null(yaml_check_str(c, root, "source", false));
	p->description = dup_or_null(yaml_check_str(c, root, "description", false));
	if (!c->failed)
		parse_controls(c, root, p);
}

int profile_parse(const char *file, const char *data, size_t len, struct profile **out, char *err, size_t errlen)
{
	struct yaml_reader *r = yaml_reader_new(data, len);
	struct profile *p = xcalloc(1, sizeof(*p));
	struct yaml_check c;
	const struct yaml_node *root;
	const struct yaml_doc *next;
	struct yaml_error yerr;

	yaml_check_init(&c, file);
	p->origin = xstrdup(file);
	root = yaml_check_single_mapping(&c, r);
	if (root)
		parse_root(&c, root, p);
	if (!c.failed && yaml_reader_next(r, &next, &yerr) != 0)
		yaml_check_error(&c, NULL, "a profile is one YAML document; found more after the first");
	yaml_reader_free(r);
	if (c.failed) {
		snprintf(err, errlen, "%s", c.message);
		profile_free(p);
		*out = NULL;
		return -EINVAL;
	}
	*out = p;
	return 0;
}

size_t profile_builtin_count(void)
{
	return profile_data_count;
}

const char *profile_builtin_id(size_t i)
{
	return i < profile_data_count ? profile_data[i].id : NULL;
}

const char *profile_builtin_text(size_t i, size_t *len)
{
	if (i >= profile_data_count)
		return NULL;
	*len = profile_data[i].len;
	return profile_data[i].text;
}

static bool names_a_file(const char *spec)
{
	return strchr(spec, '/') || str_ends_with(spec, ".yaml") || str_ends_with(spec, ".yml");
}

static int load_builtin(size_t i, struct profile **out, char *err, size_t errlen)
{
	char name[128];
	int rc;

	snprintf(name, sizeof(name), "profiles/%s.yaml", profile_data[i].id);
	rc = profile_parse(name, profile_data[i].text, profile_data[i].len, out, err, errlen);
	if (rc == 0) {
		free((*out)->origin);
		(*out)->origin = xstrdup("built-in");
	}
	return rc;
}

static int load_file(const char *path, struct profile **out, char *err, size_t errlen)
{
	char *data = NULL;
	size_t len = 0;
	bool truncated = false;
	int rc = read_file_capped(path, PROFILE_MAX_BYTES, &data, &len, &truncated);

	if (rc < 0) {
		snprintf(err, errlen, "%s: cannot read profile: %s", path, strerror(-rc));
		return rc;
	}
	if (truncated) {
		snprintf(err, errlen, "%s: profile is larger than the %d MiB cap", path, PROFILE_MAX_BYTES >> 20);
		free(data);
		return -EFBIG;
	}
	rc = profile_parse(path, data, len, out, err, errlen);
	free(data);
	return rc;
}

int profile_load(const char *spec, struct profile **out, char *err, size_t errlen)
{
	const char *ids[64], *hint;
	size_t n = profile_data_count < 64 ? profile_data_count : 64;

	*out = NULL;
	if (names_a_file(spec))
		return load_file(spec, out, err, errlen);
	for (size_t i = 0; i < profile_data_count; i++)
		if (strcmp(profile_data[i].id, spec) == 0)
			return load_builtin(i, out, err, errlen);
	for (size_t i = 0; i < n; i++)
		ids[i] = profile_data[i].id;
	hint = suggest_closest(spec, ids, n);
	if (hint)
		snprintf(err, errlen, "no profile '%s' (did you mean '%s'? 'assay profiles' lists them)", spec, hint);
	else
		snprintf(err, errlen, "no profile '%s' ('assay profiles' lists them; a file needs a .yaml name)", spec);
	return -ENOENT;
}

int profile_load_builtins(struct profile ***out, size_t *n, char *err, size_t errlen)
{
	struct profile **list = xcalloc(profile_data_count ? profile_data_count : 1, sizeof(*list));
	int rc = 0;

	*n = 0;
	for (size_t i = 0; i < profile_data_count && rc == 0; i++) {
		rc = load_builtin(i, &list[i], err, errlen);
		if (rc == 0)
			*n = i + 1;
	}
	if (rc) {
		profile_free_all(list, *n);
		*n = 0;
		list = NULL;
	}
	*out = list;
	return rc;
}

static void control_clear(struct profile_control *c)
{
	free(c->id);
	free(c->title);
	free(c->level);
	free(c->section);
	free(c->evidence);
	for (size_t i = 0; i < c->n_rules; i++)
		free(c->rules[i]);
	free(c->rules);
}

void profile_free(struct profile *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_controls; i++)
		control_clear(&p->controls[i]);
	free(p->controls);
	free(p->id);
	free(p->title);
	free(p->version);
	free(p->source);
	free(p->description);
	free(p->origin);
	free(p);
}

void profile_free_all(struct profile **list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		profile_free(list[i]);
	free(list);
}

char *profile_controls_of(struct profile *const *list, size_t n, const char *rule)
{
	struct buf b;
	bool first = true;

	buf_init(&b);
	buf_puts(&b, "");
	for (size_t p = 0; p < n; p++)
		for (size_t c = 0; c < list[p]->n_controls; c++)
			if (control_has_rule(&list[p]->controls[c], rule)) {
				buf_printf(&b, "%s%s %s", first ? "" : ", ", list[p]->id, list[p]->controls[c].id);
				first = false;
			}
	return buf_steal(&b);
}
