/* Severity names, fingerprints, redaction and UTF-8 sanitising. */
#include "cmocka_prelude.h"

#include <stdlib.h>
#include <string.h>

#include "finding.h"
#include "utf8.h"
#include "util.h"

static void test_severity_parse(void **state)
{
	enum severity s;
	(void)state;
	assert_int_equal(severity_parse("HIGH", false, &s), 0);
	assert_int_equal(s, SEV_HIGH);
	assert_int_equal(severity_parse("none", false, &s), -1);
	assert_int_equal(severity_parse("none", true, &s), 0);
	assert_int_equal(s, SEV_NONE);
	assert_int_equal(severity_parse("severe", true, &s), -1);
	assert_string_equal(severity_name(SEV_CRITICAL), "critical");
}

static void test_fingerprint_ignores_line(void **state)
{
	struct finding a = {.rule = "env.weak-secret", .target = ".", .path = ".env", .identity = "K\nh", .line = 3};
	struct finding b = a;
	(void)state;
	b.line = 40;
	finding_fingerprint(&a);
	finding_fingerprint(&b);
	assert_string_equal(a.fingerprint, b.fingerprint);
	assert_int_equal(strlen(a.fingerprint), 64);
	b.path = ".env.production";
	finding_fingerprint(&b);
	assert_string_not_equal(a.fingerprint, b.fingerprint);
	b = a;
	b.identity = "K\nother";
	finding_fingerprint(&b);
	assert_string_not_equal(a.fingerprint, b.fingerprint);
}

static void test_redact_short_shows_nothing(void **state)
{
	char *r = redact_secret("hunter2", 7);
	(void)state;
	assert_null(strstr(r, "hun"));
	assert_null(strstr(r, "er2"));
	assert_string_equal(r, "********");
	free(r);
}

static void test_redact_long_keeps_ends_only(void **state)
{
	const char *v = "Zq8vN3xL1pR7tW2yB6mK9cF4hJ0sD5gA-abcdef";
	char *r = redact_secret(v, strlen(v));
	(void)state;
	assert_string_equal(r, "Zq8v****cdef");
	free(r);
	r = redact_secret("Zq8vN3xL1pR7tW2yB6", 18);
	assert_string_equal(r, "Zq****B6");
	free(r);
}

static void test_redact_never_splits_utf8(void **state)
{
	/* "ééééééééé..." : two bytes per character */
	const char *v = "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9";
	char *r = redact_secret(v, strlen(v));
	(void)state;
	assert_true(utf8_valid(r, strlen(r)));
	free(r);
}

static void test_utf8_sanitize(void **state)
{
	char *s = utf8_sanitize("a\xff" "b\n\xc3\xa9", 6);
	(void)state;
	assert_string_equal(s, "a\\xFFb\\x0A\xc3\xa9");
	free(s);
	assert_false(utf8_valid("\xc0\xaf", 2));  /* overlong */
	assert_false(utf8_valid("\xed\xa0\x80", 3)); /* surrogate */
	assert_true(utf8_valid("\xf0\x9f\x94\x91", 4));
}

static void test_buf_and_binary(void **state)
{
	struct buf b;
	char *s;
	(void)state;
	buf_init(&b);
	for (int i = 0; i < 1000; i++)
		buf_printf(&b, "%d,", i);
	assert_true(str_starts_with(b.data, "0,1,2,"));
	assert_true(str_ends_with(b.data, "998,999,"));
	s = buf_steal(&b);
	assert_null(b.data);
	free(s);
	/* a buffer made with room holds an empty string, and grows past it */
	buf_init_sized(&b, 16);
	assert_string_equal(b.data, "");
	assert_true(b.cap >= 16);
	buf_puts(&b, "0123456789abcdefghij");
	assert_string_equal(b.data, "0123456789abcdefghij");
	buf_free(&b);
	/* a format longer than the room the buffer has is written whole */
	buf_init(&b);
	buf_printf(&b, "%s", "head:");
	buf_printf(&b, "%0300d|%s", 7, "tail");
	assert_int_equal(b.len, 5 + 300 + 5);
	assert_true(str_starts_with(b.data, "head:000"));
	assert_true(str_ends_with(b.data, "7|tail"));
	assert_int_equal(strlen(b.data), b.len);
	buf_free(&b);
	assert_true(looks_binary("KEY=\0x", 6));
	assert_false(looks_binary("KEY=value\r\n", 11));
}

/* The definition looks_binary's vector code must agree with. */
static bool reference_looks_binary(const unsigned char *p, size_t n)
{
	size_t controls = 0;

	if (n > 8192)
		n = 8192;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == 0)
			return true;
		controls += p[i] < 0x20 && !(p[i] >= '\t' && p[i] <= '\r') && p[i] != 0x1b;
	}
	return n > 0 && controls * 10 > n;
}

/* Random texts near the 10% line, every byte value, lengths around the
 * 16-byte blocks and the 8 KiB prefix. */
static void test_looks_binary_agrees_with_its_definition(void **state)
{
	static unsigned char text[8192 + 40];
	unsigned seed = 12345, disagreements = 0, binary = 0;
	(void)state;

	for (int round = 0; round < 4000; round++) {
		size_t n = round < 3000 ? (size_t)(round % 200) : 8192 - 20 + (size_t)(round % 40);
		unsigned share = 1 + round % 25; /* percent of control bytes */
		for (size_t i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			unsigned r = (seed >> 8) % 1000;
			text[i] = r < share * 10 ? (unsigned char)(1 + (seed >> 20) % 31) : (unsigned char)(32 + (seed >> 20) % 224);
		}
		binary += looks_binary((const char *)text, n);
		disagreements += looks_binary((const char *)text, n) != reference_looks_binary(text, n);
	}
	assert_int_equal(disagreements, 0);
	assert_true(binary > 100 && binary < 3900); /* both answers were exercised */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_severity_parse),
		cmocka_unit_test(test_looks_binary_agrees_with_its_definition),
		cmocka_unit_test(test_fingerprint_ignores_line),
		cmocka_unit_test(test_redact_short_shows_nothing),
		cmocka_unit_test(test_redact_long_keeps_ends_only),
		cmocka_unit_test(test_redact_never_splits_utf8),
		cmocka_unit_test(test_utf8_sanitize),
		cmocka_unit_test(test_buf_and_binary),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
