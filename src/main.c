/*
 * assay's entry point: the subcommand table, help and version. Each
 * subcommand parses its own options (src/cmd_*.c); only main exits.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static int cmd_version(int argc, char **argv);
static int cmd_help(int argc, char **argv);

const struct command commands[] = {
	{"scan", cmd_scan, "scan [OPTIONS] [TARGET...]",
	 "Scan directories, git work trees, bare repositories or files (default: .), store the\n"
	 "run, print the text report.\n"
	 "  -o, --output FILE     also write a report; format from the extension (.json, .sarif,\n"
	 "                        .xml for JUnit, .pdf, .txt) or from --format; repeatable\n"
	 "  -f, --format FORMAT   text, json, sarif, junit or pdf: the format of standard output and\n"
	 "                        of -o files whose extension says nothing\n"
	 "      --history         also scan every commit reachable from all refs for secrets;\n"
	 "                        a secret removed since is git.secret-in-history\n"
	 "      --diff BASE[..TIP]  only what the commits after BASE (up to TIP, default HEAD)\n"
	 "                        added: for pull requests\n"
	 "      --fail-on SEV     exit 1 when an unwaived finding is at or above SEV\n"
	 "                        (info, low, medium, high, critical, none; default high,\n"
	 "                        or fail-on in the configuration)\n"
	 "      --profile LIST    judge the controls of these profiles, comma-separated: built-in\n"
	 "                        ids ('assay profiles') or profile files (default: the\n"
	 "                        configuration's profiles, else every built-in profile)\n"
	 "      --config FILE     the configuration (default: .assay.yml at the first target)\n"
	 "      --baseline B      previous, a run id, or an assay JSON report: findings already\n"
	 "                        in it are 'unchanged' and do not count toward --fail-on\n"
	 "      --db FILE         the store (default $ASSAY_DB, else .assay/assay.db)\n"
	 "      --no-color        no colour in the text report (also NO_COLOR=1)\n"
	 "  -q, --quiet           print nothing on standard output; warnings only on errors"},
	{"report", cmd_report, "report [--run ID|latest] [-o FILE]... [--format FORMAT]",
	 "Render a stored run again, exactly as the scan stored it.\n"
	 "      --run ID|latest   which run (default latest complete run)\n"
	 "  -o, --output FILE     write to FILE (repeatable); else standard output\n"
	 "  -f, --format FORMAT   text, json, sarif, junit or pdf (the PDF audit report)\n"
	 "      --db FILE         the store\n"
	 "      --no-color        no colour"},
	{"runs", cmd_runs, "runs [--db FILE]",
	 "List the stored runs, newest first: id, date, status, inputs and counts; then the\n"
	 "ranges of pruned runs, with the date of the prune.\n"
	 "      --db FILE         the store"},
	{"diff", cmd_diff, "diff A B [--format text|json]",
	 "Compare two stored runs by fingerprint: new (in B only), fixed (in A only), persisting.\n"
	 "A and B are run ids, 'latest' or 'previous' (the complete run before the latest).\n"
	 "  -f, --format FORMAT   text (default) or json\n"
	 "      --db FILE         the store"},
	{"verify", cmd_verify, "verify [--db FILE]",
	 "Walk the hash chain of complete runs: recompute each run's content hash and check\n"
	 "that it chains to the run before. Exit 1, naming the run, when a run was altered\n"
	 "or removed (a run pruned by 'assay prune' is followed through the hashes it left).\n"
	 "      --db FILE         the store"},
	{"prune", cmd_prune, "prune --keep N [--dry-run] [--db FILE]",
	 "Delete all but the newest N complete runs, with their findings and every other row;\n"
	 "failed runs older than the oldest kept run go too, a running run and those after it\n"
	 "never. Each pruned run's hashes are kept, so 'assay verify' still walks the chain.\n"
	 "A run whose content no longer matches its hash stops the prune (exit 1).\n"
	 "      --keep N          how many of the newest complete runs to keep (at least 1)\n"
	 "      --dry-run         list what would go and change nothing\n"
	 "      --db FILE         the store"},
	{"rules", cmd_rules, "rules [--format text|json|markdown|regex]",
	 "List every rule: id, severity, title.\n"
	 "  -f, --format FORMAT   text (default), json, markdown, or regex (the secret rules'\n"
	 "                        patterns, id<TAB>regex)"},
	{"explain", cmd_explain, "explain RULE-ID",
	 "Print one rule: what it finds, why it matters, how to fix it, references."},
	{"profiles", cmd_profiles, "profiles [--format text|json]",
	 "List the built-in compliance profiles: id, framework, version, controls.\n"
	 "  -f, --format FORMAT   text (default) or json"},
	{"controls", cmd_controls, "controls PROFILE [--format text|json]",
	 "List a profile's controls with the rules that evidence them. PROFILE is a built-in id\n"
	 "or a profile file (checked as a scan checks it).\n"
	 "  -f, --format FORMAT   text (default) or json"},
	{"version", cmd_version, "version", "Print assay's version."},
	{"help", cmd_help, "help [COMMAND]", "Print help for assay or one command."},
	{NULL, NULL, NULL, NULL},
};

static const struct command *find_command(const char *name)
{
	for (const struct command *c = commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

static void print_overview(FILE *out)
{
	fprintf(out, "assay %s: compliance scanner for git repositories, env files, container images\n"
		     "and Kubernetes manifests.\n\nusage: assay COMMAND [OPTIONS]\n\ncommands:\n",
		ASSAY_VERSION);
	for (const struct command *c = commands; c->name; c++)
		fprintf(out, "  %s\n", c->synopsis);
	fprintf(out, "\nexit codes: 0 nothing at or above --fail-on, 1 findings at or above it,\n"
		     "2 usage or configuration error, 3 a runtime error stopped the scan.\n"
		     "'assay help COMMAND' describes a command's options.\n");
}

static int cmd_version(int argc, char **argv)
{
	(void)argv;
	if (argc > 1)
		return cli_usage_error("version", "takes no arguments");
	printf("assay %s\n", ASSAY_VERSION);
	return EXIT_OK;
}

static int cmd_help(int argc, char **argv)
{
	const struct command *c;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		print_overview(stdout);
		return EXIT_OK;
	}
	c = find_command(argv[1]);
	if (!c) {
		fprintf(stderr, "assay help: unknown command '%s'\n", argv[1]);
		return EXIT_USAGE;
	}
	printf("usage: assay %s\n\n%s\n", c->synopsis, c->help);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	const struct command *c;

	if (argc < 2) {
		print_overview(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return cmd_help(1, argv);
	if (strcmp(argv[1], "--version") == 0)
		return cmd_version(1, argv);
	c = find_command(argv[1]);
	if (!c) {
		fprintf(stderr, "assay: unknown command '%s' (see 'assay help')\n", argv[1]);
		return EXIT_USAGE;
	}
	return c->run(argc - 1, argv + 1);
}
