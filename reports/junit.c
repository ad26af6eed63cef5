/*
 * The JUnit XML report, for the CI dashboards that read test results
 * (Jenkins, GitLab, Azure DevOps...): a <testsuites> holding one
 * <testsuite> per profile selected for the run, with a <testcase> per
 * control (a <failure> listing the control's unwaived findings; <skipped>
 * when it was not assessed or is not applicable; a waived control passes
 * and says in <system-out> which findings are waived and why), then a
 * "findings" suite with a testcase per rule that has findings, for tools
 * that show only failures. docs/report-junit.md describes the format.
 *
 * This is libxml2's one home (DESIGN.md "Layout"): the document is written
 * with xmlTextWriter as the store is read, findings rule by rule, so memory
 * does not grow with the run.
 */
#include <errno.h>
#include <inttypes.h>
#include <libxml/xmlwriter.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dynlib.h"
#include "registry.h"
#include "report.h"
#include "store.h"
#include "utf8.h"
#include "util.h"

/* libxml2 is loaded when a JUnit report is first written (dynlib.h). */
#define XML_FUNCTIONS(X)                                                                                    \
	X(xmlFreeTextWriter) X(xmlNewTextWriter) X(xmlOutputBufferClose) X(xmlOutputBufferCreateFile)      \
	X(xmlSetGenericErrorFunc) X(__xmlGenericError) X(__xmlGenericErrorContext)                          \
	X(xmlTextWriterEndDocument) X(xmlTextWriterEndElement) X(xmlTextWriterFlush)                        \
	X(xmlTextWriterSetIndent) X(xmlTextWriterSetIndentString) X(xmlTextWriterStartDocument)             \
	X(xmlTextWriterStartElement) X(xmlTextWriterWriteAttribute) X(xmlTextWriterWriteString)

DYNLIB_DEFINE(xml, XML_FUNCTIONS, ASSAY_LIBXML2_SONAME, "JUnit reports");

/* Findings listed in one <failure> or <system-out>; the rest are counted
 * ("... and 12 more"), so that a huge run does not make one element too big
 * for the dashboards that keep it in memory. The JSON report has them all. */
#define JUNIT_MAX_LISTED 1000

/* The name of the suite that lists findings rule by rule. */
#define JUNIT_FINDINGS_SUITE "findings"

struct junit {
	xmlTextWriterPtr w;
	struct store *st;
	const struct store_run *run;
	char duration[32]; /* seconds, "12.000" */
	int rc;            /* the first error; writing stops at it */
};

struct junit_counts {
	unsigned tests, failures, errors, skipped;
};

/* ---- writing, with errors remembered ---- */

/* Text as XML can hold it: bytes that are not UTF-8 and control
 * characters become "\xNN" (utf8_sanitize), and so do the two code points
 * XML 1.0 forbids although they are valid UTF-8, U+FFFE and U+FFFF. */
static char *xml_safe(const char *s)
{
	char *clean = utf8_sanitize(s, strlen(s));
	struct buf b;

	if (!strstr(clean, "\xef\xbf\xbe") && !strstr(clean, "\xef\xbf\xbf"))
		return clean;
	buf_init(&b);
	for (const char *p = clean; *p; p++) {
		if (p[0] == '\xef' && p[1] == '\xbf' && (p[2] == '\xbe' || p[2] == '\xbf')) {
			buf_printf(&b, "\\xEF\\xBF\\x%02X", (unsigned char)p[2]);
			p += 2;
		} else {
			buf_putc(&b, *p);
		}
	}
	free(clean);
	return buf_steal(&b);
}

static void check(struct junit *j, int xml_rc)
{
	if (xml_rc < 0 && !j->rc)
		j->rc = -EIO;
}

static void start(struct junit *j, const char *element)
{
	if (!j->rc)
		check(j, xml.xmlTextWriterStartElement(j->w, BAD_CAST element));
}

static void end(struct junit *j)
{
	if (!j->rc)
		check(j, xml.xmlTextWriterEndElement(j->w));
}

