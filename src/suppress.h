/*
 * Inline suppression (DESIGN.md "Config"): a comment `assay:ignore RULE
 * reason` on a finding's line, or on a comment line of its own just above,
 * waives that finding. RULE is the rule id, its family as `family.*`, or
 * `*`. Works in any text format whose comments start with #, //, --, ;, %,
 * a C block comment, <!-- or REM (YAML, Dockerfiles, env files, source
 * files).
 */
#ifndef ASSAY_SUPPRESS_H
#define ASSAY_SUPPRESS_H

#include <stdbool.h>
#include <stddef.h>

/* Whether the text holds an ignore comment anywhere: when it does not, no
 * line of it can waive anything (one search per file, not one per
 * finding). */
bool suppress_possible(const char *data, size_t len);

/* Looks for an ignore of rule_id covering the line that starts at byte
 * line_start of data. On a match returns true and sets *reason to the
 * reason given (newly allocated) or NULL when the comment gives none. */
bool suppress_at_offset(const char *data, size_t len, size_t line_start, const char *rule_id, char **reason);
/* The same for a 1-based line number; false for line 0 or past the end. */
bool suppress_at_line(const char *data, size_t len, unsigned line, const char *rule_id, char **reason);

#endif
