/*
 * What the subcommands share: the exit codes of DESIGN.md, option helpers
 * that turn a bad value into one line and exit code 2, and the store path.
 */
#ifndef ASSAY_CLI_H
#define ASSAY_CLI_H

#include <stdbool.h>
#include <stdint.h>

#define EXIT_OK 0
#define EXIT_FINDINGS 1
#define EXIT_USAGE 2
#define EXIT_RUNTIME 3

#include "report.h"

struct store;

#define CLI_MAX_OUTPUTS 16

/* The -o files of a command. */
struct cli_outputs {
	const char *paths[CLI_MAX_OUTPUTS];
	size_t n;
};

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *synopsis;
	const char *help; /* the options, one per line */
};

extern const struct command commands[];

/* Prints "assay CMD: message" and returns EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Reports getopt_long's '?' (unknown option) or ':' (missing value); the
 * option strings start with ':' so that getopt itself prints nothing. */
int cli_bad_option(const char *cmd, char **argv, int getopt_result);
/* --db, else $ASSAY_DB, else .assay/assay.db */
const char *cli_db_path(const char *opt);
/* Opens the store or prints why not (exit code 3 when it returns NULL). */
struct store *cli_open_store(const char *cmd, const char *path);
bool cli_use_color(bool no_color_flag);
/* The command line as one string, for the run record. */
char *cli_command_line(int argc, char **argv);

int cli_print_help(const char *name);
int cli_add_output(struct cli_outputs *o, const char *path);
/* Checks --format and each -o file's format; EXIT_USAGE with a message
 * when one cannot be told. */
int cli_resolve_outputs(const char *cmd, const struct cli_outputs *o, const char *format_opt,
			enum report_format *stdout_format, enum report_format *formats);
int cli_write_reports(const char *cmd, struct store *st, int64_t run, const struct cli_outputs *o,
		      const enum report_format *formats, const struct report_opts *opts);

int cmd_scan(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_runs(int argc, char **argv);
int cmd_rules(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_profiles(int argc, char **argv);
int cmd_controls(int argc, char **argv);
int cmd_prune(int argc, char **argv);

#endif
