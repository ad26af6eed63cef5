/* The secrets engine's keyword search against a plain reference search:
 * which words occur, and on which lines, for crafted and random buffers. */
#include "cmocka_prelude.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "keywords.h"
#include "util.h"

static const char *const words[] = {"sk", "sk-ant-", "sk_live_", "key", "key-", "token", "secret", "secret_",
				    "$2a$", "://", "q~", "begin rsa private key", "aws", "akia", "xoxb-", "eyj",
				    "hooks.slack.com", "\"auth\"", "pplx-", "gho_"};
#define N_WORDS (sizeof(words) / sizeof(words[0]))

/* The reference: every word at every position, compared byte by byte. */
static void reference(const char *data, size_t len, bool *present, struct keyword_lines *lines)
{
	memset(present, 0, N_WORDS * sizeof(bool));
	memset(lines->n, 0, N_WORDS * sizeof(size_t));
	for (size_t w = 0; w < N_WORDS; w++) {
		size_t n = strlen(words[w]), line_start = 0;
		for (size_t i = 0; i + n <= len; i++) {
			if (i && data[i - 1] == '\n')
				line_start = i;
			size_t j = 0;
			while (j < n && tolower((unsigned char)data[i + j]) == words[w][j])
				j++;
			if (j < n)
				continue;
			present[w] = true;
			if (!lines->n[w] || lines->starts[w][lines->n[w] - 1] != line_start) {
				if (lines->n[w] == lines->cap[w]) {
					lines->cap[w] = lines->cap[w] ? lines->cap[w] * 2 : 16;
					lines->starts[w] = xrealloc(lines->starts[w], lines->cap[w] * sizeof(size_t));
				}
				lines->starts[w][lines->n[w]++] = line_start;
			}
		}
	}
}

static void compare(const struct keywords *k, const char *data, size_t len)
{
	bool got[N_WORDS], want[N_WORDS];
	struct keyword_lines gl, wl;
	size_t found, expected = 0;

	keyword_lines_init(&gl, N_WORDS);
	keyword_lines_init(&wl, N_WORDS);
	found = keywords_scan_lines(k, data, len, got, &gl);
	reference(data, len, want, &wl);
	for (size_t w = 0; w < N_WORDS; w++) {
		expected += want[w];
		if (got[w] != want[w])
			fail_msg("word '%s': found %d, expected %d", words[w], got[w], want[w]);
		assert_int_equal(gl.n[w], wl.n[w]);
		for (size_t i = 0; i < gl.n[w]; i++)
			assert_int_equal(gl.starts[w][i], wl.starts[w][i]);
	}
	assert_int_equal(found, expected);
	assert_int_equal(keywords_scan(k, data, len, got), expected);
	keyword_lines_free(&gl);
	keyword_lines_free(&wl);
}

static void test_crafted(void **state)
{
	static const char *const cases[] = {
		"",
		"s",
		"sk",
		"SK-ANT-api03 and sk_live_ on one line",
		"a\nsk\n\nsk sk\nTOKEN=x\nmy_secret_key: 1\n",
		"postgres://u:p@h\n$2a$10$abc\n-----BEGIN RSA PRIVATE KEY-----\n",
		"akiaakia\nAKIA\nxoxb-1 xoxB- XOXB-\n\"auth\": \"x\"\nhooks.slack.com/services/T0",
		"ends with a partial secre",
		"keykey-key\nkey",
		"\n\n\n\nq~\n",
		"aK sK tO: pairs in a case mix that starts no keyword",
	};
	struct keywords *k = keywords_build(words, N_WORDS);
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		compare(k, cases[i], strlen(cases[i]));
	keywords_free(k);
}

/* Buffers drawn from an alphabet rich in the words' letters, so that
 * words, their prefixes and overlaps are frequent. */
static void test_random(void **state)
{
	static const char alphabet[] = "skSK-_antie y:/\n$2aqowbjhEJ\"u.ct~rlxp\xc3\xa9\xff";
	struct keywords *k = keywords_build(words, N_WORDS);
	uint32_t x = 88172645u;
	char buf[2000];
	(void)state;
	for (int round = 0; round < 300; round++) {
		size_t len = (size_t)(round * 7) % sizeof(buf);
		for (size_t i = 0; i < len; i++) {
			x ^= x << 13, x ^= x >> 17, x ^= x << 5;
			buf[i] = alphabet[x % (sizeof(alphabet) - 1)];
		}
		/* plant whole words now and then */
		for (size_t at = 3; len > 30 && at + 25 < len; at += 97 + round % 13) {
			const char *w = words[(at + (size_t)round) % N_WORDS];
			memcpy(buf + at, w, strlen(w));
		}
		compare(k, buf, len);
	}
	keywords_free(k);
}

/* Words shorter than the minimum are never found, and do not disturb
 * the others. */
static void test_short_word_is_never_found(void **state)
{
	static const char *const some[] = {"x", "token"};
	struct keywords *k = keywords_build(some, 2);
	bool present[2];
	(void)state;
	assert_int_equal(keywords_scan(k, "x token x", 9, present), 1);
	assert_false(present[0]);
	assert_true(present[1]);
	keywords_free(k);
}

/* The same comparisons again on the portable path (the vector one is the
 * default where the processor has it). */
static void test_crafted_scalar(void **state)
{
	keywords_force_scalar(true);
	test_crafted(state);
	keywords_force_scalar(false);
}

static void test_random_scalar(void **state)
{
	keywords_force_scalar(true);
	test_random(state);
	keywords_force_scalar(false);
}

/* Bytes beyond ASCII next to a short keyword, and a keyword holding one,
 * in buffers long enough for the 64-byte vector blocks. */
static void test_non_ascii_around_keywords(void **state)
{
	static const char *const utf8[] = {"sk", "tok\xc3\xa9n", "key"};
	char buf[300];
	bool present[3];
	struct keywords *k = keywords_build(utf8, 3);
	(void)state;
	memset(buf, 'x', sizeof(buf));
	memcpy(buf + 10, "sk\xc3\xa9", 4);
	memcpy(buf + 70, "TOK\xc3\xa9N", 6);
	memcpy(buf + 140, "\xff\xfekey\x80", 6);
	for (int scalar = 0; scalar < 2; scalar++) {
		keywords_force_scalar(scalar);
		assert_int_equal(keywords_scan(k, buf, sizeof(buf), present), 3);
		memcpy(buf + 73, "E", 1); /* T O K \xc3 -> T O K E: no longer the word */
		assert_int_equal(keywords_scan(k, buf, sizeof(buf), present), 2);
		assert_false(present[1]);
		memcpy(buf + 73, "\xc3", 1);
	}
	keywords_force_scalar(false);
	keywords_free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crafted),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_short_word_is_never_found),
		cmocka_unit_test(test_crafted_scalar),
		cmocka_unit_test(test_random_scalar),
		cmocka_unit_test(test_non_ascii_around_keywords),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
