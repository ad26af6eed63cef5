/*
 * Shape checks for the YAML files assay reads as configuration (profiles,
 * .assay.yml): each error names file:line:col and, for a misspelt key or
 * rule id, the closest known one ("did you mean ...?"). Built on the
 * document model in yaml.h; the first error wins and the rest is skipped.
 */
#ifndef ASSAY_YAML_CHECK_H
#define ASSAY_YAML_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "yaml.h"

struct yaml_check {
	const char *file; /* as the user named it */
	bool failed;
	char message[512]; /* "file:line:col: what is wrong" */
};

void yaml_check_init(struct yaml_check *c, const char *file);
/* Records an error at node n (line 0 when n is NULL); only the first is kept. */
void yaml_check_error(struct yaml_check *c, const struct yaml_node *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Reads the one document of a configuration file: a syntax error, a cap,
 * a duplicate key or a stream of several documents is an error. Returns
 * the root (NULL and an error when the file is empty or not a mapping). */
const struct yaml_node *yaml_check_single_mapping(struct yaml_check *c, struct yaml_reader *r);

/* Every key of map must be one of known (NULL-terminated); an unknown one is
 * an error with a did-you-mean. */
bool yaml_check_keys(struct yaml_check *c, const struct yaml_node *map, const char *const *known);
/* The scalar under key, or NULL with an error when required and missing,
 * or when present but not a non-empty scalar. */
const char *yaml_check_str(struct yaml_check *c, const struct yaml_node *map, const char *key, bool required);
/* The sequence of scalars under key (NULL with *n = 0 when absent; an
 * error unless required). A single scalar is accepted as a list of one. */
const struct yaml_node *yaml_check_str_list(struct yaml_check *c, const struct yaml_node *map, const char *key,
					    bool required);

/* Iterating what yaml_check_str_list returned (a scalar counts as one). */
size_t yaml_list_len(const struct yaml_node *list);
const struct yaml_node *yaml_list_at(const struct yaml_node *list, size_t i);

/* The candidate closest to word by edit distance, when close enough to be a
 * plausible misspelling; NULL otherwise. */
const char *suggest_closest(const char *word, const char *const *candidates, size_t n);

#endif
