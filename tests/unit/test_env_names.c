/* Which file names are env files, of which kind, for which environment. */
#include "cmocka_prelude.h"

#include <stdlib.h>
#include <string.h>

#include "env.h"

struct name_case {
	const char *name;
	enum env_file_kind kind;
	const char *environment;
};

static void test_env_files(void **state)
{
	static const struct name_case cases[] = {
		{".env", ENV_PRIMARY, "default"},
		{".env.local", ENV_PRIMARY, "default"},
		{".env.production", ENV_PRIMARY, "production"},
		{".env.prod", ENV_PRIMARY, "production"},
		{".env.production.local", ENV_PRIMARY, "production"},
		{".env.staging", ENV_PRIMARY, "staging"},
		{"production.env", ENV_PRIMARY, "production"},
		{"docker.env", ENV_PRIMARY, "docker"},
		{".env.example", ENV_EXAMPLE, "default"},
		{".env.sample", ENV_EXAMPLE, "default"},
		{".env.template", ENV_EXAMPLE, "default"},
		{".env.dist", ENV_EXAMPLE, "default"},
		{"example.env", ENV_EXAMPLE, "default"},
		{"app.env.example", ENV_EXAMPLE, "app"},
		{".env.production.example", ENV_EXAMPLE, "production"},
		{".env.bak", ENV_BACKUP, "default"},
		{".env.backup.20250101", ENV_BACKUP, "default"},
		{".env.old", ENV_BACKUP, "default"},
		{".env.orig", ENV_BACKUP, "default"},
		{".env.save", ENV_BACKUP, "default"},
		{".env~", ENV_BACKUP, "default"},
		{".env.swp", ENV_BACKUP, "default"},
		{".env.compromised", ENV_BACKUP, "default"},
		{".env.20240101", ENV_BACKUP, "default"},
		{"#.env#", ENV_BACKUP, "default"},
		{".env.production.bak", ENV_BACKUP, "production"},
		{"prod.env.bak", ENV_BACKUP, "production"},
		{".ENV", ENV_PRIMARY, "default"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		enum env_file_kind kind;
		char *env = NULL;
		if (!env_name_classify(cases[i].name, &kind, &env))
			fail_msg("%s should be an env file", cases[i].name);
		if (kind != cases[i].kind)
			fail_msg("%s: kind %d, want %d", cases[i].name, kind, cases[i].kind);
		if (strcmp(env, cases[i].environment) != 0)
			fail_msg("%s: environment %s, want %s", cases[i].name, env, cases[i].environment);
		free(env);
	}
}

static void test_not_env_files(void **state)
{
	static const char *const names[] = {
		".envrc", "environment.yml", "env", "env.py", "node.env.js", ".environment", "dotenv.go",
		"README.md", ".env-cmdrc", "settings.envoy",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
		enum env_file_kind kind;
		char *env = NULL;
		if (env_name_classify(names[i], &kind, &env))
			fail_msg("%s should not be an env file", names[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_env_files),
		cmocka_unit_test(test_not_env_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
