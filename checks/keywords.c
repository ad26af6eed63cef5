/*
 * Multi-keyword search for the secrets engine's pre-filter (see
 * keywords.h). A search runs in three stages, each cheaper per position
 * and each passing fewer positions to the next:
 *
 *  1. Where a keyword may start. With AVX-512 VBMI, 64 positions at a
 *     time: for each of the first four bytes, a 128-entry table gives the
 *     groups of keywords ("buckets") that allow that byte there, and a
 *     position passes when some bucket allows all four (about 2% of
 *     source code passes). Elsewhere, byte by byte: the first two bytes
 *     must begin some keyword, in either case (a 64 Kibit table; about 6%
 *     pass).
 *  2. A hash of the first two, three and four bytes (case-folded) must be
 *     that of some keyword's start (a 64 Kibit table; about 0.5% pass).
 *  3. The keywords that start with that pair are compared byte by byte.
 *
 * A byte-at-a-time automaton (Aho-Corasick) was the first version: every
 * byte waited for the previous one's table lookup, and history scans spent
 * a third of their time in it.
 */
#include "keywords.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define PAIRS 65536
#define NO_BUCKET 0
#define GRAM_BITS 16
#define VEC_POSITIONS 4 /* bytes of a keyword's start that stage 1 looks at */
#define VEC_BUCKETS 8
#define VEC_WIDTH 64

struct keywords {
	uint64_t pair_bits[PAIRS / 64];               /* stage 1 (scalar): raw b0 | b1 << 8 */
	uint64_t gram_bits[(1u << GRAM_BITS) / 64];   /* stage 2 */
	uint8_t vec_table[VEC_POSITIONS][128];        /* stage 1 (vector): byte -> buckets allowing it */
	uint8_t vec_any[VEC_POSITIONS];               /* buckets that allow any byte at that position */
	bool vector;                                  /* stage 1 runs on AVX-512 VBMI */
	uint16_t *bucket_of;                          /* stage 3: folded pair -> words, + 1 */
	uint32_t *bucket_start;
	uint32_t *words_by_bucket;
	char **words;                                 /* lower case */
	size_t *lengths;
	size_t n_words;
};

static unsigned char fold(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* The upper case of a lower-case letter; anything else as it is. */
static unsigned char unfold(unsigned char c)
{
	return c >= 'a' && c <= 'z' ? (unsigned char)(c - 32) : c;
}

static uint16_t folded_pair(const unsigned char *p)
{
	return (uint16_t)(fold(p[0]) | fold(p[1]) << 8);
}

/* ---- stage 2: hashes of a start's first 2, 3 and 4 bytes ---- */

/* Bytes | 0x20 fold letters as fold() does (and alias a few others, which
 * only lets a few more positions through to stage 3). */
static uint32_t loose_fold4(const unsigned char *p)
{
	/* byte i in bits 8i..8i+7 whatever the byte order (one load on x86) */
	uint32_t x = p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;

	return x | 0x20202020u;
}

static uint32_t gram_hash(uint32_t x, unsigned n)
{
	static const uint32_t mult[5] = {0, 0, 0x27d4eb2fu, 0x85ebca77u, 0x9e3779b1u};
	uint32_t masked = n == 4 ? x : x & ((1u << (8 * n)) - 1);

	return (masked * mult[n]) >> (32 - GRAM_BITS);
}

static unsigned gram_bit(const struct keywords *k, uint32_t h)
{
	return (unsigned)(k->gram_bits[h / 64] >> (h % 64)) & 1;
}

static void mark_gram(struct keywords *k, const char *word, size_t len)
{
	unsigned char start[4] = {0};
	unsigned n = len < 4 ? (unsigned)len : 4;
	uint32_t h;

	for (unsigned i = 0; i < n; i++)
		start[i] = (unsigned char)word[i];
	h = gram_hash(loose_fold4(start), n);
	k->gram_bits[h / 64] |= (uint64_t)1 << (h % 64);
}

/* Needs 4 readable bytes at p. */
static bool gram_may_start(const struct keywords *k, const unsigned char *p)
{
	uint32_t x = loose_fold4(p);

	/* three tests, no branch between them */
	return (gram_bit(k, gram_hash(x, 4)) | gram_bit(k, gram_hash(x, 3)) | gram_bit(k, gram_hash(x, 2))) != 0;
}

/* ---- stage 1, scalar: the first pair in either case ---- */

static void mark_pair(struct keywords *k, unsigned char a, unsigned char b)
{
	unsigned char as[2] = {a, unfold(a)}, bs[2] = {b, unfold(b)};

	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 2; j++) {
			unsigned pair = as[i] | (unsigned)bs[j] << 8;
			k->pair_bits[pair / 64] |= (uint64_t)1 << (pair % 64);
		}
}

