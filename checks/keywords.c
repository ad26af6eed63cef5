/*
 * Aho-Corasick over lower-cased bytes (see keywords.h). The goto and
 * failure functions are folded into one full transition table, so the scan
 * is a single array lookup per byte; a state's outputs are the word ending
 * there plus those reached through its dictionary-suffix link.
 */
#include "keywords.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define NO_WORD UINT32_MAX
#define NO_STATE UINT32_MAX

struct keywords {
	uint32_t *next;   /* next[state * 256 + byte] */
	uint32_t *word;   /* the word ending at a state, or NO_WORD */
	uint32_t *dict;   /* nearest proper suffix state with a word, or NO_STATE */
	uint32_t n_states;
	size_t n_words;
};

static uint32_t add_state(struct keywords *k, size_t *cap)
{
	if (k->n_states == *cap) {
		*cap *= 2;
		k->next = xrealloc(k->next, *cap * 256 * sizeof(uint32_t));
		k->word = xrealloc(k->word, *cap * sizeof(uint32_t));
		k->dict = xrealloc(k->dict, *cap * sizeof(uint32_t));
	}
	memset(k->next + (size_t)k->n_states * 256, 0xff, 256 * sizeof(uint32_t));
	k->word[k->n_states] = NO_WORD;
	k->dict[k->n_states] = NO_STATE;
	return k->n_states++;
}

static void build_trie(struct keywords *k, const char *const *words, size_t n, size_t *cap)
{
	for (size_t w = 0; w < n; w++) {
		uint32_t s = 0;
		for (const unsigned char *p = (const unsigned char *)words[w]; *p; p++) {
			uint32_t *t = &k->next[(size_t)s * 256 + tolower(*p)];
			if (*t == NO_STATE) {
				uint32_t fresh = add_state(k, cap);
				t = &k->next[(size_t)s * 256 + tolower(*p)]; /* the table may have moved */
				*t = fresh;
			}
			s = *t;
		}
		if (k->word[s] == NO_WORD)
			k->word[s] = (uint32_t)w;
	}
}

/* Breadth first: each state's failure is known before its children's, so
 * missing transitions borrow the failure state's (already complete) row. */
static void build_links(struct keywords *k)
{
	uint32_t *queue = xmalloc(k->n_states * sizeof(uint32_t));
	uint32_t *fail = xcalloc(k->n_states, sizeof(uint32_t));
	size_t head = 0, tail = 0;

	for (int c = 0; c < 256; c++) {
		uint32_t *t = &k->next[c];
		if (*t == NO_STATE) {
			*t = 0;
		} else {
			fail[*t] = 0;
			queue[tail++] = *t;
		}
	}
	while (head < tail) {
		uint32_t s = queue[head++];
		uint32_t f = fail[s];
		k->dict[s] = k->word[f] != NO_WORD ? f : k->dict[f];
		for (int c = 0; c < 256; c++) {
			uint32_t *t = &k->next[(size_t)s * 256 + c];
			if (*t == NO_STATE) {
				*t = k->next[(size_t)f * 256 + c];
			} else {
				fail[*t] = k->next[(size_t)f * 256 + c];
				queue[tail++] = *t;
			}
		}
	}
	free(queue);
	free(fail);
}

/* Upper-case letters go where their lower-case ones go. */
static void fold_case(struct keywords *k)
{
	for (uint32_t s = 0; s < k->n_states; s++)
		for (int c = 'A'; c <= 'Z'; c++)
			k->next[(size_t)s * 256 + c] = k->next[(size_t)s * 256 + c + 32];
}

struct keywords *keywords_build(const char *const *words, size_t n)
{
	struct keywords *k = xcalloc(1, sizeof(*k));
	size_t cap = 64;

	k->next = xmalloc(cap * 256 * sizeof(uint32_t));
	k->word = xmalloc(cap * sizeof(uint32_t));
	k->dict = xmalloc(cap * sizeof(uint32_t));
	k->n_words = n;
	add_state(k, &cap);
	build_trie(k, words, n, &cap);
	build_links(k);
	fold_case(k);
	return k;
}

size_t keywords_scan(const struct keywords *k, const char *data, size_t len, bool *present)
{
	const unsigned char *p = (const unsigned char *)data, *end = p + len;
	size_t found = 0;
	uint32_t s = 0;

	memset(present, 0, k->n_words * sizeof(bool));
	for (; p < end; p++) {
		s = k->next[(size_t)s * 256 + *p];
		for (uint32_t o = k->word[s] != NO_WORD ? s : k->dict[s]; o != NO_STATE; o = k->dict[o]) {
			if (!present[k->word[o]]) {
				present[k->word[o]] = true;
				if (++found == k->n_words)
					return found;
			}
		}
	}
	return found;
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

size_t keywords_scan_lines(const struct keywords *k, const char *data, size_t len, bool *present,
			   struct keyword_lines *lines)
{
	const unsigned char *p = (const unsigned char *)data;
	size_t found = 0, line_start = 0;
	uint32_t s = 0;

	memset(present, 0, k->n_words * sizeof(bool));
	memset(lines->n, 0, k->n_words * sizeof(size_t));
	for (size_t i = 0; i < len; i++) {
		if (p[i] == '\n')
			line_start = i + 1;
		s = k->next[(size_t)s * 256 + p[i]];
		for (uint32_t o = k->word[s] != NO_WORD ? s : k->dict[s]; o != NO_STATE; o = k->dict[o]) {
			uint32_t w = k->word[o];
			/* a keyword that ends a line may have started on it: the
			 * line of its first byte is wanted, and i - len + 1 is it
			 * unless the keyword holds a newline, which none does */
			note_line(lines, w, line_start);
			if (!present[w]) {
				present[w] = true;
				found++;
			}
		}
	}
	return found;
}

void keywords_free(struct keywords *k)
{
	if (!k)
		return;
	free(k->next);
	free(k->word);
	free(k->dict);
	free(k);
}
