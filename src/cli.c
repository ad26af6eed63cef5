/*
 * Shared pieces of the subcommands (see cli.h).
 */
#include "cli.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"
#include "util.h"

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "assay %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see 'assay help %s')\n", cmd);
	return EXIT_USAGE;
}

int cli_bad_option(const char *cmd, char **argv, int getopt_result)
{
	const char *arg = argv[optind - 1];
	char shortname[3] = {'-', (char)optopt, '\0'};

	/* A short option's name is in optopt; a long one's is in argv. */
	if (optopt && (!arg || strncmp(arg, "--", 2) != 0))
		arg = shortname;
	if (getopt_result == ':')
		return cli_usage_error(cmd, "option '%s' needs a value", arg);
	return cli_usage_error(cmd, "unknown option '%s'", arg);
}

const char *cli_db_path(const char *opt)
{
	const char *env = getenv("ASSAY_DB");

	if (opt)
		return opt;
	if (env && *env)
		return env;
	return ".assay/assay.db";
}

struct store *cli_open_store(const char *cmd, const char *path)
{
	struct store *st = NULL;
	char err[1024] = "";

	if (store_open(path, &st, err, sizeof(err)) < 0) {
		fprintf(stderr, "assay %s: %s\n", cmd, *err ? err : "cannot open the store");
		return NULL;
	}
	return st;
}

bool cli_use_color(bool no_color_flag)
{
	const char *term = getenv("TERM");
	const char *nc = getenv("NO_COLOR");

	if (no_color_flag || (nc && *nc))
		return false;
	if (term && strcmp(term, "dumb") == 0)
		return false;
	return isatty(STDOUT_FILENO);
}

char *cli_command_line(int argc, char **argv)
{
	struct buf b;

	buf_init(&b);
	buf_puts(&b, "assay");
	for (int i = 0; i < argc; i++) {
		bool plain = argv[i][0] && strpbrk(argv[i], " \t\n'\"\\$`") == NULL;
		buf_putc(&b, ' ');
		if (plain) {
			buf_puts(&b, argv[i]);
			continue;
		}
		buf_putc(&b, '\'');
		for (const char *p = argv[i]; *p; p++) {
			if (*p == '\'')
				buf_puts(&b, "'\\''");
			else
				buf_putc(&b, *p);
		}
		buf_putc(&b, '\'');
	}
	return buf_steal(&b);
}

int cli_print_help(const char *name)
{
	for (const struct command *c = commands; c->name; c++) {
		if (strcmp(c->name, name) == 0) {
			printf("usage: assay %s\n\n%s\n", c->synopsis, c->help);
			return EXIT_OK;
		}
	}
	return EXIT_USAGE;
}

int cli_add_output(struct cli_outputs *o, const char *path)
{
	if (o->n == CLI_MAX_OUTPUTS)
		return -1;
	o->paths[o->n++] = path;
	return 0;
}

int cli_resolve_outputs(const char *cmd, const struct cli_outputs *o, const char *format_opt,
			enum report_format *stdout_format, enum report_format *formats)
{
	bool have_format = format_opt != NULL;
	enum report_format given = REPORT_TEXT;

	if (have_format && report_format_parse(format_opt, &given) < 0)
		return cli_usage_error(cmd, "unknown format '%s' (text, json, sarif, junit or pdf)", format_opt);
	*stdout_format = given;
	for (size_t i = 0; i < o->n; i++) {
		if (report_format_from_path(o->paths[i], &formats[i]) == 0)
			continue;
		if (!have_format)
			return cli_usage_error(cmd, "cannot tell the format of '%s' from its extension: "
						    "use .json, .sarif, .xml, .pdf or .txt, or --format",
					       o->paths[i]);
		formats[i] = given;
	}
	/* A PDF needs its fonts and libharu, JUnit libxml2: say so before a
	 * long scan, not after it. */
	for (size_t i = 0; i <= o->n; i++) {
		char err[1024];
		if (report_format_check(i < o->n ? formats[i] : *stdout_format, err, sizeof(err)) == 0)
			continue;
		fprintf(stderr, "assay %s: %s\n", cmd, err);
		return EXIT_RUNTIME;
	}
	return EXIT_OK;
}

int cli_write_reports(const char *cmd, struct store *st, int64_t run, const struct cli_outputs *o,
		      const enum report_format *formats, const struct report_opts *opts)
{
	char err[1024];
	int status = EXIT_OK;

	for (size_t i = 0; i < o->n; i++) {
		struct report_opts file_opts = *opts;
		file_opts.color = false;
		if (report_write_file(st, run, formats[i], o->paths[i], &file_opts, err, sizeof(err)) < 0) {
			fprintf(stderr, "assay %s: %s\n", cmd, err);
			status = EXIT_RUNTIME;
		}
	}
	return status;
}
