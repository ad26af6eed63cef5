/*
 * The secrets engine (see secrets.h). One pass over the buffer, looking up
 * each pair of bytes (case folded) in a table of the keywords' first two
 * bytes, decides which rules can match a buffer at all; only those rules'
 * own regexes then run. Hits pass the rule's entropy floor, its
 * allowlist and the shared placeholder test, lose to a more specific rule
 * on the same text, and learn whether an assay:ignore comment covers them.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "secrets.h"

#include <ctype.h>
#include <errno.h>
#include <pcre2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "secretname.h"
#include "util.h"

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

extern const struct secret_pattern secret_patterns[];
extern const size_t secret_patterns_count;

struct compiled_rule {
	const struct secret_pattern *p;
	pcre2_code *re;
	pcre2_code *allow;
	pcre2_code *path_re;
	unsigned keywords[SECRETS_MAX_KEYWORDS];
	size_t n_keywords;
};

#define PAIR_LONG 1
#define PAIR_SHORT 2
#define TRI_BITS (1u << 18)

struct secrets_engine {
	struct compiled_rule *rules;
	size_t n_rules;
	char **keywords; /* distinct, lower case */
	size_t n_keywords;
	/* Keyword lookup: a bit per (folded) first byte pair, and the keywords
	 * sorted by that pair; one-byte keywords are checked apart. */
	/* By the two raw bytes, either case: PAIR_LONG when keywords of three
	 * bytes or more start so, PAIR_SHORT when a two-byte keyword does. */
	uint8_t pair_raw[65536];
	uint8_t pair_any[65536 / 8]; /* a bit per raw pair that pair_raw marks: small enough for L1 */
	uint8_t tri_bits[TRI_BITS / 8]; /* folded first three bytes of the long keywords, hashed */
	unsigned *by_pair;          /* keyword indexes, sorted by pair_of() */
	uint16_t pair_first[65536]; /* where a pair's keywords start in by_pair */

	bool has_short;    /* a keyword of one byte */
	pcre2_match_data *md;
	bool *present; /* per keyword, for the buffer being scanned */
};

/* The hits of one buffer, collected before overlap resolution. */
struct hit_list {
	struct secret_hit *hits;
	size_t n, cap;
};

static pcre2_code *compile(const char *pattern, uint32_t options, char *err, size_t errlen)
{
	int code;
	PCRE2_SIZE at;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, options | PCRE2_UTF | PCRE2_NO_UTF_CHECK,
				       &code, &at, NULL);
	if (!re) {
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(code, msg, sizeof(msg));
		snprintf(err, errlen, "at offset %zu: %s", (size_t)at, (const char *)msg);
		return NULL;
	}
	/* Without JIT it still works, slower. Under valgrind the JIT's wide
	 * reads past the end of a subject (harmless, inside the allocation's
	 * granularity) would be reported as errors, so it is left out there. */
	if (!RUNNING_ON_VALGRIND)
		pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	return re;
}

static unsigned keyword_index(struct secrets_engine *e, const char *kw)
{
	for (size_t i = 0; i < e->n_keywords; i++)
		if (strcmp(e->keywords[i], kw) == 0)
			return (unsigned)i;
	e->keywords = xrealloc(e->keywords, (e->n_keywords + 1) * sizeof(char *));
	e->keywords[e->n_keywords] = xstrdup(kw);
	return (unsigned)e->n_keywords++;
}

/* ASCII case folding by table: the keyword pass looks at every byte. */
static unsigned char fold_table[256];

static void fill_fold_table(void)
{
	for (unsigned c = 0; c < 256; c++)
		fold_table[c] = (unsigned char)(c >= 'A' && c <= 'Z' ? c + 32u : c);
}

static unsigned fold(unsigned char c)
{
	return fold_table[c];
}

static unsigned pair_of(const char *k)
{
	return fold((unsigned char)k[0]) << 8 | fold((unsigned char)k[1]);
}

