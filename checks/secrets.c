/*
 * The secrets engine (see secrets.h). One keyword pass over the buffer
 * (keywords.c) decides which rules can match it at all, and where; only
 * those rules' own regexes then run, around the lines holding a keyword.
 * Hits pass the rule's entropy floor, its allowlist and the shared
 * placeholder test, lose to a more specific rule on the same text, and
 * learn whether an assay:ignore comment covers them.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "secrets.h"

#include <ctype.h>
#include <errno.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keywords.h"
#include "secretname.h"
#include "suppress.h"
#include "util.h"

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

_Static_assert(SECRETS_MIN_KEYWORD_LEN == KEYWORDS_MIN_LEN, "one minimum keyword length");

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

struct secrets_engine {
	/* The rules and keyword search, shared read-only by clones: matching
	 * with a compiled PCRE2 pattern (JIT included) is thread-safe. */
	const struct secrets_engine *shared_from; /* the engine that owns them, or NULL */
	struct compiled_rule *rules;
	size_t n_rules;
	char **keywords; /* distinct, lower case */
	size_t n_keywords;
	struct keywords *keyword_search;
	pcre2_match_data *md;
	bool *present; /* per keyword, for the buffer being scanned */
	struct keyword_lines lines; /* where each keyword occurs in it */
	size_t *windows; /* scratch: a rule's line starts, merged */
	size_t cap_windows;
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
	/* Byte mode, not UTF: scanned content is any bytes, and PCRE2's UTF
	 * mode over invalid UTF-8 reads out of bounds. The patterns are ASCII. */
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, options, &code, &at, NULL);
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

static int compile_rule(struct secrets_engine *e, struct compiled_rule *c, const struct secret_pattern *p, char *err,
			size_t errlen)
{
	char why[300];

	c->p = p;
	if (p->file_match)
		return 0;
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
		if (strlen(p->keywords[k]) < SECRETS_MIN_KEYWORD_LEN)
			return 0; /* a keyword that short would occur nearly everywhere: no pre-filter */
	for (size_t k = 0; k < SECRETS_MAX_KEYWORDS && p->keywords[k]; k++)
		c->keywords[c->n_keywords++] = keyword_index(e, p->keywords[k]);
	return 0;
}

int secrets_check_regex(const char *regex, unsigned group, char *why, size_t whylen)
{
	pcre2_code *re = compile(regex, 0, why, whylen);
	uint32_t groups = 0;

	if (!re)
		return -EINVAL;
	pcre2_pattern_info(re, PCRE2_INFO_CAPTURECOUNT, &groups);
	pcre2_code_free(re);
	if (group > groups) {
		snprintf(why, whylen, "secret-group %u, but the regex has %u capture group%s", group, groups,
			 groups == 1 ? "" : "s");
		return -EINVAL;
	}
	return 0;
}

/* What one scan in progress needs of its own: match data, the keyword
 * marks and lines, the window list. */
static void init_scratch(struct secrets_engine *e)
{
	e->md = pcre2_match_data_create(32, NULL);
	e->present = xcalloc(e->n_keywords ? e->n_keywords : 1, sizeof(bool));
	keyword_lines_init(&e->lines, e->n_keywords);
}

int secrets_engine_new(struct secrets_engine **out, char *err, size_t errlen)
{
	return secrets_engine_new_with(out, NULL, 0, err, errlen);
}

int secrets_engine_new_with(struct secrets_engine **out, const struct secret_pattern *extra, size_t n_extra,
			    char *err, size_t errlen)
{
	struct secrets_engine *e = xcalloc(1, sizeof(*e));
	int rc = 0;

	*out = NULL;
	e->rules = xcalloc(secret_patterns_count + n_extra, sizeof(*e->rules));
	for (size_t i = 0; i < secret_patterns_count && rc == 0; i++, e->n_rules++)
		rc = compile_rule(e, &e->rules[i], &secret_patterns[i], err, errlen);
	for (size_t i = 0; i < n_extra && rc == 0; i++, e->n_rules++)
		rc = compile_rule(e, &e->rules[e->n_rules], &extra[i], err, errlen);
	if (rc == 0)
		e->keyword_search = keywords_build((const char *const *)e->keywords, e->n_keywords);
	if (rc < 0) {
		secrets_engine_free(e);
		return rc;
	}
	init_scratch(e);
	*out = e;
	return 0;
}

