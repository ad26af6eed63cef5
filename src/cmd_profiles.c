/*
 * `assay profiles` lists the built-in compliance profiles; `assay controls
 * PROFILE` lists a profile's controls with the rules that evidence them
 * (a built-in id or a profile file, checked as a scan would check it).
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "profile.h"
#include "util.h"

static const struct option list_options[] = {
	{"format", required_argument, NULL, 'f'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

/* Parses -f text|json for both commands. */
static int parse_format(const char *cmd, int argc, char **argv, bool *json)
{
	int c;

	*json = false;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":f:h", list_options, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (strcmp(optarg, "json") == 0)
				*json = true;
			else if (strcmp(optarg, "text") != 0)
				return cli_usage_error(cmd, "--format takes text or json, not '%s'", optarg);
			break;
		case 'h':
			return cli_print_help(cmd);
		default:
			return cli_bad_option(cmd, argv, c);
		}
	}
	return -1;
}

static unsigned manual_controls(const struct profile *p)
{
	unsigned n = 0;

	for (size_t i = 0; i < p->n_controls; i++)
		n += p->controls[i].n_rules == 0;
	return n;
}

int cmd_profiles(int argc, char **argv)
{
	struct profile **list;
	size_t n;
	char err[1024];
	bool json;
	int status = parse_format("profiles", argc, argv, &json);
	json_t *arr;

	if (status >= 0)
		return status;
	if (optind < argc)
		return cli_usage_error("profiles", "takes no arguments");
	if (profile_load_builtins(&list, &n, err, sizeof(err)) < 0) {
		fprintf(stderr, "assay profiles: built-in profile broken: %s\n", err);
		return EXIT_RUNTIME;
	}
	arr = json_array();
	for (size_t i = 0; i < n; i++) {
		const struct profile *p = list[i];

		if (json) {
			json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s?, s:I, s:I}", "id", p->id, "title", p->title,
							     "version", p->version, "source", p->source, "controls",
							     (json_int_t)p->n_controls, "manual",
							     (json_int_t)manual_controls(p)));
			continue;
		}
		printf("%-15s %s %s (%zu controls, %u manual)\n", p->id, p->title, p->version, p->n_controls,
		       manual_controls(p));
	}
	if (json) {
		json_dumpf(arr, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
	}
	json_decref(arr);
	profile_free_all(list, n);
	return EXIT_OK;
}

static json_t *control_json(const struct profile_control *c)
{
	json_t *rules = json_array();

	for (size_t r = 0; r < c->n_rules; r++)
		json_array_append_new(rules, json_string(c->rules[r]));
	return json_pack("{s:s, s:s, s:s?, s:s?, s:o, s:s}", "id", c->id, "title", c->title, "level", c->level,
			 "section", c->section, "rules", rules, "evidence", c->evidence);
}

static void print_control(const struct profile_control *c)
{
	printf("%-14s %s [%s]\n", c->id, c->title, c->level ? c->level : "");
	if (!c->n_rules)
		printf("               rules: none (manual: not assessed by assay)\n");
	for (size_t r = 0; r < c->n_rules; r++)
		printf("%s%s", r ? ", " : "               rules: ", c->rules[r]);
	if (c->n_rules)
		printf("\n");
	printf("               evidence: %s\n", c->evidence);
}

int cmd_controls(int argc, char **argv)
{
	struct profile *p;
	char err[1024];
	bool json;
	int status = parse_format("controls", argc, argv, &json);

	if (status >= 0)
		return status;
	if (optind + 1 != argc)
		return cli_usage_error("controls", "takes one profile: a built-in id ('assay profiles') or a file");
	if (profile_load(argv[optind], &p, err, sizeof(err)) < 0) {
		fprintf(stderr, "assay controls: %s\n", err);
		return EXIT_USAGE;
	}
	if (json) {
		json_t *arr = json_array(), *doc;

		for (size_t i = 0; i < p->n_controls; i++)
			json_array_append_new(arr, control_json(&p->controls[i]));
		doc = json_pack("{s:s, s:s, s:s, s:o}", "id", p->id, "title", p->title, "version", p->version, "controls",
				arr);
		json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		json_decref(doc);
		putchar('\n');
	} else {
		printf("%s: %s %s (%s)\n\n", p->id, p->title, p->version, p->origin);
		for (size_t i = 0; i < p->n_controls; i++)
			print_control(&p->controls[i]);
	}
	profile_free(p);
	return EXIT_OK;
}
