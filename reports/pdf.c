/*
 * The PDF audit report (issue 7; docs/report-pdf.md): one stored run,
 * written for an auditor who has never seen assay. Cover, executive
 * summary, control matrix, findings, waivers, changes since the previous
 * run and an appendix on method, rules, inputs and integrity. It reads the
 * store through store.h like every report, and findings stream from SQLite
 * one at a time, so the report's own memory does not grow with their
 * number. What goes where on the page is reports/pdf_layout.c's business.
 *
 * Every status is shown as a word with its colour, never as a colour
 * alone; evidence is printed as stored, which is already redacted.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "pdf_layout.h"
#include "registry.h"
#include "report.h"
#include "store.h"
#include "util.h"

/* Caps on what the "changes" lists and the notices print; counts are
 * always complete. */
#define CHANGES_LISTED 100
#define NOTICES_LISTED 200
#define TREND_RUNS 10
#define TOP_ISSUES 5

/* ---- colours and words ---- */

static const struct pdf_rgb black = {0, 0, 0};
static const struct pdf_rgb white = {1, 1, 1};
static const struct pdf_rgb grey = {0.40f, 0.43f, 0.48f};
static const struct pdf_rgb light_grey = {0.85f, 0.87f, 0.90f};
static const struct pdf_rgb label_fill = {0.95f, 0.96f, 0.97f};
static const struct pdf_rgb warn_fill = {1.00f, 0.93f, 0.80f};

/* Severity fills, info to critical, and the text colour on each. */
static const struct pdf_rgb sev_fill[SEV_COUNT] = {
	{0.47f, 0.56f, 0.61f}, /* info: blue grey */
	{0.98f, 0.75f, 0.18f}, /* low: amber */
	{0.94f, 0.42f, 0.00f}, /* medium: orange */
	{0.78f, 0.16f, 0.16f}, /* high: red */
	{0.42f, 0.11f, 0.60f}, /* critical: purple */
};
static const struct pdf_rgb *const sev_text[SEV_COUNT] = {&white, &black, &white, &white, &white};
static const char *const sev_word[SEV_COUNT] = {"INFO", "LOW", "MEDIUM", "HIGH", "CRITICAL"};
static const char *const sev_title[SEV_COUNT] = {"Info", "Low", "Medium", "High", "Critical"};

struct status_style {
	const char *status; /* as stored */
	const char *word;   /* as printed */
	struct pdf_rgb fill, text;
};

static const struct status_style statuses[] = {
	{"pass", "PASS", {0.78f, 0.90f, 0.79f}, {0.11f, 0.37f, 0.13f}},
	{"fail", "FAIL", {1.00f, 0.80f, 0.82f}, {0.72f, 0.11f, 0.11f}},
	{"waived", "WAIVED", {1.00f, 0.88f, 0.70f}, {0.60f, 0.30f, 0.00f}},
	{"not-applicable", "N/A", {0.93f, 0.94f, 0.95f}, {0.27f, 0.35f, 0.39f}},
	{"not-assessed", "NOT ASSESSED", {0.89f, 0.95f, 0.99f}, {0.05f, 0.28f, 0.63f}},
};

static const struct status_style *status_style(const char *status)
{
	static const struct status_style unknown = {"", "UNKNOWN", {0.93f, 0.94f, 0.95f}, {0, 0, 0}};

	for (size_t i = 0; i < ARRAY_LEN(statuses); i++)
		if (status && strcmp(status, statuses[i].status) == 0)
			return &statuses[i];
	return &unknown;
}

/* Waiver states: active, expiring (within 30 days of the run), expired. */
static const struct status_style waiver_states[] = {
	{"active", "ACTIVE", {0.78f, 0.90f, 0.79f}, {0.11f, 0.37f, 0.13f}},
	{"expiring", "EXPIRING", {1.00f, 0.88f, 0.70f}, {0.60f, 0.30f, 0.00f}},
	{"expired", "EXPIRED", {1.00f, 0.80f, 0.82f}, {0.72f, 0.11f, 0.11f}},
};

static enum severity clamp_sev(enum severity s)
{
	return (unsigned)s < SEV_COUNT ? s : SEV_INFO;
}

/* ---- the report's state ---- */

struct report {
	struct store *st;
	struct pdf_doc *d;
	struct store_run run;
	const char *project; /* the run's, or "project not set" */
	int rc;              /* first store error met inside a callback */
};

/* A built-in rule's metadata. Rules a configuration adds (custom secret
 * rules) are known to the scan that wrote the run but not to a later
 * `assay report`, so the report never uses them: the same run renders the
 * same way either way. */
static const struct rule *builtin_rule(const char *id)
{
	const struct rule *r = registry_find(id);

	for (size_t i = 0; r && i < registry_builtin_count(); i++)
		if (registry_at(i) == r)
			return r;
	return NULL;
}

static const char *unknown_rule_title(const char *id)
{
	return str_starts_with(id, "secret.custom-") ? "a secret rule defined in the run's configuration"
						     : "a rule this version of assay does not know";
}

/* Keeps the first store error; a PDF that silently lacks rows would be
 * worse than none. */
static void note_error(struct report *R, int rc)
{
	if (rc < 0 && R->rc == 0)
		R->rc = rc;
}

static const char *or_not_set(const char *s)
{
	return s && *s ? s : "not set";
}

static unsigned total_unwaived(const struct store_run *r)
{
	unsigned n = 0;

	for (int s = 0; s < SEV_COUNT; s++)
		n += r->counts[s];
	return n;
}