static unsigned tri_hash(unsigned pair, unsigned third)
{
	return (pair * 263u + third * 7919u) & (TRI_BITS - 1);
}

static const struct secrets_engine *sort_engine; /* qsort has no context argument */

static int cmp_by_pair(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
	const char *kx = sort_engine->keywords[x], *ky = sort_engine->keywords[y];
	unsigned px = kx[0] && kx[1] ? pair_of(kx) : 0, py = ky[0] && ky[1] ? pair_of(ky) : 0;

	return px < py ? -1 : px > py;
}

/* The table find_keywords looks keywords up in. */
static void index_keywords(struct secrets_engine *e)
{
	fill_fold_table();
	e->by_pair = xcalloc(e->n_keywords ? e->n_keywords : 1, sizeof(unsigned));
	for (size_t i = 0; i < e->n_keywords; i++) {
		const char *k = e->keywords[i];
		e->by_pair[i] = (unsigned)i;
		if (!k[0] || !k[1]) {
			e->has_short = true;
			continue;
		}
	}
	for (unsigned raw = 0; raw < 65536; raw++) {
		unsigned p = fold_table[raw >> 8] << 8 | fold_table[raw & 0xff];
		for (size_t i = 0; i < e->n_keywords; i++) {
			const char *k = e->keywords[i];
			if (k[0] && k[1] && pair_of(k) == p)
				e->pair_raw[raw] |= k[2] ? PAIR_LONG : PAIR_SHORT;
		}
	}
	for (unsigned raw = 0; raw < 65536; raw++)
		if (e->pair_raw[raw])
			e->pair_any[raw >> 3] |= (uint8_t)(1u << (raw & 7));
	for (size_t i = 0; i < e->n_keywords; i++) {
		const char *k = e->keywords[i];
		if (k[0] && k[1] && k[2]) {
			unsigned t = tri_hash(pair_of(k), fold((unsigned char)k[2]));
			e->tri_bits[t >> 3] |= (uint8_t)(1u << (t & 7));
		}
	}
	sort_engine = e;
	qsort(e->by_pair, e->n_keywords, sizeof(unsigned), cmp_by_pair);
	sort_engine = NULL;
	for (size_t i = e->n_keywords; i-- > 0;) {
		const char *k = e->keywords[e->by_pair[i]];
		if (k[0] && k[1])
			e->pair_first[pair_of(k)] = (uint16_t)i;
	}
}

static int compile_rule(struct secrets_engine *e, struct compiled_rule *c, const struct secret_pattern *p, char *err,
			size_t errlen)
{
	char why[300];

	c->p = p;
	c->re = compile(p->regex, 0, why, sizeof(why));
	if (!c->re) {
		snprintf(err, errlen, "secret rule %s: bad regex %s", p->rule.id, why);
		return -EINVAL;
	}
	if (p->allowlist) {
		c->allow = compile(p->allowlist, 0, why, sizeof(why));
		if (!c->allow) {
			snprintf(err, errlen, "secret rule %s: bad allowlist %s", p->rule.id, why);
			return -EINVAL;
		}
	}
	if (p->path_regex) {
		c->path_re = compile(p->path_regex, 0, why, sizeof(why));
		if (!c->path_re) {
			snprintf(err, errlen, "secret rule %s: bad path regex %s", p->rule.id, why);
			return -EINVAL;
		}
	}
	for (size_t k = 0; k < SECRETS_MAX_KEYWORDS && p->keywords[k]; k++)
		c->keywords[c->n_keywords++] = keyword_index(e, p->keywords[k]);
	return 0;
}

int secrets_engine_new(struct secrets_engine **out, char *err, size_t errlen)
{
	struct secrets_engine *e = xcalloc(1, sizeof(*e));
	int rc = 0;

	*out = NULL;
	e->rules = xcalloc(secret_patterns_count, sizeof(*e->rules));
	for (size_t i = 0; i < secret_patterns_count && rc == 0; i++, e->n_rules++)
		rc = compile_rule(e, &e->rules[i], &secret_patterns[i], err, errlen);
	if (rc == 0)
		index_keywords(e);
	if (rc < 0) {
		secrets_engine_free(e);
		return rc;
	}
	e->md = pcre2_match_data_create(32, NULL);
	e->present = xcalloc(e->n_keywords ? e->n_keywords : 1, sizeof(bool));
	*out = e;
	return 0;
}

