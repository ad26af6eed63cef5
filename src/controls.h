/*
 * Control status (DESIGN.md "Profiles"): each control of each selected
 * profile is judged from the run's stored findings, never set by hand.
 *   fail            a rule of it has an unwaived finding
 *   waived          its rules' findings are all waived
 *   pass            its rules looked at something and found nothing
 *   not-applicable  none of its rules had anything to look at
 *   not-assessed    a manual control (no rules), or all its rules off
 * The score of a profile is pass / (pass + fail + waived).
 */
#ifndef ASSAY_CONTROLS_H
#define ASSAY_CONTROLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "profile.h"

struct store;

enum control_status {
	CONTROL_PASS,
	CONTROL_FAIL,
	CONTROL_WAIVED,
	CONTROL_NOT_APPLICABLE,
	CONTROL_NOT_ASSESSED,
	CONTROL_STATUS_COUNT
};

const char *control_status_name(enum control_status s);
/* From a stored name; -1 when unknown. */
int control_status_parse(const char *name);

/* What the run tells about each rule. */
struct control_facts {
	/* rule had something to look at (its scanner saw an input of its kind) */
	bool (*applicable)(const char *rule, void *ctx);
	/* rule was switched off by the configuration */
	bool (*disabled)(const char *rule, void *ctx);
	void *ctx;
};

struct rule_counts {
	unsigned unwaived, waived;
};

struct hashmap;
struct store_profile;

/* Judges one control; counts (rule id -> struct rule_counts) may lack rules
 * without findings. Sets *findings and *waived to its rules' totals. */
enum control_status control_evaluate(const struct profile_control *c, const struct hashmap *counts,
				     const struct control_facts *facts, unsigned *findings, unsigned *waived);

/* Reads the run's per-rule counts from the store and records each profile
 * and the status of each of its controls with the run. */
int controls_record(struct store *st, int64_t run, struct profile *const *profiles, size_t n,
		    const struct control_facts *facts);

/* A stored profile's result in a run, for every report. */
struct profile_summary {
	const struct store_profile *profile;
	unsigned counts[CONTROL_STATUS_COUNT];
	unsigned controls; /* all of them */
	unsigned assessed; /* pass + fail + waived */
	double score;      /* pass / assessed, from 0 to 1; -1 when nothing was assessed */
};

typedef int (*profile_summary_cb)(const struct profile_summary *sum, void *ctx);
/* Each profile of the run, in selection order, with its status counts. */
int controls_foreach_summary(struct store *st, int64_t run, profile_summary_cb cb, void *ctx);

#endif