static const char *plural(unsigned n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* "path:line:col in target" */
static char *location(const struct finding *f)
{
	struct buf b;
	bool has_path = f->path && *f->path;

	buf_init(&b);
	buf_puts(&b, has_path ? f->path : (f->target ? f->target : ""));
	if (f->line)
		buf_printf(&b, ":%u", f->line);
	if (f->line && f->column)
		buf_printf(&b, ":%u", f->column);
	if (has_path && f->target && *f->target && strcmp(f->target, ".") != 0)
		buf_printf(&b, " in %s", f->target);
	return buf_steal(&b);
}

/* Two-column key/value tables: the cover, integrity. */
static const struct pdf_column kv_columns[] = {
	{"", 120, PDF_BOLD, PDF_ALIGN_LEFT, false},
	{"", PDF_CONTENT_WIDTH - 120, PDF_REGULAR, PDF_ALIGN_LEFT, false},
};

static void kv_row(struct pdf_doc *d, const char *key, const char *value, int font)
{
	struct pdf_cell cells[2] = {
		{key, &label_fill, NULL, -1},
		{value, NULL, NULL, font},
	};
	pdf_table_row(d, cells);
}

/* ---- cover ---- */

struct scope_ctx {
	struct pdf_doc *d;
	unsigned n;
};

static int cover_input(const struct store_input *in, void *ctx)
{
	struct scope_ctx *s = ctx;
	char *id = in->commit ? xasprintf("commit %s\n%s", in->commit, in->digest ? in->digest : "")
			      : xasprintf("%s", in->digest ? in->digest : "no digest recorded");
	struct pdf_cell cells[3] = {
		{in->kind, NULL, NULL, -1},
		{in->locator, NULL, NULL, -1},
		{id, NULL, NULL, -1},
	};

	pdf_table_row(s->d, cells);
	free(id);
	s->n++;
	return pdf_doc_failed(s->d);
}

static int cover_image(const struct store_image *img, int64_t image_id, void *ctx)
{
	struct scope_ctx *s = ctx;
	struct buf where, id;

	(void)image_id;
	buf_init(&where);
	buf_init(&id);
	buf_printf(&where, "%s%s%s", img->target, img->source && *img->source ? "!" : "",
		   img->source ? img->source : "");
	for (size_t i = 0; i < img->n_tags; i++)
		buf_printf(&where, "%s%s", i ? ", " : "\ntags: ", img->tags[i]);
	buf_printf(&id, "image %s", img->digest ? img->digest : "(no digest)");
	if (img->os)
		buf_printf(&id, "\n%s/%s, %zu %s", img->os, img->architecture ? img->architecture : "?",
			   img->n_layers, plural((unsigned)img->n_layers, "layer", "layers"));
	{
		struct pdf_cell cells[3] = {
			{img->format ? img->format : "image", NULL, NULL, -1},
			{where.data, NULL, NULL, -1},
			{id.data, NULL, NULL, -1},
		};
		pdf_table_row(s->d, cells);
	}
	buf_free(&where);
	buf_free(&id);
	s->n++;
	return pdf_doc_failed(s->d);
}

static int count_profile(const struct store_profile *p, void *ctx)
{
	struct buf *b = ctx;

	buf_printf(b, "%s%s (%s%s%s)", b->len ? ", " : "", p->id, p->title ? p->title : "", p->version ? " " : "",
		   p->version ? p->version : "");
	return 0;
}

static void severity_summary(const struct store_run *r, struct buf *b)
{
	unsigned total = total_unwaived(r);
	bool first = true;

	buf_printf(b, "%u %s not waived", total, plural(total, "finding", "findings"));
	if (total) {
		buf_puts(b, " (");
		for (int s = SEV_COUNT - 1; s >= 0; s--) {
			if (!r->counts[s])
				continue;
			buf_printf(b, "%s%u %s", first ? "" : ", ", r->counts[s], severity_name((enum severity)s));
			first = false;
		}
		buf_puts(b, ")");
	}
	buf_printf(b, "; %u waived", r->waived);
}

static void render_cover(struct report *R)
{
	struct pdf_doc *d = R->d;
	const struct store_run *r = &R->run;
	static const struct pdf_column scope_cols[] = {
		{"Kind", 62, PDF_REGULAR, PDF_ALIGN_LEFT, false},
		{"Input", 115, PDF_REGULAR, PDF_ALIGN_LEFT, false},
		{"Commit SHA / digest", PDF_CONTENT_WIDTH - 177, PDF_MONO, PDF_ALIGN_LEFT, false},
	};
	struct scope_ctx scope = {d, 0};
	struct buf b;
	char *s;

	pdf_new_page(d);
	pdf_bookmark(d, 1, "Cover");
	pdf_gap(d, 40);
	pdf_text(d, PDF_BOLD, 26, &black, 0, "Compliance audit report");
	pdf_gap(d, 6);
	s = xasprintf("%s — %s", r->organisation && *r->organisation ? r->organisation : "organisation not set",
		      R->project);
	pdf_text(d, PDF_REGULAR, 15, &grey, 0, s);
	free(s);
	pdf_gap(d, 24);

	if (strcmp(r->status, "complete") != 0) {
		s = xasprintf("This run did not complete (status: %s%s%s). Its findings may be partial, and it is not "
			      "sealed by the hash chain.",
			      r->status, r->error ? ": " : "", r->error ? r->error : "");
		pdf_table_begin(d, kv_columns + 1, 1, 9, false);
		{
			struct pdf_cell cell = {s, &warn_fill, NULL, PDF_BOLD};
			pdf_table_row(d, &cell);
		}
		pdf_table_end(d);
		free(s);
	}

	pdf_table_begin(d, kv_columns, 2, 9, false);
	kv_row(d, "Organisation", or_not_set(r->organisation), -1);
	kv_row(d, "Project", or_not_set(r->project), -1);
	s = xasprintf("%" PRId64 " (%s)", r->id, r->status);
	kv_row(d, "Run", s, -1);
	free(s);
	s = xasprintf("started %s, finished %s", r->started_at ? r->started_at : "?",
		      r->finished_at ? r->finished_at : "(not finished)");
	kv_row(d, "Date (UTC)", s, -1);
	free(s);
	s = xasprintf("assay %s%s%s", r->tool_version ? r->tool_version : "?",
		      r->tool_version && strcmp(r->tool_version, ASSAY_VERSION) != 0 ? "; this report rendered by assay "
										       : "",
		      r->tool_version && strcmp(r->tool_version, ASSAY_VERSION) != 0 ? ASSAY_VERSION : "");
	kv_row(d, "Tool version", s, -1);
	free(s);
	s = xasprintf("%zu rules, version %s: the rules ship with the tool and have no version of their own, so the "
		      "tool version identifies them",
		      registry_builtin_count(), r->tool_version ? r->tool_version : ASSAY_VERSION);
	kv_row(d, "Rule pack", s, -1);
	free(s);
	buf_init(&b);
	note_error(R, store_foreach_profile(R->st, r->id, count_profile, &b));
	kv_row(d, "Profiles", b.len ? b.data : "none selected", -1);
	buf_reset(&b);
	kv_row(d, "Configuration", r->config_path ? r->config_path : "none (no .assay.yml was read)", -1);
	kv_row(d, "Baseline", r->baseline ? r->baseline : "none", -1);
	kv_row(d, "Command", r->command ? r->command : "?", PDF_MONO);
	severity_summary(r, &b);
	buf_printf(&b, "; fail-on threshold %s, exit code %d", r->fail_on ? r->fail_on : "?", r->exit_code);
	kv_row(d, "Result", b.data, -1);
	buf_free(&b);
	pdf_table_end(d);

	pdf_heading(d, 2, "Scope");
	pdf_text(d, PDF_REGULAR, 9, &black, 0,
		 "What this run scanned, each input with the commit it was at (git inputs) and the SHA-256 digest "
		 "of what was read:");
	pdf_gap(d, 4);
	pdf_table_begin(d, scope_cols, 3, 8, true);
	note_error(R, store_foreach_input(R->st, r->id, cover_input, &scope));
	note_error(R, store_foreach_image(R->st, r->id, cover_image, &scope));
	pdf_table_end(d);
	if (!scope.n)
		pdf_text(d, PDF_REGULAR, 9, &grey, 0, "The run recorded no input.");

	pdf_heading(d, 2, "About this report");
	pdf_text(d, PDF_REGULAR, 9, &black, 0,
		 "assay is an offline compliance scanner. It read the inputs above, checked them against its rules "
		 "and, where profiles were selected, mapped the results to framework controls. Every run is kept "
		 "in a SQLite store and sealed with a SHA-256 hash chained to the run before it; this report is "
		 "a rendering of the stored run, not a new scan, and renders identically again with "
		 "\"assay report --run ID -o report.pdf\". Secret values never appear: evidence is shown "
		 "redacted, as it was stored. The appendix says how the scan works and how to check the run's "
		 "integrity.");
}

/* ---- executive summary ---- */

struct profile_score {
	unsigned pass, fail, waived, na, not_assessed, other;
};

static int score_control(const struct store_control *c, void *ctx)
{
	struct profile_score *s = ctx;

	if (strcmp(c->status, "pass") == 0)
		s->pass++;
	else if (strcmp(c->status, "fail") == 0)
		s->fail++;
	else if (strcmp(c->status, "waived") == 0)
		s->waived++;
	else if (strcmp(c->status, "not-applicable") == 0)
		s->na++;
	else if (strcmp(c->status, "not-assessed") == 0)
		s->not_assessed++;
	else
		s->other++;
	return 0;
}

struct summary_ctx {
	struct report *R;
	unsigned n;
};

static int summary_profile(const struct store_profile *p, void *ctx)
{
	struct summary_ctx *sc = ctx;
	struct profile_score s = {0};
	unsigned assessed;
	char *name, *score, n[5][16];
	int rc = store_foreach_control(sc->R->st, sc->R->run.id, p->id, score_control, &s);

	if (rc)
		return rc;
	assessed = s.pass + s.fail + s.waived;
	name = xasprintf("%s\n%s%s%s", p->title ? p->title : p->id, p->id, p->version ? " " : "",
			 p->version ? p->version : "");
	if (assessed)
		score = xasprintf("%u%%\n%u of %u assessed pass", (s.pass * 100 + assessed / 2) / assessed, s.pass,
				  assessed);
	else
		score = xasprintf("no score\nno control was assessed");
	snprintf(n[0], sizeof(n[0]), "%u", s.pass);
	snprintf(n[1], sizeof(n[1]), "%u", s.fail);
	snprintf(n[2], sizeof(n[2]), "%u", s.waived);
	snprintf(n[3], sizeof(n[3]), "%u", s.na);
	snprintf(n[4], sizeof(n[4]), "%u", s.not_assessed);
	{
		const struct status_style *fail = status_style("fail");
		struct pdf_cell cells[7] = {
			{name, NULL, NULL, -1},
			{score, NULL, NULL, -1},
			{n[0], NULL, NULL, -1},
			{n[1], s.fail ? &fail->fill : NULL, s.fail ? &fail->text : NULL, s.fail ? PDF_BOLD : -1},
			{n[2], NULL, NULL, -1},
			{n[3], NULL, NULL, -1},
			{n[4], NULL, NULL, -1},
		};
		pdf_table_row(sc->R->d, cells);
	}
	free(name);
	free(score);
	sc->n++;
	return pdf_doc_failed(sc->R->d);
}

static float nice_ceiling(unsigned v)
{
	float step = 1;

	if (v == 0)
		return 1;
	while (step * 10 <= (float)v)
		step *= 10;
	if ((float)v <= step)
		return step;
	if ((float)v <= 2 * step)
		return 2 * step;
	if ((float)v <= 5 * step)
		return 5 * step;
	return 10 * step;
}

static void severity_chart(struct report *R)
{
	struct pdf_doc *d = R->d;
	const float row = 16, label_w = 62, bar_max = PDF_CONTENT_WIDTH - label_w - 60;
	float top = nice_ceiling(0);
	char num[32];

	for (int s = 0; s < SEV_COUNT; s++)
		if ((float)R->run.counts[s] > top)
			top = (float)R->run.counts[s];
	pdf_need(d, row * SEV_COUNT + 30);
	for (int s = SEV_COUNT - 1, i = 0; s >= 0; s--, i++) {
		float y = (float)i * row, w = bar_max * (float)R->run.counts[s] / top;
		pdf_text_at(d, 0, y + 3, PDF_BOLD, 8.5f, &black, label_w - 4, PDF_ALIGN_RIGHT, sev_title[s]);
		pdf_rect(d, label_w, y + 2, bar_max, row - 4, &label_fill, NULL);
		if (R->run.counts[s])
			pdf_rect(d, label_w, y + 2, w < 1.5f ? 1.5f : w, row - 4, &sev_fill[s], NULL);
		snprintf(num, sizeof(num), "%u", R->run.counts[s]);
		pdf_text_at(d, label_w + (w < 1.5f ? 1.5f : w) + 4, y + 3, PDF_REGULAR, 8.5f, &black, 56,
			    PDF_ALIGN_LEFT, num);
	}
	pdf_line(d, label_w, 0, label_w, row * SEV_COUNT, 0.6f, &grey);
	pdf_gap(d, row * SEV_COUNT + 4);
	snprintf(num, sizeof(num), "%u", R->run.waived);
	pdf_text(d, PDF_REGULAR, 8, &grey, label_w,
		 R->run.waived ? "Bars count the findings not covered by a waiver; waived findings are not counted here."
			       : "Bars count the findings not covered by a waiver; no finding was waived.");
	if (R->run.waived) {
		char *s = xasprintf("Waived findings: %s.", num);
		pdf_text(d, PDF_REGULAR, 8, &grey, label_w, s);
		free(s);
	}
}

struct trend_point {
	int64_t id;
	char date[11];
	unsigned counts[SEV_COUNT];
};

struct trend_ctx {
	int64_t run;
	struct trend_point points[TREND_RUNS];
	size_t n;
};

static int collect_trend(const struct store_run *r, void *ctx)
{
	struct trend_ctx *t = ctx;
	struct trend_point *p;

	/* Newest first: the complete runs up to this one, and this one
	 * whatever its status. */
	if (r->id > t->run || (r->id != t->run && strcmp(r->status, "complete") != 0))
		return 0;
	p = &t->points[t->n++];
	p->id = r->id;
	snprintf(p->date, sizeof(p->date), "%.10s", r->started_at ? r->started_at : "");
	memcpy(p->counts, r->counts, sizeof(p->counts));
	return t->n == TREND_RUNS ? 1 : 0;
}

static void trend_chart(struct report *R)
{
	struct pdf_doc *d = R->d;
	struct trend_ctx t = {.run = R->run.id};
	const float axis_w = 34, height = 105, label_h = 24;
	float top, slot, bar_w, plot_w = PDF_CONTENT_WIDTH - axis_w;
	unsigned max = 0;
	char num[48];
	int rc = store_foreach_run(R->st, collect_trend, &t);

	if (rc < 0) {
		R->rc = rc;
		return;
	}
	for (size_t i = 0; i < t.n; i++) {
		unsigned sum = 0;
		for (int s = 0; s < SEV_COUNT; s++)
			sum += t.points[i].counts[s];
		if (sum > max)
			max = sum;
	}
	top = nice_ceiling(max);
	pdf_need(d, height + label_h + 40);
	/* Grid: 0, half and the top, labelled on the axis. */
	for (int g = 0; g <= 2; g++) {
		float y = height - height * (float)g / 2;
		snprintf(num, sizeof(num), "%g", (double)(top * (float)g / 2));
		pdf_line(d, axis_w, y, PDF_CONTENT_WIDTH, y, g ? 0.3f : 0.8f, g ? &light_grey : &grey);
		pdf_text_at(d, 0, y - 5, PDF_REGULAR, 7, &grey, axis_w - 4, PDF_ALIGN_RIGHT, num);
	}
	slot = plot_w / (float)(t.n > 4 ? t.n : 4);
	bar_w = slot * 0.55f;
	for (size_t k = 0; k < t.n; k++) {
		const struct trend_point *p = &t.points[t.n - 1 - k]; /* oldest on the left */
		float x = axis_w + slot * (float)k + (slot - bar_w) / 2, y = height;
		unsigned sum = 0;

		for (int s = 0; s < SEV_COUNT; s++) {
			float h = height * (float)p->counts[s] / top;
			sum += p->counts[s];
			if (h <= 0)
				continue;
			pdf_rect(d, x, y - h, bar_w, h, &sev_fill[s], NULL);
			y -= h;
		}
		snprintf(num, sizeof(num), "%u", sum);
		pdf_text_at(d, x - 10, y - 11, PDF_BOLD, 7.5f, &black, bar_w + 20, PDF_ALIGN_CENTER, num);
		snprintf(num, sizeof(num), "run %" PRId64 "%s", p->id, p->id == R->run.id ? " (this)" : "");
		pdf_text_at(d, x - (slot - bar_w) / 2, height + 3, p->id == R->run.id ? PDF_BOLD : PDF_REGULAR, 7,
			    &black, slot, PDF_ALIGN_CENTER, num);
		pdf_text_at(d, x - (slot - bar_w) / 2, height + 12, PDF_REGULAR, 6.5f, &grey, slot, PDF_ALIGN_CENTER,
			    p->date);
	}
	pdf_gap(d, height + label_h);
	/* Legend: a swatch and the word for each severity. */
	{
		float x = axis_w;
		for (int s = SEV_COUNT - 1; s >= 0; s--) {
			pdf_rect(d, x, 1, 8, 8, &sev_fill[s], NULL);
			pdf_text_at(d, x + 11, 0, PDF_REGULAR, 7.5f, &black, 60, PDF_ALIGN_LEFT, sev_title[s]);
			x += 14 + pdf_text_width(d, PDF_REGULAR, 7.5f, sev_title[s]) + 12;
		}
		pdf_gap(d, 14);
	}
	{
		char *s = t.n == 1 ? xasprintf("Findings not covered by a waiver in this run, by severity. There is no "
					       "earlier complete run: the trend starts here.")
				   : xasprintf("Findings not covered by a waiver in the last %zu runs up to this one "
					       "(complete runs only), by severity.",
					       t.n);
		pdf_text(d, PDF_REGULAR, 8, &grey, axis_w, s);
		free(s);
	}
}

/* The most serious issues: the first TOP_ISSUES groups of unwaived
 * findings sharing a severity and a rule, in the store's order (severity,
 * then rule), each with its count and first location. */
struct issue {
	enum severity sev;
	char *rule;
	char *example;
	unsigned n;
};

struct issues_ctx {
	struct issue items[TOP_ISSUES];
	size_t n;
};

static int collect_issue(const struct finding *f, void *ctx)
{
	struct issues_ctx *c = ctx;
	struct issue *last = c->n ? &c->items[c->n - 1] : NULL;

	if (f->waived)
		return 0;
	if (last && last->sev == f->severity && strcmp(last->rule, f->rule) == 0) {
		last->n++;
		return 0;
	}
	if (c->n == TOP_ISSUES)
		return 1; /* a sixth issue starts: the five are counted */
	last = &c->items[c->n++];
	last->sev = clamp_sev(f->severity);
	last->rule = xstrdup(f->rule);
	last->example = location(f);
	last->n = 1;
	return 0;
}

static void top_issues(struct report *R)
{
	static const struct pdf_column cols[] = {
		{"Severity", 58, PDF_BOLD, PDF_ALIGN_CENTER, true},
		{"Rule", 150, PDF_REGULAR, PDF_ALIGN_LEFT, true},
		{"Issue and first location", PDF_CONTENT_WIDTH - 58 - 150 - 50, PDF_REGULAR, PDF_ALIGN_LEFT, true},
		{"Findings", 50, PDF_REGULAR, PDF_ALIGN_RIGHT, true},
	};
	struct issues_ctx c = {0};
	int rc = store_foreach_finding(R->st, R->run.id, collect_issue, &c);

	note_error(R, rc);
	if (!c.n) {
		pdf_text(R->d, PDF_REGULAR, 9, &black, 0, "None: no finding is left unwaived.");
		return;
	}
	pdf_table_begin(R->d, cols, 4, 8, true);
	for (size_t i = 0; i < c.n; i++) {
		const struct rule *rule = builtin_rule(c.items[i].rule);
		char *what = xasprintf("%s — %s", rule ? rule->title : unknown_rule_title(c.items[i].rule),
				       c.items[i].example);
		char n[16];
		struct pdf_cell cells[4] = {
			{sev_word[c.items[i].sev], &sev_fill[c.items[i].sev], sev_text[c.items[i].sev], -1},
			{c.items[i].rule, NULL, NULL, -1},
			{what, NULL, NULL, -1},
			{n, NULL, NULL, -1},
		};
		snprintf(n, sizeof(n), "%u", c.items[i].n);
		pdf_table_row(R->d, cells);
		free(what);
		free(c.items[i].rule);
		free(c.items[i].example);
	}
	pdf_table_end(R->d);
}

static void render_summary(struct report *R)
{
	static const struct pdf_column cols[] = {
		{"Profile", 150, PDF_REGULAR, PDF_ALIGN_LEFT, false},
		{"Score (pass / assessed)", 125, PDF_REGULAR, PDF_ALIGN_LEFT, false},
		{"Pass", 40, PDF_REGULAR, PDF_ALIGN_RIGHT, false},
		{"Fail", 40, PDF_REGULAR, PDF_ALIGN_RIGHT, false},
		{"Waived", 44, PDF_REGULAR, PDF_ALIGN_RIGHT, false},
		{"N/A", 40, PDF_REGULAR, PDF_ALIGN_RIGHT, false},
		{"Not assessed", PDF_CONTENT_WIDTH - 439, PDF_REGULAR, PDF_ALIGN_RIGHT, false},
	};
	struct pdf_doc *d = R->d;
	struct summary_ctx sc = {R, 0};
	struct buf b;
	enum severity fail_on;
	bool failed = false;
	int rc;

	pdf_heading(d, 1, "Executive summary");
	buf_init(&b);
	buf_puts(&b, "The scan found ");
	severity_summary(&R->run, &b);
	buf_puts(&b, ".");
	if (R->run.fail_on && severity_parse(R->run.fail_on, true, &fail_on) == 0 && fail_on != SEV_NONE) {
		for (int s = fail_on; s < SEV_COUNT; s++)
			failed = failed || R->run.counts[s];
		buf_printf(&b, " Against the fail-on threshold (%s and above) the run %s.", R->run.fail_on,
			   failed ? "FAILS" : "PASSES");
	}
	pdf_text(d, PDF_REGULAR, 9.5f, &black, 0, b.data);
	buf_free(&b);

	pdf_heading(d, 2, "Compliance by profile");
	pdf_text(d, PDF_REGULAR, 8.5f, &grey, 0,
		 "Score = controls passing / controls assessed, where assessed = pass + fail + waived; controls "
		 "not applicable (none of their rules had anything to look at) and not assessed (manual controls) "
		 "are not assessed.");
	pdf_gap(d, 4);
	pdf_table_begin(d, cols, 7, 8, true);
	rc = store_foreach_profile(R->st, R->run.id, summary_profile, &sc);
	note_error(R, rc);
	pdf_table_end(d);
	if (!sc.n)
		pdf_text(d, PDF_REGULAR, 9, &black, 0,
			 "No profile was selected for this run, so no control was assessed. Profiles are chosen with "
			 "--profile or in .assay.yml.");

	pdf_heading(d, 2, "Findings by severity");
	severity_chart(R);
	pdf_heading(d, 2, "Trend");
	trend_chart(R);
	pdf_need(d, 130); /* the five issues stay together */
	pdf_heading(d, 2, "Most serious issues");
	top_issues(R);
}

/* ---- control matrix ---- */

struct matrix_ctx {
	struct report *R;
	unsigned n;
};

static int matrix_control(const struct store_control *c, void *ctx)
{
	struct matrix_ctx *m = ctx;
	const struct status_style *st = status_style(c->status);
	char n[48];
	char *evidence, *id;
	struct pdf_cell cells[5];

	snprintf(n, sizeof(n), c->waived ? "%u\n+%u waived" : "%u", c->findings, c->waived);
	if (c->evidence && *c->evidence)
		evidence = xasprintf("%s", c->evidence);
	else if (!c->rules || !*c->rules)
		evidence = xasprintf("manual control: not assessed by assay");
	else
		evidence = xasprintf("rules: %s", c->rules);
	id = c->level && *c->level ? xasprintf("%s\n%s", c->id, c->level) : xstrdup(c->id);
	cells[0] = (struct pdf_cell){id, NULL, NULL, -1};
	cells[1] = (struct pdf_cell){c->title, NULL, NULL, -1};
	cells[2] = (struct pdf_cell){st->word, &st->fill, &st->text, PDF_BOLD};
	cells[3] = (struct pdf_cell){n, NULL, NULL, -1};
	cells[4] = (struct pdf_cell){evidence, NULL, NULL, -1};
	pdf_table_row(m->R->d, cells);
	free(evidence);
	free(id);
	m->n++;
	return pdf_doc_failed(m->R->d);
}

static int matrix_profile(const struct store_profile *p, void *ctx)
{
	static const struct pdf_column cols[] = {
		/* Wide enough for ids such as ASSAY-K8S-RESILIENCE on one line,
		 * so that a search for a control id finds it. */
		{"Control", 120, PDF_BOLD, PDF_ALIGN_LEFT, false},
		{"Title", 116, PDF_REGULAR, PDF_ALIGN_LEFT, false},
		{"Status", 72, PDF_BOLD, PDF_ALIGN_CENTER, false},
		{"Findings", 46, PDF_REGULAR, PDF_ALIGN_RIGHT, false},
		{"Evidence", PDF_CONTENT_WIDTH - 354, PDF_REGULAR, PDF_ALIGN_LEFT, false},
	};
	struct matrix_ctx *outer = ctx, m = {outer->R, 0};
	struct pdf_doc *d = outer->R->d;
	char *title = xasprintf("%s (%s%s%s)", p->title ? p->title : p->id, p->id, p->version ? " " : "",
				p->version ? p->version : "");
	char *caption = xasprintf("Control matrix — %s (continued)", p->id);
	int rc;

	pdf_heading(d, 2, title);
	if (p->source) {
		char *s = xasprintf("Profile source: %s.", p->source);
		pdf_text(d, PDF_REGULAR, 8, &grey, 0, s);
		free(s);
	}
	pdf_set_continued(d, caption);
	pdf_table_begin(d, cols, 5, 7.5f, true);
	rc = store_foreach_control(outer->R->st, outer->R->run.id, p->id, matrix_control, &m);
	pdf_table_end(d);
	pdf_set_continued(d, NULL);
	if (!m.n)
		pdf_text(d, PDF_REGULAR, 9, &black, 0, "The run recorded no control result for this profile.");
	free(title);
	free(caption);
	outer->n++;
	return rc ? rc : pdf_doc_failed(d);
}

static void render_matrix(struct report *R)
{
	struct matrix_ctx m = {R, 0};
	int rc;

	pdf_heading(R->d, 1, "Control matrix");
	pdf_text(R->d, PDF_REGULAR, 8.5f, &grey, 0,
		 "Each control of each selected profile with its status, computed from the run's findings: PASS "
		 "(its rules ran and found nothing), FAIL (a rule has a finding not covered by a waiver), WAIVED "
		 "(its rules have findings, all of them waived), N/A (none of its rules had anything to look at) "
		 "or NOT ASSESSED (a manual control, or all its rules switched off). Findings counts the unwaived "
		 "findings of the control's rules; the evidence line says what assay looked at. PASS means that "
		 "this evidence found nothing, not that the control is met: most controls also rest on processes "
		 "and settings that files cannot show.");
	rc = store_foreach_profile(R->st, R->run.id, matrix_profile, &m);
	note_error(R, rc);
	if (!m.n) {
		pdf_gap(R->d, 6);
		pdf_text(R->d, PDF_REGULAR, 9.5f, &black, 0,
			 "No profile was selected for this run, so there is no control matrix. Profiles (CIS "
			 "Kubernetes, CIS Docker, SOC 2, ISO/IEC 27001) are chosen with --profile or in .assay.yml; "
			 "the findings below stand on their own.");
	}
}

/* ---- findings ---- */

struct findings_ctx {
	struct report *R;
	int sev;    /* of the group being printed; -1 before the first */
	char *rule; /* likewise */
	unsigned n;
};

static const struct pdf_column finding_cols[] = {
	{"", 64, PDF_BOLD, PDF_ALIGN_LEFT, false},
	{"", PDF_CONTENT_WIDTH - 64, PDF_REGULAR, PDF_ALIGN_LEFT, false},
};

/* The headings of a new severity and rule, kept on the page of the rule's
 * first finding (block_h high). */
static void finding_group(struct findings_ctx *c, const struct finding *f, float block_h)
{
	struct pdf_doc *d = c->R->d;
	enum severity sev = clamp_sev(f->severity);
	const struct rule *rule = builtin_rule(f->rule);
	bool new_sev = c->sev != (int)sev;
	char *title = xasprintf("%s — %s", f->rule, rule ? rule->title : unknown_rule_title(f->rule));
	char *remedy = rule && rule->remediation ? xasprintf("Remediation: %s", rule->remediation) : NULL;
	float need = block_h + 20 + pdf_text_height(d, PDF_BOLD, 10.5f, 0, title) +
		     (remedy ? pdf_text_height(d, PDF_REGULAR, 8, 0, remedy) : 0) + (new_sev ? 36 : 0);
	char *s;

	/* A page that starts with these headings is captioned with the
	 * severity at most, never with the rule before. */
	s = xasprintf("Findings — %s (continued)", sev_word[sev]);
	pdf_set_continued(d, new_sev ? NULL : s);
	free(s);
	pdf_need(d, need);
	if (new_sev) {
		s = xasprintf("%s severity", sev_title[sev]);
		pdf_heading(d, 2, s);
		free(s);
		c->sev = (int)sev;
	}
	free(c->rule);
	c->rule = xstrdup(f->rule);
	pdf_heading(d, 3, title);
	if (remedy)
		pdf_text(d, PDF_REGULAR, 8, &black, 0, remedy);
	pdf_gap(d, 3);
	s = xasprintf("Findings — %s — %s (continued)", sev_word[sev], f->rule);
	pdf_set_continued(d, s);
	free(s);
	free(title);
	free(remedy);
}

static int render_finding(const struct finding *f, const struct store_first_seen *first, void *ctx)
{
	struct findings_ctx *c = ctx;
	struct pdf_doc *d = c->R->d;
	enum severity sev = clamp_sev(f->severity);
	const struct status_style *waived = status_style("waived");
	struct pdf_cell rows[7][2];
	size_t n = 0;
	char *loc = location(f), *extra = NULL, *status;
	struct pdf_rows *wrapped;
	struct buf b;

	rows[n][0] = (struct pdf_cell){sev_word[sev], &sev_fill[sev], sev_text[sev], -1};
	rows[n++][1] = (struct pdf_cell){loc, NULL, NULL, PDF_BOLD};
	rows[n][0] = (struct pdf_cell){"Message", &label_fill, &grey, -1};
	rows[n++][1] = (struct pdf_cell){f->message ? f->message : "", NULL, NULL, -1};
	if (f->evidence && *f->evidence) {
		rows[n][0] = (struct pdf_cell){"Evidence", &label_fill, &grey, -1};
		rows[n++][1] = (struct pdf_cell){f->evidence, NULL, NULL, PDF_MONO};
	}
	if (f->commit) {
		extra = xasprintf("%s by %s on %s", f->commit, f->author ? f->author : "?", f->date ? f->date : "?");
		rows[n][0] = (struct pdf_cell){"Commit", &label_fill, &grey, -1};
		rows[n++][1] = (struct pdf_cell){extra, NULL, NULL, -1};
	} else if (f->layer) {
		extra = xasprintf("%s%s%s", f->layer, f->target_digest ? "\nof image " : "",
				  f->target_digest ? f->target_digest : "");
		rows[n][0] = (struct pdf_cell){"Layer", &label_fill, &grey, -1};
		rows[n++][1] = (struct pdf_cell){extra, NULL, NULL, PDF_MONO};
	}
	buf_init(&b);
	if (f->waived)
		buf_printf(&b, "WAIVED: %s", f->waiver && *f->waiver ? f->waiver : "waived");
	else
		buf_puts(&b, "not waived");
	if (first->run == c->R->run.id)
		buf_printf(&b, " · first seen in this run (%.10s)", first->started_at ? first->started_at : "?");
	else
		buf_printf(&b, " · first seen in run %" PRId64 " (%.10s)", first->run,
			   first->started_at ? first->started_at : "?");
	if (f->baseline)
		buf_printf(&b, " · baseline: %s", f->baseline);
	status = buf_steal(&b);
	rows[n][0] = (struct pdf_cell){"Status", &label_fill, &grey, -1};
	rows[n++][1] = (struct pdf_cell){status, f->waived ? &waived->fill : NULL, f->waived ? &waived->text : NULL,
					 f->waived ? PDF_BOLD : -1};
	rows[n][0] = (struct pdf_cell){"Fingerprint", &label_fill, &grey, -1};
	rows[n++][1] = (struct pdf_cell){f->fingerprint, NULL, &grey, PDF_MONO};

	/* A finding is kept on one page when it fits on one. */
	pdf_table_begin(d, finding_cols, 2, 8, false);
	wrapped = pdf_rows_wrap(d, &rows[0][0], n);
	if (c->sev != (int)sev || !c->rule || strcmp(c->rule, f->rule) != 0)
		finding_group(c, f, pdf_rows_height(wrapped));
	pdf_rows_draw(d, wrapped);
	pdf_table_rule(d);
	pdf_gap(d, 5);
	free(loc);
	free(extra);
	free(status);
	c->n++;
	return pdf_doc_failed(d);
}

static void render_findings(struct report *R)
{
	struct findings_ctx c = {R, -1, NULL, 0};
	int rc;

	pdf_heading(R->d, 1, "Findings");
	pdf_text(R->d, PDF_REGULAR, 8.5f, &grey, 0,
		 "Every finding of the run, grouped by severity and then by rule. Locations are path:line:column "
		 "inside the input they were found in. Evidence is shown as stored, redacted: secret values never "
		 "appear in this report. \"First seen\" is the earliest complete run in the store holding a finding "
		 "with the same fingerprint (a hash of rule, input, path and matched content, not the line, so a finding "
		 "keeps it when lines move).");
	rc = store_foreach_finding_first_seen(R->st, R->run.id, render_finding, &c);
	note_error(R, rc);
	pdf_table_end(R->d);
	pdf_set_continued(R->d, NULL);
	if (!c.n) {
		pdf_gap(R->d, 6);
		pdf_text(R->d, PDF_REGULAR, 9.5f, &black, 0, "The scan found nothing to report.");
	}
	free(c.rule);
}

/* ---- waivers ---- */

struct waiver_ctx {
	struct report *R;
	const struct status_style *state;
	unsigned n;
};

static int render_waiver(const struct store_waiver *w, void *ctx)
{
	struct waiver_ctx *c = ctx;
	char *scope, *reason, matched[16];

	if (!w->state || strcmp(w->state, c->state->status) != 0)
		return 0;
	if (w->fingerprint)
		scope = xasprintf("fingerprint %s", w->fingerprint);
	else
		scope = xasprintf("%s", w->paths && *w->paths ? w->paths : "every path");
	reason = xasprintf("%s%s%s", w->reason ? w->reason : "", w->source ? "\ndeclared at " : "",
			   w->source ? w->source : "");
	snprintf(matched, sizeof(matched), "%u", w->matched);
	{
		struct pdf_cell cells[7] = {
			{c->state->word, &c->state->fill, &c->state->text, PDF_BOLD},
			{w->rule, NULL, NULL, -1},
			{scope, NULL, NULL, -1},
			{w->owner, NULL, NULL, -1},
			{reason, NULL, NULL, -1},
			{w->expires ? w->expires : "never", NULL, NULL, -1},
			{matched, NULL, NULL, -1},
		};
		pdf_table_row(c->R->d, cells);
	}
	free(scope);
	free(reason);
	c->n++;
	return pdf_doc_failed(c->R->d);
}

static int count_waiver(const struct store_waiver *w, void *ctx)
{
	(void)w;
	(*(unsigned *)ctx)++;
	return 0;
}

static void render_waivers(struct report *R)
{
	static const struct pdf_column cols[] = {
		{"State", 52, PDF_BOLD, PDF_ALIGN_CENTER, false},
		{"Rule", 86, PDF_REGULAR, PDF_ALIGN_LEFT, false},
		{"Scope", 82, PDF_REGULAR, PDF_ALIGN_LEFT, false},
		{"Owner", 64, PDF_REGULAR, PDF_ALIGN_LEFT, false},
		{"Reason and source", PDF_CONTENT_WIDTH - 380, PDF_REGULAR, PDF_ALIGN_LEFT, false},
		{"Expires", 52, PDF_REGULAR, PDF_ALIGN_LEFT, false},
		{"Matched", 44, PDF_REGULAR, PDF_ALIGN_RIGHT, false},
	};
	static const char *const titles[] = {"Active waivers", "Waivers expiring within 30 days",
					     "Expired waivers (they no longer suppress findings)"};
	unsigned total = 0;
	char *s;
	int rc;

	pdf_heading(R->d, 1, "Waivers");
	s = xasprintf("A waiver, declared in the configuration with an owner, a reason and an expiry date, marks the "
		      "findings it matches as waived: they stay in this report but do not fail the run. An expired "
		      "waiver no longer does. %u %s of this run %s waived in all, by these waivers or by inline "
		      "assay:ignore comments (shown with each finding).",
		      R->run.waived, plural(R->run.waived, "finding", "findings"), R->run.waived == 1 ? "is" : "are");
	pdf_text(R->d, PDF_REGULAR, 8.5f, &grey, 0, s);
	free(s);
	rc = store_foreach_waiver(R->st, R->run.id, count_waiver, &total);
	note_error(R, rc);
	if (!total) {
		pdf_gap(R->d, 4);
		pdf_text(R->d, PDF_REGULAR, 9.5f, &black, 0,
			 "No waiver from a configuration applied to this run (waivers are declared in .assay.yml).");
		return;
	}
	for (size_t i = 0; i < ARRAY_LEN(waiver_states); i++) {
		struct waiver_ctx c = {R, &waiver_states[i], 0};

		pdf_heading(R->d, 2, titles[i]);
		pdf_table_begin(R->d, cols, 7, 7.5f, true);
		rc = store_foreach_waiver(R->st, R->run.id, render_waiver, &c);
		note_error(R, rc);
		pdf_table_end(R->d);
		if (!c.n)
			pdf_text(R->d, PDF_REGULAR, 9, &black, 0, "None.");
	}
}

/* ---- changes since the previous run ---- */

struct change_ctx {
	struct report *R;
	unsigned n;
};

static const struct pdf_column change_cols[] = {
	{"Severity", 58, PDF_BOLD, PDF_ALIGN_CENTER, false},
	{"Rule", 130, PDF_REGULAR, PDF_ALIGN_LEFT, false},
	{"Location", 150, PDF_REGULAR, PDF_ALIGN_LEFT, false},
	{"Message", PDF_CONTENT_WIDTH - 338, PDF_REGULAR, PDF_ALIGN_LEFT, false},
};

static int list_change(const struct finding *f, void *ctx)
{
	struct change_ctx *c = ctx;
	enum severity sev = clamp_sev(f->severity);
	char *loc;

	if (c->n++ >= CHANGES_LISTED)
		return 0; /* counted, not listed */
	loc = location(f);
	{
		struct pdf_cell cells[4] = {
			{sev_word[sev], &sev_fill[sev], sev_text[sev], -1},
			{f->rule, NULL, NULL, -1},
			{loc, NULL, NULL, -1},
			{f->message, NULL, NULL, -1},
		};
		pdf_table_row(c->R->d, cells);
	}
	free(loc);
	return pdf_doc_failed(c->R->d);
}

static int count_change(const struct finding *f, void *ctx)
{
	(void)f;
	((struct change_ctx *)ctx)->n++;
	return 0;
}

static void change_list(struct report *R, int64_t prev, enum store_diff kind, const char *title, const char *none)
{
	struct change_ctx c = {R, 0};
	char *caption;
	int rc;

	pdf_heading(R->d, 2, title);
	caption = xasprintf("Changes since the previous run — %s (continued)", title);
	pdf_set_continued(R->d, caption);
	free(caption);
	pdf_table_begin(R->d, change_cols, 4, 7.5f, true);
	rc = store_foreach_diff_finding(R->st, prev, R->run.id, kind, list_change, &c);
	note_error(R, rc);
	pdf_table_end(R->d);
	pdf_set_continued(R->d, NULL);
	if (!c.n)
		pdf_text(R->d, PDF_REGULAR, 9, &black, 0, none);
	if (c.n > CHANGES_LISTED) {
		char *s = xasprintf("… and %u more (\"assay diff %" PRId64 " %" PRId64 "\" lists them all).",
				    c.n - CHANGES_LISTED, prev, R->run.id);
		pdf_text(R->d, PDF_BOLD, 9, &black, 0, s);
		free(s);
	}
}

static int list_locator(const struct store_input *in, void *ctx)
{
	struct buf *b = ctx;

	buf_printf(b, "%s%s (%s)", b->len ? ", " : "", in->locator, in->kind);
	return 0;
}

static void render_changes(struct report *R)
{
	static const struct pdf_column cols[] = {
		{"New", PDF_CONTENT_WIDTH / 3, PDF_BOLD, PDF_ALIGN_CENTER, false},
		{"Fixed", PDF_CONTENT_WIDTH / 3, PDF_BOLD, PDF_ALIGN_CENTER, false},
		{"Persisting", PDF_CONTENT_WIDTH / 3, PDF_BOLD, PDF_ALIGN_CENTER, false},
	};
	struct change_ctx counts[3] = {{R, 0}, {R, 0}, {R, 0}};
	static const enum store_diff kinds[3] = {STORE_DIFF_NEW, STORE_DIFF_FIXED, STORE_DIFF_PERSISTING};
	struct store_run prev_run;
	struct buf scanned;
	int64_t prev;
	char n[3][16], *s;
	int rc;

	pdf_heading(R->d, 1, "Changes since the previous run");
	rc = store_previous_complete_run(R->st, R->run.id, &prev);
	if (rc == -ENOENT) {
		pdf_text(R->d, PDF_REGULAR, 9.5f, &black, 0,
			 "This is the first complete run in this store: there is no earlier run to compare it with.");
		return;
	}
	if (rc < 0 || store_run_get(R->st, prev, &prev_run) < 0) {
		R->rc = rc < 0 ? rc : -EIO;
		return;
	}
	s = xasprintf("Compared with run %" PRId64 " of %s, the previous complete run, by fingerprint: new findings "
		      "are in this run only, fixed ones in run %" PRId64 " only, persisting ones in both.",
		      prev, prev_run.started_at ? prev_run.started_at : "?", prev);
	pdf_text(R->d, PDF_REGULAR, 9, &black, 0, s);
	free(s);
	store_run_clear(&prev_run);
	/* The previous run may have scanned something else: say what. */
	buf_init(&scanned);
	note_error(R, store_foreach_input(R->st, prev, list_locator, &scanned));
	s = xasprintf("Run %" PRId64 " scanned: %s.", prev, scanned.len ? scanned.data : "no recorded input");
	pdf_text(R->d, PDF_REGULAR, 8.5f, &grey, 0, s);
	free(s);
	buf_free(&scanned);
	for (int k = 0; k < 3; k++) {
		rc = store_foreach_diff_finding(R->st, prev, R->run.id, kinds[k], count_change, &counts[k]);
		note_error(R, rc);
		snprintf(n[k], sizeof(n[k]), "%u", counts[k].n);
	}
	pdf_gap(R->d, 6);
	pdf_table_begin(R->d, cols, 3, 10, true);
	{
		struct pdf_cell cells[3] = {{n[0], NULL, NULL, -1}, {n[1], NULL, NULL, -1}, {n[2], NULL, NULL, -1}};
		pdf_table_row(R->d, cells);
	}
	pdf_table_end(R->d);
	change_list(R, prev, STORE_DIFF_NEW, "New findings", "None: this run has no finding that the previous one lacked.");
	change_list(R, prev, STORE_DIFF_FIXED, "Fixed findings",
		    "None: every finding of the previous run is still present.");
}

/* ---- appendix ---- */

struct settings {
	struct store_rule_setting *items;
	size_t n;
};

static int collect_setting(const struct store_rule_setting *r, void *ctx)
{
	struct settings *s = ctx;
	struct store_rule_setting *copy;

	s->items = xrealloc(s->items, (s->n + 1) * sizeof(*s->items));
	copy = &s->items[s->n++];
	*copy = *r;
	copy->rule = xstrdup(r->rule ? r->rule : "");
	copy->reason = r->reason ? xstrdup(r->reason) : NULL;
	copy->source = r->source ? xstrdup(r->source) : NULL;
	return 0;
}

static void settings_free(struct settings *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free((char *)s->items[i].rule);
		free((char *)s->items[i].reason);
		free((char *)s->items[i].source);
	}
	free(s->items);
}