void secrets_engine_free(struct secrets_engine *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->n_rules; i++) {
		pcre2_code_free(e->rules[i].re);
		pcre2_code_free(e->rules[i].allow);
		pcre2_code_free(e->rules[i].path_re);
	}
	for (size_t i = 0; i < e->n_keywords; i++)
		free(e->keywords[i]);
	free(e->keywords);
	free(e->rules);
	free(e->by_pair);
	pcre2_match_data_free(e->md);
	free(e->present);
	free(e);
}

/* Whether keyword k occurs at data[i..], case folded. */
static bool keyword_at(const char *k, const char *data, size_t len, size_t i)
{
	size_t j = 0;

	for (; k[j]; j++)
		if (i + j >= len || fold((unsigned char)data[i + j]) != (unsigned char)k[j])
			return false;
	return true;
}

/* The keywords that start at data[i], whose byte pair is in the table. */
static size_t keywords_at(struct secrets_engine *e, const char *data, size_t len, size_t i)
{
	const unsigned char *d = (const unsigned char *)data;
	unsigned raw = (unsigned)d[i] << 8 | d[i + 1];
	unsigned p = fold_table[d[i]] << 8 | fold_table[d[i + 1]];
	size_t found = 0;

	if (e->pair_raw[raw] == PAIR_LONG) {
		unsigned t;
		if (i + 2 >= len)
			return 0;
		t = tri_hash(p, fold_table[d[i + 2]]);
		if (!(e->tri_bits[t >> 3] & (1u << (t & 7))))
			return 0;
	}
	for (size_t lo = e->pair_first[p]; lo < e->n_keywords; lo++) {
		unsigned idx = e->by_pair[lo];
		const char *k = e->keywords[idx];
		if (!k[0] || !k[1] || pair_of(k) != p)
			break;
		if (!e->present[idx] && keyword_at(k, data, len, i)) {
			e->present[idx] = true;
			found++;
		}
	}
	return found;
}

/* Marks which keywords occur in the buffer (case-insensitively, anywhere,
 * overlaps included). The byte pairs of 64 positions are looked up without
 * a branch into a mask, and only the positions it marks are looked at
 * further: most text has a keyword's first two bytes at a third of its
 * positions, and a branch per position would mostly be mispredicted. */
static void find_keywords(struct secrets_engine *e, const char *data, size_t len)
{
	const unsigned char *d = (const unsigned char *)data;
	size_t found = 0;

	memset(e->present, 0, e->n_keywords * sizeof(bool));
	for (size_t base = 0; base + 1 < len && found < e->n_keywords; base += 64) {
		size_t end = base + 64 < len - 1 ? base + 64 : len - 1;
		uint64_t mask = 0;
		for (size_t i = base; i < end; i++) {
			unsigned raw = (unsigned)d[i] << 8 | d[i + 1];
			mask |= (uint64_t)((e->pair_any[raw >> 3] >> (raw & 7)) & 1u) << (i - base);
		}
		while (mask && found < e->n_keywords) {
			size_t i = base + (size_t)__builtin_ctzll(mask);
			mask &= mask - 1;
			found += keywords_at(e, data, len, i);
		}
	}
	for (size_t i = 0; e->has_short && i < e->n_keywords; i++) {
		const char *k = e->keywords[i];
		if (k[0] && !k[1])
			for (size_t j = 0; j < len && !e->present[i]; j++)
				e->present[i] = fold((unsigned char)data[j]) == (unsigned char)k[0];
	}
}