static void attr(struct junit *j, const char *name, const char *value)
{
	char *safe;

	if (j->rc || !value)
		return;
	safe = xml_safe(value);
	check(j, xml.xmlTextWriterWriteAttribute(j->w, BAD_CAST name, BAD_CAST safe));
	free(safe);
}

static void attr_uint(struct junit *j, const char *name, unsigned value)
{
	char num[16];

	snprintf(num, sizeof(num), "%u", value);
	attr(j, name, num);
}

static void text(struct junit *j, const char *s)
{
	char *safe;

	if (j->rc || !s)
		return;
	safe = xml_safe(s);
	check(j, xml.xmlTextWriterWriteString(j->w, BAD_CAST safe));
	free(safe);
}

/* Text that is known to be safe: the newlines between listed findings. */
static void raw_text(struct junit *j, const char *s)
{
	if (!j->rc)
		check(j, xml.xmlTextWriterWriteString(j->w, BAD_CAST s));
}

static void property(struct junit *j, const char *name, const char *value)
{
	if (!value)
		return;
	start(j, "property");
	attr(j, "name", name);
	attr(j, "value", value);
	end(j);
}

/* ---- the run's times ---- */

static bool parse_iso8601(const char *s, time_t *out)
{
	struct tm tm;
	char z = 0;

	memset(&tm, 0, sizeof(tm));
	if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
			 &tm.tm_min, &tm.tm_sec, &z) != 7 || z != 'Z')
		return false;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*out = timegm(&tm);
	return *out != (time_t)-1;
}

/* The run's duration in seconds; 0 when it has not finished. The store
 * keeps times to the second. */
static void format_duration(const struct store_run *r, char out[32])
{
	time_t a, b;
	long long secs = 0;

	if (parse_iso8601(r->started_at, &a) && parse_iso8601(r->finished_at, &b) && b > a)
		secs = (long long)(b - a);
	snprintf(out, 32, "%lld.000", secs);
}

/* ---- one finding as a line of text ---- */

/* "[high] k8s.privileged deploy/app.yaml:12:5 (in repo): message [evidence]"
 * with, for image files, the layer, and with a baseline, the finding's
 * state. Only the redacted evidence the store holds is ever written. */
static void finding_line(struct junit *j, const struct finding *f)
{
	struct buf b;
	char *line;

	buf_init(&b);
	buf_printf(&b, "[%s] %s %s", severity_name(f->severity), f->rule, *f->path ? f->path : f->target);
	if (f->line)
		buf_printf(&b, ":%u", f->line);
	if (f->line && f->column)
		buf_printf(&b, ":%u", f->column);
	if (*f->target && strcmp(f->target, ".") != 0 && *f->path)
		buf_printf(&b, " (in %s)", f->target);
	if (f->layer)
		buf_printf(&b, " (layer %s)", f->layer);
	buf_printf(&b, ": %s", f->message ? f->message : "");
	if (f->evidence && *f->evidence)
		buf_printf(&b, " [%s]", f->evidence);
	if (f->baseline)
		buf_printf(&b, " (baseline: %s)", f->baseline);
	if (f->waived)
		buf_printf(&b, " (waived: %s)", f->waiver ? f->waiver : "no reason recorded");
	line = buf_steal(&b);
	text(j, line);
	raw_text(j, "\n");
	free(line);
}

/* Lists the waived or unwaived findings of some rules, at most
 * JUNIT_MAX_LISTED of them, counting the rest. */
struct listing {
	struct junit *j;
	bool waived;
	unsigned listed, more;
};

static int list_finding(const struct finding *f, void *ctx)
{
	struct listing *l = ctx;

	if (f->waived != l->waived)
		return 0;
	if (l->listed == JUNIT_MAX_LISTED) {
		l->more++;
		return 0;
	}
	l->listed++;
	finding_line(l->j, f);
	return l->j->rc;
}

