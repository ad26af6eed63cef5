/*
 * A string-keyed hash map (open addressing, linear probing). History
 * scanning keeps two: the blobs already read and the secrets already seen,
 * both of which can hold hundreds of thousands of entries.
 */
#ifndef ASSAY_HASHMAP_H
#define ASSAY_HASHMAP_H

#include <stdbool.h>
#include <stddef.h>

struct hashmap {
	char **keys;
	void **values;
	size_t cap, count;
};

void hashmap_init(struct hashmap *m);
/* The value stored under key, or NULL. */
void *hashmap_get(const struct hashmap *m, const char *key);
/* Stores value under key (copied), replacing any earlier value, which is
 * returned (NULL when the key was new). */
void *hashmap_put(struct hashmap *m, const char *key, void *value);
bool hashmap_contains(const struct hashmap *m, const char *key);
/* Calls fn for every entry, in no particular order. */
void hashmap_each(const struct hashmap *m, void (*fn)(const char *key, void *value, void *ctx), void *ctx);
/* Frees the keys; free_value (may be NULL) releases each value. */
void hashmap_free(struct hashmap *m, void (*free_value)(void *value));

#endif