static bool rule_may_match(const struct secrets_engine *e, const struct compiled_rule *c, const char *path)
{
	if (c->path_re && (!path || pcre2_match(c->path_re, (PCRE2_SPTR)path, PCRE2_ZERO_TERMINATED, 0,
						PCRE2_NO_UTF_CHECK, e->md, NULL) < 0))
		return false;
	if (c->n_keywords == 0)
		return true;
	for (size_t k = 0; k < c->n_keywords; k++)
		if (e->present[c->keywords[k]])
			return true;
	return false;
}

static bool allowlisted(const struct compiled_rule *c, pcre2_match_data *md, const char *secret, size_t n)
{
	char *copy;
	bool placeholder;

	if (c->allow && pcre2_match(c->allow, (PCRE2_SPTR)secret, n, 0, PCRE2_NO_UTF_CHECK, md, NULL) >= 0)
		return true;
	copy = xstrndup(secret, n);
	placeholder = secret_value_is_placeholder(copy) || secret_value_is_reference(copy);
	secure_free_str(copy);
	return placeholder;
}

static void add_hit(struct hit_list *l, const struct compiled_rule *c, size_t off, size_t n, const char *data)
{
	struct secret_hit *h;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->hits = xrealloc(l->hits, l->cap * sizeof(*l->hits));
	}
	h = &l->hits[l->n++];
	memset(h, 0, sizeof(*h));
	h->pattern = c->p;
	h->offset = off;
	h->length = n;
	sha256_hex(data + off, n, h->hash);
}

/* The secret is the rule's group, or when a rule has alternatives, the
 * first group after it that took part in the match. */
static bool secret_span(const struct compiled_rule *c, const PCRE2_SIZE *ov, int rc, size_t *off, size_t *n)
{
	for (unsigned g = c->p->secret_group; g < (unsigned)rc; g++) {
		if (ov[2 * g] == PCRE2_UNSET || ov[2 * g + 1] <= ov[2 * g])
			continue;
		*off = ov[2 * g];
		*n = ov[2 * g + 1] - ov[2 * g];
		return true;
	}
	return false;
}

static void run_rule(struct secrets_engine *e, const struct compiled_rule *c, const char *data, size_t len,
		     struct hit_list *l)
{
	PCRE2_SIZE start = 0;

	while (start < len) {
		int rc = pcre2_match(c->re, (PCRE2_SPTR)data, len, start, PCRE2_NO_UTF_CHECK, e->md, NULL);
		PCRE2_SIZE *ov;
		size_t off, n;

		if (rc < 0)
			break;
		ov = pcre2_get_ovector_pointer(e->md);
		start = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
		if (!secret_span(c, ov, rc, &off, &n))
			continue;
		if (c->p->min_entropy > 0 && shannon_entropy(data + off, n) < c->p->min_entropy)
			continue;
		if (allowlisted(c, e->md, data + off, n))
			continue;
		if (c->p->validate && !c->p->validate(data + off, n))
			continue;
		add_hit(l, c, off, n, data);
	}
}

static int cmp_hits(const void *a, const void *b)
{
	const struct secret_hit *x = a, *y = b;

	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	/* specific before generic, then table order */
	if (x->pattern->generic != y->pattern->generic)
		return x->pattern->generic ? 1 : -1;
	return x->pattern < y->pattern ? -1 : x->pattern > y->pattern;
}

static bool overlaps(const struct secret_hit *a, const struct secret_hit *b)
{
	return a->offset < b->offset + b->length && b->offset < a->offset + a->length;
}

/* Keeps, of hits that cover the same text, the most specific one. */
static void resolve_overlaps(struct hit_list *l)
{
	size_t kept = 0;

	if (l->n > 1) /* qsort of a NULL, empty list is undefined */
		qsort(l->hits, l->n, sizeof(*l->hits), cmp_hits);
	for (size_t i = 0; i < l->n; i++) {
		bool drop = false;
		for (size_t j = 0; j < kept && !drop; j++) {
			const struct secret_hit *k = &l->hits[j];
			if (!overlaps(k, &l->hits[i]))
				continue;
			/* a generic hit loses to anything; two specific hits keep the first */
			drop = l->hits[i].pattern->generic || !k->pattern->generic || k->offset == l->hits[i].offset;
		}
		if (!drop)
			l->hits[kept++] = l->hits[i];
	}
	l->n = kept;
}