static const struct store_rule_setting *find_setting(const struct settings *s, const char *rule)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->items[i].rule, rule) == 0)
			return &s->items[i];
	return NULL;
}

static char *setting_text(const struct store_rule_setting *r)
{
	if (!r->enabled)
		return xstrdup("switched off");
	if (r->severity >= 0 && r->severity < SEV_COUNT)
		return xasprintf("re-rated to %s", severity_name((enum severity)r->severity));
	return xstrdup("on");
}

static void appendix_rules(struct report *R)
{
	static const struct pdf_column setting_cols[] = {
		{"Rule", 150, PDF_REGULAR, PDF_ALIGN_LEFT, false},
		{"Setting", 90, PDF_BOLD, PDF_ALIGN_LEFT, false},
		{"Reason", 150, PDF_REGULAR, PDF_ALIGN_LEFT, false},
		{"Source", PDF_CONTENT_WIDTH - 390, PDF_REGULAR, PDF_ALIGN_LEFT, false},
	};
	static const struct pdf_column rule_cols[] = {
		{"Rule", 165, PDF_REGULAR, PDF_ALIGN_LEFT, false},
		{"Default severity", 62, PDF_BOLD, PDF_ALIGN_CENTER, false},
		{"Title", 192, PDF_REGULAR, PDF_ALIGN_LEFT, false},
		{"In this run", PDF_CONTENT_WIDTH - 419, PDF_REGULAR, PDF_ALIGN_LEFT, false},
	};
	struct settings set = {0};
	char *s;
	int rc = store_foreach_rule_setting(R->st, R->run.id, collect_setting, &set);

	note_error(R, rc);
	pdf_heading(R->d, 2, "Rules");
	s = xasprintf("The rule pack holds %zu rules, which ship with assay %s (they have no version of their own). "
		      "Each rule has an id (family.slug), a default severity, a description and a remediation; "
		      "\"assay explain RULE\" prints one, and docs/rules.md lists them all.",
		      registry_builtin_count(), R->run.tool_version ? R->run.tool_version : ASSAY_VERSION);
	pdf_text(R->d, PDF_REGULAR, 9, &black, 0, s);
	free(s);
	pdf_heading(R->d, 3, "Rules switched off or re-rated");
	if (!set.n) {
		pdf_text(R->d, PDF_REGULAR, 9, &black, 0,
			 "None: every rule ran, at its default severity (unless a finding's own severity differs).");
	} else {
		pdf_table_begin(R->d, setting_cols, 4, 8, true);
		for (size_t i = 0; i < set.n; i++) {
			char *what = setting_text(&set.items[i]);
			struct pdf_cell cells[4] = {
				{set.items[i].rule, NULL, NULL, -1},
				{what, NULL, NULL, -1},
				{set.items[i].reason ? set.items[i].reason : "", NULL, NULL, -1},
				{set.items[i].source ? set.items[i].source : "", NULL, NULL, -1},
			};
			pdf_table_row(R->d, cells);
			free(what);
		}
		pdf_table_end(R->d);
	}
	pdf_heading(R->d, 3, "Rules in the rule pack");
	pdf_set_continued(R->d, "Appendix — rules in the rule pack (continued)");
	pdf_table_begin(R->d, rule_cols, 4, 7, true);
	for (size_t i = 0; i < registry_builtin_count() && !pdf_doc_failed(R->d); i++) {
		const struct rule *r = registry_at(i);
		const struct store_rule_setting *st = find_setting(&set, r->id);
		enum severity sev = clamp_sev(r->severity);
		char *what = st ? setting_text(st) : xstrdup("on");
		struct pdf_cell cells[4] = {
			{r->id, NULL, NULL, -1},
			{sev_word[sev], &sev_fill[sev], sev_text[sev], -1},
			{r->title, NULL, NULL, -1},
			{what, NULL, NULL, st ? PDF_BOLD : -1},
		};
		pdf_table_row(R->d, cells);
		free(what);
	}
	pdf_table_end(R->d);
	pdf_set_continued(R->d, NULL);
	settings_free(&set);
}

