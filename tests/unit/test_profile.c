/*
 * Profiles: the built-in ones load, name only rules that exist, and leave
 * no rule without a control; broken profile files are rejected with
 * file:line:col and a did-you-mean; control status follows DESIGN.md.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmocka_prelude.h"

#include "controls.h"
#include "hashmap.h"
#include "profile.h"
#include "registry.h"

static void test_builtins_load(void **state)
{
	struct profile **list;
	size_t n;
	char err[512] = "";
	static const char *const want[] = {"cis-kubernetes", "cis-docker", "soc2", "iso27001", "default"};

	(void)state;
	assert_int_equal(profile_load_builtins(&list, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 5);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(list[i]->id, want[i]);
		assert_string_equal(list[i]->origin, "built-in");
		assert_true(list[i]->n_controls > 0);
		for (size_t c = 0; c < list[i]->n_controls; c++) {
			assert_non_null(list[i]->controls[c].title);
			assert_non_null(list[i]->controls[c].evidence);
			assert_non_null(list[i]->controls[c].level);
		}
	}
	profile_free_all(list, n);
}

static bool profile_names_rule(const struct profile *p, const char *rule)
{
	for (size_t c = 0; c < p->n_controls; c++)
		for (size_t r = 0; r < p->controls[c].n_rules; r++)
			if (strcmp(p->controls[c].rules[r], rule) == 0)
				return true;
	return false;
}

/* Every rule maps to at least one control (the default profile holds them
 * all), and every rule a profile names exists (profile_parse refuses an
 * unknown one, so loading is the check). */
static void test_every_rule_has_a_control(void **state)
{
	struct profile **list;
	size_t n, unmapped = 0;
	char err[512] = "";

	(void)state;
	assert_int_equal(profile_load_builtins(&list, &n, err, sizeof(err)), 0);
	for (size_t i = 0; i < registry_count(); i++) {
		const char *id = registry_at(i)->id;
		bool in_default = profile_names_rule(list[n - 1], id), anywhere = false;

		for (size_t p = 0; p < n; p++)
			anywhere |= profile_names_rule(list[p], id);
		if (!in_default || !anywhere) {
			fprintf(stderr, "rule %s maps to no control%s\n", id, anywhere ? " of the default profile" : "");
			unmapped++;
		}
	}
	assert_int_equal(unmapped, 0);
	profile_free_all(list, n);
}

/* The section 5 controls CIS Kubernetes 1.10 has, and the SOC 2 and ISO
 * controls the issue requires, are all present. */
static void test_required_controls_present(void **state)
{
	static const char *const required[][2] = {
		{"cis-kubernetes", "5.1.1"}, {"cis-kubernetes", "5.1.13"}, {"cis-kubernetes", "5.2.13"},
		{"cis-kubernetes", "5.3.2"}, {"cis-kubernetes", "5.4.2"}, {"cis-kubernetes", "5.5.1"},
		{"cis-kubernetes", "5.7.4"}, {"cis-docker", "4.1"}, {"cis-docker", "4.12"},
		{"cis-docker", "5.32"}, {"soc2", "CC6.1"}, {"soc2", "CC6.2"}, {"soc2", "CC6.3"},
		{"soc2", "CC6.6"}, {"soc2", "CC6.7"}, {"soc2", "CC6.8"}, {"soc2", "CC7.1"},
		{"soc2", "CC7.2"}, {"soc2", "CC8.1"}, {"iso27001", "A.5.15"}, {"iso27001", "A.5.17"},
		{"iso27001", "A.8.2"}, {"iso27001", "A.8.3"}, {"iso27001", "A.8.4"}, {"iso27001", "A.8.5"},
		{"iso27001", "A.8.9"}, {"iso27001", "A.8.12"}, {"iso27001", "A.8.20"}, {"iso27001", "A.8.24"},
		{"iso27001", "A.8.25"}, {"iso27001", "A.8.28"},
	};
	struct profile **list;
	size_t n;
	char err[512] = "";

	(void)state;
	assert_int_equal(profile_load_builtins(&list, &n, err, sizeof(err)), 0);
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		bool found = false;

		for (size_t p = 0; p < n; p++)
			if (strcmp(list[p]->id, required[i][0]) == 0)
				for (size_t c = 0; c < list[p]->n_controls; c++)
					found |= strcmp(list[p]->controls[c].id, required[i][1]) == 0;
		if (!found)
			fprintf(stderr, "missing %s %s\n", required[i][0], required[i][1]);
		assert_true(found);
	}
	profile_free_all(list, n);
}

static void expect_parse_error(const char *text, const char *want)
{
	struct profile *p = NULL;
	char err[512] = "";

	assert_int_equal(profile_parse("ours.yaml", text, strlen(text), &p, err, sizeof(err)), -22);
	assert_null(p);
	if (!strstr(err, want))
		fprintf(stderr, "got: %s\nwant: %s\n", err, want);
	assert_non_null(strstr(err, want));
}

