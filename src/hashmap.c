/*
 * String-keyed hash map (see hashmap.h). FNV-1a hashing; the table doubles
 * at 70% load so that probes stay short.
 */
#include "hashmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static uint64_t hash_key(const char *s)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

void hashmap_init(struct hashmap *m)
{
	m->keys = NULL;
	m->values = NULL;
	m->cap = 0;
	m->count = 0;
}

static size_t slot_of(const struct hashmap *m, const char *key)
{
	size_t i = (size_t)(hash_key(key) & (m->cap - 1));

	while (m->keys[i] && strcmp(m->keys[i], key) != 0)
		i = (i + 1) & (m->cap - 1);
	return i;
}

static void grow(struct hashmap *m)
{
	struct hashmap bigger = {0};

	bigger.cap = m->cap ? m->cap * 2 : 64;
	bigger.keys = xcalloc(bigger.cap, sizeof(char *));
	bigger.values = xcalloc(bigger.cap, sizeof(void *));
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->keys[i])
			continue;
		size_t j = slot_of(&bigger, m->keys[i]);
		bigger.keys[j] = m->keys[i];
		bigger.values[j] = m->values[i];
	}
	bigger.count = m->count;
	free(m->keys);
	free(m->values);
	*m = bigger;
}

void *hashmap_get(const struct hashmap *m, const char *key)
{
	size_t i;

	if (!m->cap)
		return NULL;
	i = slot_of(m, key);
	return m->keys[i] ? m->values[i] : NULL;
}

bool hashmap_contains(const struct hashmap *m, const char *key)
{
	return m->cap && m->keys[slot_of(m, key)] != NULL;
}

void *hashmap_put(struct hashmap *m, const char *key, void *value)
{
	size_t i;
	void *old;

	if ((m->count + 1) * 10 > m->cap * 7)
		grow(m);
	i = slot_of(m, key);
	if (!m->keys[i]) {
		m->keys[i] = xstrdup(key);
		m->values[i] = value;
		m->count++;
		return NULL;
	}
	old = m->values[i];
	m->values[i] = value;
	return old;
}

void hashmap_each(const struct hashmap *m, void (*fn)(const char *key, void *value, void *ctx), void *ctx)
{
	for (size_t i = 0; i < m->cap; i++)
		if (m->keys[i])
			fn(m->keys[i], m->values[i], ctx);
}

void hashmap_free(struct hashmap *m, void (*free_value)(void *value))
{
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->keys[i])
			continue;
		free(m->keys[i]);
		if (free_value)
			free_value(m->values[i]);
	}
	free(m->keys);
	free(m->values);
	hashmap_init(m);
}
