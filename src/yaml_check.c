/*
 * Shape checks for configuration YAML (see yaml_check.h). Messages follow
 * the compiler convention file:line:col so that editors can jump to them.
 */
#include "yaml_check.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void yaml_check_init(struct yaml_check *c, const char *file)
{
	memset(c, 0, sizeof(*c));
	c->file = file;
}

void yaml_check_error(struct yaml_check *c, const struct yaml_node *n, const char *fmt, ...)
{
	char what[384];
	va_list ap;

	if (c->failed)
		return;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (n)
		snprintf(c->message, sizeof(c->message), "%s:%u:%u: %s", c->file, n->line, n->column, what);
	else
		snprintf(c->message, sizeof(c->message), "%s: %s", c->file, what);
	c->failed = true;
}

static void error_at(struct yaml_check *c, unsigned line, unsigned column, const char *what)
{
	if (c->failed)
		return;
	snprintf(c->message, sizeof(c->message), "%s:%u:%u: %s", c->file, line, column, what);
	c->failed = true;
}

const struct yaml_node *yaml_check_single_mapping(struct yaml_check *c, struct yaml_reader *r)
{
	const struct yaml_doc *doc;
	struct yaml_error err;
	const struct yaml_node *root;
	int rc = yaml_reader_next(r, &doc, &err);

	if (rc < 0) {
		error_at(c, err.line, err.column, err.message);
		return NULL;
	}
	if (rc == 0 || !doc->root) {
		yaml_check_error(c, NULL, "the file is empty");
		return NULL;
	}
	if (doc->n_issues) {
		error_at(c, doc->issues[0].line, doc->issues[0].column, doc->issues[0].message);
		return NULL;
	}
	root = doc->root;
	if (!yaml_is_mapping(root)) {
		yaml_check_error(c, root, "expected a mapping of keys to values at the top");
		return NULL;
	}
	/* The document stays valid until the next call: peek only on success
	 * would free it, so a second document is detected by the caller. */
	return root;
}

/* Levenshtein distance, capped: anything above cap returns cap + 1. */
static size_t edit_distance(const char *a, const char *b, size_t cap)
{
	size_t la = strlen(a), lb = strlen(b), *row, result;

	if ((la > lb ? la - lb : lb - la) > cap)
		return cap + 1;
	row = xcalloc(lb + 1, sizeof(*row));
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	result = row[lb];
	free(row);
	return result;
}

const char *suggest_closest(const char *word, const char *const *candidates, size_t n)
{
	size_t len = strlen(word), cap = len < 4 ? 1 : len < 9 ? 2 : 3, best_d = cap + 1;
	const char *best = NULL;

	for (size_t i = 0; i < n; i++) {
		size_t d = edit_distance(word, candidates[i], cap);

		if (d < best_d) {
			best_d = d;
			best = candidates[i];
		}
	}
	return best;
}

bool yaml_check_keys(struct yaml_check *c, const struct yaml_node *map, const char *const *known)
{
	size_t n_known = 0;

	while (known[n_known])
		n_known++;
	for (size_t i = 0; i < map->n_pairs; i++) {
		const struct yaml_node *key = map->pairs[i].key;
		const char *name = yaml_scalar_str(key), *hint;
		bool found = false;

		if (!name) {
			yaml_check_error(c, key, "keys must be plain names");
			return false;
		}
		for (size_t k = 0; k < n_known && !found; k++)
			found = strcmp(name, known[k]) == 0;
		if (found)
			continue;
		hint = suggest_closest(name, known, n_known);
		if (hint)
			yaml_check_error(c, key, "unknown key '%s' (did you mean '%s'?)", name, hint);
		else
			yaml_check_error(c, key, "unknown key '%s'", name);
		return false;
	}
	return true;
}

const char *yaml_check_str(struct yaml_check *c, const struct yaml_node *map, const char *key, bool required)
{
	const struct yaml_pair *p = yaml_map_find(map, key);
	const char *s;

	if (!p || yaml_is_null(p->value)) {
		if (required)
			yaml_check_error(c, p ? p->value : map, "'%s' is required here", key);
		return NULL;
	}
	s = yaml_scalar_str(p->value);
	if (!s || !*s || strlen(s) != p->value->len) {
		yaml_check_error(c, p->value, "'%s' must be a non-empty text value", key);
		return NULL;
	}
	return s;
}

const struct yaml_node *yaml_check_str_list(struct yaml_check *c, const struct yaml_node *map, const char *key,
					    bool required)
{
	const struct yaml_pair *p = yaml_map_find(map, key);

	if (!p || yaml_is_null(p->value)) {
		if (required)
			yaml_check_error(c, p ? p->value : map, "'%s' is required here", key);
		return NULL;
	}
	if (yaml_is_scalar(p->value))
		return p->value;
	if (!yaml_is_sequence(p->value)) {
		yaml_check_error(c, p->value, "'%s' must be a list", key);
		return NULL;
	}
	for (size_t i = 0; i < p->value->n_items; i++) {
		const char *s = yaml_scalar_str(p->value->items[i]);
		if (!s || !*s) {
			yaml_check_error(c, p->value->items[i], "'%s' must list text values", key);
			return NULL;
		}
	}
	return p->value;
}

size_t yaml_list_len(const struct yaml_node *list)
{
	if (!list)
		return 0;
	return yaml_is_sequence(list) ? list->n_items : 1;
}

const struct yaml_node *yaml_list_at(const struct yaml_node *list, size_t i)
{
	return yaml_is_sequence(list) ? list->items[i] : list;
}
