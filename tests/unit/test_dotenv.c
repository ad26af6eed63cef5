/*
 * Unit tests for the dotenv parser (scanners/dotenv.c): one test per rule
 * of the dialect, each checking concrete keys, values, lines and columns,
 * plus the safety properties (binary bytes, error cap, linear time on
 * pathological input, values zeroed and the struct reset on free).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dotenv.h"
#include "util.h"

/* Parses exactly `len` bytes from a heap copy of that size, so a read past
 * the end is caught by the sanitizers and valgrind. */
static void parse_bytes(const char *s, size_t len, struct dotenv_file *f)
{
	char *copy = xmalloc(len ? len : 1);

	memcpy(copy, s, len);
	assert_int_equal(dotenv_parse(copy, len, f), 0);
	free(copy);
}

static void parse_str(const char *s, struct dotenv_file *f)
{
	parse_bytes(s, strlen(s), f);
}

static void check_entry(const struct dotenv_file *f, size_t i, const char *key, const char *value,
			unsigned line, unsigned column)
{
	assert_true(i < f->n_entries);
	assert_string_equal(f->entries[i].key, key);
	assert_int_equal(f->entries[i].value_len, strlen(value));
	assert_memory_equal(f->entries[i].value, value, strlen(value) + 1);
	assert_int_equal(f->entries[i].line, line);
	assert_int_equal(f->entries[i].column, column);
}

static void check_value_at(const struct dotenv_file *f, size_t i, unsigned line, unsigned column)
{
	assert_true(i < f->n_entries);
	assert_int_equal(f->entries[i].value_line, line);
	assert_int_equal(f->entries[i].value_column, column);
}

static void check_error(const struct dotenv_file *f, size_t i, unsigned line, unsigned column,
			const char *message_part)
{
	assert_true(i < f->n_errors);
	assert_int_equal(f->errors[i].line, line);
	assert_int_equal(f->errors[i].column, column);
	assert_non_null(strstr(f->errors[i].message, message_part));
}

static void test_basic_assignment(void **state)
{
	struct dotenv_file f;

	(void)state;
	parse_str("KEY=value\nOTHER=2\n", &f);
	assert_int_equal(f.n_entries, 2);
	assert_int_equal(f.n_errors, 0);
	assert_false(f.errors_truncated);
	check_entry(&f, 0, "KEY", "value", 1, 1);
	check_value_at(&f, 0, 1, 5);
	assert_int_equal(f.entries[0].quote, 0);
	assert_false(f.entries[0].exported);
	check_entry(&f, 1, "OTHER", "2", 2, 1);
	dotenv_free(&f);
}

static void test_comments_and_blank_lines(void **state)
{
	struct dotenv_file f;

	(void)state;
	parse_str("# a comment\n"
		  "\n"
		  "   \t \n"
		  "  # indented comment with KEY=value\n"
		  "# COMMENTS=work\n"
		  "AFTER=after_line\n",
		  &f);
	assert_int_equal(f.n_entries, 1);
	assert_int_equal(f.n_errors, 0);
	check_entry(&f, 0, "AFTER", "after_line", 6, 1);
	dotenv_free(&f);
}

static void test_inline_comments(void **state)
{
	struct dotenv_file f;

	(void)state;
	parse_str("A=inline comments # work #very #well\n"
		  "B=inline comments start with a#number sign. no space required.\n"
		  "C='outside of #single' # work\n"
		  "D=\"outside of #double\"# work\n"
		  "E=`outside of #backticks` # work\n"
		  "F=#only a comment\n",
		  &f);
	assert_int_equal(f.n_entries, 6);
	assert_int_equal(f.n_errors, 0);
	check_entry(&f, 0, "A", "inline comments", 1, 1);
	check_entry(&f, 1, "B", "inline comments start with a", 2, 1);
	check_entry(&f, 2, "C", "outside of #single", 3, 1);
	check_entry(&f, 3, "D", "outside of #double", 4, 1);
	check_entry(&f, 4, "E", "outside of #backticks", 5, 1);
	check_entry(&f, 5, "F", "", 6, 1);
	dotenv_free(&f);
}

