/*
 * `assay scan`: options, the run, the reports, the exit code.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "baseline.h"
#include "cli.h"
#include "config.h"
#include "finding.h"
#include "hashmap.h"
#include "profile.h"
#include "registry.h"
#include "report.h"
#include "scan.h"
#include "store.h"
#include "util.h"

enum { OPT_DB = 256, OPT_FAIL_ON, OPT_NO_COLOR, OPT_HISTORY, OPT_DIFF, OPT_CONFIG, OPT_PROFILE, OPT_BASELINE };

static const struct option scan_options[] = {
	{"output", required_argument, NULL, 'o'},
	{"format", required_argument, NULL, 'f'},
	{"db", required_argument, NULL, OPT_DB},
	{"fail-on", required_argument, NULL, OPT_FAIL_ON},
	{"no-color", no_argument, NULL, OPT_NO_COLOR},
	{"history", no_argument, NULL, OPT_HISTORY},
	{"diff", required_argument, NULL, OPT_DIFF},
	{"config", required_argument, NULL, OPT_CONFIG},
	{"profile", required_argument, NULL, OPT_PROFILE},
	{"baseline", required_argument, NULL, OPT_BASELINE},
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

/* What the command line and the configuration decide together. */
struct scan_setup {
	struct config *config;
	struct profile **profiles;
	size_t n_profiles;
	struct hashmap baseline;
	bool has_baseline;
	char *baseline_name;
};

/* --config FILE, else .assay.yml at the first target when it is a
 * directory. A broken configuration is a usage error (exit 2). */
