/* The secret-name and value heuristics: each word list entry matters. */
#include "cmocka_prelude.h"

#include <string.h>

#include "secretname.h"

static void test_sensitive_names(void **state)
{
	static const char *const yes[] = {
		"DB_PASSWORD", "PASSWORD", "JWT_SECRET", "API_KEY", "apiKey", "dbPassword", "GITHUB_TOKEN",
		"AWS_SECRET_ACCESS_KEY", "SMTP_PASS", "PRIVATE_KEY", "AUTH_TOKEN", "MYSQL_PWD",
		"GOOGLE_CREDENTIALS", "stripe.secret", "SESSION_SECRET", "APIKEY",
	};
	static const char *const no[] = {
		"APP_NAME", "PORT", "DB_PASSWORD_FILE", "TOKEN_TTL", "AUTH_URL", "PUBLIC_KEY",
		"NEXT_PUBLIC_API_KEY", "AWS_ACCESS_KEY_ID", "SECRET_NAME", "KEYBOARD_LAYOUT", "MONKEY",
		"PASSWORD_MIN_LENGTH", "AUTH_ENABLED", "STRIPE_PUBLISHABLE_KEY", "",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(yes) / sizeof(*yes); i++)
		if (!secret_name_is_sensitive(yes[i]))
			fail_msg("%s should be secret-named", yes[i]);
	for (size_t i = 0; i < sizeof(no) / sizeof(*no); i++)
		if (secret_name_is_sensitive(no[i]))
			fail_msg("%s should not be secret-named", no[i]);
}

static void test_placeholders(void **state)
{
	static const char *const yes[] = {
		"changeme", "CHANGEME", "your-api-key-here", "your_token_here", "xxx", "XXXXXXXXXXXX",
		"<token>", "TODO", "example", "AKIAIOSFODNN7EXAMPLE", "sk_test_example", "replace-me",
		"placeholder", "********", "[secret]",
	};
	static const char *const no[] = {
		"hunter2", "Zq8vN3xL1pR7tW2yB6mK9cF4hJ0sD5gA", "password", "x", "", "production",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(yes) / sizeof(*yes); i++)
		if (!secret_value_is_placeholder(yes[i]))
			fail_msg("%s should be a placeholder", yes[i]);
	for (size_t i = 0; i < sizeof(no) / sizeof(*no); i++)
		if (secret_value_is_placeholder(no[i]))
			fail_msg("%s should not be a placeholder", no[i]);
}

static void test_references_and_flags(void **state)
{
	(void)state;
	assert_true(secret_value_is_reference("${DB_PASSWORD}"));
	assert_true(secret_value_is_reference("$DB_PASSWORD"));
	assert_true(secret_value_is_reference("$(cat /run/secrets/db)"));
	assert_false(secret_value_is_reference("pa$$1word"));
	assert_false(secret_value_is_reference("Zq8vN3xL1pR7"));
	assert_true(secret_value_is_flag("true"));
	assert_true(secret_value_is_flag("OFF"));
	assert_false(secret_value_is_flag("truthy-secret"));
}

static void test_weakness(void **state)
{
	const char *strong = "Zq8vN3xL1pR7tW2yB6mK9cF4hJ0sD5gA";
	(void)state;
	assert_non_null(secret_value_weakness("hunter2", 7));
	assert_non_null(secret_value_weakness("aaaaaaaaaaaaaaaaaaaaaaaa", 24));
	assert_non_null(secret_value_weakness("abababababababababab", 20));
	assert_null(secret_value_weakness(strong, strlen(strong)));
	assert_true(shannon_entropy("aaaa", 4) == 0.0);
	assert_true(shannon_entropy("abcd", 4) == 2.0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sensitive_names),
		cmocka_unit_test(test_placeholders),
		cmocka_unit_test(test_references_and_flags),
		cmocka_unit_test(test_weakness),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
