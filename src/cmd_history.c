/*
 * The commands over stored runs: `assay report` re-renders one, `assay
 * runs` lists them, `assay diff` compares two by fingerprint, `assay
 * prune` deletes old ones while keeping their hashes, and `assay verify`
 * walks the hash chain through kept and pruned runs alike.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "report.h"
#include "store.h"
#include "util.h"

enum { OPT_DB = 256, OPT_RUN, OPT_NO_COLOR, OPT_KEEP, OPT_DRY_RUN };

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

struct pruned_lookup {
	int64_t id;
	char *pruned_at;
};

static int find_pruned(const struct store_pruned_run *p, void *ctx)
{
	struct pruned_lookup *l = ctx;

	if (p->id != l->id)
		return 0;
	l->pruned_at = xstrdup(p->pruned_at);
	return 1;
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
		struct pruned_lookup p = {*run, NULL};

		store_foreach_pruned_run(st, find_pruned, &p);
		if (p.pruned_at)
			fprintf(stderr, "assay %s: run %s was pruned on %s: its hashes are kept, its content is not\n",
				cmd, spec, p.pruned_at);
		else
			fprintf(stderr, "assay %s: no run %s in the store\n", cmd, spec);
		free(p.pruned_at);
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

/* ---- the chain as stored: kept runs and pruned runs' records ---- */

/* One link of the chain, or one id accounted for: a run still in the store
 * or the record `assay prune` left of one. */
struct link {
	int64_t id;
	bool pruned, complete;
	char *content_hash, *prev_hash, *chain_hash; /* NULL unless complete */
	char *pruned_at;                             /* pruned records only */
};

struct link_list {
	struct link *links;
	size_t n, cap;
};

static struct link *add_link(struct link_list *l, int64_t id, bool pruned, const char *status)
{
	struct link *k;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->links = xrealloc(l->links, l->cap * sizeof(*l->links));
	}
	k = &l->links[l->n++];
	memset(k, 0, sizeof(*k));
	k->id = id;
	k->pruned = pruned;
	k->complete = strcmp(status, "complete") == 0;
	return k;
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static int collect_kept(const struct store_run *r, void *ctx)
{
	struct link *k = add_link(ctx, r->id, false, r->status);

	k->content_hash = dup_or_null(r->content_hash);
	k->prev_hash = dup_or_null(r->prev_hash);
	k->chain_hash = dup_or_null(r->chain_hash);
	return 0;
}

static int collect_pruned(const struct store_pruned_run *p, void *ctx)
{
	struct link *k = add_link(ctx, p->id, true, p->status);

	k->content_hash = dup_or_null(p->content_hash);
	k->prev_hash = dup_or_null(p->prev_hash);
	k->chain_hash = dup_or_null(p->chain_hash);
	k->pruned_at = dup_or_null(p->pruned_at);
	return 0;
}

static int link_order(const void *a, const void *b)
{
	const struct link *x = a, *y = b;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return (int)x->pruned - (int)y->pruned;
}

/* Every run and pruned record, oldest first. */
static int collect_links(struct store *st, struct link_list *l)
{
	int rc = store_foreach_run(st, collect_kept, l);

	if (!rc)
		rc = store_foreach_pruned_run(st, collect_pruned, l);
	if (!rc && l->n)
		qsort(l->links, l->n, sizeof(*l->links), link_order);
	return rc;
}

static void free_links(struct link_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->links[i].content_hash);
		free(l->links[i].prev_hash);
		free(l->links[i].chain_hash);
		free(l->links[i].pruned_at);
	}
	free(l->links);
}

/* "run 4" or "runs 1-7". */
static void print_id_range(int64_t first, int64_t last)
{
	if (first == last)
		printf("run %" PRId64, first);
	else
		printf("runs %" PRId64 "-%" PRId64, first, last);
}

/* What one prune left: consecutive pruned records that share their
 * pruned_at, with how many of them were complete. */
struct pruned_range {
	int64_t first, last;
	const char *when;
	unsigned complete, failed;
};

/* The pruned ranges of a list of links, oldest first, into a new array. */
static size_t pruned_ranges(const struct link_list *l, struct pruned_range **out)
{
	size_t n = 0;

	*out = NULL;
	for (size_t i = 0; i < l->n;) {
		struct pruned_range r = {l->links[i].id, l->links[i].id, l->links[i].pruned_at, 0, 0};
		size_t j = i;

		if (!l->links[i].pruned) {
			i++;
			continue;
		}
		while (j < l->n && l->links[j].pruned && strcmp(l->links[j].pruned_at, r.when) == 0) {
			if (l->links[j].complete)
				r.complete++;
			else
				r.failed++;
			r.last = l->links[j++].id;
		}
		*out = xrealloc(*out, (n + 1) * sizeof(**out));
		(*out)[n++] = r;
		i = j;
	}
	return n;
}

/* ---- assay prune: all but the newest N complete runs ---- */

