/*
 * .assay.yml: dates and waiver states at their boundaries, exclusion
 * globs, waivers by path and by fingerprint, rule settings, and the
 * messages of errors the end-to-end test does not reach.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cmocka_prelude.h"

#include "config.h"

static struct config *parse_ok(const char *text)
{
	struct config *c = NULL;
	char err[512] = "";

	if (config_parse(".assay.yml", text, strlen(text), &c, err, sizeof(err)) != 0)
		fprintf(stderr, "unexpected: %s\n", err);
	assert_non_null(c);
	return c;
}

static void test_dates(void **state)
{
	(void)state;
	assert_int_equal(config_parse_date("1970-01-01"), 0);
	assert_int_equal(config_parse_date("2000-03-01") - config_parse_date("2000-02-28"), 2); /* 2000 is leap */
	assert_int_equal(config_parse_date("2100-03-01") - config_parse_date("2100-02-28"), 1); /* 2100 is not */
	assert_int_equal(config_parse_date("2024-02-29") - config_parse_date("2023-02-28"), 366);
	assert_int_equal(config_parse_date("2023-02-29"), -1);
	assert_int_equal(config_parse_date("2023-13-01"), -1);
	assert_int_equal(config_parse_date("2023-1-01"), -1);
	assert_int_equal(config_parse_date("2023-01-01x"), -1);
	assert_int_equal(config_parse_date("next week"), -1);
}

static const char waivers_yaml[] = "waivers:\n"
				   "  - rule: k8s.privileged\n"
				   "    paths: [\"deploy/*.yaml\", \"legacy\"]\n"
				   "    reason: r\n    owner: o\n    expires: 2027-03-31\n"
				   "  - rule: env.weak-secret\n"
				   "    fingerprint: abc123\n"
				   "    reason: r2\n    owner: o2\n    expires: 2027-03-01\n";

/* The last day named still holds; 30 days before it, the waiver is listed
 * as expiring; the day after, it is expired and suppresses nothing. */
static void test_waiver_states(void **state)
{
	struct config *c = parse_ok(waivers_yaml);
	long last = config_parse_date("2027-03-31");
	struct finding f = {.rule = "k8s.privileged", .path = "deploy/web.yaml"};

	(void)state;
	config_date_waivers(c, last - 31);
	assert_int_equal(c->waivers[0].state, WAIVER_ACTIVE);
	config_date_waivers(c, last - 30);
	assert_int_equal(c->waivers[0].state, WAIVER_EXPIRING);
	config_date_waivers(c, last);
	assert_int_equal(c->waivers[0].state, WAIVER_EXPIRING);
	assert_ptr_equal(config_waiver_for(c, &f), &c->waivers[0]);
	config_date_waivers(c, last + 1);
	assert_int_equal(c->waivers[0].state, WAIVER_EXPIRED);
	assert_null(config_waiver_for(c, &f));
	assert_string_equal(c->waivers[0].summary, "r (owner o, expires 2027-03-31)");
	config_free(c);
}

static void test_waiver_matching(void **state)
{
	struct config *c = parse_ok(waivers_yaml);
	struct finding deep = {.rule = "k8s.privileged", .path = "deploy/a/b.yaml"};
	struct finding other_rule = {.rule = "k8s.host-pid", .path = "deploy/web.yaml"};
	struct finding by_print = {.rule = "env.weak-secret", .path = ".env"};
	struct finding wrong_print = {.rule = "env.weak-secret", .path = ".env"};

	(void)state;
	config_date_waivers(c, config_parse_date("2026-01-01"));
	/* '*' crosses '/': a glob names a subtree as users expect */
	assert_non_null(config_waiver_for(c, &deep));
	assert_null(config_waiver_for(c, &other_rule));
	strcpy(by_print.fingerprint, "abc123");
	strcpy(wrong_print.fingerprint, "abc124");
	assert_ptr_equal(config_waiver_for(c, &by_print), &c->waivers[1]);
	assert_null(config_waiver_for(c, &wrong_print));
	config_free(c);
}