static int digest_input(const struct store_input *in, void *ctx)
{
	struct pdf_doc *d = ctx;
	char *ids = xasprintf("%s%s%s", in->digest ? in->digest : "no digest recorded", in->commit ? "\ncommit " : "",
			      in->commit ? in->commit : "");
	struct pdf_cell cells[3] = {
		{in->kind, NULL, NULL, -1},
		{in->locator, NULL, NULL, -1},
		{ids, NULL, NULL, -1},
	};

	pdf_table_row(d, cells);
	free(ids);
	return pdf_doc_failed(d);
}

static int digest_image(const struct store_image *img, int64_t image_id, void *ctx)
{
	struct pdf_doc *d = ctx;
	struct buf ids;
	char *where = xasprintf("%s%s%s", img->target, img->source && *img->source ? "!" : "",
				img->source ? img->source : "");

	(void)image_id;
	buf_init(&ids);
	buf_printf(&ids, "image %s\nconfig %s", img->digest ? img->digest : "?",
		   img->config_digest ? img->config_digest : "?");
	for (size_t i = 0; i < img->n_layers; i++)
		buf_printf(&ids, "\nlayer %zu %s", i + 1, img->layers[i].digest ? img->layers[i].digest : "?");
	{
		struct pdf_cell cells[3] = {
			{img->format ? img->format : "image", NULL, NULL, -1},
			{where, NULL, NULL, -1},
			{ids.data, NULL, NULL, -1},
		};
		pdf_table_row(d, cells);
	}
	buf_free(&ids);
	free(where);
	return pdf_doc_failed(d);
}