/* Calls `each` for every rule of a space-separated list, once each. */
static int foreach_rule_of(const char *rules, int (*each)(const char *rule, void *ctx), void *ctx)
{
	char *copy = xstrdup(rules ? rules : ""), *save = NULL;
	const char **seen = NULL;
	size_t n = 0;
	int rc = 0;

	for (char *r = strtok_r(copy, " ", &save); r && !rc; r = strtok_r(NULL, " ", &save)) {
		bool again = false;

		for (size_t i = 0; i < n && !again; i++)
			again = strcmp(seen[i], r) == 0;
		if (again)
			continue;
		seen = xrealloc(seen, (n + 1) * sizeof(*seen));
		seen[n++] = r;
		rc = each(r, ctx);
	}
	free(seen);
	free(copy);
	return rc;
}

static int list_rule(const char *rule, void *ctx)
{
	struct listing *l = ctx;

	return store_foreach_finding_of_rule(l->j->st, l->j->run->id, rule, list_finding, l);
}

static void list_more(struct junit *j, const struct listing *l)
{
	char *line;

	if (!l->more)
		return;
	line = xasprintf("... and %u more (the JSON report lists them all)", l->more);
	text(j, line);
	raw_text(j, "\n");
	free(line);
}

/* The most severe unwaived finding among some rules. */
struct worst {
	struct junit *j;
	int severity; /* -1: none */
};

static int see_worst(const struct finding *f, void *ctx)
{
	struct worst *w = ctx;

	if (f->waived)
		return 0;
	if ((int)f->severity > w->severity)
		w->severity = (int)f->severity;
	return 1; /* findings come most severe first: the first unwaived one tells */
}

static int worst_of_rule(const char *rule, void *ctx)
{
	struct worst *w = ctx;
	int rc = store_foreach_finding_of_rule(w->j->st, w->j->run->id, rule, see_worst, w);

	return rc == 1 ? 0 : rc;
}

/* <failure> listing the unwaived findings of `rules`; its type is the most
 * severe one's severity. */
static void failure(struct junit *j, const char *rules, const char *message)
{
	struct worst w = {j, -1};
	struct listing l = {j, false, 0, 0};
	int rc;

	rc = foreach_rule_of(rules, worst_of_rule, &w);
	if (rc < 0 && !j->rc)
		j->rc = rc;
	start(j, "failure");
	attr(j, "message", message);
	attr(j, "type", w.severity >= 0 ? severity_name((enum severity)w.severity) : "fail");
	raw_text(j, "\n");
	rc = foreach_rule_of(rules, list_rule, &l);
	if (rc < 0 && !j->rc)
		j->rc = rc;
	list_more(j, &l);
	end(j);
}

/* <system-out> listing the waived findings of `rules` and why. */
static void waived_out(struct junit *j, const char *rules, unsigned n)
{
	struct listing l = {j, true, 0, 0};
	char *head;
	int rc;

	start(j, "system-out");
	head = xasprintf("%u finding%s waived:", n, n == 1 ? "" : "s");
	text(j, head);
	raw_text(j, "\n");
	free(head);
	rc = foreach_rule_of(rules, list_rule, &l);
	if (rc < 0 && !j->rc)
		j->rc = rc;
	list_more(j, &l);
	end(j);
}

/* ---- the profile suites: a testcase per control ---- */

static int count_control(const struct store_control *c, void *ctx)
{
	struct junit_counts *n = ctx;

	n->tests++;
	if (strcmp(c->status, "fail") == 0)
		n->failures++;
	else if (strcmp(c->status, "not-assessed") == 0 || strcmp(c->status, "not-applicable") == 0)
		n->skipped++;
	return 0;
}

