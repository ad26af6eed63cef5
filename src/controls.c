/*
 * Control status from a run's findings (see controls.h). The per-rule
 * counts come from the store after every finding was written (it counts
 * them as it writes them), so the statuses describe exactly the findings
 * the run holds.
 */
#include "controls.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hashmap.h"
#include "store.h"
#include "util.h"

static const char *const status_names[CONTROL_STATUS_COUNT] = {
	[CONTROL_PASS] = "pass",
	[CONTROL_FAIL] = "fail",
	[CONTROL_WAIVED] = "waived",
	[CONTROL_NOT_APPLICABLE] = "not-applicable",
	[CONTROL_NOT_ASSESSED] = "not-assessed",
};

const char *control_status_name(enum control_status s)
{
	return (unsigned)s < CONTROL_STATUS_COUNT ? status_names[s] : "unknown";
}

int control_status_parse(const char *name)
{
	for (int i = 0; name && i < CONTROL_STATUS_COUNT; i++)
		if (strcmp(status_names[i], name) == 0)
			return i;
	return -1;
}

enum control_status control_evaluate(const struct profile_control *c, const struct hashmap *counts,
				     const struct control_facts *facts, unsigned *findings, unsigned *waived)
{
	bool any_active = false, any_applicable = false;

	*findings = *waived = 0;
	for (size_t i = 0; i < c->n_rules; i++) {
		const struct rule_counts *rc = hashmap_get(counts, c->rules[i]);

		if (facts->disabled && facts->disabled(c->rules[i], facts->ctx))
			continue;
		any_active = true;
		if (rc) {
			*findings += rc->unwaived;
			*waived += rc->waived;
		}
		if (rc || !facts->applicable || facts->applicable(c->rules[i], facts->ctx))
			any_applicable = true;
	}
	if (!any_active)
		return CONTROL_NOT_ASSESSED;
	if (*findings)
		return CONTROL_FAIL;
	if (*waived)
		return CONTROL_WAIVED;
	return any_applicable ? CONTROL_PASS : CONTROL_NOT_APPLICABLE;
}

static int collect_count(const char *rule, unsigned unwaived, unsigned waived, void *ctx)
{
	struct rule_counts *rc = xmalloc(sizeof(*rc));

	rc->unwaived = unwaived;
	rc->waived = waived;
	free(hashmap_put(ctx, rule, rc));
	return 0;
}

static char *joined_rules(const struct profile_control *c)
{
	struct buf b;

	buf_init(&b);
	for (size_t i = 0; i < c->n_rules; i++) {
		if (i)
			buf_putc(&b, ' ');
		buf_puts(&b, c->rules[i]);
	}
	return buf_steal(&b);
}

static int record_profile(struct store *st, int64_t run, const struct profile *p, const struct hashmap *counts,
			  const struct control_facts *facts)
{
	struct store_profile sp = {p->id, p->title, p->version, p->origin};
	int rc = store_add_profile(st, run, &sp);

	for (size_t i = 0; i < p->n_controls && rc == 0; i++) {
		const struct profile_control *c = &p->controls[i];
		struct store_control sc = {
			.profile = p->id,
			.id = c->id,
			.title = c->title,
			.level = c->level,
			.evidence = c->evidence,
		};
		char *rules = joined_rules(c);

		sc.status = control_status_name(control_evaluate(c, counts, facts, &sc.findings, &sc.waived));
		sc.rules = rules;
		rc = store_add_control(st, run, &sc);
		free(rules);
	}
	return rc;
}

int controls_record(struct store *st, int64_t run, struct profile *const *profiles, size_t n,
		    const struct control_facts *facts)
{
	struct hashmap counts;
	int rc;

	hashmap_init(&counts);
	rc = store_foreach_rule_count(st, run, collect_count, &counts);
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = record_profile(st, run, profiles[i], &counts, facts);
	hashmap_free(&counts, free);
	return rc;
}

/* ---- summaries for reports ---- */

struct stored_profiles {
	struct store_profile *list;
	size_t n;
};

static int copy_profile(const struct store_profile *p, void *ctx)
{
	struct stored_profiles *sp = ctx;
	struct store_profile *c;

	sp->list = xrealloc(sp->list, (sp->n + 1) * sizeof(*sp->list));
	c = &sp->list[sp->n++];
	c->id = xstrdup(p->id ? p->id : "");
	c->title = p->title ? xstrdup(p->title) : NULL;
	c->version = p->version ? xstrdup(p->version) : NULL;
	c->source = p->source ? xstrdup(p->source) : NULL;
	return 0;
}

static int count_status(const struct store_control *c, void *ctx)
{
	struct profile_summary *sum = ctx;
	int st = control_status_parse(c->status);

	sum->controls++;
	if (st >= 0)
		sum->counts[st]++;
	return 0;
}

int controls_foreach_summary(struct store *st, int64_t run, profile_summary_cb cb, void *ctx)
{
	struct stored_profiles sp = {0};
	int rc = store_foreach_profile(st, run, copy_profile, &sp);

	for (size_t i = 0; i < sp.n && rc == 0; i++) {
		struct profile_summary sum = {.profile = &sp.list[i]};

		rc = store_foreach_control(st, run, sp.list[i].id, count_status, &sum);
		if (rc)
			break;
		sum.assessed = sum.counts[CONTROL_PASS] + sum.counts[CONTROL_FAIL] + sum.counts[CONTROL_WAIVED];
		sum.score = sum.assessed ? (double)sum.counts[CONTROL_PASS] / sum.assessed : -1;
		rc = cb(&sum, ctx);
	}
	for (size_t i = 0; i < sp.n; i++) {
		free((char *)sp.list[i].id);
		free((char *)sp.list[i].title);
		free((char *)sp.list[i].version);
		free((char *)sp.list[i].source);
	}
	free(sp.list);
	return rc;
}