struct notice_ctx {
	struct pdf_doc *d;
	unsigned n;
};

static int appendix_notice(const struct store_notice *n, void *ctx)
{
	struct notice_ctx *c = ctx;
	char *where;

	if (c->n++ >= NOTICES_LISTED)
		return 0;
	where = n->path ? (n->line ? xasprintf("%s:%u", n->path, n->line) : xstrdup(n->path)) : xstrdup("");
	{
		struct pdf_cell cells[3] = {
			{n->level, NULL, NULL, -1},
			{where, NULL, NULL, -1},
			{n->message, NULL, NULL, -1},
		};
		pdf_table_row(c->d, cells);
	}
	free(where);
	return pdf_doc_failed(c->d);
}

static void render_appendix(struct report *R)
{
	static const struct pdf_column input_cols[] = {
		{"Kind", 62, PDF_REGULAR, PDF_ALIGN_LEFT, false},
		{"Input", 115, PDF_REGULAR, PDF_ALIGN_LEFT, false},
		{"Digests", PDF_CONTENT_WIDTH - 177, PDF_MONO, PDF_ALIGN_LEFT, false},
	};
	static const struct pdf_column notice_cols[] = {
		{"Level", 50, PDF_BOLD, PDF_ALIGN_LEFT, false},
		{"Where", 150, PDF_REGULAR, PDF_ALIGN_LEFT, false},
		{"Message", PDF_CONTENT_WIDTH - 200, PDF_REGULAR, PDF_ALIGN_LEFT, false},
	};
	struct pdf_doc *d = R->d;
	const struct store_run *r = &R->run;
	struct notice_ctx nc = {d, 0};
	char *s;
	int rc;

	pdf_heading(d, 1, "Appendix");
	pdf_heading(d, 2, "Method");
	pdf_text(d, PDF_REGULAR, 9, &black, 0,
		 "assay walked each input listed on the cover: directories and git work trees as git sees them "
		 "(tracked and untracked files that are not ignored; never following a symbolic link or leaving "
		 "the input), git history commit by commit when asked, and container images layer by layer, "
		 "read in place and checked against their digests. Scanners parse what they find (.env files, "
		 "Kubernetes and Compose manifests, Dockerfiles, image configurations and files); checks apply "
		 "the rules below to each document, and a secrets engine searches every file's content for "
		 "credentials. A file that cannot be parsed becomes an assay.parse-error finding rather than "
		 "stopping the scan.");
	pdf_gap(d, 4);
	pdf_text(d, PDF_REGULAR, 9, &black, 0,
		 "Each finding is stored with its rule, severity, location, message, redacted evidence and a "
		 "fingerprint. Secret values live only in memory during the scan: the store and every report "
		 "hold a redacted form (a few characters at most) and the value's SHA-256. Where profiles were "
		 "selected, each control's status was computed from the findings of the rules that evidence it.");
	appendix_rules(R);

	pdf_heading(d, 2, "Inputs and digests");
	pdf_table_begin(d, input_cols, 3, 7.5f, true);
	rc = store_foreach_input(R->st, r->id, digest_input, d);
	if (!rc)
		rc = store_foreach_image(R->st, r->id, digest_image, d);
	note_error(R, rc);
	pdf_table_end(d);

	pdf_need(d, 240); /* the heading, what the hashes are, the hashes and how to check them */
	pdf_heading(d, 2, "Integrity");
	pdf_text(d, PDF_REGULAR, 9, &black, 0,
		 "When a run completes, assay computes a SHA-256 over its content (the run, its inputs, findings, images, "
		 "notices, profiles, control results, waivers and rule settings, serialised canonically) and "
		 "chains it to the previous complete run: chain hash = SHA-256(previous hash followed by content "
		 "hash). Editing or removing a stored run changes a hash, so the edit shows.");
	pdf_gap(d, 4);
	pdf_table_begin(d, kv_columns, 2, 8, false);
	kv_row(d, "Content hash", r->content_hash ? r->content_hash : "none: the run is not complete", PDF_MONO);
	kv_row(d, "Previous hash", r->prev_hash ? r->prev_hash : "none", PDF_MONO);
	kv_row(d, "Chain hash", r->chain_hash ? r->chain_hash : "none", PDF_MONO);
	pdf_table_end(d);
	s = xasprintf("To check it: run \"assay verify --db STORE\" on the store this report came from. It recomputes "
		      "every complete run's content hash from the stored rows and checks each chain link, naming "
		      "any run that was altered or removed; run %" PRId64 "'s chain hash must match the one above. "
		      "docs/store.md describes the serialisation, so the hashes can also be recomputed without "
		      "assay. This PDF re-renders byte for byte with \"assay report --run %" PRId64 " -o FILE.pdf\".",
		      r->id, r->id);
	pdf_text(d, PDF_REGULAR, 9, &black, 0, s);
	free(s);

	pdf_heading(d, 2, "Scan notices");
	pdf_table_begin(d, notice_cols, 3, 7.5f, true);
	rc = store_foreach_notice(R->st, r->id, appendix_notice, &nc);
	note_error(R, rc);
	pdf_table_end(d);
	if (!nc.n)
		pdf_text(d, PDF_REGULAR, 9, &black, 0, "None: the scan reported no warning or error.");
	if (nc.n > NOTICES_LISTED) {
		s = xasprintf("… and %u more notices.", nc.n - NOTICES_LISTED);
		pdf_text(d, PDF_BOLD, 9, &black, 0, s);
		free(s);
	}
}

