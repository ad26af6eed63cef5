/*
 * UTF-8 validation (RFC 3629: no overlongs, no surrogates, at most
 * U+10FFFF) and conversion of arbitrary bytes to a display-safe string.
 */
#include "utf8.h"

#include <stdint.h>
#include <stdio.h>

#include "util.h"

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
	uint32_t cp;
	size_t len, i;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000))
		return 0; /* overlong */
	if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

bool utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		size_t l = utf8_seq_len(p + i, n - i);
		if (!l)
			return false;
		i += l;
	}
	return true;
}

char *utf8_sanitize(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	struct buf b;
	size_t i = 0;

	buf_init(&b);
	buf_append(&b, "", 0);
	while (i < n) {
		size_t l = utf8_seq_len(p + i, n - i);
		if (l == 1 && (p[i] < 0x20 || p[i] == 0x7f) && p[i] != '\t') {
			buf_printf(&b, "\\x%02X", p[i]);
			i++;
		} else if (l) {
			buf_append(&b, p + i, l);
			i += l;
		} else {
			buf_printf(&b, "\\x%02X", p[i]);
			i++;
		}
	}
	return buf_steal(&b);
}