struct secrets_engine *secrets_engine_clone(const struct secrets_engine *e)
{
	struct secrets_engine *c = xcalloc(1, sizeof(*c));

	c->shared_from = e->shared_from ? e->shared_from : e;
	c->rules = e->rules;
	c->n_rules = e->n_rules;
	c->keywords = e->keywords;
	c->n_keywords = e->n_keywords;
	c->keyword_search = e->keyword_search;
	init_scratch(c);
	return c;
}

static void free_scratch(struct secrets_engine *e)
{
	pcre2_match_data_free(e->md);
	free(e->present);
	keyword_lines_free(&e->lines);
	free(e->windows);
}

void secrets_engine_free(struct secrets_engine *e)
{
	if (!e)
		return;
	if (e->shared_from) {
		free_scratch(e);
		free(e);
		return;
	}
	for (size_t i = 0; i < e->n_rules; i++) {
		pcre2_code_free(e->rules[i].re);
		pcre2_code_free(e->rules[i].allow);
		pcre2_code_free(e->rules[i].path_re);
	}
	for (size_t i = 0; i < e->n_keywords; i++)
		free(e->keywords[i]);
	free(e->keywords);
	free(e->rules);
	keywords_free(e->keyword_search);
	free_scratch(e);
	free(e);
}

/* Marks which keywords occur in the buffer. */
static void find_keywords(struct secrets_engine *e, const char *data, size_t len)
{
	keywords_scan_lines(e->keyword_search, data, len, e->present, &e->lines);
}

static bool rule_may_match(const struct secrets_engine *e, const struct compiled_rule *c, const char *path)
{
	if (!c->re)
		return false; /* a whole-file rule: see run_file_rules */
	if (c->path_re && (!path || pcre2_match(c->path_re, (PCRE2_SPTR)path, PCRE2_ZERO_TERMINATED, 0,
						0, e->md, NULL) < 0))
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

	if (c->allow && pcre2_match(c->allow, (PCRE2_SPTR)secret, n, 0, 0, md, NULL) >= 0)
		return true;
	if (secret_value_is_whole_reference(secret, n))
		return true;
	copy = xstrndup(secret, n);
	placeholder = secret_value_is_placeholder(copy);
	secure_free_str(copy);
	return placeholder;
}

static void append_hit(struct hit_list *l, const struct secret_hit *h)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->hits = xrealloc(l->hits, l->cap * sizeof(*l->hits));
	}
	l->hits[l->n++] = *h;
}

