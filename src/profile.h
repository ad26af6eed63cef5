/*
 * Compliance profiles (DESIGN.md "Profiles"): a framework's controls, each
 * with the rules whose findings evidence it. The built-in profiles are the
 * files in profiles/, compiled into the binary; a user's own file is read
 * by the same parser and checked the same way (file:line:col on error).
 */
#ifndef ASSAY_PROFILE_H
#define ASSAY_PROFILE_H

#include <stdbool.h>
#include <stddef.h>

#define PROFILE_MAX_BYTES (4 * 1024 * 1024)

struct profile_control {
	char *id, *title;
	char *level;    /* "Level 1", or the category for frameworks without levels */
	char *section;  /* may be NULL */
	char *evidence; /* what the evidence shows, for an auditor */
	char **rules;   /* rule ids; none for a manual control */
	size_t n_rules;
	unsigned line;  /* where it is defined */
};

struct profile {
	char *id, *title, *version, *source, *description;
	char *origin; /* "built-in" or the file it was read from */
	struct profile_control *controls;
	size_t n_controls;
};

/* Parses a profile; `file` names it in messages. On error returns -EINVAL
 * with "file:line:col: what" in err. */
int profile_parse(const char *file, const char *data, size_t len, struct profile **out, char *err, size_t errlen);
/* A built-in id ("cis-kubernetes") or a path to a YAML file (anything with
 * a '/' or a .yaml/.yml ending). Unknown ids get a did-you-mean. */
int profile_load(const char *spec, struct profile **out, char *err, size_t errlen);
void profile_free(struct profile *p);

/* The built-in profiles, in their listing order. */
size_t profile_builtin_count(void);
const char *profile_builtin_id(size_t i);
/* The YAML text of a built-in (for `assay controls` and tests). */
const char *profile_builtin_text(size_t i, size_t *len);

/* Every built-in profile, parsed (they are checked by the test suite, so
 * a failure here is a build defect). Free with profile_free_all. */
int profile_load_builtins(struct profile ***out, size_t *n, char *err, size_t errlen);
void profile_free_all(struct profile **list, size_t n);

/* The controls that evidence a rule across the given profiles, as
 * "profile control, ..." (newly allocated; "" when none). */
char *profile_controls_of(struct profile *const *list, size_t n, const char *rule);

#endif
