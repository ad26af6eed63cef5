/*
 * The image file tree (see image_tree.h): nodes in one array, found by an
 * open-addressing hash of their full path, linked parent to children so
 * that a whiteout can mark a whole subtree. Layers are stored 1-based so
 * that 0 means "none".
 */
#include "image_tree.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define NONE UINT32_MAX

struct tnode {
	char *path;
	uint32_t parent, first_child, next_sibling;
	uint32_t layer;      /* 1-based layer that last wrote it; 0: only implied by a child */
	uint32_t deleted_by; /* 1-based layer whose whiteout deleted it; 0: not deleted */
	bool is_dir;
};

struct image_tree {
	struct tnode *nodes;
	size_t n, cap;
	uint32_t *table; /* node index + 1; 0 is empty */
	size_t table_cap;
};

static uint64_t hash_path(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h;
}

static void table_insert(struct image_tree *t, uint32_t idx)
{
	const char *p = t->nodes[idx].path;
	size_t mask = t->table_cap - 1, i = hash_path(p, strlen(p)) & mask;

	while (t->table[i])
		i = (i + 1) & mask;
	t->table[i] = idx + 1;
}

static void table_grow(struct image_tree *t)
{
	free(t->table);
	t->table_cap = t->table_cap ? t->table_cap * 2 : 1024;
	t->table = xcalloc(t->table_cap, sizeof(*t->table));
	for (size_t i = 0; i < t->n; i++)
		table_insert(t, (uint32_t)i);
}

static uint32_t find_n(const struct image_tree *t, const char *path, size_t n)
{
	size_t mask = t->table_cap - 1, i = hash_path(path, n) & mask;

	while (t->table[i]) {
		const char *p = t->nodes[t->table[i] - 1].path;
		if (strncmp(p, path, n) == 0 && p[n] == '\0')
			return t->table[i] - 1;
		i = (i + 1) & mask;
	}
	return NONE;
}

static uint32_t add_node(struct image_tree *t, const char *path, size_t n, uint32_t parent)
{
	struct tnode *node;
	uint32_t idx;

	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 256;
		t->nodes = xrealloc(t->nodes, t->cap * sizeof(*t->nodes));
	}
	idx = (uint32_t)t->n++;
	node = &t->nodes[idx];
	memset(node, 0, sizeof(*node));
	node->path = xstrndup(path, n);
	node->parent = parent;
	node->first_child = NONE;
	node->next_sibling = NONE;
	node->is_dir = true;
	if (parent != NONE) {
		node->next_sibling = t->nodes[parent].first_child;
		t->nodes[parent].first_child = idx;
	}
	if (t->n * 2 > t->table_cap)
		table_grow(t);
	else
		table_insert(t, idx);
	return idx;
}

struct image_tree *image_tree_new(void)
{
	struct image_tree *t = xcalloc(1, sizeof(*t));

	table_grow(t);
	add_node(t, "", 0, NONE); /* the root */
	return t;
}

void image_tree_free(struct image_tree *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		free(t->nodes[i].path);
	free(t->nodes);
	free(t->table);
	free(t);
}

size_t image_tree_size(const struct image_tree *t)
{
	return t->n;
}

/* The node for path, created with its parents as needed; parents that a
 * whiteout had deleted exist again (the layer recreates them). */
static uint32_t ensure(struct image_tree *t, const char *path)
{
	uint32_t idx = find_n(t, path, strlen(path)), parent;
	const char *slash;

	if (idx != NONE)
		return idx;
	slash = strrchr(path, '/');
	if (slash) {
		char *dir = xstrndup(path, (size_t)(slash - path));
		parent = ensure(t, dir);
		free(dir);
	} else {
		parent = 0;
	}
	return add_node(t, path, strlen(path), parent);
}

static void undelete_parents(struct image_tree *t, uint32_t idx)
{
	for (uint32_t p = t->nodes[idx].parent; p != NONE; p = t->nodes[p].parent)
		t->nodes[p].deleted_by = 0;
}

/* Marks what lies below idx (and idx itself when `self`) as deleted by
 * layer L, if a lower layer wrote it. */
static void delete_below(struct image_tree *t, uint32_t idx, uint32_t layer, bool self)
{
	uint32_t *stack = NULL;
	size_t n = 0, cap = 0;

	if (self && t->nodes[idx].layer < layer)
		t->nodes[idx].deleted_by = layer;
	for (uint32_t c = t->nodes[idx].first_child; c != NONE; c = t->nodes[c].next_sibling) {
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			stack = xrealloc(stack, cap * sizeof(*stack));
		}
		stack[n++] = c;
	}
	while (n) {
		uint32_t c = stack[--n];
		if (t->nodes[c].layer < layer && !t->nodes[c].deleted_by)
			t->nodes[c].deleted_by = layer;
		for (uint32_t k = t->nodes[c].first_child; k != NONE; k = t->nodes[k].next_sibling) {
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				stack = xrealloc(stack, cap * sizeof(*stack));
			}
			stack[n++] = k;
		}
	}
	free(stack);
}

void image_tree_put(struct image_tree *t, const char *path, size_t layer, bool is_dir)
{
	uint32_t idx = ensure(t, path);
	struct tnode *node = &t->nodes[idx];
	uint32_t l = (uint32_t)layer + 1;

	/* A file where a directory was hides everything below it. */
	if (node->is_dir && !is_dir && node->first_child != NONE)
		delete_below(t, idx, l, false);
	node = &t->nodes[idx];
	node->layer = l;
	node->deleted_by = 0;
	node->is_dir = is_dir;
	undelete_parents(t, idx);
}

void image_tree_whiteout(struct image_tree *t, const char *path, size_t layer)
{
	uint32_t idx = find_n(t, path, strlen(path));

	if (idx != NONE && idx != 0)
		delete_below(t, idx, (uint32_t)layer + 1, true);
}

void image_tree_opaque(struct image_tree *t, const char *dir, size_t layer)
{
	uint32_t idx = find_n(t, dir, strlen(dir));

	if (idx != NONE)
		delete_below(t, idx, (uint32_t)layer + 1, false);
}

enum image_file_state image_tree_state(void *tree, const char *path, size_t layer, size_t *by_layer)
{
	struct image_tree *t = tree;
	uint32_t idx = find_n(t, path, strlen(path));
	uint32_t l = (uint32_t)layer + 1;

	*by_layer = layer;
	if (idx == NONE)
		return IMAGE_FILE_DELETED;
	if (t->nodes[idx].deleted_by) {
		*by_layer = t->nodes[idx].deleted_by - 1;
		return IMAGE_FILE_DELETED;
	}
	if (t->nodes[idx].layer > l) {
		*by_layer = t->nodes[idx].layer - 1;
		return IMAGE_FILE_REPLACED;
	}
	return IMAGE_FILE_PRESENT;
}
