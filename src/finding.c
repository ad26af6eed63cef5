/*
 * Severity names, fingerprints and secret redaction (DESIGN.md "Finding",
 * "Fingerprint", "Secrets never leave in clear").
 */
#include "finding.h"

#include <string.h>

#include "util.h"

static const char *const severity_names[SEV_COUNT] = {"info", "low", "medium", "high", "critical"};

const char *severity_name(enum severity s)
{
	if (s == SEV_NONE)
		return "none";
	return (unsigned)s < SEV_COUNT ? severity_names[s] : "unknown";
}

int severity_parse(const char *s, bool allow_none, enum severity *out)
{
	for (int i = 0; i < SEV_COUNT; i++) {
		if (str_ieq(s, severity_names[i])) {
			*out = (enum severity)i;
			return 0;
		}
	}
	if (allow_none && (str_ieq(s, "none") || str_ieq(s, "never"))) {
		*out = SEV_NONE;
		return 0;
	}
	return -1;
}

void finding_fingerprint(struct finding *f)
{
	struct sha256 h;

	sha256_init(&h);
	sha256_field(&h, "assay-fingerprint-v1");
	sha256_field(&h, f->rule);
	sha256_field(&h, f->target);
	sha256_field(&h, f->path);
	sha256_field(&h, f->identity);
	sha256_final_hex(&h, f->fingerprint);
}

/* Counts UTF-8 code points so that a redacted prefix never splits one. */
static size_t utf8_prefix_bytes(const char *s, size_t len, size_t chars)
{
	size_t i = 0;

	while (i < len && chars) {
		i++;
		while (i < len && ((unsigned char)s[i] & 0xc0) == 0x80)
			i++;
		chars--;
	}
	return i;
}

static size_t utf8_suffix_start(const char *s, size_t len, size_t chars)
{
	size_t i = len;

	while (i > 0 && chars) {
		i--;
		while (i > 0 && ((unsigned char)s[i] & 0xc0) == 0x80)
			i--;
		chars--;
	}
	return i;
}

char *redact_secret(const char *value, size_t len)
{
	size_t keep, pre, suf;
	struct buf b;

	/* Short secrets show nothing: a prefix and suffix of an 8-character
	 * password would give away half of it. */
	if (len < 16)
		return xstrdup("********");
	keep = len < 32 ? 2 : 4;
	pre = utf8_prefix_bytes(value, len, keep);
	suf = utf8_suffix_start(value, len, keep);
	if (suf < pre)
		suf = pre;
	buf_init(&b);
	buf_append(&b, value, pre);
	buf_puts(&b, "****");
	buf_append(&b, value + suf, len - suf);
	return buf_steal(&b);
}
