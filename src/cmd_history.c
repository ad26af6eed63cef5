/*
 * The commands over stored runs: `assay report` re-renders one, `assay
 * runs` lists them, `assay diff` compares two by fingerprint, and `assay
 * verify` walks the hash chain.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "report.h"
#include "store.h"
#include "util.h"

enum { OPT_DB = 256, OPT_RUN, OPT_NO_COLOR };

static int parse_run_id(const char *s, int64_t *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v <= 0)
		return -1;
	*out = v;
	return 0;
}

/* "latest" is the newest complete run; a number is that run, whatever its
 * status (a failed run can still be inspected). */
static int resolve_run(const char *cmd, struct store *st, const char *spec, int64_t *run)
{
	struct store_run r;

	if (!spec || strcmp(spec, "latest") == 0) {
		if (store_latest_run(st, run) < 0) {
			fprintf(stderr, "assay %s: the store holds no complete run yet (run 'assay scan')\n", cmd);
			return EXIT_USAGE;
		}
		return EXIT_OK;
	}
	if (parse_run_id(spec, run) < 0)
		return cli_usage_error(cmd, "--run takes a run id or 'latest', not '%s'", spec);
	if (store_run_get(st, *run, &r) < 0) {
		fprintf(stderr, "assay %s: no run %s in the store\n", cmd, spec);
		return EXIT_USAGE;
	}
	store_run_clear(&r);
	return EXIT_OK;
}

