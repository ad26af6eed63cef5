/*
 * The text report: findings grouped by severity and rule, one line each
 * with the location and message, then the run's notices and a summary
 * line. Colour only when asked (a terminal, no NO_COLOR, no --no-color).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "controls.h"
#include "registry.h"
#include "report.h"
#include "store.h"
#include "util.h"

#define RESET "\033[0m"
#define BOLD "\033[1m"
#define DIM "\033[2m"

static const char *const severity_colors[SEV_COUNT] = {
	"\033[2m", "\033[36m", "\033[33m", "\033[31m", "\033[1;35m",
};

struct text_ctx {
	FILE *out;
	bool color;
	const char *last_rule;
	char *last_rule_buf;
	unsigned shown;
	struct store *st;
	int64_t run;
};

static const char *color(const struct text_ctx *t, const char *code)
{
	return t->color ? code : "";
}

static void print_severity(const struct text_ctx *t, enum severity sev)
{
	char upper[16];
	const char *name = severity_name(sev);
	size_t i;

	for (i = 0; name[i] && i + 1 < sizeof(upper); i++)
		upper[i] = (char)(name[i] - ('a' <= name[i] && name[i] <= 'z' ? 32 : 0));
	upper[i] = '\0';
	fprintf(t->out, "%s%-8s%s", color(t, (unsigned)sev < SEV_COUNT ? severity_colors[sev] : ""), upper,
		color(t, RESET));
}

static void print_rule_header(struct text_ctx *t, const struct finding *f)
{
	const struct rule *r = registry_find(f->rule);

	fprintf(t->out, "\n");
	print_severity(t, f->severity);
	fprintf(t->out, " %s%s%s  %s\n", color(t, BOLD), f->rule, color(t, RESET), r ? r->title : "");
}

static void print_location(const struct text_ctx *t, const struct finding *f)
{
	fprintf(t->out, "  %s", *f->path ? f->path : f->target);
	if (f->line)
		fprintf(t->out, ":%u", f->line);
	if (f->line && f->column)
		fprintf(t->out, ":%u", f->column);
	if (*f->target && strcmp(f->target, ".") != 0 && *f->path)
		fprintf(t->out, " %s(in %s)%s", color(t, DIM), f->target, color(t, RESET));
}

static int print_finding(const struct finding *f, void *ctx)
{
	struct text_ctx *t = ctx;

	if (!t->last_rule || strcmp(t->last_rule, f->rule) != 0) {
		free(t->last_rule_buf);
		t->last_rule = t->last_rule_buf = xstrdup(f->rule);
		print_rule_header(t, f);
	}
	print_location(t, f);
	fprintf(t->out, "  %s", f->message);
	if (f->evidence && *f->evidence)
		fprintf(t->out, " %s[%s]%s", color(t, DIM), f->evidence, color(t, RESET));
	if (f->commit)
		fprintf(t->out, " %s(commit %.12s, %s, %s)%s", color(t, DIM), f->commit, f->author ? f->author : "?",
			f->date ? f->date : "?", color(t, RESET));
	if (f->waived)
		fprintf(t->out, " (waived%s%s)", f->waiver ? ": " : "", f->waiver ? f->waiver : "");
	if (f->baseline && strcmp(f->baseline, "unchanged") == 0)
		fprintf(t->out, " %s(in the baseline)%s", color(t, DIM), color(t, RESET));
	fprintf(t->out, "\n");
	t->shown++;
	return 0;
}

static int print_input(const struct store_input *in, void *ctx)
{
	struct text_ctx *t = ctx;

	fprintf(t->out, "  %s (%s", in->locator, in->kind);
	if (in->commit)
		fprintf(t->out, ", commit %.12s", in->commit);
	fprintf(t->out, ", %.19s)\n", in->digest ? in->digest : "no digest");
	return 0;
}

static int print_notice(const struct store_notice *n, void *ctx)
{
	struct text_ctx *t = ctx;

	if (strcmp(n->level, "info") == 0)
		return 0;
	if (!t->shown++)
		fprintf(t->out, "\nnotices:\n");
	fprintf(t->out, "  %s: %s%s%s\n", n->level, n->path ? n->path : "", n->path ? ": " : "", n->message);
	return 0;
}

/* ---- controls ---- */

