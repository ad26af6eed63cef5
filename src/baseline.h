/*
 * Baselines for pull requests (--baseline): the set of finding
 * fingerprints a scan is compared with. A finding whose fingerprint is in
 * the baseline is "unchanged" and does not count toward --fail-on.
 */
#ifndef ASSAY_BASELINE_H
#define ASSAY_BASELINE_H

#include <stddef.h>

#include "hashmap.h"

struct store;

/* spec: "previous" (the newest complete run in the store), a run id, or an
 * assay JSON report file (its findings[].fingerprint). Fills set (keys
 * only) and a description for the run record ("run 12", "file x.json").
 * On error returns a negative code with a one-line reason in err. */
int baseline_load(struct store *st, const char *spec, struct hashmap *set, char **name, char *err, size_t errlen);

#endif
