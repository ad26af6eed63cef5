/*
 * The compose.* rules (CIS Docker Benchmark 1.6.0 section 5, as Compose
 * writes it) over the files scanners/compose.c finds. Every rule looks at
 * one service; nothing is kept across files.
 */
#ifndef ASSAY_COMPOSE_CHECKS_H
#define ASSAY_COMPOSE_CHECKS_H

#include "compose.h"
#include "scan.h"

void compose_check_file(struct scan *s, const struct compose_file *f);

#endif
