/* The rule registry: ids unique, lower case, family.slug; every rule found
 * by its id (the lookup reads only the family its prefix names, so a rule
 * filed under another family would not be found); unknown ids are not;
 * rules the configuration adds are found whatever their prefix. */
#include "cmocka_prelude.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "registry.h"

static bool well_formed(const char *id)
{
	const char *dot = strchr(id, '.');

	if (!dot || dot == id || !dot[1])
		return false;
	for (const char *p = id; *p; p++)
		if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '.' || *p == '-' || *p == '_'))
			return false;
	return true;
}

static void test_every_rule_found_by_its_id(void **state)
{
	size_t n = registry_count();
	(void)state;

	assert_true(n > 100);
	for (size_t i = 0; i < n; i++) {
		const char *id = registry_at(i)->id;
		if (!well_formed(id))
			fail_msg("rule id %s is not lower-case family.slug", id);
		if (registry_find(id) != registry_at(i))
			fail_msg("rule %s is not found by its id (filed under another family, or not unique)", id);
	}
	assert_null(registry_find("k8s.no-such-rule"));
	assert_null(registry_find("k8s"));
	assert_null(registry_find("nofamily.privileged"));
	assert_null(registry_find(""));
}

static void test_configured_rules_found(void **state)
{
	static const struct rule custom[] = {
		{.id = "acme.internal-token", .severity = SEV_HIGH},
		{.id = "secret.acme-key", .severity = SEV_LOW},
	};
	(void)state;

	registry_set_configured(custom, 2, sizeof(custom[0]));
	assert_ptr_equal(registry_find("acme.internal-token"), &custom[0]);
	assert_ptr_equal(registry_find("secret.acme-key"), &custom[1]);
	assert_int_equal(registry_count(), registry_builtin_count() + 2);
	registry_set_configured(NULL, 0, 0);
	assert_null(registry_find("acme.internal-token"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_rule_found_by_its_id),
		cmocka_unit_test(test_configured_rules_found),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