static void test_export_keyword(void **state)
{
	struct dotenv_file f;

	(void)state;
	parse_str("export A=1\n"
		  "export\t  B = 2\n"
		  "export FOO\n"
		  "export BAR # marks BAR for the shell\n"
		  "export=3\n"
		  "exportC=4\n",
		  &f);
	assert_int_equal(f.n_errors, 0);
	assert_int_equal(f.n_entries, 4);
	check_entry(&f, 0, "A", "1", 1, 8);
	assert_true(f.entries[0].exported);
	check_entry(&f, 1, "B", "2", 2, 10);
	check_value_at(&f, 1, 2, 14);
	assert_true(f.entries[1].exported);
	check_entry(&f, 2, "export", "3", 5, 1);
	assert_false(f.entries[2].exported);
	check_entry(&f, 3, "exportC", "4", 6, 1);
	assert_false(f.entries[3].exported);
	dotenv_free(&f);
}

static void test_key_characters_and_spacing(void **state)
{
	struct dotenv_file f;

	(void)state;
	parse_str("a.b-c_D9=1\n"
		  "_X=2\n"
		  "    SPACED_KEY = parsed  \n"
		  "\tTAB\t=\tv\t\n",
		  &f);
	assert_int_equal(f.n_errors, 0);
	assert_int_equal(f.n_entries, 4);
	check_entry(&f, 0, "a.b-c_D9", "1", 1, 1);
	check_entry(&f, 1, "_X", "2", 2, 1);
	check_entry(&f, 2, "SPACED_KEY", "parsed", 3, 5);
	check_value_at(&f, 2, 3, 18);
	check_entry(&f, 3, "TAB", "v", 4, 2);
	check_value_at(&f, 3, 4, 8);
	dotenv_free(&f);
}

static void test_unquoted_value_is_literal(void **state)
{
	struct dotenv_file f;

	(void)state;
	parse_str("PATHLIKE=c:\\dir\\new\n"
		  "INNER={\"foo\": 'bar'}\n"
		  "EQ=equals==\n"
		  "MAIL=someone@example.tld\n",
		  &f);
	assert_int_equal(f.n_errors, 0);
	check_entry(&f, 0, "PATHLIKE", "c:\\dir\\new", 1, 1);
	check_entry(&f, 1, "INNER", "{\"foo\": 'bar'}", 2, 1);
	assert_int_equal(f.entries[1].quote, 0);
	check_entry(&f, 2, "EQ", "equals==", 3, 1);
	check_entry(&f, 3, "MAIL", "someone@example.tld", 4, 1);
	dotenv_free(&f);
}

static void test_single_quotes(void **state)
{
	struct dotenv_file f;

	(void)state;
	parse_str("A='  spaced  '\n"
		  "B='no\\nescape \\\\ $HOME \"dq\" `bt`'\n",
		  &f);
	assert_int_equal(f.n_errors, 0);
	check_entry(&f, 0, "A", "  spaced  ", 1, 1);
	check_value_at(&f, 0, 1, 3);
	assert_int_equal(f.entries[0].quote, '\'');
	check_entry(&f, 1, "B", "no\\nescape \\\\ $HOME \"dq\" `bt`", 2, 1);
	dotenv_free(&f);
}

static void test_double_quote_escapes(void **state)
{
	struct dotenv_file f;

	(void)state;
	parse_str("A=\"n\\nr\\rt\\tb\\\\q\\\"d\\$x\\y\"\n"
		  "B=\"  single 'quotes' and `ticks`  \"\n",
		  &f);
	assert_int_equal(f.n_errors, 0);
	check_entry(&f, 0, "A", "n\nr\rt\tb\\q\"d$x\\y", 1, 1);
	assert_int_equal(f.entries[0].quote, '"');
	check_value_at(&f, 0, 1, 3);
	check_entry(&f, 1, "B", "  single 'quotes' and `ticks`  ", 2, 1);
	dotenv_free(&f);
}

