/*
 * `assay scan`: options, the run, the reports, the exit code.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "finding.h"
#include "report.h"
#include "scan.h"
#include "store.h"
#include "util.h"

enum { OPT_DB = 256, OPT_FAIL_ON, OPT_NO_COLOR, OPT_HISTORY, OPT_DIFF };

static const struct option scan_options[] = {
	{"output", required_argument, NULL, 'o'},
	{"format", required_argument, NULL, 'f'},
	{"db", required_argument, NULL, OPT_DB},
	{"fail-on", required_argument, NULL, OPT_FAIL_ON},
	{"no-color", no_argument, NULL, OPT_NO_COLOR},
	{"history", no_argument, NULL, OPT_HISTORY},
	{"diff", required_argument, NULL, OPT_DIFF},
	{"quiet", no_argument, NULL, 'q'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static void on_signal(int sig)
{
	(void)sig;
	scan_cancelled = 1;
}

static void install_signal_handlers(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

int cmd_scan(int argc, char **argv)
{
	static char *const default_targets[] = {"."};
	struct scan_request req = {.fail_on = SEV_HIGH};
	struct cli_outputs outputs = {0};
	enum report_format stdout_format, formats[CLI_MAX_OUTPUTS];
	struct report_opts ropts = {0};
	const char *db_opt = NULL, *format_opt = NULL;
	bool no_color = false;
	struct store *st = NULL;
	char *command = NULL, err[1024] = "";
	int64_t run_id = 0;
	int c, status, exit_code = EXIT_RUNTIME;

	optind = 1;
	while ((c = getopt_long(argc, argv, ":o:f:qh", scan_options, NULL)) != -1) {
		switch (c) {
		case 'o':
			if (cli_add_output(&outputs, optarg) < 0)
				return cli_usage_error("scan", "at most %d -o files", CLI_MAX_OUTPUTS);
			break;
		case 'f':
			format_opt = optarg;
			break;
		case OPT_DB:
			db_opt = optarg;
			break;
		case OPT_FAIL_ON:
			if (severity_parse(optarg, true, &req.fail_on) < 0)
				return cli_usage_error("scan", "--fail-on takes info, low, medium, high, critical or "
							       "none, not '%s'",
						       optarg);
			break;
		case OPT_NO_COLOR:
			no_color = true;
			break;
		case OPT_HISTORY:
			req.history = true;
			break;
		case OPT_DIFF:
			req.diff_range = optarg;
			break;
		case 'q':
			req.quiet = true;
			break;
		case 'h':
			return cli_print_help("scan");
		default:
			return cli_bad_option("scan", argv, c);
		}
	}
	if (req.history && req.diff_range)
		return cli_usage_error("scan", "--history and --diff do not go together: --diff scans only the range");
	status = cli_resolve_outputs("scan", &outputs, format_opt, &stdout_format, formats);
	if (status != EXIT_OK)
		return status;
	req.targets = optind < argc ? argv + optind : default_targets;
	req.n_targets = optind < argc ? (size_t)(argc - optind) : 1;
	if (scan_check_targets(&req, err, sizeof(err)) < 0)
		return cli_usage_error("scan", "%s", err);
	st = cli_open_store("scan", cli_db_path(db_opt));
	if (!st)
		return EXIT_RUNTIME;
	store_reap_stale_runs(st);
	command = cli_command_line(argc, argv);
	req.command = command;
	install_signal_handlers();
	if (scan_run(st, &req, &run_id, &exit_code, err, sizeof(err)) < 0) {
		fprintf(stderr, "assay scan: %s\n", err);
		exit_code = EXIT_RUNTIME;
		goto out;
	}
	ropts.color = stdout_format == REPORT_TEXT && cli_use_color(no_color);
	if (!req.quiet && report_render(st, run_id, stdout_format, stdout, &ropts) < 0) {
		fprintf(stderr, "assay scan: cannot print the report\n");
		exit_code = EXIT_RUNTIME;
	}
	if (cli_write_reports("scan", st, run_id, &outputs, formats, &ropts) != EXIT_OK)
		exit_code = EXIT_RUNTIME;
out:
	free(command);
	store_close(st);
	return exit_code;
}