static void add_hit(struct hit_list *l, const struct compiled_rule *c, size_t off, size_t n, const char *data)
{
	struct secret_hit h;

	memset(&h, 0, sizeof(h));
	h.pattern = c->p;
	h.offset = off;
	h.length = n;
	sha256_hex(data + off, n, h.hash);
	append_hit(l, &h);
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

/* Matches of one rule in data[from..to); the secret must lie there too. */
static void run_rule_in(struct secrets_engine *e, const struct compiled_rule *c, const char *data, size_t from,
			size_t to, struct hit_list *l)
{
	PCRE2_SIZE start = from;

	while (start < to) {
		int rc = pcre2_match(c->re, (PCRE2_SPTR)data, to, start, 0, e->md, NULL);
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

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return (x > y) - (x < y);
}

static size_t end_of_line(const char *data, size_t len, size_t from)
{
	const char *nl = memchr(data + from, '\n', len - from);
	return nl ? (size_t)(nl - data) + 1 : len;
}

/* A single-line rule runs only over windows of two lines (the keyword's
 * and the next, for values written on the following line) around the
 * lines that hold one of its keywords; windows that touch are merged. */
static void run_rule(struct secrets_engine *e, const struct compiled_rule *c, const char *data, size_t len,
		     struct hit_list *l)
{
	size_t n = 0, from, to;

	if (c->p->multiline || c->n_keywords == 0) {
		run_rule_in(e, c, data, 0, len, l);
		return;
	}
	for (size_t k = 0; k < c->n_keywords; k++) {
		size_t w = c->keywords[k], m = e->lines.n[w];
		if (m && n + m > e->cap_windows) {
			e->cap_windows = (n + m) * 2;
			e->windows = xrealloc(e->windows, e->cap_windows * sizeof(size_t));
		}
		if (m)
			memcpy(e->windows + n, e->lines.starts[w], m * sizeof(size_t));
		n += m;
	}
	if (c->n_keywords > 1 && n > 1)
		qsort(e->windows, n, sizeof(size_t), cmp_size);
	for (size_t i = 0; i < n;) {
		from = e->windows[i];
		to = end_of_line(data, len, end_of_line(data, len, from));
		while (++i < n && e->windows[i] <= to)
			to = end_of_line(data, len, end_of_line(data, len, e->windows[i]));
		run_rule_in(e, c, data, from, to, l);
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

	if (l->n == 0)
		return; /* qsort wants a non-null base even for no elements */
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

static void check_ignore(const char *data, size_t len, size_t line_start, struct secret_hit *h)
{
	h->ignored = suppress_at_offset(data, len, line_start, h->pattern->rule.id, &h->ignore_reason);
}

#define PRINTABLE_RUN_MIN 8

/* Runs of at least PRINTABLE_RUN_MIN printable bytes, one per line. */
static char *printable_runs(const char *data, size_t len, size_t *out_len)
{
	char *out = xmalloc(len + 1);
	size_t n = 0, run_start = 0;

	for (size_t i = 0; i <= len; i++) {
		unsigned char c = i < len ? (unsigned char)data[i] : 0;
		if ((c >= 0x20 && c < 0x7f) || c == '\t')
			continue;
		if (i - run_start >= PRINTABLE_RUN_MIN) {
			memcpy(out + n, data + run_start, i - run_start);
			n += i - run_start;
			out[n++] = '\n';
		}
		run_start = i + 1;
	}
	*out_len = n;
	return out;
}

static void run_file_rules(struct secrets_engine *e, const char *path, const char *data, size_t len,
			   struct hit_list *l)
{
	for (size_t i = 0; i < e->n_rules; i++) {
		const struct compiled_rule *c = &e->rules[i];
		if (c->p->file_match && c->p->file_match(path, data, len))
			add_hit(l, c, 0, len, data);
	}
}

static void run_text_rules(struct secrets_engine *e, const char *path, const char *text, size_t len,
			   struct hit_list *l)
{
	find_keywords(e, text, len);
	for (size_t i = 0; i < e->n_rules; i++)
		if (rule_may_match(e, &e->rules[i], path))
			run_rule(e, &e->rules[i], text, len, l);
}

static void deliver_hits(struct hit_list *l, const char *text, size_t len, bool binary, int n_file_hits,
			 secret_hit_cb cb, void *ctx)
{
	struct locator loc = {.data = text, .line = 1};

	for (size_t i = 0; i < l->n; i++) {
		struct secret_hit *h = &l->hits[i];
		if ((int)i < n_file_hits) {
			h->in_binary = true;
			h->redacted = xstrdup("(whole file)");
		} else {
			if (binary) {
				h->in_binary = true;
			} else {
				locate(&loc, h);
				check_ignore(text, len, loc.line_start, h);
			}
			h->redacted = redact_secret(text + h->offset, h->length);
		}
		cb(h, ctx);
		free(h->redacted);
		free(h->ignore_reason);
	}
}

int secrets_find(struct secrets_engine *e, const char *path, const char *data, size_t len, secret_hit_cb cb,
		 void *ctx)
{
	struct hit_list files = {0}, l = {0};
	const char *text = data;
	char *runs = NULL;
	size_t text_len = len;
	bool binary;
	int count;

	if (len > SECRETS_MAX_BYTES)
		len = text_len = SECRETS_MAX_BYTES;
	if (len == 0)
		return 0;
	run_file_rules(e, path, data, len, &files);
	binary = looks_binary(data, len);
	if (binary) {
		runs = printable_runs(data, len, &text_len);
		text = runs;
	}
	run_text_rules(e, path, text, text_len, &l);
	resolve_overlaps(&l);
	/* whole-file hits first; they are not positions in the text */
	for (size_t i = 0; i < l.n; i++)
		append_hit(&files, &l.hits[i]);
	count = (int)files.n;
	deliver_hits(&files, text, text_len, binary, count - (int)l.n, cb, ctx);
	free(files.hits);
	free(l.hits);
	if (runs) {
		secure_zero(runs, text_len);
		free(runs);
	}
	return count;
}