/* The shape of motdotla case 07: `"\\"` ends at its own closing quote. Our
 * dialect unescapes \\ to one backslash (python-dotenv, Compose); motdotla
 * keeps both. */
static void test_escaped_backslash_before_closing_quote(void **state)
{
	struct dotenv_file f;

	(void)state;
	parse_str("A=\"\\\\\"\nB=plain\nC=\"quoted\"\nD=last\n", &f);
	assert_int_equal(f.n_errors, 0);
	assert_int_equal(f.n_entries, 4);
	check_entry(&f, 0, "A", "\\", 1, 1);
	check_entry(&f, 1, "B", "plain", 2, 1);
	check_entry(&f, 2, "C", "quoted", 3, 1);
	check_entry(&f, 3, "D", "last", 4, 1);
	dotenv_free(&f);
}

static void test_backtick_quotes(void **state)
{
	struct dotenv_file f;

	(void)state;
	parse_str("A=`  double \"q\" and single 'q' \\n $X  `\n", &f);
	assert_int_equal(f.n_errors, 0);
	check_entry(&f, 0, "A", "  double \"q\" and single 'q' \\n $X  ", 1, 1);
	assert_int_equal(f.entries[0].quote, '`');
	dotenv_free(&f);
}

static void test_variables_never_expanded(void **state)
{
	struct dotenv_file f;

	(void)state;
	parse_str("A=${HOME}/x\nB=\"$HOME ${X:-y}\"\nC='${Z}'\nD=$(id)\n", &f);
	assert_int_equal(f.n_errors, 0);
	check_entry(&f, 0, "A", "${HOME}/x", 1, 1);
	check_entry(&f, 1, "B", "$HOME ${X:-y}", 2, 1);
	check_entry(&f, 2, "C", "${Z}", 3, 1);
	check_entry(&f, 3, "D", "$(id)", 4, 1);
	dotenv_free(&f);
}

static void test_multiline_values(void **state)
{
	struct dotenv_file f;

	(void)state;
	parse_str("FIRST=1\n"
		  "PEM=\"-----BEGIN-----\n"
		  "abc\\ndef\n"
		  "-----END-----\"\n"
		  "SQ='line1\n"
		  "line2'  # comment\n"
		  "BT=`x\n"
		  "\"y\"`\n"
		  "AFTER=after\n",
		  &f);
	assert_int_equal(f.n_errors, 0);
	assert_int_equal(f.n_entries, 5);
	check_entry(&f, 0, "FIRST", "1", 1, 1);
	check_entry(&f, 1, "PEM", "-----BEGIN-----\nabc\ndef\n-----END-----", 2, 1);
	check_value_at(&f, 1, 2, 5);
	check_entry(&f, 2, "SQ", "line1\nline2", 5, 1);
	check_value_at(&f, 2, 5, 4);
	check_entry(&f, 3, "BT", "x\n\"y\"", 7, 1);
	check_entry(&f, 4, "AFTER", "after", 9, 1);
	dotenv_free(&f);
}

static void test_crlf_line_endings(void **state)
{
	struct dotenv_file f;

	(void)state;
	parse_str("SERVER=localhost\r\n"
		  "\r\n"
		  "PASSWORD=password  \r\n"
		  "ML=\"a\r\nb\"\r\n"
		  "DB=tests\r\n",
		  &f);
	assert_int_equal(f.n_errors, 0);
	assert_int_equal(f.n_entries, 4);
	check_entry(&f, 0, "SERVER", "localhost", 1, 1);
	check_entry(&f, 1, "PASSWORD", "password", 3, 1);
	check_entry(&f, 2, "ML", "a\nb", 4, 1);
	check_entry(&f, 3, "DB", "tests", 6, 1);
	dotenv_free(&f);
}