/* ---- entry points ---- */

int report_pdf_check(char *err, size_t errlen)
{
	int rc = pdf_library_load(err, errlen);

	return rc ? rc : pdf_fonts_find(err, errlen);
}

int report_pdf(struct store *st, int64_t run, const char *path, FILE *out, char *err, size_t errlen)
{
	struct report R = {.st = st};
	char *header = NULL, *text = NULL;
	int rc;

	rc = store_run_get(st, run, &R.run);
	if (rc < 0) {
		snprintf(err, errlen, "cannot read run %" PRId64 " from the store: %s", run, strerror(-rc));
		return rc;
	}
	R.project = R.run.project && *R.run.project ? R.run.project : "project not set";
	header = xasprintf("assay audit report — %s — run %" PRId64, R.project, run);
	rc = pdf_doc_new(&R.d, header, err, errlen);
	if (rc < 0)
		goto out;
	text = xasprintf("assay %s · run %" PRId64 " · %s", ASSAY_VERSION, run,
			 R.run.chain_hash ? "chain hash " : "not sealed by the hash chain");
	if (R.run.chain_hash) {
		char *full = xasprintf("%s%.16s…", text, R.run.chain_hash);
		free(text);
		text = full;
	}
	pdf_doc_footer(R.d, text);
	free(text);
	text = xasprintf("Compliance scan of %s, %s: run %" PRId64 " of %s", or_not_set(R.run.organisation),
			 R.project, run, R.run.started_at ? R.run.started_at : "?");
	pdf_doc_info(R.d, header, text,
		     R.run.organisation && *R.run.organisation ? R.run.organisation : "assay",
		     "assay " ASSAY_VERSION, R.run.finished_at ? R.run.finished_at : R.run.started_at);

	render_cover(&R);
	render_summary(&R);
	render_matrix(&R);
	render_findings(&R);
	render_waivers(&R);
	render_changes(&R);
	render_appendix(&R);
	if (R.rc < 0 && !pdf_doc_failed(R.d)) {
		rc = R.rc;
		snprintf(err, errlen, "cannot read run %" PRId64 " from the store: %s", run, strerror(-rc));
		goto out;
	}
	rc = pdf_doc_save(R.d, path, out, err, errlen);
out:
	pdf_doc_free(R.d);
	free(header);
	free(text);
	store_run_clear(&R.run);
	return rc;
}
