/*
 * The env.* rules over env file documents (scanners/env.h). Per-file rules
 * run in env_check_file; env.shared-secret compares files and runs at the
 * end of the run.
 */
#ifndef ASSAY_ENV_CHECKS_H
#define ASSAY_ENV_CHECKS_H

#include "env.h"
#include "scan.h"

struct env_checks;

struct env_checks *env_checks_begin(void);
void env_check_file(struct scan *s, struct env_checks *c, const struct env_doc *doc);
/* A secret the engine found in an example file. */
void env_check_example_secret(struct scan *s, const struct env_doc *doc, const struct secret_hit *h);
/* Raises the checks across files, then frees the state. */
void env_checks_end(struct scan *s, struct env_checks *c);

#endif