static void test_lone_cr_line_endings(void **state)
{
	struct dotenv_file f;

	(void)state;
	parse_str("SERVER=localhost\rPASSWORD=password\r\rML='a\rb'\rDB=tests\r", &f);
	assert_int_equal(f.n_errors, 0);
	assert_int_equal(f.n_entries, 4);
	check_entry(&f, 0, "SERVER", "localhost", 1, 1);
	check_entry(&f, 1, "PASSWORD", "password", 2, 1);
	check_entry(&f, 2, "ML", "a\nb", 4, 1);
	check_entry(&f, 3, "DB", "tests", 6, 1);
	dotenv_free(&f);
}

static void test_utf8_bom(void **state)
{
	struct dotenv_file f;

	(void)state;
	parse_str("\xEF\xBB\xBF" "BASIC=basic\nSECOND=two\n", &f);
	assert_int_equal(f.n_errors, 0);
	check_entry(&f, 0, "BASIC", "basic", 1, 1);
	check_value_at(&f, 0, 1, 7);
	check_entry(&f, 1, "SECOND", "two", 2, 1);
	dotenv_free(&f);

	/* Only a leading BOM is skipped. */
	parse_str("A=1\n\xEF\xBB\xBF" "B=2\n", &f);
	assert_int_equal(f.n_entries, 1);
	check_error(&f, 0, 2, 1, "invalid key name");
	dotenv_free(&f);
}

static void test_empty_values(void **state)
{
	struct dotenv_file f;

	(void)state;
	parse_str("A=\nB=''\nC=\"\"\nD=``\nE=   # comment\nF=   \nG=", &f);
	assert_int_equal(f.n_errors, 0);
	assert_int_equal(f.n_entries, 7);
	check_entry(&f, 0, "A", "", 1, 1);
	check_value_at(&f, 0, 1, 3);
	check_entry(&f, 1, "B", "", 2, 1);
	assert_int_equal(f.entries[1].quote, '\'');
	check_entry(&f, 2, "C", "", 3, 1);
	assert_int_equal(f.entries[2].quote, '"');
	check_entry(&f, 3, "D", "", 4, 1);
	check_entry(&f, 4, "E", "", 5, 1);
	check_value_at(&f, 4, 5, 6);
	check_entry(&f, 5, "F", "", 6, 1);
	check_entry(&f, 6, "G", "", 7, 1);
	dotenv_free(&f);
}

static void test_yaml_colon_form(void **state)
{
	struct dotenv_file f;

	(void)state;
	parse_str("KEY: value\nQ:\t\"quoted\"\nURLISH:http://x\nSP : v\n", &f);
	assert_int_equal(f.n_entries, 2);
	check_entry(&f, 0, "KEY", "value", 1, 1);
	check_value_at(&f, 0, 1, 6);
	check_entry(&f, 1, "Q", "quoted", 2, 1);
	assert_int_equal(f.n_errors, 2);
	check_error(&f, 0, 3, 7, "expected KEY=VALUE");
	check_error(&f, 1, 4, 4, "expected KEY=VALUE");
	dotenv_free(&f);
}