static int load_config(const char *opt, const char *first_target, struct config **out)
{
	char err[1024], *found = NULL;
	struct stat st;
	int rc;

	*out = NULL;
	if (!opt && first_target && stat(first_target, &st) == 0 && S_ISDIR(st.st_mode)) {
		found = xasprintf("%s%s%s", first_target, str_ends_with(first_target, "/") ? "" : "/", CONFIG_FILE_NAME);
		if (access(found, F_OK) != 0) {
			free(found);
			return EXIT_OK;
		}
		/* "./.assay.yml" reads better as ".assay.yml" in messages */
		if (str_starts_with(found, "./")) {
			char *shorter = xstrdup(found + 2);
			free(found);
			found = shorter;
		}
	}
	if (!opt && !found)
		return EXIT_OK; /* a file or an image: no scan root to hold one */
	rc = config_load(opt ? opt : found, out, err, sizeof(err));
	free(found);
	if (rc < 0) {
		fprintf(stderr, "assay scan: %s\n", err);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

/* A profile named in the configuration by a relative path is relative to
 * the configuration file, not to the current directory. */
static char *config_relative(const struct config *c, const char *spec)
{
	if (!c || spec[0] == '/' || !(strchr(spec, '/') || str_ends_with(spec, ".yaml") || str_ends_with(spec, ".yml")))
		return xstrdup(spec);
	return xasprintf("%s/%s", c->dir, spec);
}

static int add_profile(struct scan_setup *su, const char *spec)
{
	struct profile *p;
	char err[1024];

	for (size_t i = 0; i < su->n_profiles; i++)
		if (strcmp(su->profiles[i]->id, spec) == 0)
			return EXIT_OK;
	if (profile_load(spec, &p, err, sizeof(err)) < 0) {
		fprintf(stderr, "assay scan: %s\n", err);
		return EXIT_USAGE;
	}
	su->profiles = xrealloc(su->profiles, (su->n_profiles + 1) * sizeof(*su->profiles));
	su->profiles[su->n_profiles++] = p;
	return EXIT_OK;
}

/* --profile a,b; else the configuration's profiles; else every built-in. */
static int select_profiles(struct scan_setup *su, const char *opt)
{
	int status = EXIT_OK;

	if (opt) {
		char *list = xstrdup(opt), *save = NULL;

		for (char *tok = strtok_r(list, ",", &save); tok && status == EXIT_OK; tok = strtok_r(NULL, ",", &save))
			status = add_profile(su, tok);
		free(list);
		if (status == EXIT_OK && su->n_profiles == 0)
			status = cli_usage_error("scan", "--profile needs at least one profile");
	} else if (su->config && su->config->n_profiles) {
		for (size_t i = 0; i < su->config->n_profiles && status == EXIT_OK; i++) {
			char *spec = config_relative(su->config, su->config->profiles[i]);
			status = add_profile(su, spec);
			free(spec);
		}
	} else {
		for (size_t i = 0; i < profile_builtin_count() && status == EXIT_OK; i++)
			status = add_profile(su, profile_builtin_id(i));
	}
	return status;
}

static int load_baseline(struct scan_setup *su, struct store *st, const char *spec)
{
	char err[1024];

	hashmap_init(&su->baseline);
	su->has_baseline = true;
	if (baseline_load(st, spec, &su->baseline, &su->baseline_name, err, sizeof(err)) < 0) {
		fprintf(stderr, "assay scan: %s\n", err);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

static void scan_setup_free(struct scan_setup *su)
{
	profile_free_all(su->profiles, su->n_profiles);
	if (su->has_baseline)
		hashmap_free(&su->baseline, NULL);
	free(su->baseline_name);
	registry_set_configured(NULL, 0, 0);
	config_free(su->config);
}

int cmd_scan(int argc, char **argv)
{
	static char *const default_targets[] = {"."};
	struct scan_request req = {.fail_on = SEV_HIGH};
	struct cli_outputs outputs = {0};
	enum report_format stdout_format, formats[CLI_MAX_OUTPUTS];
	struct report_opts ropts = {0};
	const char *db_opt = NULL, *format_opt = NULL, *config_opt = NULL, *profile_opt = NULL, *baseline_opt = NULL;
	struct scan_setup setup = {0};
	bool no_color = false, fail_on_given = false;
	struct store *st = NULL;
	char *command = NULL, err[1024] = "";
	int64_t run_id = 0;
	int c, rc, status, exit_code = EXIT_RUNTIME;

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
			fail_on_given = true;
			break;
		case OPT_CONFIG:
			config_opt = optarg;
			break;
		case OPT_PROFILE:
			profile_opt = optarg;
			break;
		case OPT_BASELINE:
			baseline_opt = optarg;
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
	/* while the configuration and profiles load and the store opens */
	req.repo_ahead = scan_open_repo_ahead(req.targets[0]);
	status = load_config(config_opt, req.targets[0], &setup.config);
	if (status != EXIT_OK) {
		scan_repo_ahead_free(req.repo_ahead);
		return status;
	}
	if (setup.config) {
		if (setup.config->n_secret_rules)
			registry_set_configured(&setup.config->secret_rules[0].rule, setup.config->n_secret_rules,
						sizeof(struct secret_pattern));
		if (setup.config->has_fail_on && !fail_on_given)
			req.fail_on = setup.config->fail_on;
	}
	exit_code = select_profiles(&setup, profile_opt);
	if (exit_code != EXIT_OK)
		goto out;
	exit_code = EXIT_RUNTIME;
	st = cli_open_store("scan", cli_db_path(db_opt));
	if (!st)
		goto out;
	if (baseline_opt) {
		exit_code = load_baseline(&setup, st, baseline_opt);
		if (exit_code != EXIT_OK)
			goto out;
		exit_code = EXIT_RUNTIME;
		req.baseline = &setup.baseline;
		req.baseline_name = setup.baseline_name;
	}
	req.config = setup.config;
	req.profiles = setup.profiles;
	req.n_profiles = setup.n_profiles;
	store_reap_stale_runs(st);
	command = cli_command_line(argc, argv);
	req.command = command;
	install_signal_handlers();
	rc = scan_run(st, &req, &run_id, &exit_code, err, sizeof(err));
	req.repo_ahead = NULL; /* scan_run's now */
	if (rc < 0) {
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
	scan_repo_ahead_free(req.repo_ahead);
	free(command);
	store_close(st);
	scan_setup_free(&setup);
	return exit_code;
}
