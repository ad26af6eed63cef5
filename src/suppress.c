/*
 * Inline suppression comments (see suppress.h), shared by the secrets
 * engine, which knows a hit's byte offset, and by scan_emit, which knows a
 * finding's line in the file a scanner is reading.
 */
#include "suppress.h"

#include <ctype.h>
#include <string.h>

#include "util.h"

#define SUPPRESS_TAG "assay:ignore"

static bool rule_matches(const char *id, size_t idn, const char *rule_id)
{
	size_t family = strcspn(rule_id, ".");

	if (idn == strlen(rule_id) && memcmp(id, rule_id, idn) == 0)
		return true;
	if (idn == 1 && *id == '*')
		return true;
	return idn == family + 2 && memcmp(id, rule_id, family) == 0 && memcmp(id + family, ".*", 2) == 0;
}

/* The reason after the rule id, without trailing space or a closing
 * comment marker; NULL when there is none. */
static char *reason_from(const char *p, const char *end)
{
	const char *r;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	r = p;
	while (p < end && *p != '\n' && *p != '\r')
		p++;
	while (p > r && isspace((unsigned char)p[-1]))
		p--;
	if (p - r >= 3 && memcmp(p - 3, "-->", 3) == 0)
		p -= 3;
	else if (p - r >= 2 && (memcmp(p - 2, "*/", 2) == 0 || memcmp(p - 2, "--", 2) == 0))
		p -= 2;
	while (p > r && isspace((unsigned char)p[-1]))
		p--;
	return p > r ? xstrndup(r, (size_t)(p - r)) : NULL;
}

/* "assay:ignore RULE reason" somewhere in one line of n bytes. */
static bool ignore_on_line(const char *line, size_t n, const char *rule_id, char **reason)
{
	const char *p = memmem(line, n, SUPPRESS_TAG, strlen(SUPPRESS_TAG));
	const char *end = line + n, *id;

	if (!p)
		return false;
	p += strlen(SUPPRESS_TAG);
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	id = p;
	while (p < end && !isspace((unsigned char)*p))
		p++;
	if (!rule_matches(id, (size_t)(p - id), rule_id))
		return false;
	*reason = reason_from(p, end);
	return true;
}

/* A line that holds only a comment, or the ignore marker itself. */
static bool is_comment_line(const char *line, size_t n)
{
	static const char *const markers[] = {"#", "//", "--", ";", "%", "/*", "*", "<!--", "REM ", "rem ", SUPPRESS_TAG};
	size_t i = 0;

	while (i < n && (line[i] == ' ' || line[i] == '\t'))
		i++;
	for (size_t m = 0; m < ARRAY_LEN(markers); m++) {
		size_t len = strlen(markers[m]);
		if (n - i >= len && memcmp(line + i, markers[m], len) == 0)
			return true;
	}
	return false;
}

bool suppress_at_offset(const char *data, size_t len, size_t line_start, const char *rule_id, char **reason)
{
	size_t line_end = line_start, prev_start;

	*reason = NULL;
	if (line_start > len)
		return false;
	while (line_end < len && data[line_end] != '\n')
		line_end++;
	if (ignore_on_line(data + line_start, line_end - line_start, rule_id, reason))
		return true;
	if (line_start == 0)
		return false;
	prev_start = line_start - 1;
	while (prev_start > 0 && data[prev_start - 1] != '\n')
		prev_start--;
	/* the line above counts when it is a comment of its own, not when it
	 * ends in one that speaks for its own line */
	if (!is_comment_line(data + prev_start, line_start - 1 - prev_start))
		return false;
	return ignore_on_line(data + prev_start, line_start - 1 - prev_start, rule_id, reason);
}

bool suppress_possible(const char *data, size_t len)
{
	return data && memmem(data, len, SUPPRESS_TAG, strlen(SUPPRESS_TAG)) != NULL;
}

bool suppress_at_line(const char *data, size_t len, unsigned line, const char *rule_id, char **reason)
{
	size_t off = 0;

	*reason = NULL;
	if (line == 0 || !data)
		return false;
	for (unsigned l = 1; l < line; l++) {
		const char *nl = memchr(data + off, '\n', len - off);
		if (!nl)
			return false;
		off = (size_t)(nl - data) + 1;
	}
	return suppress_at_offset(data, len, off, rule_id, reason);
}
