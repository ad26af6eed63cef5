/*
 * Multi-keyword search for the secrets engine's pre-filter: one pass over
 * a buffer tells which of the rules' keywords occur in it (ASCII
 * case-insensitively) and on which lines. PCRE2 does the matching proper;
 * this only decides which rules can match, and where.
 */
#ifndef ASSAY_KEYWORDS_H
#define ASSAY_KEYWORDS_H

#include <stdbool.h>
#include <stddef.h>

struct keywords;

/* Keywords are at least this long (the search starts from byte pairs). */
#define KEYWORDS_MIN_LEN 2

/* Builds the search over `words`, each at least KEYWORDS_MIN_LEN bytes;
 * shorter ones are never found. Never fails: memory exhaustion aborts, as
 * everywhere in assay. */
struct keywords *keywords_build(const char *const *words, size_t n);
/* Sets present[i] for every word i that occurs in data; clears the rest.
 * Returns the number of distinct words found. */
size_t keywords_scan(const struct keywords *k, const char *data, size_t len, bool *present);
/* Where each word occurs, as the starts of the lines holding it (each
 * line once per word, in order): a rule's regex need only run there. */
struct keyword_lines {
	size_t **starts; /* starts[word][i] */
	size_t *n, *cap;
	size_t n_words;
};

void keyword_lines_init(struct keyword_lines *l, size_t n_words);
void keyword_lines_free(struct keyword_lines *l);
/* Like keywords_scan, and fills `lines` (reset first). */
size_t keywords_scan_lines(const struct keywords *k, const char *data, size_t len, bool *present,
			   struct keyword_lines *lines);
void keywords_free(struct keywords *k);
/* For tests: true makes every search take the portable path even where
 * the processor has AVX-512 VBMI; false goes back to the best one. */
void keywords_force_scalar(bool scalar);

#endif