static int write_control(const struct store_control *c, void *ctx)
{
	struct junit *j = ctx;
	char *name = c->title && *c->title ? xasprintf("%s %s", c->id, c->title) : xstrdup(c->id);

	start(j, "testcase");
	attr(j, "classname", c->profile);
	attr(j, "name", name);
	attr(j, "time", "0");
	if (strcmp(c->status, "fail") == 0) {
		char *msg = xasprintf("%u unwaived finding%s of %s", c->findings, c->findings == 1 ? "" : "s",
				      c->rules && *c->rules ? c->rules : "its rules");
		failure(j, c->rules, msg);
		free(msg);
		if (c->waived)
			waived_out(j, c->rules, c->waived);
	} else if (strcmp(c->status, "not-assessed") == 0 || strcmp(c->status, "not-applicable") == 0) {
		start(j, "skipped");
		attr(j, "message", strcmp(c->status, "not-assessed") == 0 ? "not assessed" : "not applicable");
		end(j);
	} else if (strcmp(c->status, "waived") == 0 || c->waived) {
		waived_out(j, c->rules, c->waived);
	}
	end(j);
	free(name);
	return j->rc;
}

static void suite_start(struct junit *j, const char *name, const struct junit_counts *n)
{
	start(j, "testsuite");
	attr(j, "name", name);
	attr_uint(j, "tests", n->tests);
	attr_uint(j, "failures", n->failures);
	attr_uint(j, "errors", n->errors);
	attr_uint(j, "skipped", n->skipped);
	attr(j, "time", j->duration);
	attr(j, "timestamp", j->run->started_at);
}

static void run_properties(struct junit *j)
{
	char id[24];

	snprintf(id, sizeof(id), "%" PRId64, j->run->id);
	property(j, "assay.version", j->run->tool_version);
	property(j, "assay.run", id);
}

static int write_profile(const struct store_profile *p, void *ctx)
{
	struct junit *j = ctx;
	struct junit_counts n = {0};
	int rc = store_foreach_control(j->st, j->run->id, p->id, count_control, &n);

	if (rc)
		return rc;
	suite_start(j, p->id, &n);
	start(j, "properties");
	run_properties(j);
	property(j, "profile.title", p->title);
	property(j, "profile.version", p->version);
	property(j, "profile.source", p->source);
	end(j);
	rc = store_foreach_control(j->st, j->run->id, p->id, write_control, j);
	end(j);
	return rc ? rc : j->rc;
}

struct profile_totals {
	struct junit *j;
	struct junit_counts *total;
};

static int add_profile_counts(const struct store_profile *p, void *ctx)
{
	struct profile_totals *t = ctx;

	return store_foreach_control(t->j->st, t->j->run->id, p->id, count_control, t->total);
}

/* ---- the findings suite: a testcase per rule ---- */

static bool run_complete(const struct store_run *r)
{
	return strcmp(r->status, "complete") == 0;
}

static int count_rule(const char *rule, unsigned unwaived, unsigned waived, void *ctx)
{
	struct junit_counts *n = ctx;

	(void)rule;
	(void)waived;
	n->tests++;
	if (unwaived)
		n->failures++;
	return 0;
}

static int findings_counts(struct junit *j, struct junit_counts *n)
{
	/* One more testcase says whether the scan itself completed: a run
	 * without findings still reports a test, which dashboards need. */
	memset(n, 0, sizeof(*n));
	n->tests = 1;
	n->errors = run_complete(j->run) ? 0 : 1;
	return store_foreach_rule_count(j->st, j->run->id, count_rule, n);
}

static int write_rule(const char *rule, unsigned unwaived, unsigned waived, void *ctx)
{
	struct junit *j = ctx;
	const struct rule *r = registry_find_builtin(rule);

	start(j, "testcase");
	attr(j, "classname", JUNIT_FINDINGS_SUITE);
	attr(j, "name", rule);
	attr(j, "time", "0");
	if (unwaived) {
		char *msg = xasprintf("%u finding%s: %s", unwaived, unwaived == 1 ? "" : "s", r ? r->title : rule);
		failure(j, rule, msg);
		free(msg);
	}
	if (waived)
		waived_out(j, rule, waived);
	end(j);
	return j->rc;
}

static void scan_testcase(struct junit *j)
{
	char *msg;

	start(j, "testcase");
	attr(j, "classname", JUNIT_FINDINGS_SUITE);
	attr(j, "name", "scan completed");
	attr(j, "time", j->duration);
	if (!run_complete(j->run)) {
		msg = xasprintf("run %" PRId64 " is %s%s%s", j->run->id, j->run->status, j->run->error ? ": " : "",
				j->run->error ? j->run->error : "");
		start(j, "error");
		attr(j, "message", msg);
		attr(j, "type", j->run->status);
		end(j);
		free(msg);
	}
	end(j);
}