static bool pair_may_start(const struct keywords *k, const unsigned char *p)
{
	unsigned pair = p[0] | (unsigned)p[1] << 8;

	return (k->pair_bits[pair / 64] >> (pair % 64)) & 1;
}

/* ---- stage 1, vector: buckets of keywords by their first four bytes ---- */

struct byte_set {
	uint64_t bits[2]; /* ASCII only: a position with a byte >= 128 allows anything */
};

static void set_add_folded(struct byte_set *s, unsigned char c)
{
	unsigned char both[2] = {c, unfold(c)};

	for (int i = 0; i < 2; i++)
		s->bits[both[i] / 64] |= (uint64_t)1 << (both[i] % 64);
}

static unsigned set_size(const struct byte_set *s)
{
	return (unsigned)(__builtin_popcountll(s->bits[0]) + __builtin_popcountll(s->bits[1]));
}

/* The bytes a bucket allows at each position; `any` marks positions past a
 * short keyword's end, or holding a byte beyond ASCII. */
struct bucket_shape {
	struct byte_set at[VEC_POSITIONS];
	bool any[VEC_POSITIONS];
	bool used;
};

static void shape_add(struct bucket_shape *b, const char *word, size_t len)
{
	b->used = true;
	for (size_t j = 0; j < VEC_POSITIONS; j++) {
		if (j >= len || (unsigned char)word[j] >= 128)
			b->any[j] = true;
		else
			set_add_folded(&b->at[j], (unsigned char)word[j]);
	}
}

/* How many 4-byte starts a bucket lets through: what a bucket costs in
 * false candidates. */
static double shape_cost(const struct bucket_shape *b)
{
	double c = 1;

	if (!b->used)
		return 0;
	for (size_t j = 0; j < VEC_POSITIONS; j++)
		c *= b->any[j] ? 256 : set_size(&b->at[j]);
	return c;
}

/* Keywords go, one by one, to the bucket whose cost grows least;
 * keywords of two or three bytes get buckets of their own, so that their
 * "anything goes" positions do not open up the longer ones'. */
static void build_vector_tables(struct keywords *k)
{
	struct bucket_shape shapes[VEC_BUCKETS] = {0};

	for (size_t w = 0; w < k->n_words; w++) {
		size_t len = k->lengths[w];
		size_t lo = len == 2 ? 0 : len == 3 ? 1 : 2, hi = len == 2 ? 1 : len == 3 ? 2 : VEC_BUCKETS;
		size_t best = lo;
		double best_growth = 0;

		if (len < KEYWORDS_MIN_LEN)
			continue;
		for (size_t b = lo; b < hi; b++) {
			struct bucket_shape trial = shapes[b];
			shape_add(&trial, k->words[w], len);
			double growth = shape_cost(&trial) - shape_cost(&shapes[b]);
			if (b == lo || growth < best_growth) {
				best = b;
				best_growth = growth;
			}
		}
		shape_add(&shapes[best], k->words[w], len);
	}
	for (size_t b = 0; b < VEC_BUCKETS; b++)
		for (size_t j = 0; j < VEC_POSITIONS; j++)
			for (unsigned c = 0; c < 128; c++)
				if (shapes[b].any[j] || ((shapes[b].at[j].bits[c / 64] >> (c % 64)) & 1))
					k->vec_table[j][c] |= (uint8_t)(1u << b);
	for (size_t b = 0; b < VEC_BUCKETS; b++)
		for (size_t j = 0; j < VEC_POSITIONS; j++)
			if (shapes[b].any[j])
				k->vec_any[j] |= (uint8_t)(1u << b);
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#include <immintrin.h>

static bool cpu_has_vbmi(void)
{
	unsigned a, b, c, d;

	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
		return false;
	/* AVX512F (b16), AVX512BW (b30), AVX512VBMI (c1), and the OS saving
	 * the ZMM and mask registers (XCR0 bits 1, 2, 5, 6, 7) */
	if (!(b & (1u << 16)) || !(b & (1u << 30)) || !(c & (1u << 1)))
		return false;
	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 27))) /* OSXSAVE */
		return false;
	uint32_t lo, hi;
	__asm__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (lo & 0xe6) == 0xe6;
}

/* Positions i in [0, 64) of p where every one of the first four bytes is
 * allowed by some one bucket. Reads p[0 .. 67). */
