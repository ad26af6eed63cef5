/* The secrets engine: positions, the keyword pre-filter, overlaps between
 * specific and generic rules, allowlists, inline ignores, binary content,
 * path rules, redaction. Tokens are assembled at run time. */
#include "cmocka_prelude.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "secrets.h"
#include "util.h"

struct collected {
	char rules[16][64];
	unsigned lines[16], columns[16];
	bool ignored[16], binary[16];
	char redacted[16][64];
	char hash[16][65];
	size_t n;
};

static void collect(const struct secret_hit *h, void *ctx)
{
	struct collected *c = ctx;

	if (c->n == 16)
		return;
	snprintf(c->rules[c->n], 64, "%s", h->pattern->rule.id);
	snprintf(c->redacted[c->n], 64, "%s", h->redacted);
	memcpy(c->hash[c->n], h->hash, 65);
	c->lines[c->n] = h->line;
	c->columns[c->n] = h->column;
	c->ignored[c->n] = h->ignored;
	c->binary[c->n] = h->in_binary;
	c->n++;
}

static int setup(void **state)
{
	struct secrets_engine *e = NULL;
	char err[256];

	assert_int_equal(secrets_engine_new(&e, err, sizeof(err)), 0);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	secrets_engine_free(*state);
	return 0;
}

static struct collected scan(void **state, const char *path, const char *text, size_t len)
{
	struct collected c = {0};
	int n = secrets_find(*state, path, text, len, collect, &c);
	assert_int_equal(n, (int)c.n);
	return c;
}

static char *token(const char *prefix, const char *body)
{
	return xasprintf("%s%s", prefix, body);
}

static void test_position_and_redaction(void **state)
{
	char *tok = token("ghp_", "R7vK2mPq9xL4tWz8nB3cY6dF1hJ5sG0aQeXy");
	char *text = xasprintf("line one\n  export GITHUB_TOKEN=%s\n", tok);
	struct collected c = scan(state, "a.sh", text, strlen(text));
	char hash[65];

	assert_int_equal(c.n, 1);
	assert_string_equal(c.rules[0], "secret.github-pat");
	assert_int_equal(c.lines[0], 2);
	assert_int_equal(c.columns[0], 23);
	assert_null(strstr(c.redacted[0], "R7vK2mPq9xL4"));
	assert_string_equal(c.redacted[0], "ghp_****QeXy");
	sha256_hex(tok, strlen(tok), hash);
	assert_string_equal(c.hash[0], hash);
	free(tok);
	free(text);
}

static void test_overlapping_keywords(void **state)
{
	/* "_password" (npmrc) and "password" (generic) overlap; "sk" and
	 * "sk-ant-" start at the same place: all must be seen. */
	char *tok = token("sk-ant-api03-", "R7vK2mPq9xL4tWz8nB3cY6dF1hJ5sG0aQeXyR7vK2mPq9xL4tWz8nB3cY6dF1hJ5sG0aQeXyR7vK2mPq9xL4tWz8nB3cAA");
	char *text = xasprintf("DB_PASSWORD=Tq4mW8zR2vK6nB1xP9sL\nkey = \"%s\"\n", tok);
	struct collected c = scan(state, "x", text, strlen(text));

	assert_int_equal(c.n, 2);
	assert_string_equal(c.rules[0], "secret.generic-password");
	assert_string_equal(c.rules[1], "secret.anthropic-api-key");
	free(tok);
	free(text);
}

static void test_specific_beats_generic(void **state)
{
	char *text = xasprintf("api_key = \"%s%s\"\n", "sk_live_", "4eC39HqLyjWDarjtT1zdp7dcQ8");
	struct collected c = scan(state, "x", text, strlen(text));

	assert_int_equal(c.n, 1);
	assert_string_equal(c.rules[0], "secret.stripe-live-key");
	free(text);
}

static void test_examples_and_references_do_not_fire(void **state)
{
	const char *text = "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
			   "password = \"${DB_PASSWORD}\"\n"
			   "api_key: your-api-key-here\n"
			   "token = \"xxxxxxxxxxxxxxxxxxxxxxxx\"\n"
			   "url = \"postgres://app:${PASSWORD}@db/app\"\n"
			   "secret = \"<token>\"\n";
	struct collected c = scan(state, "x", text, strlen(text));

	assert_int_equal(c.n, 0);
}

static void test_ordinary_code_does_not_fire(void **state)
{
	const char *text = "token = request.headers.get(\"Authorization\")\n"
			   "password = getpass.getpass()\n"
			   "if password == confirm_password:\n"
			   "secret_key_path = \"/etc/app/secret.key\"\n"
			   "TOKEN_URL = \"https://oauth2.example.com/token\"\n";
	struct collected c = scan(state, "x.py", text, strlen(text));

	assert_int_equal(c.n, 0);
}

static void test_inline_ignore(void **state)
{
	char *tok = token("ghp_", "R7vK2mPq9xL4tWz8nB3cY6dF1hJ5sG0aQeXy");
	char *text = xasprintf("# assay:ignore secret.github-pat revoked test token\nT=%s\nU=%s # assay:ignore secret.* fixture\nV=%s\n",
			       tok, tok, tok);
	struct collected c = scan(state, "x", text, strlen(text));

	assert_int_equal(c.n, 3);
	assert_true(c.ignored[0]);
	assert_true(c.ignored[1]);
	assert_false(c.ignored[2]);
	free(tok);
	free(text);
}

static void test_binary_content(void **state)
{
	char *tok = token("AKIA", "QZ7RTXMVB2KW4NPY");
	size_t len = 64 + strlen(tok) + 64;
	char *data = xcalloc(1, len);
	struct collected c;

	memcpy(data + 64, tok, strlen(tok));
	c = scan(state, "lib.so", data, len);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.rules[0], "secret.aws-access-key-id");
	assert_true(c.binary[0]);
	assert_int_equal(c.lines[0], 0);
	free(tok);
	free(data);
}

static void test_path_rules(void **state)
{
	const char *line = "db.internal:5432:billing:billing:Xk9mPq2vLr7tWz4nB8cY\n";
	struct collected c = scan(state, "home/.pgpass", line, strlen(line));

	assert_int_equal(c.n, 1);
	assert_string_equal(c.rules[0], "secret.pgpass-password");
	c = scan(state, "notes.txt", line, strlen(line));
	assert_int_equal(c.n, 0);
}

static void test_multiline_private_key(void **state)
{
	struct buf b;
	struct collected c;

	buf_init(&b);
	buf_puts(&b, "config:\n-----BEGIN OPENSSH ");
	buf_puts(&b, "PRIVATE KEY-----\n");
	for (int i = 0; i < 6; i++)
		buf_puts(&b, "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n");
	buf_puts(&b, "-----END OPENSSH PRIVATE KEY-----\n");
	c = scan(state, "id_ed25519", b.data, b.len);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.rules[0], "secret.openssh-private-key");
	assert_int_equal(c.lines[0], 2);
	buf_free(&b);
}

static void test_size_cap_and_empty(void **state)
{
	struct collected c = scan(state, "x", "", 0);
	assert_int_equal(c.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_position_and_redaction),
		cmocka_unit_test(test_overlapping_keywords),
		cmocka_unit_test(test_specific_beats_generic),
		cmocka_unit_test(test_examples_and_references_do_not_fire),
		cmocka_unit_test(test_ordinary_code_does_not_fire),
		cmocka_unit_test(test_inline_ignore),
		cmocka_unit_test(test_binary_content),
		cmocka_unit_test(test_path_rules),
		cmocka_unit_test(test_multiline_private_key),
		cmocka_unit_test(test_size_cap_and_empty),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