static void test_exclude_and_settings(void **state)
{
	struct config *c = parse_ok("exclude: [vendor, \"*.min.js\", \"build/\"]\n"
				    "severity: {k8s.resource-limits: low}\n"
				    "disable: [k8s.liveness-probe, {rule: k8s.readiness-probe, reason: mesh}]\n");
	const struct config_rule_setting *s;

	(void)state;
	assert_true(config_excluded(c, "vendor/lib/a.go"));
	assert_true(config_excluded(c, "vendor"));
	assert_false(config_excluded(c, "vendored/a.go"));
	assert_true(config_excluded(c, "web/app.min.js"));
	assert_true(config_excluded(c, "build/out.yaml"));
	assert_false(config_excluded(c, "src/build.yaml"));
	s = config_setting(c, "k8s.resource-limits");
	assert_non_null(s);
	assert_true(s->enabled);
	assert_int_equal(s->severity, SEV_LOW);
	s = config_setting(c, "k8s.readiness-probe");
	assert_false(s->enabled);
	assert_string_equal(s->reason, "mesh");
	assert_false(config_setting(c, "k8s.liveness-probe")->enabled);
	assert_null(config_setting(c, "k8s.privileged"));
	config_free(c);
}

static void expect_error(const char *text, const char *want)
{
	struct config *c = NULL;
	char err[512] = "";

	assert_int_equal(config_parse(".assay.yml", text, strlen(text), &c, err, sizeof(err)), -22);
	assert_null(c);
	if (!strstr(err, want))
		fprintf(stderr, "got: %s\nwant: %s\n", err, want);
	assert_non_null(strstr(err, want));
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("waivers:\n  - rule: k8s.privileged\n    paths: [a]\n    fingerprint: f\n    reason: r\n"
		     "    owner: o\n    expires: 2030-01-01\n",
		     ".assay.yml:2:5: a waiver names either 'paths' (globs) or a 'fingerprint', exactly one");
	expect_error("waivers:\n  - rule: k8s.privileged\n    pathz: [a]\n",
		     ".assay.yml:3:5: unknown key 'pathz' (did you mean 'paths'?)");
	expect_error("secret-rules:\n  - id: secret.custom-a\n    title: A\n    regex: 'x(y)'\n    secret-group: 2\n",
		     "bad regex: secret-group 2, but the regex has 1 capture group");
	expect_error("secret-rules:\n  - {id: secret.custom-a, title: A, regex: x}\n  - {id: secret.custom-a, title: B, "
		     "regex: y}\n",
		     ".assay.yml:3:10: rule 'secret.custom-a' is defined twice");
	expect_error("secret-rules:\n  - id: secret.custom-a\n    title: A\n    regex: 'x[0-9]{8}'\n"
		     "    keywords: [acme, x]\n",
		     ".assay.yml:5:22: keyword 'x' is shorter than 2 characters: it would select nearly every line");
	expect_error("profiles: {a: b}\n", ".assay.yml:1:11: 'profiles' must be a list");
	expect_error("project: a\n---\nproject: b\n", "found more after the first");
	expect_error("&a [*a]\n", ".assay.yml:");
}

/* A custom rule is named by the sections after it, and its keywords are
 * lower-cased for the engine's pre-filter. */
/* A configuration of nothing but comments is valid and changes nothing. */
static void test_empty_config(void **state)
{
	struct config *c = parse_ok("# nothing configured yet\n\n   # still nothing\n");

	(void)state;
	assert_int_equal(c->n_waivers + c->n_settings + c->n_profiles + c->n_secret_rules, 0);
	assert_false(c->has_fail_on);
	config_free(c);
	c = parse_ok("");
	config_free(c);
}

static void test_custom_secret_rule(void **state)
{
	struct config *c = parse_ok("secret-rules:\n"
				    "  - id: secret.custom-acme\n    title: ACME\n    severity: critical\n"
				    "    regex: 'acme_[a-z]{8}'\n    keywords: [ACME_]\n    entropy: 2.5\n"
				    "severity: {secret.custom-acme: low}\n");

	(void)state;
	assert_int_equal(c->n_secret_rules, 1);
	assert_string_equal(c->secret_rules[0].rule.id, "secret.custom-acme");
	assert_int_equal(c->secret_rules[0].rule.severity, SEV_CRITICAL);
	assert_string_equal(c->secret_rules[0].keywords[0], "acme_");
	assert_true(c->secret_rules[0].min_entropy > 2.4 && c->secret_rules[0].min_entropy < 2.6);
	assert_int_equal(config_setting(c, "secret.custom-acme")->severity, SEV_LOW);
	config_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_waiver_states),
		cmocka_unit_test(test_waiver_matching),
		cmocka_unit_test(test_exclude_and_settings),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_custom_secret_rule),
		cmocka_unit_test(test_empty_config),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