static void print_runs_header(void)
{
	printf("%6s  %-20s  %-8s  %6s  %4s %4s %4s %4s %4s  %3s  %s\n", "run", "started", "status", "total", "crit",
	       "high", "med", "low", "info", "in", "command");
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

static int print_pruned_run(const struct store_run *r, void *ctx)
{
	bool *header_done = ctx;

	if (!*header_done) {
		print_runs_header();
		*header_done = true;
	}
	return print_run(r, NULL);
}

static const struct option prune_options[] = {
	{"keep", required_argument, NULL, OPT_KEEP},
	{"dry-run", no_argument, NULL, OPT_DRY_RUN},
	{"db", required_argument, NULL, OPT_DB},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static void print_prune_summary(const struct store_prune_result *res, bool dry_run)
{
	if (!res->complete && !res->failed) {
		if (res->oldest_kept)
			printf("nothing to prune: no run is older than run %" PRId64 "\n",
			       res->running ? res->running : res->oldest_kept);
		else
			printf("nothing to prune: the store holds no complete run\n");
	} else {
		printf("%s ", dry_run ? "would prune" : "pruned");
		print_id_range(res->first, res->last);
		printf(": %u complete (their hashes are kept, their content is not) and %u failed; the oldest run "
		       "kept is %" PRId64 "\n",
		       res->complete, res->failed, res->running ? res->running : res->oldest_kept);
	}
	if (res->running)
		printf("run %" PRId64 " is still running: no run from it on was pruned\n", res->running);
}

int cmd_prune(int argc, char **argv)
{
	const char *db_opt = NULL;
	struct store_prune_result res;
	bool dry_run = false, have_keep = false, header_done = false;
	long long keep = 0;
	struct store *st;
	char *end;
	int c, rc, status = EXIT_OK;

	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", prune_options, NULL)) != -1) {
		switch (c) {
		case OPT_KEEP:
			errno = 0;
			keep = strtoll(optarg, &end, 10);
			if (errno || *end || end == optarg || keep < 1 || keep > UINT_MAX)
				return cli_usage_error("prune", "--keep takes a number of complete runs, at least 1, "
								"not '%s'",
						       optarg);
			have_keep = true;
			break;
		case OPT_DRY_RUN:
			dry_run = true;
			break;
		case OPT_DB:
			db_opt = optarg;
			break;
		case 'h':
			return cli_print_help("prune");
		default:
			return cli_bad_option("prune", argv, c);
		}
	}
	if (optind < argc)
		return cli_usage_error("prune", "unexpected argument '%s'", argv[optind]);
	if (!have_keep)
		return cli_usage_error("prune", "--keep N is required: how many of the newest complete runs to keep");
	st = cli_open_store("prune", cli_db_path(db_opt));
	if (!st)
		return EXIT_RUNTIME;
	rc = store_prune(st, (unsigned)keep, dry_run, print_pruned_run, &header_done, &res);
	if (rc == -EBADMSG) {
		fprintf(stderr,
			"assay prune: run %" PRId64 " no longer matches its content hash: nothing was pruned, since "
			"pruning it would erase the evidence (see 'assay verify')\n",
			res.altered);
		status = EXIT_FINDINGS;
	} else if (rc < 0) {
		fprintf(stderr, "assay prune: %s: nothing was pruned\n", strerror(-rc));
		status = EXIT_RUNTIME;
	} else {
		print_prune_summary(&res, dry_run);
	}
	store_close(st);
	return status;
}

/* ---- assay runs ---- */

static const struct option runs_options[] = {
	{"db", required_argument, NULL, OPT_DB},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static void print_pruned_range(const struct pruned_range *r)
{
	char ids[48];

	if (r->first == r->last)
		snprintf(ids, sizeof(ids), "%" PRId64, r->first);
	else
		snprintf(ids, sizeof(ids), "%" PRId64 "-%" PRId64, r->first, r->last);
	printf("%6s  %-20s  %-8s  %u complete (hashes kept, content deleted), %u failed\n", ids, r->when, "pruned",
	       r->complete, r->failed);
}

int cmd_runs(int argc, char **argv)
{
	const char *db_opt = NULL;
	struct link_list pruned = {0};
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
	print_runs_header();
	rc = store_foreach_run(st, print_run, NULL);
	/* Pruned runs are the oldest: their ranges close the list, newest
	 * first, one line per prune, with the date it was made. */
	if (!rc)
		rc = store_foreach_pruned_run(st, collect_pruned, &pruned);
	if (!rc) {
		struct pruned_range *ranges;
		size_t n = pruned_ranges(&pruned, &ranges);

		while (n-- > 0)
			print_pruned_range(&ranges[n]);
		free(ranges);
	}
	free_links(&pruned);
	store_close(st);
	return rc < 0 ? EXIT_RUNTIME : EXIT_OK;
}

/* ---- assay verify: the hash chain ---- */

static const char zero_hash[] = "0000000000000000000000000000000000000000000000000000000000000000";

/* Checks one complete run still in the store against its predecessor's
 * chain hash; prints and counts what does not hold. */
static unsigned verify_run(struct store *st, const struct link *r, const char *expected_prev)
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

/* A pruned run's record: its hashes must chain like a kept run's, and it
 * must be older than every run still in the store, since assay prune
 * removes only the oldest runs. */
static unsigned verify_pruned(const struct link *p, const char *expected_prev, int64_t oldest_kept)
{
	char chain[SHA256_HEX_LEN + 1];
	char *joined;
	unsigned problems = 0;

	if (oldest_kept && p->id > oldest_kept) {
		printf("run %" PRId64 ": recorded as pruned, but the older run %" PRId64 " is still in the store: "
		       "assay prune removes only the oldest runs, so this record was not written by it\n",
		       p->id, oldest_kept);
		problems++;
	}
	if (!p->complete)
		return problems;
	if (strcmp(p->prev_hash, expected_prev) != 0) {
		printf("run %" PRId64 " (pruned): the chain is broken before it: the complete run preceding it was "
		       "removed or its record altered\n", p->id);
		problems++;
	}
	joined = xasprintf("%s%s", p->prev_hash, p->content_hash);
	sha256_hex(joined, strlen(joined), chain);
	free(joined);
	if (strcmp(chain, p->chain_hash) != 0) {
		printf("run %" PRId64 " (pruned): its recorded hashes do not chain: the record was altered\n", p->id);
		problems++;
	}
	return problems;
}

/* Ids that are neither a run nor a pruned record were removed behind
 * assay's back: ids are handed out in order and never reused. */
static unsigned verify_ids(const struct link_list *l, int64_t high_water)
{
	unsigned problems = 0;
	int64_t next = 1;

	for (size_t i = 0; i <= l->n; i++) {
		int64_t id = i < l->n ? l->links[i].id : high_water + 1;

		if (i < l->n && i > 0 && l->links[i - 1].id == id) {
			printf("run %" PRId64 ": both in the store and recorded as pruned: the record was not written "
			       "by assay prune\n", id);
			problems++;
			continue;
		}
		if (id > next) {
			print_id_range(next, id - 1);
			printf(": missing: removed without 'assay prune' (no record of %s in pruned_runs)\n",
			       id - 1 > next ? "them" : "it");
			problems++;
		}
		if (id >= next)
			next = id + 1;
	}
	return problems;
}

static void print_pruned_note(const struct pruned_range *r)
{
	bool one = r->first == r->last;

	print_id_range(r->first, r->last);
	printf(" pruned on %s (%u complete, %u failed): %s hashes are kept, %s content is not\n", r->when,
	       r->complete, r->failed, one ? "its" : "their", one ? "its" : "their");
}

static const struct option verify_options[] = {
	{"db", required_argument, NULL, OPT_DB},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

int cmd_verify(int argc, char **argv)
{
	const char *db_opt = NULL, *expected_prev = zero_hash;
	struct link_list l = {0};
	unsigned problems = 0, complete = 0, pruned = 0;
	int64_t high_water = 0, oldest_kept = 0;
	struct store *st;
	int c, rc;

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
	rc = collect_links(st, &l);
	if (!rc)
		rc = store_run_id_high_water(st, &high_water);
	if (rc < 0) {
		fprintf(stderr, "assay verify: cannot read the store: %s\n", strerror(-rc));
		free_links(&l);
		store_close(st);
		return EXIT_RUNTIME;
	}
	{
		struct pruned_range *ranges;
		size_t n = pruned_ranges(&l, &ranges);

		for (size_t i = 0; i < n; i++)
			print_pruned_note(&ranges[i]);
		free(ranges);
	}
	for (size_t i = 0; i < l.n && !oldest_kept; i++)
		if (!l.links[i].pruned)
			oldest_kept = l.links[i].id;
	problems += verify_ids(&l, high_water);
	/* The chain runs through complete runs, kept or pruned, in id order. */
	for (size_t i = 0; i < l.n; i++) {
		struct link *k = &l.links[i];

		if (k->pruned) {
			problems += verify_pruned(k, expected_prev, oldest_kept);
			pruned += k->complete;
		} else if (k->complete) {
			problems += verify_run(st, k, expected_prev);
			complete++;
		}
		if (k->complete)
			expected_prev = k->chain_hash ? k->chain_hash : zero_hash;
	}
	if (problems)
		printf("verification FAILED: %u problem%s in %u complete run%s\n", problems, problems == 1 ? "" : "s",
		       complete, complete == 1 ? "" : "s");
	else if (pruned)
		printf("verified %u complete run%s and the hashes of %u pruned run%s: every content hash and the chain "
		       "hold\n", complete, complete == 1 ? "" : "s", pruned, pruned == 1 ? "" : "s");
	else
		printf("verified %u complete run%s: every content hash and the chain hold\n", complete,
		       complete == 1 ? "" : "s");
	free_links(&l);
	store_close(st);
	return problems ? EXIT_FINDINGS : EXIT_OK;
}
