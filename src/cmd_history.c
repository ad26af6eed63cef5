/*
 * The commands over stored runs: `assay report` re-renders one, `assay
 * runs` lists them.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
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