static int write_findings_suite(struct junit *j, const struct junit_counts *n)
{
	int rc;

	suite_start(j, JUNIT_FINDINGS_SUITE, n);
	start(j, "properties");
	run_properties(j);
	property(j, "assay.status", j->run->status);
	property(j, "assay.fail-on", j->run->fail_on);
	property(j, "assay.baseline", j->run->baseline);
	end(j);
	scan_testcase(j);
	rc = store_foreach_rule_count(j->st, j->run->id, write_rule, j);
	end(j);
	return rc ? rc : j->rc;
}

/* ---- the document ---- */

static int write_document(struct junit *j)
{
	struct junit_counts total = {0}, findings;
	struct profile_totals totals = {j, &total};
	char *name;
	int rc;

	rc = store_foreach_profile(j->st, j->run->id, add_profile_counts, &totals);
	if (!rc)
		rc = findings_counts(j, &findings);
	if (rc)
		return rc;
	total.tests += findings.tests;
	total.failures += findings.failures;
	total.errors += findings.errors;
	check(j, xml.xmlTextWriterStartDocument(j->w, NULL, "UTF-8", NULL));
	start(j, "testsuites");
	name = xasprintf("assay run %" PRId64, j->run->id);
	attr(j, "name", name);
	free(name);
	attr_uint(j, "tests", total.tests);
	attr_uint(j, "failures", total.failures);
	attr_uint(j, "errors", total.errors);
	attr(j, "time", j->duration);
	rc = store_foreach_profile(j->st, j->run->id, write_profile, j);
	if (!rc)
		rc = write_findings_suite(j, &findings);
	end(j);
	if (!j->rc)
		check(j, xml.xmlTextWriterEndDocument(j->w));
	return rc ? rc : j->rc;
}

/* libxml2 prints its I/O errors on stderr by default; the caller reports
 * a failed write once, in its own words. */
static void quiet(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

int report_junit_check(char *err, size_t errlen)
{
	return dynlib_load(&xml_lib, err, errlen) ? 0 : -ELIBACC;
}

int report_junit(struct store *st, int64_t run, FILE *out)
{
	struct junit j = {.st = st};
	xmlGenericErrorFunc saved_handler;
	void *saved_ctx;
	xmlOutputBufferPtr buf;
	struct store_run r;
	char why[256];
	int rc;

	if (report_junit_check(why, sizeof(why)) < 0) {
		fprintf(stderr, "assay: %s\n", why);
		return -ELIBACC;
	}
	rc = store_run_get(st, run, &r);
	if (rc < 0)
		return rc;
	j.run = &r;
	saved_handler = *xml.__xmlGenericError();
	saved_ctx = *xml.__xmlGenericErrorContext();
	xml.xmlSetGenericErrorFunc(NULL, quiet);
	format_duration(&r, j.duration);
	/* The buffer writes to `out` and leaves it open; the writer owns it. */
	buf = xml.xmlOutputBufferCreateFile(out, NULL);
	j.w = buf ? xml.xmlNewTextWriter(buf) : NULL;
	if (!j.w) {
		if (buf)
			xml.xmlOutputBufferClose(buf);
		rc = -ENOMEM;
		goto out;
	}
	xml.xmlTextWriterSetIndent(j.w, 1);
	xml.xmlTextWriterSetIndentString(j.w, BAD_CAST "  ");
	rc = write_document(&j);
	if (xml.xmlTextWriterFlush(j.w) < 0 && !rc)
		rc = -EIO;
	xml.xmlFreeTextWriter(j.w);
out:
	xml.xmlSetGenericErrorFunc(saved_ctx, saved_handler);
	store_run_clear(&r);
	if (!rc && ferror(out))
		rc = -EIO;
	return rc < 0 ? rc : 0;
}
