/*
 * The history scanner: drives the walks of scanners/repo.c for a git
 * target (all history, a pull request's range, or a bare repository's
 * HEAD), runs the secrets engine over what they hand over, and keeps the
 * record that checks/git.c reports from.
 */
#ifndef ASSAY_HISTORY_H
#define ASSAY_HISTORY_H

#include "scan.h"

/* Before the target's walk: scans the history the request asks for and
 * keeps its record in t->history. Sets t->skip_walk for a range or a bare
 * repository, which have no work tree to walk. */
int history_scan(struct scan *s, struct scan_target *t);
/* After the walk: reports what history holds beyond the work tree. */
void history_report(struct scan *s, struct scan_target *t);

#endif