/* Hits come sorted by offset, so lines are counted once across them. */
struct locator {
	const char *data;
	size_t pos, line_start;
	unsigned line;
};

static void locate(struct locator *loc, struct secret_hit *h)
{
	for (; loc->pos < h->offset; loc->pos++) {
		if (loc->data[loc->pos] == '\n') {
			loc->line++;
			loc->line_start = loc->pos + 1;
		}
	}
	h->line = loc->line;
	h->column = (unsigned)(h->offset - loc->line_start + 1);
}

/* "assay:ignore RULE reason" on the hit's line or the line above, where
 * RULE is the hit's id, its family with ".*", or "*". */
static bool ignore_on_line(const char *line, size_t n, const char *rule_id, char **reason)
{
	const char *tag = "assay:ignore";
	const char *p = memmem(line, n, tag, strlen(tag));
	const char *end = line + n, *id, *r;
	size_t idn, family = strcspn(rule_id, ".");

	if (!p)
		return false;
	p += strlen(tag);
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	id = p;
	while (p < end && !isspace((unsigned char)*p))
		p++;
	idn = (size_t)(p - id);
	if (!((idn == strlen(rule_id) && memcmp(id, rule_id, idn) == 0) || (idn == 1 && *id == '*') ||
	      (idn == family + 2 && memcmp(id, rule_id, family) == 0 && memcmp(id + family, ".*", 2) == 0)))
		return false;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	r = p;
	while (p < end && *p != '\n' && *p != '\r')
		p++;
	while (p > r && isspace((unsigned char)p[-1]))
		p--;
	/* a closing comment marker is not part of the reason */
	if (p - r >= 2 && (memcmp(p - 2, "*/", 2) == 0 || memcmp(p - 2, "--", 2) == 0))
		p -= 2;
	while (p > r && isspace((unsigned char)p[-1]))
		p--;
	*reason = p > r ? xstrndup(r, (size_t)(p - r)) : NULL;
	return true;
}

static void check_ignore(const char *data, size_t len, size_t line_start, struct secret_hit *h)
{
	size_t line_end = line_start, prev_start;

	while (line_end < len && data[line_end] != '\n')
		line_end++;
	if (ignore_on_line(data + line_start, line_end - line_start, h->pattern->rule.id, &h->ignore_reason)) {
		h->ignored = true;
		return;
	}
	if (line_start == 0)
		return;
	prev_start = line_start - 1;
	while (prev_start > 0 && data[prev_start - 1] != '\n')
		prev_start--;
	h->ignored = ignore_on_line(data + prev_start, line_start - 1 - prev_start, h->pattern->rule.id,
				    &h->ignore_reason);
}

int secrets_find(struct secrets_engine *e, const char *path, const char *data, size_t len, secret_hit_cb cb,
		 void *ctx)
{
	struct hit_list l = {0};
	struct locator loc = {.data = data, .line = 1};
	int count;

	if (len > SECRETS_MAX_BYTES)
		len = SECRETS_MAX_BYTES;
	if (len == 0 || looks_binary(data, len))
		return 0;
	find_keywords(e, data, len);
	for (size_t i = 0; i < e->n_rules; i++)
		if (rule_may_match(e, &e->rules[i], path))
			run_rule(e, &e->rules[i], data, len, &l);
	resolve_overlaps(&l);
	for (size_t i = 0; i < l.n; i++) {
		struct secret_hit *h = &l.hits[i];
		locate(&loc, h);
		check_ignore(data, len, loc.line_start, h);
		h->redacted = redact_secret(data + h->offset, h->length);
		cb(h, ctx);
		free(h->redacted);
		free(h->ignore_reason);
	}
	count = (int)l.n;
	free(l.hits);
	return count;
}