static void test_malformed_lines(void **state)
{
	struct dotenv_file f;

	(void)state;
	parse_str("GOOD1=1\n"
		  "this is not valid\n"
		  "=value\n"
		  "1KEY=x\n"
		  "KEY\n"
		  "KEY$=x\n"
		  "  -dash=1\n"
		  "export\n"
		  "GOOD2=2\n",
		  &f);
	assert_int_equal(f.n_entries, 2);
	check_entry(&f, 0, "GOOD1", "1", 1, 1);
	check_entry(&f, 1, "GOOD2", "2", 9, 1);
	assert_int_equal(f.n_errors, 7);
	check_error(&f, 0, 2, 6, "expected KEY=VALUE");
	check_error(&f, 1, 3, 1, "invalid key name");
	check_error(&f, 1, 3, 1, "missing");
	check_error(&f, 2, 4, 1, "invalid key name");
	check_error(&f, 2, 4, 1, "digit");
	check_error(&f, 3, 5, 4, "expected KEY=VALUE");
	check_error(&f, 4, 6, 4, "invalid key name");
	check_error(&f, 4, 6, 4, "'$'");
	check_error(&f, 5, 7, 3, "invalid key name");
	check_error(&f, 6, 8, 7, "expected KEY=VALUE");
	assert_false(f.errors_truncated);
	dotenv_free(&f);
}

static void test_unterminated_quote_recovers(void **state)
{
	struct dotenv_file f;

	(void)state;
	parse_str("A=\"abc # c\nB=2\nC='x\nD=4\nE=`y", &f);
	assert_int_equal(f.n_errors, 3);
	check_error(&f, 0, 1, 3, "unterminated double-quoted value");
	check_error(&f, 1, 3, 3, "unterminated single-quoted value");
	check_error(&f, 2, 5, 3, "unterminated backtick-quoted value");
	assert_int_equal(f.n_entries, 5);
	check_entry(&f, 0, "A", "\"abc", 1, 1);
	check_value_at(&f, 0, 1, 3);
	assert_int_equal(f.entries[0].quote, 0);
	check_entry(&f, 1, "B", "2", 2, 1);
	check_entry(&f, 2, "C", "'x", 3, 1);
	check_entry(&f, 3, "D", "4", 4, 1);
	check_entry(&f, 4, "E", "`y", 5, 1);
	dotenv_free(&f);
}

static void test_text_after_closing_quote(void **state)
{
	struct dotenv_file f;

	(void)state;
	parse_str("A=\"x\" y\nB='z'w\nC=3\n", &f);
	assert_int_equal(f.n_errors, 2);
	check_error(&f, 0, 1, 7, "after the closing quote");
	check_error(&f, 1, 2, 6, "after the closing quote");
	assert_int_equal(f.n_entries, 3);
	check_entry(&f, 0, "A", "x", 1, 1);
	check_entry(&f, 1, "B", "z", 2, 1);
	check_entry(&f, 2, "C", "3", 3, 1);
	dotenv_free(&f);
}

static void test_error_cap(void **state)
{
	struct dotenv_file f;
	struct buf b;

	(void)state;
	buf_init(&b);
	for (int i = 0; i < DOTENV_MAX_ERRORS + 50; i++)
		buf_puts(&b, "not valid\n");
	buf_puts(&b, "LAST=ok\n");
	parse_bytes(b.data, b.len, &f);
	assert_int_equal(f.n_errors, DOTENV_MAX_ERRORS);
	assert_true(f.errors_truncated);
	check_error(&f, DOTENV_MAX_ERRORS - 1, DOTENV_MAX_ERRORS, 5, "expected KEY=VALUE");
	assert_int_equal(f.n_entries, 1);
	check_entry(&f, 0, "LAST", "ok", DOTENV_MAX_ERRORS + 51, 1);
	dotenv_free(&f);
	buf_free(&b);
}

static void test_nul_bytes(void **state)
{
	static const char input[] = "A=x\0y\n\0\0\nB=\"p\0q\"\nC='\0\nD=4";
	struct dotenv_file f;

	(void)state;
	parse_bytes(input, sizeof(input) - 1, &f);
	assert_int_equal(f.n_entries, 4);
	assert_string_equal(f.entries[0].key, "A");
	assert_int_equal(f.entries[0].value_len, 3);
	assert_memory_equal(f.entries[0].value, "x\0y", 4);
	assert_string_equal(f.entries[1].key, "B");
	assert_int_equal(f.entries[1].value_len, 3);
	assert_memory_equal(f.entries[1].value, "p\0q", 4);
	assert_int_equal(f.entries[1].line, 3);
	assert_string_equal(f.entries[2].key, "C");
	assert_int_equal(f.entries[2].value_len, 2);
	assert_memory_equal(f.entries[2].value, "'\0", 3);
	check_entry(&f, 3, "D", "4", 5, 1);
	assert_int_equal(f.n_errors, 2);
	check_error(&f, 0, 2, 1, "0x00");
	check_error(&f, 1, 4, 3, "unterminated single-quoted value");
	dotenv_free(&f);
}