__attribute__((target("avx512f,avx512bw,avx512vbmi"))) static uint64_t
vector_candidates(const struct keywords *k, const unsigned char *p)
{
	__m512i m = _mm512_set1_epi8(-1);

	for (int j = 0; j < VEC_POSITIONS; j++) {
		__m512i v = _mm512_loadu_si512((const void *)(p + j));
		__m512i lo = _mm512_loadu_si512((const void *)k->vec_table[j]);
		__m512i hi = _mm512_loadu_si512((const void *)(k->vec_table[j] + 64));
		/* vpermi2b looks at 7 bits: bytes >= 128 take the "any" buckets */
		__m512i r = _mm512_permutex2var_epi8(lo, v, hi);
		r = _mm512_mask_blend_epi8(_mm512_movepi8_mask(v), r, _mm512_set1_epi8((char)k->vec_any[j]));
		m = _mm512_and_si512(m, r);
	}
	return _mm512_test_epi8_mask(m, m);
}
#else
static bool cpu_has_vbmi(void)
{
	return false;
}

static uint64_t vector_candidates(const struct keywords *k, const unsigned char *p)
{
	(void)k;
	(void)p;
	return 0;
}
#endif

static bool force_scalar;

void keywords_force_scalar(bool scalar)
{
	force_scalar = scalar;
}

/* ---- stage 3: the words that start with a pair ---- */

/* Groups the words by their folded first pair (a counting sort). */
static void build_buckets(struct keywords *k)
{
	uint32_t n_buckets = 0, *fill;

	k->bucket_of = xcalloc(PAIRS, sizeof(*k->bucket_of));
	for (size_t w = 0; w < k->n_words; w++) {
		if (k->lengths[w] < KEYWORDS_MIN_LEN)
			continue;
		uint16_t fp = folded_pair((const unsigned char *)k->words[w]);
		if (k->bucket_of[fp] == NO_BUCKET)
			k->bucket_of[fp] = (uint16_t)++n_buckets;
	}
	k->bucket_start = xcalloc(n_buckets + 1, sizeof(uint32_t));
	for (size_t w = 0; w < k->n_words; w++)
		if (k->lengths[w] >= KEYWORDS_MIN_LEN)
			k->bucket_start[k->bucket_of[folded_pair((const unsigned char *)k->words[w])]]++;
	for (uint32_t b = 1; b <= n_buckets; b++) /* counts -> ends; bucket b spans [start[b-1], start[b]) */
		k->bucket_start[b] += k->bucket_start[b - 1];
	fill = xcalloc(n_buckets + 1, sizeof(uint32_t));
	k->words_by_bucket = xcalloc(k->n_words ? k->n_words : 1, sizeof(uint32_t));
	for (size_t w = 0; w < k->n_words; w++) {
		if (k->lengths[w] < KEYWORDS_MIN_LEN)
			continue;
		uint32_t b = k->bucket_of[folded_pair((const unsigned char *)k->words[w])] - 1;
		k->words_by_bucket[k->bucket_start[b] + fill[b]++] = (uint32_t)w;
	}
	free(fill);
}

static bool word_at(const struct keywords *k, uint32_t w, const unsigned char *p, size_t avail)
{
	const char *word = k->words[w];
	size_t n = k->lengths[w];

	if (n > avail)
		return false;
	for (size_t i = 2; i < n; i++) /* the pair already matched */
		if (fold(p[i]) != (unsigned char)word[i])
			return false;
	return true;
}

struct keywords *keywords_build(const char *const *words, size_t n)
{
	struct keywords *k = xcalloc(1, sizeof(*k));

	k->words = xcalloc(n ? n : 1, sizeof(char *));
	k->lengths = xcalloc(n ? n : 1, sizeof(size_t));
	for (size_t w = 0; w < n; w++) {
		k->words[w] = xstrdup(words[w]);
		k->lengths[w] = strlen(words[w]);
		for (size_t i = 0; i < k->lengths[w]; i++)
			k->words[w][i] = (char)fold((unsigned char)k->words[w][i]);
		if (k->lengths[w] >= KEYWORDS_MIN_LEN) {
			mark_pair(k, (unsigned char)k->words[w][0], (unsigned char)k->words[w][1]);
			mark_gram(k, k->words[w], k->lengths[w]);
		}
	}
	k->n_words = n;
	build_buckets(k);
	build_vector_tables(k);
	k->vector = cpu_has_vbmi();
	return k;
}

/* ---- the search ---- */

typedef void (*found_fn)(uint32_t w, size_t pos, void *ctx);