struct control_line {
	struct text_ctx *t;
	unsigned failing;
};

static int print_failing_control(const struct store_control *c, void *ctx)
{
	struct control_line *cl = ctx;

	if (strcmp(c->status, "fail") != 0)
		return 0;
	fprintf(cl->t->out, "%s%s", cl->failing++ ? ", " : "    failing: ", c->id);
	return 0;
}

static int print_profile(const struct profile_summary *sum, void *ctx)
{
	struct text_ctx *t = ctx;
	struct control_line cl = {t, 0};
	int rc;

	if (!t->shown++)
		fprintf(t->out, "\ncontrols:\n");
	fprintf(t->out, "  %-15s ", sum->profile->id);
	if (sum->score < 0)
		fprintf(t->out, "no score (nothing assessed)");
	else
		fprintf(t->out, "%s%.1f%%%s (%u of %u assessed pass)", color(t, BOLD), sum->score * 100, color(t, RESET),
			sum->counts[CONTROL_PASS], sum->assessed);
	fprintf(t->out, " · %u fail, %u waived, %u not applicable, %u not assessed\n", sum->counts[CONTROL_FAIL],
		sum->counts[CONTROL_WAIVED], sum->counts[CONTROL_NOT_APPLICABLE], sum->counts[CONTROL_NOT_ASSESSED]);
	rc = store_foreach_control(t->st, t->run, sum->profile->id, print_failing_control, &cl);
	if (cl.failing)
		fprintf(t->out, "\n");
	return rc;
}

static int print_waiver(const struct store_waiver *w, void *ctx)
{
	struct text_ctx *t = ctx;

	if (strcmp(w->state, "active") == 0)
		return 0;
	if (!t->shown++)
		fprintf(t->out, "\nwaivers:\n");
	fprintf(t->out, "  %s %s (owner %s) %s %s: %s\n", w->state, w->rule, w->owner,
		strcmp(w->state, "expired") == 0 ? "expired on" : "expires", w->expires, w->source ? w->source : "");
	return 0;
}

static void print_summary(const struct text_ctx *t, const struct store_run *r)
{
	unsigned total = 0;
	bool first = true;

	for (int s = 0; s < SEV_COUNT; s++)
		total += r->counts[s];
	fprintf(t->out, "\n");
	if (!total) {
		fprintf(t->out, "no findings");
	} else {
		fprintf(t->out, "%u finding%s (", total, total == 1 ? "" : "s");
		for (int s = SEV_COUNT - 1; s >= 0; s--) {
			if (!r->counts[s])
				continue;
			fprintf(t->out, "%s%u %s", first ? "" : ", ", r->counts[s], severity_name((enum severity)s));
			first = false;
		}
		fprintf(t->out, ")");
	}
	if (r->waived)
		fprintf(t->out, ", %u waived", r->waived);
	fprintf(t->out, " · run %" PRId64 " %s · fail-on %s\n", r->id, r->status, r->fail_on ? r->fail_on : "?");
}

int report_text(struct store *st, int64_t run, FILE *out, const struct report_opts *opts)
{
	struct text_ctx t = {.out = out, .color = opts && opts->color};
	struct store_run r;
	int rc = store_run_get(st, run, &r);

	if (rc < 0)
		return rc;
	fprintf(out, "%sassay %s%s · run %" PRId64 " · %s · %s\n", color(&t, BOLD), r.tool_version, color(&t, RESET),
		r.id, r.started_at, r.status);
	fprintf(out, "inputs:\n");
	rc = store_foreach_input(st, run, print_input, &t);
	if (rc == 0)
		rc = store_foreach_finding(st, run, print_finding, &t);
	t.shown = 0;
	if (rc == 0)
		rc = store_foreach_notice(st, run, print_notice, &t);
	t.shown = 0;
	t.st = st;
	t.run = run;
	if (rc == 0)
		rc = controls_foreach_summary(st, run, print_profile, &t);
	t.shown = 0;
	if (rc == 0)
		rc = store_foreach_waiver(st, run, print_waiver, &t);
	if (rc == 0)
		print_summary(&t, &r);
	free(t.last_rule_buf);
	store_run_clear(&r);
	return rc < 0 ? rc : (ferror(out) ? -EIO : 0);
}