static const struct option report_options[] = {
	{"run", required_argument, NULL, OPT_RUN},
	{"output", required_argument, NULL, 'o'},
	{"format", required_argument, NULL, 'f'},
	{"db", required_argument, NULL, OPT_DB},
	{"no-color", no_argument, NULL, OPT_NO_COLOR},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

int cmd_report(int argc, char **argv)
{
	struct cli_outputs outputs = {0};
	enum report_format stdout_format, formats[CLI_MAX_OUTPUTS];
	struct report_opts ropts = {0};
	const char *db_opt = NULL, *format_opt = NULL, *run_spec = NULL;
	bool no_color = false;
	struct store *st;
	int64_t run = 0;
	int c, status;

	optind = 1;
	while ((c = getopt_long(argc, argv, ":o:f:h", report_options, NULL)) != -1) {
		switch (c) {
		case 'o':
			if (cli_add_output(&outputs, optarg) < 0)
				return cli_usage_error("report", "at most %d -o files", CLI_MAX_OUTPUTS);
			break;
		case 'f':
			format_opt = optarg;
			break;
		case OPT_RUN:
			run_spec = optarg;
			break;
		case OPT_DB:
			db_opt = optarg;
			break;
		case OPT_NO_COLOR:
			no_color = true;
			break;
		case 'h':
			return cli_print_help("report");
		default:
			return cli_bad_option("report", argv, c);
		}
	}
	if (optind < argc)
		return cli_usage_error("report", "unexpected argument '%s'", argv[optind]);
	status = cli_resolve_outputs("report", &outputs, format_opt, &stdout_format, formats);
	if (status != EXIT_OK)
		return status;
	st = cli_open_store("report", cli_db_path(db_opt));
	if (!st)
		return EXIT_RUNTIME;
	status = resolve_run("report", st, run_spec, &run);
	if (status != EXIT_OK)
		goto out;
	ropts.color = stdout_format == REPORT_TEXT && cli_use_color(no_color);
	if (outputs.n == 0) {
		if (report_render(st, run, stdout_format, stdout, &ropts) < 0) {
			fprintf(stderr, "assay report: cannot render run %" PRId64 "\n", run);
			status = EXIT_RUNTIME;
		}
	} else {
		status = cli_write_reports("report", st, run, &outputs, formats, &ropts);
	}
out:
	store_close(st);
	return status;
}

static int print_run(const struct store_run *r, void *ctx)
{
	unsigned total = 0;

	(void)ctx;
	for (int s = 0; s < SEV_COUNT; s++)
		total += r->counts[s];
	printf("%6" PRId64 "  %-20s  %-8s  %6u  %4u %4u %4u %4u %4u  %3u  %s\n", r->id, r->started_at, r->status,
	       total, r->counts[SEV_CRITICAL], r->counts[SEV_HIGH], r->counts[SEV_MEDIUM], r->counts[SEV_LOW],
	       r->counts[SEV_INFO], r->inputs, r->error ? r->error : r->command);
	return 0;
}

static const struct option runs_options[] = {
	{"db", required_argument, NULL, OPT_DB},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

int cmd_runs(int argc, char **argv)
{
	const char *db_opt = NULL;
	struct store *st;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", runs_options, NULL)) != -1) {
		switch (c) {
		case OPT_DB:
			db_opt = optarg;
			break;
		case 'h':
			return cli_print_help("runs");
		default:
			return cli_bad_option("runs", argv, c);
		}
	}
	if (optind < argc)
		return cli_usage_error("runs", "unexpected argument '%s'", argv[optind]);
	st = cli_open_store("runs", cli_db_path(db_opt));
	if (!st)
		return EXIT_RUNTIME;
	printf("%6s  %-20s  %-8s  %6s  %4s %4s %4s %4s %4s  %3s  %s\n", "run", "started", "status", "total", "crit",
	       "high", "med", "low", "info", "in", "command");
	rc = store_foreach_run(st, print_run, NULL);
	store_close(st);
	return rc < 0 ? EXIT_RUNTIME : EXIT_OK;
}

/* ---- assay diff A B: new, fixed and persisting findings ---- */

/* The comparison itself is the store's (store_foreach_diff_finding), which
 * the PDF report's "changes" section shares. */
struct diff_side {
	const char *label;
	unsigned n;
	json_t *json; /* NULL: print text */
};

static void print_diff_line(const char *label, const struct finding *f)
{
	printf("  %-10s %-8s %-32s %s", label, severity_name(f->severity), f->rule, *f->path ? f->path : f->target);
	if (f->line)
		printf(":%u", f->line);
	printf("  %s\n", f->message);
}

static int diff_finding(const struct finding *f, void *ctx)
{
	struct diff_side *d = ctx;
	json_t *o;

	d->n++;
	if (!d->json) {
		print_diff_line(d->label, f);
		return 0;
	}
	o = json_object();
	json_object_set_new(o, "rule", json_string(f->rule));
	json_object_set_new(o, "severity", json_string(severity_name(f->severity)));
	json_object_set_new(o, "target", json_string(f->target));
	json_object_set_new(o, "path", json_string(f->path));
	json_object_set_new(o, "line", json_integer(f->line));
	json_object_set_new(o, "message", json_string(f->message));
	json_object_set_new(o, "fingerprint", json_string(f->fingerprint));
	json_array_append_new(d->json, o);
	return 0;
}

/* "previous" is the complete run before the newest one. */
static int resolve_diff_run(struct store *st, const char *spec, int64_t *run)
{
	int64_t latest;

	if (strcmp(spec, "previous") != 0)
		return resolve_run("diff", st, spec, run);
	if (store_latest_run(st, &latest) < 0)
		return resolve_run("diff", st, "latest", run);
	if (store_previous_complete_run(st, latest, run) == 0)
		return EXIT_OK;
	fprintf(stderr, "assay diff: there is no complete run before the latest one\n");
	return EXIT_USAGE;
}

static const struct option diff_options[] = {
	{"db", required_argument, NULL, OPT_DB},
	{"format", required_argument, NULL, 'f'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

int cmd_diff(int argc, char **argv)
{
	const char *db_opt = NULL, *format = "text";
	struct store *st;
	int64_t a = 0, b = 0;
	int c, status;

	optind = 1;
	while ((c = getopt_long(argc, argv, ":f:h", diff_options, NULL)) != -1) {
		switch (c) {
		case OPT_DB:
			db_opt = optarg;
			break;
		case 'f':
			format = optarg;
			break;
		case 'h':
			return cli_print_help("diff");
		default:
			return cli_bad_option("diff", argv, c);
		}
	}
	if (strcmp(format, "text") != 0 && strcmp(format, "json") != 0)
		return cli_usage_error("diff", "unknown format '%s' (text or json)", format);
	if (argc - optind != 2)
		return cli_usage_error("diff", "takes two runs: an id, 'latest' or 'previous'");
	st = cli_open_store("diff", cli_db_path(db_opt));
	if (!st)
		return EXIT_RUNTIME;
	status = resolve_diff_run(st, argv[optind], &a);
	if (status == EXIT_OK)
		status = resolve_diff_run(st, argv[optind + 1], &b);
	if (status != EXIT_OK)
		goto out;
	{
		struct diff_side added = {"new", 0, NULL}, fixed = {"fixed", 0, NULL}, kept = {"persisting", 0, NULL};
		json_t *doc = NULL;
		int rc;

		if (strcmp(format, "json") == 0) {
			doc = json_object();
			added.json = json_array();
			fixed.json = json_array();
			kept.json = json_array();
		} else {
			printf("run %" PRId64 " -> run %" PRId64 "\n", a, b);
		}
		rc = store_foreach_diff_finding(st, a, b, STORE_DIFF_NEW, diff_finding, &added);
		if (!rc)
			rc = store_foreach_diff_finding(st, a, b, STORE_DIFF_FIXED, diff_finding, &fixed);
		if (!rc)
			rc = store_foreach_diff_finding(st, a, b, STORE_DIFF_PERSISTING, diff_finding, &kept);
		if (rc) {
			fprintf(stderr, "assay diff: cannot read the runs: %s\n", strerror(-rc));
			status = EXIT_RUNTIME;
			json_decref(doc);
			json_decref(added.json);
			json_decref(fixed.json);
			json_decref(kept.json);
		} else if (doc) {
			json_object_set_new(doc, "from", json_integer(a));
			json_object_set_new(doc, "to", json_integer(b));
			json_object_set_new(doc, "new", added.json);
			json_object_set_new(doc, "fixed", fixed.json);
			json_object_set_new(doc, "persisting", kept.json);
			json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
			putchar('\n');
			json_decref(doc);
		} else {
			printf("%u new, %u fixed, %u persisting\n", added.n, fixed.n, kept.n);
		}
	}
out:
	store_close(st);
	return status;
}

/* ---- assay verify: the hash chain ---- */

struct run_list {
	struct store_run *runs;
	size_t n, cap;
};

static int collect_run(const struct store_run *r, void *ctx)
{
	struct run_list *l = ctx;
	struct store_run *copy;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->runs = xrealloc(l->runs, l->cap * sizeof(*l->runs));
	}
	copy = &l->runs[l->n++];
	memset(copy, 0, sizeof(*copy));
	copy->id = r->id;
	copy->status = xstrdup(r->status);
	copy->content_hash = r->content_hash ? xstrdup(r->content_hash) : NULL;
	copy->prev_hash = r->prev_hash ? xstrdup(r->prev_hash) : NULL;
	copy->chain_hash = r->chain_hash ? xstrdup(r->chain_hash) : NULL;
	return 0;
}

/* Checks one complete run against its predecessor's chain hash; prints
 * and counts what does not hold. */
static unsigned verify_run(struct store *st, const struct store_run *r, const char *expected_prev)
{
	char recomputed[SHA256_HEX_LEN + 1], chain[SHA256_HEX_LEN + 1];
	char *joined;
	unsigned problems = 0;

	if (!r->content_hash || !r->prev_hash || !r->chain_hash) {
		printf("run %" PRId64 ": complete but its hashes are missing: edited\n", r->id);
		return 1;
	}
	if (store_run_content_hash(st, r->id, recomputed) < 0 || strcmp(recomputed, r->content_hash) != 0) {
		printf("run %" PRId64 ": its content (run, inputs, findings or notices) was altered after it "
		       "completed\n", r->id);
		problems++;
	}
	if (strcmp(r->prev_hash, expected_prev) != 0) {
		printf("run %" PRId64 ": the chain is broken before it: the complete run preceding it was altered or "
		       "removed\n", r->id);
		problems++;
	}
	joined = xasprintf("%s%s", r->prev_hash, r->content_hash);
	sha256_hex(joined, strlen(joined), chain);
	free(joined);
	if (strcmp(chain, r->chain_hash) != 0) {
		printf("run %" PRId64 ": its chain hash was altered\n", r->id);
		problems++;
	}
	return problems;
}

static const struct option verify_options[] = {
	{"db", required_argument, NULL, OPT_DB},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

int cmd_verify(int argc, char **argv)
{
	static const char zeros[] = "0000000000000000000000000000000000000000000000000000000000000000";
	const char *db_opt = NULL, *expected_prev = zeros;
	struct run_list l = {0};
	unsigned problems = 0, complete = 0;
	struct store *st;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", verify_options, NULL)) != -1) {
		switch (c) {
		case OPT_DB:
			db_opt = optarg;
			break;
		case 'h':
			return cli_print_help("verify");
		default:
			return cli_bad_option("verify", argv, c);
		}
	}
	if (optind < argc)
		return cli_usage_error("verify", "unexpected argument '%s'", argv[optind]);
	st = cli_open_store("verify", cli_db_path(db_opt));
	if (!st)
		return EXIT_RUNTIME;
	store_foreach_run(st, collect_run, &l); /* newest first */
	for (size_t i = l.n; i-- > 0;) {
		struct store_run *r = &l.runs[i];
		if (strcmp(r->status, "complete") != 0)
			continue;
		complete++;
		problems += verify_run(st, r, expected_prev);
		expected_prev = r->chain_hash ? r->chain_hash : zeros;
	}
	if (problems)
		printf("verification FAILED: %u problem%s in %u complete runs\n", problems, problems == 1 ? "" : "s",
		       complete);
	else
		printf("verified %u complete run%s: every content hash and the chain hold\n", complete,
		       complete == 1 ? "" : "s");
	for (size_t i = 0; i < l.n; i++)
		store_run_clear(&l.runs[i]);
	free(l.runs);
	store_close(st);
	return problems ? EXIT_FINDINGS : EXIT_OK;
}