/* Stages 2 and 3 at a position that passed stage 1. */
static void check_position(const struct keywords *k, const unsigned char *p, size_t i, size_t len, found_fn found,
			   void *ctx)
{
	if (len - i >= 4 && !gram_may_start(k, p + i))
		return;
	uint16_t b = k->bucket_of[folded_pair(p + i)];
	if (b == NO_BUCKET)
		return; /* another case mix of a keyword pair, e.g. "aK" */
	for (uint32_t j = k->bucket_start[b - 1]; j < k->bucket_start[b]; j++) {
		uint32_t w = k->words_by_bucket[j];
		if (word_at(k, w, p + i, len - i))
			found(w, i, ctx);
	}
}

/* Calls found(w, pos, ctx) for every occurrence of every word, in order of
 * position (words starting at the same position in bucket order). */
static void search(const struct keywords *k, const unsigned char *p, size_t len, found_fn found, void *ctx)
{
	size_t i = 0;

	if (k->vector && !force_scalar)
		for (; len >= VEC_WIDTH + VEC_POSITIONS && i <= len - (VEC_WIDTH + VEC_POSITIONS); i += VEC_WIDTH)
			for (uint64_t m = vector_candidates(k, p + i); m; m &= m - 1)
				check_position(k, p, i + (size_t)__builtin_ctzll(m), len, found, ctx);
	for (; i + 1 < len; i++)
		if (pair_may_start(k, p + i))
			check_position(k, p, i, len, found, ctx);
}

struct presence {
	bool *present;
	size_t found;
};

static void note_presence(uint32_t w, size_t pos, void *ctx)
{
	struct presence *pr = ctx;

	(void)pos;
	if (!pr->present[w]) {
		pr->present[w] = true;
		pr->found++;
	}
}

size_t keywords_scan(const struct keywords *k, const char *data, size_t len, bool *present)
{
	struct presence pr = {present, 0};

	memset(present, 0, k->n_words * sizeof(bool));
	search(k, (const unsigned char *)data, len, note_presence, &pr);
	return pr.found;
}

void keyword_lines_init(struct keyword_lines *l, size_t n_words)
{
	l->n_words = n_words;
	l->starts = xcalloc(n_words ? n_words : 1, sizeof(size_t *));
	l->n = xcalloc(n_words ? n_words : 1, sizeof(size_t));
	l->cap = xcalloc(n_words ? n_words : 1, sizeof(size_t));
}

void keyword_lines_free(struct keyword_lines *l)
{
	for (size_t i = 0; i < l->n_words; i++)
		free(l->starts[i]);
	free(l->starts);
	free(l->n);
	free(l->cap);
}

static void note_line(struct keyword_lines *l, uint32_t word, size_t line_start)
{
	if (l->n[word] && l->starts[word][l->n[word] - 1] == line_start)
		return;
	if (l->n[word] == l->cap[word]) {
		l->cap[word] = l->cap[word] ? l->cap[word] * 2 : 16;
		l->starts[word] = xrealloc(l->starts[word], l->cap[word] * sizeof(size_t));
	}
	l->starts[word][l->n[word]++] = line_start;
}

/* The line start of each hit, found lazily: the newlines between the
 * previous hit and this one are searched once (memrchr), never the bytes
 * after the last hit. */
struct line_finder {
	struct presence pr;
	struct keyword_lines *lines;
	const char *data;
	size_t searched_to, line_start;
};

static void note_line_of_hit(uint32_t w, size_t pos, void *ctx)
{
	struct line_finder *lf = ctx;

	if (pos > lf->searched_to) {
		const char *nl = memrchr(lf->data + lf->searched_to, '\n', pos - lf->searched_to);
		if (nl)
			lf->line_start = (size_t)(nl - lf->data) + 1;
		lf->searched_to = pos;
	}
	note_line(lf->lines, w, lf->line_start);
	note_presence(w, pos, &lf->pr);
}

size_t keywords_scan_lines(const struct keywords *k, const char *data, size_t len, bool *present,
			   struct keyword_lines *lines)
{
	struct line_finder lf = {.pr = {present, 0}, .lines = lines, .data = data};

	memset(present, 0, k->n_words * sizeof(bool));
	memset(lines->n, 0, k->n_words * sizeof(size_t));
	search(k, (const unsigned char *)data, len, note_line_of_hit, &lf);
	return lf.pr.found;
}

void keywords_free(struct keywords *k)
{
	if (!k)
		return;
	for (size_t w = 0; w < k->n_words; w++)
		free(k->words[w]);
	free(k->words);
	free(k->lengths);
	free(k->bucket_of);
	free(k->bucket_start);
	free(k->words_by_bucket);
	free(k);
}
