/*
 * The dotenv parser. It reads the dialect that motdotla/dotenv,
 * python-dotenv and Docker Compose have in common: `[export] KEY=VALUE`
 * (or `KEY: VALUE`) lines, `#` comments, unquoted values trimmed and cut at
 * the first `#`, single-quoted and backtick-quoted values taken literally,
 * double-quoted values with the escapes \n \r \t \\ \" \$, and quoted
 * values that may span lines. Nothing is ever expanded: `$VAR` and `${VAR}`
 * stay as written. A malformed line becomes an error with its line and
 * column and parsing resumes on the next line, so one typo never hides the
 * rest of the file. A key written twice gives two entries in file order;
 * whoever looks a key up takes the last one, as every dotenv loader does.
 *
 * The buffer may hold any bytes and need not be NUL-terminated. Parsing is
 * linear in its size: the cursor only moves forward, and the one look-ahead
 * (the search for a closing quote) never covers the same bytes twice but
 * for at most one unterminated quote of each kind (see find_closing_quote).
 *
 * Values are secrets: each one is copied exactly once into a buffer of its
 * final size (never grown with realloc, which would leave copies behind),
 * and dotenv_free zeroes them. Error messages never quote the input beyond
 * a single offending character.
 */
#include "dotenv.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define DOTENV_NO_OFFSET SIZE_MAX

/* Where the parser stands in the buffer. */
struct dotenv_cursor {
	const char *buf;
	size_t len;
	size_t pos;
	size_t line_start; /* offset of the first byte of the current line */
	unsigned line;     /* 1-based */
};

struct dotenv_parser {
	struct dotenv_cursor cur;
	struct dotenv_file *out;
	size_t entries_cap;
};

static bool is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

static bool is_key_start(char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || ch == '_';
}

static bool is_key_char(char ch)
{
	return is_key_start(ch) || (ch >= '0' && ch <= '9') || ch == '.' || ch == '-';
}

static bool cursor_at_end(const struct dotenv_cursor *c)
{
	return c->pos >= c->len;
}

/* Length of the line break (\n, \r\n or a lone \r) at `pos`, 0 if none. */
static size_t line_break_len(const char *buf, size_t len, size_t pos)
{
	if (pos >= len)
		return 0;
	if (buf[pos] == '\n')
		return 1;
	if (buf[pos] == '\r')
		return (pos + 1 < len && buf[pos + 1] == '\n') ? 2 : 1;
	return 0;
}

static bool cursor_at_line_end(const struct dotenv_cursor *c)
{
	return cursor_at_end(c) || line_break_len(c->buf, c->len, c->pos) > 0;
}

/* True when the current byte exists and equals `ch`. */
static bool cursor_is(const struct dotenv_cursor *c, char ch)
{
	return !cursor_at_end(c) && c->buf[c->pos] == ch;
}

static unsigned saturate_unsigned(size_t n)
{
	return n > UINT_MAX ? UINT_MAX : (unsigned)n;
}

static unsigned column_of(const struct dotenv_cursor *c, size_t pos)
{
	return saturate_unsigned(pos - c->line_start + 1);
}

/* Moves past a line break of `n` bytes that starts at the cursor. */
static void cursor_pass_line_break(struct dotenv_cursor *c, size_t n)
{
	c->pos += n;
	c->line_start = c->pos;
	if (c->line < UINT_MAX)
		c->line++;
}

/* Returns true when at least one blank was skipped. */
static bool skip_blanks(struct dotenv_cursor *c)
{
	size_t start = c->pos;

	while (!cursor_at_end(c) && is_blank(c->buf[c->pos]))
		c->pos++;
	return c->pos != start;
}

static void skip_to_line_end(struct dotenv_cursor *c)
{
	while (!cursor_at_end(c) && c->buf[c->pos] != '\n' && c->buf[c->pos] != '\r')
		c->pos++;
}

/* Skips whatever is left of the line and its line break. */
static void skip_rest_of_line(struct dotenv_cursor *c)
{
	size_t brk;

	skip_to_line_end(c);
	brk = line_break_len(c->buf, c->len, c->pos);
	if (brk)
		cursor_pass_line_break(c, brk);
}