static void test_broken_profiles_rejected(void **state)
{
	(void)state;
	expect_parse_error("id: x\ntitle: X\nversion: \"1\"\ncontrols:\n  - id: a\n    title: A\n    level: L1\n"
			   "    evidence: e\n    rules: [k8s.privilegd]\n",
			   "ours.yaml:9:13: no rule 'k8s.privilegd' (did you mean 'k8s.privileged'?)");
	expect_parse_error("id: x\ntitel: X\n", "ours.yaml:2:1: unknown key 'titel' (did you mean 'title'?)");
	expect_parse_error("id: x\ntitle: X\nversion: \"1\"\ncontrols:\n  - id: a\n    title: A\n    level: L1\n"
			   "    evidence: e\n",
			   "ours.yaml:5:5: a control needs 'rules'");
	expect_parse_error("id: x\ntitle: X\nversion: \"1\"\ncontrols:\n  - {id: a, title: A, level: L1, evidence: e, "
			   "rules: []}\n  - {id: a, title: B, level: L1, evidence: e, rules: []}\n",
			   "ours.yaml:6:5: control 'a' is defined twice (first at line 5)");
	expect_parse_error("id: x\ntitle: X\nversion: \"1\"\ncontrols:\n  - {id: a, title: A, level: L1, category: c, "
			   "evidence: e, rules: []}\n",
			   "a control has a level or a category, not both");
	expect_parse_error("id: [x\n", "ours.yaml:");
	expect_parse_error("id: x\nid: y\n", "ours.yaml:2:1:");
	expect_parse_error("- a\n", "ours.yaml:1:1: expected a mapping");
	expect_parse_error("", "ours.yaml: the file is empty");
}

static void test_profile_load_specs(void **state)
{
	struct profile *p = NULL;
	char err[512] = "";

	(void)state;
	assert_int_equal(profile_load("soc2", &p, err, sizeof(err)), 0);
	assert_string_equal(p->id, "soc2");
	profile_free(p);
	assert_int_equal(profile_load("cis-kubernets", &p, err, sizeof(err)), -2);
	assert_non_null(strstr(err, "did you mean 'cis-kubernetes'"));
	assert_int_equal(profile_load("./no/such/profile.yaml", &p, err, sizeof(err)), -2);
	assert_non_null(strstr(err, "./no/such/profile.yaml: cannot read profile"));
}

/* ---- control status ---- */

static bool all_applicable(const char *rule, void *ctx)
{
	(void)ctx;
	return strncmp(rule, "k8s.", 4) == 0;
}

static bool liveness_off(const char *rule, void *ctx)
{
	(void)ctx;
	return strcmp(rule, "k8s.liveness-probe") == 0;
}

static void put_counts(struct hashmap *m, const char *rule, unsigned unwaived, unsigned waived)
{
	struct rule_counts *rc = malloc(sizeof(*rc));

	rc->unwaived = unwaived;
	rc->waived = waived;
	free(hashmap_put(m, rule, rc)); /* a rule counted again replaces its counts */
}

static void test_control_status(void **state)
{
	char *rules_a[] = {"k8s.privileged", "k8s.host-pid"};
	char *rules_b[] = {"k8s.host-ipc"};
	char *rules_c[] = {"compose.privileged"};
	char *rules_d[] = {"k8s.liveness-probe"};
	struct profile_control fail = {.rules = rules_a, .n_rules = 2};
	struct profile_control pass = {.rules = rules_b, .n_rules = 1};
	struct profile_control na = {.rules = rules_c, .n_rules = 1};
	struct profile_control off = {.rules = rules_d, .n_rules = 1};
	struct profile_control manual = {.rules = NULL, .n_rules = 0};
	struct control_facts facts = {all_applicable, liveness_off, NULL};
	struct hashmap counts;
	unsigned f, w;

	(void)state;
	hashmap_init(&counts);
	put_counts(&counts, "k8s.privileged", 0, 2);
	put_counts(&counts, "k8s.host-pid", 1, 0);
	assert_int_equal(control_evaluate(&fail, &counts, &facts, &f, &w), CONTROL_FAIL);
	assert_int_equal(f, 1);
	assert_int_equal(w, 2);
	assert_int_equal(control_evaluate(&pass, &counts, &facts, &f, &w), CONTROL_PASS);
	assert_int_equal(control_evaluate(&na, &counts, &facts, &f, &w), CONTROL_NOT_APPLICABLE);
	assert_int_equal(control_evaluate(&off, &counts, &facts, &f, &w), CONTROL_NOT_ASSESSED);
	assert_int_equal(control_evaluate(&manual, &counts, &facts, &f, &w), CONTROL_NOT_ASSESSED);
	/* only waived findings left: waived */
	put_counts(&counts, "k8s.host-pid", 0, 0);
	assert_int_equal(control_evaluate(&fail, &counts, &facts, &f, &w), CONTROL_WAIVED);
	/* a finding makes a rule applicable even where its scanner did not say so */
	put_counts(&counts, "compose.privileged", 0, 1);
	assert_int_equal(control_evaluate(&na, &counts, &facts, &f, &w), CONTROL_WAIVED);
	hashmap_free(&counts, free);
	assert_string_equal(control_status_name(CONTROL_NOT_APPLICABLE), "not-applicable");
	assert_int_equal(control_status_parse("not-assessed"), CONTROL_NOT_ASSESSED);
	assert_int_equal(control_status_parse("bogus"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builtins_load),
		cmocka_unit_test(test_every_rule_has_a_control),
		cmocka_unit_test(test_required_controls_present),
		cmocka_unit_test(test_broken_profiles_rejected),
		cmocka_unit_test(test_profile_load_specs),
		cmocka_unit_test(test_control_status),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