static void test_invalid_utf8_kept(void **state)
{
	struct dotenv_file f;

	(void)state;
	parse_str("A=\xff\xfe\xc3(\nB=\"\xe2\x82\"\n", &f);
	assert_int_equal(f.n_errors, 0);
	check_entry(&f, 0, "A", "\xff\xfe\xc3(", 1, 1);
	check_entry(&f, 1, "B", "\xe2\x82", 2, 1);
	dotenv_free(&f);
}

static void test_duplicate_keys_kept_in_order(void **state)
{
	struct dotenv_file f;

	(void)state;
	parse_str("DUP=one\nOTHER=x\nDUP=two\n", &f);
	assert_int_equal(f.n_entries, 3);
	check_entry(&f, 0, "DUP", "one", 1, 1);
	check_entry(&f, 1, "OTHER", "x", 2, 1);
	check_entry(&f, 2, "DUP", "two", 3, 1);
	dotenv_free(&f);
}

static void test_columns_count_bytes(void **state)
{
	struct dotenv_file f;

	(void)state;
	/* "é" is two bytes, so the x after it is at byte column 10. */
	parse_str("\t\tK=\"\xc3\xa9\" x\n", &f);
	check_entry(&f, 0, "K", "\xc3\xa9", 1, 3);
	check_value_at(&f, 0, 1, 5);
	check_error(&f, 0, 1, 10, "after the closing quote");
	dotenv_free(&f);
}

static void test_empty_and_invalid_arguments(void **state)
{
	struct dotenv_file f;

	(void)state;
	assert_int_equal(dotenv_parse(NULL, 0, &f), 0);
	assert_int_equal(f.n_entries, 0);
	assert_int_equal(f.n_errors, 0);
	dotenv_free(&f);
	assert_int_equal(dotenv_parse(NULL, 3, &f), -EINVAL);
	assert_int_equal(dotenv_parse("A=1", 3, NULL), -EINVAL);
	parse_str("\xEF\xBB\xBF", &f);
	assert_int_equal(f.n_entries, 0);
	assert_int_equal(f.n_errors, 0);
	dotenv_free(&f);
}

static void test_free_resets_struct(void **state)
{
	struct dotenv_file f;

	(void)state;
	parse_str("SECRET=hunter2\nbad line\n", &f);
	assert_int_equal(f.n_entries, 1);
	assert_int_equal(f.n_errors, 1);
	dotenv_free(&f);
	assert_null(f.entries);
	assert_null(f.errors);
	assert_int_equal(f.n_entries, 0);
	assert_int_equal(f.n_errors, 0);
	assert_false(f.errors_truncated);
	dotenv_free(&f); /* a second free is harmless */
	dotenv_free(NULL);
}

/* Inputs that a naive parser handles in quadratic time; each must finish
 * quickly (a quadratic parser would take minutes here). */