static void skip_utf8_bom(struct dotenv_cursor *c)
{
	if (c->len >= 3 && memcmp(c->buf, "\xEF\xBB\xBF", 3) == 0) {
		c->pos = 3;
		c->line_start = 3; /* the BOM is not part of line 1's columns */
	}
}

/* True when no more errors can be recorded; notes that one was dropped.
 * Lets callers skip formatting a message that would be thrown away. */
static bool error_cap_reached(struct dotenv_parser *p)
{
	if (p->out->n_errors < DOTENV_MAX_ERRORS)
		return false;
	p->out->errors_truncated = true;
	return true;
}

/* Records an error unless DOTENV_MAX_ERRORS are already recorded. */
static void add_error(struct dotenv_parser *p, unsigned line, unsigned column, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void add_error(struct dotenv_parser *p, unsigned line, unsigned column, const char *fmt, ...)
{
	struct dotenv_file *f = p->out;
	struct dotenv_error *e;
	va_list ap;

	if (error_cap_reached(p))
		return;
	if (!f->errors)
		f->errors = xcalloc(DOTENV_MAX_ERRORS, sizeof(*f->errors));
	e = &f->errors[f->n_errors++];
	e->line = line;
	e->column = column;
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
}

/* Describes one byte for an error message without quoting more input. */
static void describe_byte(char ch, char out[16])
{
	unsigned char u = (unsigned char)ch;

	if (u > 0x20 && u < 0x7f)
		snprintf(out, 16, "'%c'", ch);
	else
		snprintf(out, 16, "byte 0x%02X", u);
}

static struct dotenv_entry *add_entry(struct dotenv_parser *p)
{
	struct dotenv_file *f = p->out;
	struct dotenv_entry *e;

	if (f->n_entries == p->entries_cap) {
		p->entries_cap = p->entries_cap ? p->entries_cap * 2 : 16;
		f->entries = xrealloc(f->entries, p->entries_cap * sizeof(*f->entries));
	}
	e = &f->entries[f->n_entries++];
	memset(e, 0, sizeof(*e));
	return e;
}

static const char *quote_kind_name(char quote)
{
	return quote == '\'' ? "single-quoted" : quote == '"' ? "double-quoted" : "backtick-quoted";
}

/* Offset of the quote that closes the one at `open`, or DOTENV_NO_OFFSET.
 * Inside double quotes a backslash escapes the next byte, whatever it is,
 * so `"\\"` ends at its third quote and `"\""` at its fourth.
 *
 * The search stays linear over a whole file: a search that succeeds is
 * followed by parsing past the closing quote, and one that reaches the end
 * of the buffer happens at most once per quote kind, because any later
 * opening quote of the same kind (never preceded by a backslash) would
 * have closed it. */
static size_t find_closing_quote(const char *buf, size_t len, size_t open, char quote)
{
	size_t i;

	if (quote != '"') {
		const char *hit = memchr(buf + open + 1, quote, len - open - 1);
		return hit ? (size_t)(hit - buf) : DOTENV_NO_OFFSET;
	}
	for (i = open + 1; i < len; i++) {
		if (buf[i] == '\\')
			i++;
		else if (buf[i] == '"')
			return i;
	}
	return DOTENV_NO_OFFSET;
}

/* The byte a recognised double-quote escape stands for, or -1. */
static int double_quote_escape(char ch)
{
	switch (ch) {
	case 'n':
		return '\n';
	case 'r':
		return '\r';
	case 't':
		return '\t';
	case '\\':
	case '"':
	case '$':
		return ch;
	default:
		return -1;
	}
}

/* Copies the quoted value between the cursor (on the opening quote) and
 * `close` into dst, unescaping double-quoted values and writing every line
 * break as \n. Leaves the cursor after the closing quote, with the line
 * count advanced past the lines the value spans. Returns the length. */
static size_t copy_quoted_value(struct dotenv_cursor *c, size_t close, char quote, char *dst)
{
	size_t n = 0, brk;
	int esc;

	c->pos++;
	while (c->pos < close) {
		char ch = c->buf[c->pos];

		brk = line_break_len(c->buf, close, c->pos);
		if (brk) {
			dst[n++] = '\n';
			cursor_pass_line_break(c, brk);
			continue;
		}
		if (quote == '"' && ch == '\\' && c->pos + 1 < close &&
		    (esc = double_quote_escape(c->buf[c->pos + 1])) >= 0) {
			dst[n++] = (char)esc;
			c->pos += 2;
			continue;
		}
		/* Any other byte, including a backslash before an unknown escape
		 * or a line break, is kept as written. */
		dst[n++] = ch;
		c->pos++;
	}
	c->pos = close + 1;
	dst[n] = '\0';
	return n;
}

/* After a closing quote only blanks and a # comment may follow. */
static void finish_after_closing_quote(struct dotenv_parser *p)
{
	struct dotenv_cursor *c = &p->cur;

	skip_blanks(c);
	if (!cursor_at_line_end(c) && !cursor_is(c, '#'))
		add_error(p, c->line, column_of(c, c->pos),
			  "unexpected text after the closing quote (only a # comment may follow)");
	skip_rest_of_line(c);
}

/* The value runs to the end of the line or the first '#', trailing blanks
 * trimmed; the cursor is on its first non-blank byte. Backslashes, quotes
 * inside and `$` are literal. */
static void parse_unquoted_value(struct dotenv_parser *p, struct dotenv_entry *e)
{
	struct dotenv_cursor *c = &p->cur;
	size_t start = c->pos, end;

	while (!cursor_at_line_end(c) && c->buf[c->pos] != '#')
		c->pos++;
	end = c->pos;
	while (end > start && is_blank(c->buf[end - 1]))
		end--;
	e->value = xstrndup(c->buf + start, end - start);
	e->value_len = end - start;
	e->quote = 0;
	skip_rest_of_line(c);
}

/* The cursor is on the opening quote. An unterminated quote is an error at
 * the quote; the rest of that line becomes an unquoted value, so the lines
 * after it are still parsed. */
static void parse_quoted_value(struct dotenv_parser *p, struct dotenv_entry *e)
{
	struct dotenv_cursor *c = &p->cur;
	char quote = c->buf[c->pos];
	size_t close = find_closing_quote(c->buf, c->len, c->pos, quote);

	if (close == DOTENV_NO_OFFSET) {
		add_error(p, c->line, column_of(c, c->pos), "unterminated %s value",
			  quote_kind_name(quote));
		parse_unquoted_value(p, e);
		return;
	}
	e->value = xmalloc(close - c->pos);
	e->value_len = copy_quoted_value(c, close, quote, e->value);
	e->quote = quote;
	finish_after_closing_quote(p);
}

/* True when the cursor is on the `export` keyword: "export", blanks, then
 * something that can start a key. `export=1` and `export =1` assign to a
 * variable named export instead. */
static bool at_export_keyword(const struct dotenv_cursor *c)
{
	size_t i = c->pos + 6;

	if (c->len - c->pos < 7 || memcmp(c->buf + c->pos, "export", 6) != 0 ||
	    !is_blank(c->buf[i]))
		return false;
	while (i < c->len && is_blank(c->buf[i]))
		i++;
	return i < c->len && is_key_start(c->buf[i]);
}

/* Reports why the key at the start of a statement is not valid. */
static void report_bad_key_start(struct dotenv_parser *p)
{
	struct dotenv_cursor *c = &p->cur;
	unsigned col = column_of(c, c->pos);
	char what[16];

	if (error_cap_reached(p))
		return;
	if (c->buf[c->pos] == '=') {
		add_error(p, c->line, col, "invalid key name: the key before '=' is missing");
	} else if (c->buf[c->pos] >= '0' && c->buf[c->pos] <= '9') {
		add_error(p, c->line, col, "invalid key name: a key must not start with a digit");
	} else {
		describe_byte(c->buf[c->pos], what);
		add_error(p, c->line, col,
			  "invalid key name: a key must start with a letter or '_', found %s", what);
	}
}

/* Reports the byte after a valid key that is neither '=' nor ': '. */
static void report_bad_separator(struct dotenv_parser *p, bool blanks_before)
{
	struct dotenv_cursor *c = &p->cur;
	unsigned col = column_of(c, c->pos);
	char what[16];

	if (error_cap_reached(p))
		return;
	if (blanks_before || cursor_at_line_end(c) || c->buf[c->pos] == ':') {
		add_error(p, c->line, col, "expected KEY=VALUE: no '=' after the key");
	} else {
		describe_byte(c->buf[c->pos], what);
		add_error(p, c->line, col, "invalid key name: unexpected %s in the key", what);
	}
}

/* Consumes '=' or the YAML-like ": " after a key. */
static bool take_separator(struct dotenv_cursor *c, bool blanks_before)
{
	if (cursor_is(c, '=')) {
		c->pos++;
		return true;
	}
	if (!blanks_before && cursor_is(c, ':') && c->pos + 1 < c->len &&
	    is_blank(c->buf[c->pos + 1])) {
		c->pos++;
		return true;
	}
	return false;
}

/* Parses one statement: the cursor is on the first non-blank byte of a
 * line that is neither empty nor a comment. */
static void parse_assignment(struct dotenv_parser *p)
{
	struct dotenv_cursor *c = &p->cur;
	struct dotenv_entry *e;
	bool exported = false, blanks;
	size_t key_start, key_end;
	unsigned key_line, key_col;

	if (at_export_keyword(c)) {
		exported = true;
		c->pos += 6;
		skip_blanks(c);
	}
	if (!is_key_start(c->buf[c->pos])) {
		report_bad_key_start(p);
		skip_rest_of_line(c);
		return;
	}
	key_start = c->pos;
	key_line = c->line;
	key_col = column_of(c, c->pos);
	while (!cursor_at_end(c) && is_key_char(c->buf[c->pos]))
		c->pos++;
	key_end = c->pos;
	blanks = skip_blanks(c);
	if (!take_separator(c, blanks)) {
		/* `export NAME` alone only marks a shell variable: nothing to record. */
		if (!(exported && (cursor_at_line_end(c) || cursor_is(c, '#'))))
			report_bad_separator(p, blanks);
		skip_rest_of_line(c);
		return;
	}

	e = add_entry(p);
	e->key = xstrndup(c->buf + key_start, key_end - key_start);
	e->line = key_line;
	e->column = key_col;
	e->exported = exported;
	skip_blanks(c);
	e->value_line = c->line;
	e->value_column = column_of(c, c->pos);
	if (cursor_is(c, '"') || cursor_is(c, '\'') || cursor_is(c, '`'))
		parse_quoted_value(p, e);
	else
		parse_unquoted_value(p, e);
}

/* One physical line, or more when a quoted value spans lines. */
static void parse_line(struct dotenv_parser *p)
{
	struct dotenv_cursor *c = &p->cur;

	skip_blanks(c);
	if (cursor_at_line_end(c) || cursor_is(c, '#')) {
		skip_rest_of_line(c);
		return;
	}
	parse_assignment(p);
}

int dotenv_parse(const char *buf, size_t len, struct dotenv_file *out)
{
	struct dotenv_parser p;

	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (!buf && len)
		return -EINVAL;
	memset(&p, 0, sizeof(p));
	p.out = out;
	p.cur.buf = buf;
	p.cur.len = len;
	p.cur.line = 1;
	skip_utf8_bom(&p.cur);
	while (!cursor_at_end(&p.cur))
		parse_line(&p);
	return 0;
}

void dotenv_free(struct dotenv_file *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n_entries; i++) {
		struct dotenv_entry *e = &f->entries[i];

		if (e->value) {
			secure_zero(e->value, e->value_len + 1);
			free(e->value);
		}
		free(e->key);
	}
	free(f->entries);
	free(f->errors);
	memset(f, 0, sizeof(*f));
}