static void test_pathological_inputs(void **state)
{
	struct dotenv_file f;
	struct buf b;
	size_t n;
	char *big;

	(void)state;
	/* A million double quotes after one key. */
	n = 1000000;
	big = xmalloc(n + 2);
	memcpy(big, "A=", 2);
	memset(big + 2, '"', n);
	parse_bytes(big, n + 2, &f);
	assert_int_equal(f.n_entries, 1);
	check_entry(&f, 0, "A", "", 1, 1);
	check_error(&f, 0, 1, 5, "after the closing quote");
	dotenv_free(&f);
	free(big);

	/* A quote that never closes, then 200,000 lines. */
	buf_init(&b);
	buf_puts(&b, "A=\"start # no closing quote anywhere\n");
	for (int i = 0; i < 200000; i++)
		buf_puts(&b, "K=v\n");
	parse_bytes(b.data, b.len, &f);
	assert_int_equal(f.n_errors, 1);
	check_error(&f, 0, 1, 3, "unterminated double-quoted value");
	assert_int_equal(f.n_entries, 200001);
	check_entry(&f, 0, "A", "\"start", 1, 1);
	check_entry(&f, 200000, "K", "v", 200001, 1);
	dotenv_free(&f);
	buf_free(&b);

	/* 200,000 lines that each open a quote: each pair of lines becomes one
	 * two-line value followed by stray text. */
	buf_init(&b);
	for (int i = 0; i < 200000; i++)
		buf_puts(&b, "K=\"x\n");
	parse_bytes(b.data, b.len, &f);
	assert_int_equal(f.n_entries, 100000);
	check_entry(&f, 99999, "K", "x\nK=", 199999, 1);
	assert_int_equal(f.n_errors, DOTENV_MAX_ERRORS);
	check_error(&f, 0, 2, 4, "after the closing quote");
	assert_true(f.errors_truncated);
	dotenv_free(&f);
	buf_free(&b);

	/* A 10 MB single line, and a 10 MB escaped double-quoted value. */
	n = 10u << 20;
	big = xmalloc(n + 4);
	memcpy(big, "L=", 2);
	memset(big + 2, 'v', n);
	parse_bytes(big, n + 2, &f);
	assert_int_equal(f.n_entries, 1);
	assert_int_equal(f.entries[0].value_len, n);
	dotenv_free(&f);
	memcpy(big, "L=\"", 3);
	memset(big + 3, '\\', n);
	big[n + 3] = '"';
	parse_bytes(big, n + 4, &f);
	assert_int_equal(f.n_entries, 1);
	assert_int_equal(f.entries[0].value_len, n / 2);
	assert_int_equal(f.n_errors, 0);
	dotenv_free(&f);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic_assignment),
		cmocka_unit_test(test_comments_and_blank_lines),
		cmocka_unit_test(test_inline_comments),
		cmocka_unit_test(test_export_keyword),
		cmocka_unit_test(test_key_characters_and_spacing),
		cmocka_unit_test(test_unquoted_value_is_literal),
		cmocka_unit_test(test_single_quotes),
		cmocka_unit_test(test_double_quote_escapes),
		cmocka_unit_test(test_escaped_backslash_before_closing_quote),
		cmocka_unit_test(test_backtick_quotes),
		cmocka_unit_test(test_variables_never_expanded),
		cmocka_unit_test(test_multiline_values),
		cmocka_unit_test(test_crlf_line_endings),
		cmocka_unit_test(test_lone_cr_line_endings),
		cmocka_unit_test(test_utf8_bom),
		cmocka_unit_test(test_empty_values),
		cmocka_unit_test(test_yaml_colon_form),
		cmocka_unit_test(test_malformed_lines),
		cmocka_unit_test(test_unterminated_quote_recovers),
		cmocka_unit_test(test_text_after_closing_quote),
		cmocka_unit_test(test_error_cap),
		cmocka_unit_test(test_nul_bytes),
		cmocka_unit_test(test_invalid_utf8_kept),
		cmocka_unit_test(test_duplicate_keys_kept_in_order),
		cmocka_unit_test(test_columns_count_bytes),
		cmocka_unit_test(test_empty_and_invalid_arguments),
		cmocka_unit_test(test_free_resets_struct),
		cmocka_unit_test(test_pathological_inputs),
	};

	return cmocka_run_group_tests_name("dotenv", tests, NULL, NULL);
}
