/*
 * The YAML document model over libyaml's event parser (see yaml.h). One
 * document is built at a time into an arena that is reset before the next
 * one, so memory follows the largest document, not the stream. Collections
 * are built on an explicit stack (no recursion on untrusted nesting), their
 * children gathered in one scratch vector and copied into the arena when
 * the collection closes.
 *
 * libyaml's header is named yaml.h like this module's, and src/ comes first
 * on the include path; the Makefile passes its full path as
 * ASSAY_LIBYAML_HEADER so that this file, and only this file, includes it.
 */
#include "yaml.h"

#include ASSAY_LIBYAML_HEADER

#include <errno.h>
#include <limits.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define ARENA_CHUNK (64 * 1024)
#define MERGE_TAG "tag:yaml.org,2002:merge"
#define BOOL_TAG "tag:yaml.org,2002:bool"
#define STR_TAG "tag:yaml.org,2002:str"

/* ---- arena: every node and string of one document ------------------- */

struct arena_chunk {
	struct arena_chunk *next;
	size_t used, cap;
	alignas(max_align_t) char data[];
};

struct arena {
	struct arena_chunk *head;
	size_t chunk; /* the ordinary chunk size; 0: ARENA_CHUNK */
	size_t bytes; /* in all chunks */
};

static void *arena_alloc(struct arena *a, size_t n)
{
	struct arena_chunk *c = a->head;
	size_t align = alignof(max_align_t);

	n = (n + align - 1) & ~(align - 1);
	if (!c || c->cap - c->used < n) {
		size_t chunk = a->chunk ? a->chunk : ARENA_CHUNK;
		size_t cap = n > chunk ? n : chunk;
		c = xmalloc(sizeof(*c) + cap);
		a->bytes += cap;
		c->cap = cap;
		c->used = 0;
		c->next = a->head;
		a->head = c;
	}
	c->used += n;
	return c->data + c->used - n;
}

static char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* Frees every chunk but one of the ordinary size, which the next document
 * reuses: memory stays flat over a stream of small documents. */
static void arena_reset(struct arena *a)
{
	struct arena_chunk *keep = NULL, *c = a->head, *next;
	size_t chunk = a->chunk ? a->chunk : ARENA_CHUNK;

	a->bytes = 0;
	for (; c; c = next) {
		next = c->next;
		if (!keep && c->cap == chunk) {
			keep = c;
			keep->used = 0;
			keep->next = NULL;
			a->bytes = chunk;
		} else {
			free(c);
		}
	}
	a->head = keep;
}

static void arena_free(struct arena *a)
{
	arena_reset(a);
	free(a->head);
	a->head = NULL;
	a->bytes = 0;
}

/* ---- the reader ------------------------------------------------------ */

struct anchor {
	const char *name; /* NULL: empty slot */
	const struct yaml_node *node;
};

/* An open collection: its node and where its children start in scratch. */
struct frame {
	struct yaml_node *node;
	size_t first;
	const char *anchor;
};

struct yaml_reader {
	yaml_parser_t parser;
	bool parser_live; /* until yaml_stream_parse is done with it */
	const char *data;
	size_t len;
	bool done;
	struct arena arena;
	struct yaml_doc doc;
	unsigned n_docs;
	/* the document being built */
	struct frame *stack;
	size_t depth, stack_cap;
	const struct yaml_node **scratch;
	size_t n_scratch, scratch_cap;
	const struct yaml_node *root;
	size_t nodes, expanded;
	struct anchor *anchors;
	size_t n_anchors, anchors_cap; /* cap is a power of two, or 0 */
	/* key sets for duplicate and merge handling: slot -> pair index + 1 */
	size_t *keyset;
	size_t keyset_cap;
	/* finish_mapping's pairs before duplicates are dropped, and which are:
	 * kept from one mapping to the next (two allocations per mapping were
	 * a tenth of building a manifest's model) */
	struct yaml_pair *pair_tmp;
	bool *pair_dropped;
	size_t pair_cap;
	/* yaml_stream_parse: every document is kept in the arena, which is
	 * never reset */
	bool keep_documents;
	/* the document's issues, doc.n_issues of them written: the last
	 * member, left unzeroed when a reader is made (6 KiB, for each file) */
	struct yaml_issue issues[YAML_MAX_ISSUES];
};

struct yaml_reader *yaml_reader_new(const char *data, size_t len)
{
	struct yaml_reader *r = xmalloc(sizeof(*r));

	memset(r, 0, offsetof(struct yaml_reader, issues));
	if (!yaml_parser_initialize(&r->parser)) {
		free(r);
		return NULL;
	}
	yaml_parser_set_input_string(&r->parser, (const unsigned char *)data, len);
	r->parser_live = true;
	r->data = data;
	r->len = len;
	return r;
}

static void reader_release_document(struct yaml_reader *r)
{
	if (!r->keep_documents)
		arena_reset(&r->arena);
	memset(&r->doc, 0, sizeof(r->doc));
	r->depth = 0;
	r->n_scratch = 0;
	r->root = NULL;
	r->nodes = r->expanded = 0;
	if (r->n_anchors)
		memset(r->anchors, 0, r->anchors_cap * sizeof(*r->anchors));
	r->n_anchors = 0;
}

/* Everything but the arena: the parser and the building state. */
static void reader_drop_parsing_state(struct yaml_reader *r)
{
	if (r->parser_live)
		yaml_parser_delete(&r->parser);
	r->parser_live = false;
	r->done = true;
	free(r->stack);
	free(r->scratch);
	free(r->anchors);
	free(r->keyset);
	free(r->pair_tmp);
	free(r->pair_dropped);
	r->stack = NULL;
	r->scratch = NULL;
	r->anchors = NULL;
	r->keyset = NULL;
	r->pair_tmp = NULL;
	r->pair_dropped = NULL;
	r->stack_cap = r->scratch_cap = r->anchors_cap = r->keyset_cap = r->pair_cap = 0;
	r->n_anchors = 0;
}

void yaml_reader_free(struct yaml_reader *r)
{
	if (!r)
		return;
	reader_drop_parsing_state(r);
	arena_free(&r->arena);
	free(r);
}

static int reader_fail(struct yaml_reader *r, struct yaml_error *err, enum yaml_error_kind kind, unsigned line,
		       unsigned column, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static int reader_fail(struct yaml_reader *r, struct yaml_error *err, enum yaml_error_kind kind, unsigned line,
		       unsigned column, const char *fmt, ...)
{
	va_list ap;

	err->kind = kind;
	err->line = line;
	err->column = column;
	err->document = r->n_docs;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	r->done = true;
	reader_release_document(r);
	return -EINVAL;
}

/* Line and column of a byte offset, for errors libyaml gives by offset. */
static void offset_position(const char *data, size_t len, size_t offset, unsigned *line, unsigned *column)
{
	const char *nl;
	size_t start = 0;

	*line = 1;
	if (offset > len)
		offset = len;
	while ((nl = memchr(data + start, '\n', offset - start))) {
		(*line)++;
		start = (size_t)(nl - data) + 1;
	}
	*column = (unsigned)(offset - start) + 1;
}

static int reader_syntax_error(struct yaml_reader *r, struct yaml_error *err)
{
	yaml_parser_t *p = &r->parser;
	const char *problem = p->problem ? p->problem : "unknown error";
	unsigned line, column;

	if (p->error == YAML_MEMORY_ERROR)
		return reader_fail(r, err, YAML_ERROR_LIMIT, 0, 0, "out of memory while parsing YAML");
	if (p->error == YAML_READER_ERROR) {
		offset_position(r->data, r->len, p->problem_offset, &line, &column);
		return reader_fail(r, err, YAML_ERROR_SYNTAX, line, column, "not readable as YAML text: %s", problem);
	}
	line = (unsigned)p->problem_mark.line + 1;
	column = (unsigned)p->problem_mark.column + 1;
	if (p->context)
		return reader_fail(r, err, YAML_ERROR_SYNTAX, line, column, "YAML syntax error: %s (%s at line %u)",
				   problem, p->context, (unsigned)p->context_mark.line + 1);
	return reader_fail(r, err, YAML_ERROR_SYNTAX, line, column, "YAML syntax error: %s", problem);
}

static void reader_issue(struct yaml_reader *r, unsigned line, unsigned column, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void reader_issue(struct yaml_reader *r, unsigned line, unsigned column, const char *fmt, ...)
{
	struct yaml_issue *i;
	va_list ap;

	if (r->doc.n_issues == YAML_MAX_ISSUES) {
		r->doc.issues_dropped++;
		return;
	}
	i = &r->issues[r->doc.n_issues++];
	i->line = line;
	i->column = column;
	va_start(ap, fmt);
	vsnprintf(i->message, sizeof(i->message), fmt, ap);
	va_end(ap);
}

/* ---- anchors: a small open-addressing table, reset per document ------- */

static size_t hash_bytes(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return (size_t)h;
}

static struct anchor *anchor_slot(struct anchor *table, size_t cap, const char *name)
{
	size_t i = hash_bytes(name, strlen(name)) & (cap - 1);

	while (table[i].name && strcmp(table[i].name, name) != 0)
		i = (i + 1) & (cap - 1);
	return &table[i];
}

static void anchors_grow(struct yaml_reader *r)
{
	size_t cap = r->anchors_cap ? r->anchors_cap * 2 : 16;
	struct anchor *table = xcalloc(cap, sizeof(*table));

	for (size_t i = 0; i < r->anchors_cap; i++)
		if (r->anchors[i].name)
			*anchor_slot(table, cap, r->anchors[i].name) = r->anchors[i];
	free(r->anchors);
	r->anchors = table;
	r->anchors_cap = cap;
}

/* A later anchor of the same name replaces the earlier one (YAML 1.2). */
static void anchor_define(struct yaml_reader *r, const char *name, const struct yaml_node *node)
{
	struct anchor *a;

	if (2 * (r->n_anchors + 1) > r->anchors_cap)
		anchors_grow(r);
	a = anchor_slot(r->anchors, r->anchors_cap, name);
	if (!a->name) {
		a->name = name;
		r->n_anchors++;
	}
	a->node = node;
}

static const struct yaml_node *anchor_lookup(const struct yaml_reader *r, const char *name)
{
	if (!r->anchors_cap)
		return NULL;
	return anchor_slot(r->anchors, r->anchors_cap, name)->node;
}

/* ---- building nodes --------------------------------------------------- */

static int count_node(struct yaml_reader *r, struct yaml_error *err, const yaml_mark_t *m, size_t weight)
{
	r->nodes++;
	r->expanded += weight;
	if (r->nodes > YAML_MAX_NODES)
		return reader_fail(r, err, YAML_ERROR_LIMIT, (unsigned)m->line + 1, (unsigned)m->column + 1,
				   "document has more than %d nodes (node cap); not read further", YAML_MAX_NODES);
	if (r->expanded > YAML_MAX_EXPANSION)
		return reader_fail(r, err, YAML_ERROR_LIMIT, (unsigned)m->line + 1, (unsigned)m->column + 1,
				   "aliases expand the document past %d nodes (alias expansion cap: a "
				   "billion-laughs document?); not read further",
				   YAML_MAX_EXPANSION);
	return 0;
}

static struct yaml_node *new_node(struct yaml_reader *r, enum yaml_node_kind kind, const yaml_mark_t *m,
				  const yaml_char_t *tag)
{
	struct yaml_node *n = arena_alloc(&r->arena, sizeof(*n));

	memset(n, 0, sizeof(*n));
	n->kind = kind;
	n->line = (unsigned)m->line + 1;
	n->column = (unsigned)m->column + 1;
	n->weight = 1;
	if (tag && strcmp((const char *)tag, "!") != 0)
		n->tag = arena_strndup(&r->arena, (const char *)tag, strlen((const char *)tag));
	return n;
}

/* Hands a finished node to the collection it belongs to, or makes it the
 * document's root. */
static void attach(struct yaml_reader *r, const struct yaml_node *n)
{
	if (r->depth == 0) {
		r->root = n;
		return;
	}
	if (r->n_scratch == r->scratch_cap) {
		r->scratch_cap = r->scratch_cap ? r->scratch_cap * 2 : 256;
		r->scratch = xrealloc(r->scratch, r->scratch_cap * sizeof(*r->scratch));
	}
	r->scratch[r->n_scratch++] = n;
}

static int on_scalar(struct yaml_reader *r, const yaml_event_t *ev, struct yaml_error *err)
{
	struct yaml_node *n;
	int rc = count_node(r, err, &ev->start_mark, 1);

	if (rc < 0)
		return rc;
	n = new_node(r, YAML_NODE_SCALAR, &ev->start_mark, ev->data.scalar.tag);
	n->value = arena_strndup(&r->arena, (const char *)ev->data.scalar.value, ev->data.scalar.length);
	n->len = ev->data.scalar.length;
	n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	if (ev->data.scalar.anchor)
		anchor_define(r, arena_strndup(&r->arena, (const char *)ev->data.scalar.anchor,
					       strlen((const char *)ev->data.scalar.anchor)),
			      n);
	attach(r, n);
	return 0;
}

static int on_alias(struct yaml_reader *r, const yaml_event_t *ev, struct yaml_error *err)
{
	const char *name = (const char *)ev->data.alias.anchor;
	const struct yaml_node *target = anchor_lookup(r, name);

	if (!target)
		return reader_fail(r, err, YAML_ERROR_SYNTAX, (unsigned)ev->start_mark.line + 1,
				   (unsigned)ev->start_mark.column + 1,
				   "alias *%.64s names no anchor defined before it (or one that contains the alias)",
				   name);
	r->expanded += target->weight;
	if (r->expanded > YAML_MAX_EXPANSION)
		return reader_fail(r, err, YAML_ERROR_LIMIT, (unsigned)ev->start_mark.line + 1,
				   (unsigned)ev->start_mark.column + 1,
				   "alias *%.64s expands the document past %d nodes (alias expansion cap: a "
				   "billion-laughs document?); not read further",
				   name, YAML_MAX_EXPANSION);
	attach(r, target);
	return 0;
}

static int on_collection_start(struct yaml_reader *r, const yaml_event_t *ev, struct yaml_error *err)
{
	bool mapping = ev->type == YAML_MAPPING_START_EVENT;
	const yaml_char_t *tag = mapping ? ev->data.mapping_start.tag : ev->data.sequence_start.tag;
	const yaml_char_t *anchor = mapping ? ev->data.mapping_start.anchor : ev->data.sequence_start.anchor;
	struct frame *f;
	int rc;

	if (r->depth >= YAML_MAX_DEPTH)
		return reader_fail(r, err, YAML_ERROR_LIMIT, (unsigned)ev->start_mark.line + 1,
				   (unsigned)ev->start_mark.column + 1,
				   "nesting deeper than %d levels (depth cap); not read further", YAML_MAX_DEPTH);
	rc = count_node(r, err, &ev->start_mark, 1);
	if (rc < 0)
		return rc;
	if (r->depth == r->stack_cap) {
		r->stack_cap = r->stack_cap ? r->stack_cap * 2 : 16;
		r->stack = xrealloc(r->stack, r->stack_cap * sizeof(*r->stack));
	}
	f = &r->stack[r->depth++];
	f->node = new_node(r, mapping ? YAML_NODE_MAPPING : YAML_NODE_SEQUENCE, &ev->start_mark, tag);
	f->first = r->n_scratch;
	f->anchor = anchor ? arena_strndup(&r->arena, (const char *)anchor, strlen((const char *)anchor)) : NULL;
	return 0;
}

static bool scalar_key_equal(const struct yaml_node *a, const struct yaml_node *b)
{
	return a->kind == YAML_NODE_SCALAR && b->kind == YAML_NODE_SCALAR && a->len == b->len &&
	       memcmp(a->value, b->value, a->len) == 0;
}

static bool is_merge_key(const struct yaml_node *k)
{
	if (k->kind != YAML_NODE_SCALAR || k->len != 2 || memcmp(k->value, "<<", 2) != 0)
		return false;
	return k->tag ? strcmp(k->tag, MERGE_TAG) == 0 : k->plain;
}

/* A set of scalar keys over pairs[], by open addressing on their text.
 * Slots hold a pair index + 1; 0 is empty. */
static void keyset_clear(struct yaml_reader *r, size_t n)
{
	size_t cap = 16;

	while (cap < 2 * n)
		cap *= 2;
	if (cap > r->keyset_cap) {
		free(r->keyset);
		r->keyset = xmalloc(cap * sizeof(*r->keyset));
		r->keyset_cap = cap;
	}
	memset(r->keyset, 0, r->keyset_cap * sizeof(*r->keyset));
}

/* The index of an earlier pair with the same scalar key, or SIZE_MAX after
 * adding pairs[i]. Non-scalar keys are never equal to anything. */
static size_t keyset_add(struct yaml_reader *r, const struct yaml_pair *pairs, size_t i)
{
	const struct yaml_node *k = pairs[i].key;
	size_t mask = r->keyset_cap - 1, slot;

	if (k->kind != YAML_NODE_SCALAR)
		return SIZE_MAX;
	slot = hash_bytes(k->value, k->len) & mask;
	while (r->keyset[slot]) {
		size_t j = r->keyset[slot] - 1;
		if (scalar_key_equal(pairs[j].key, k))
			return j;
		slot = (slot + 1) & mask;
	}
	r->keyset[slot] = i + 1;
	return SIZE_MAX;
}

static void keyset_replace(struct yaml_reader *r, const struct yaml_pair *pairs, size_t old, size_t i)
{
	size_t mask = r->keyset_cap - 1, slot = hash_bytes(pairs[i].key->value, pairs[i].key->len) & mask;

	while (r->keyset[slot] != old + 1)
		slot = (slot + 1) & mask;
	r->keyset[slot] = i + 1;
}

static void report_duplicate(struct yaml_reader *r, const struct yaml_node *first, const struct yaml_node *again)
{
	reader_issue(r, again->line, again->column,
		     "duplicate key '%.64s' (lines %u and %u): the last one is used, but other tools may read the "
		     "first",
		     first->value, first->line, again->line);
}

/* Collects the mappings a merge key's value names (one, or a list). */
static size_t merge_sources(struct yaml_reader *r, const struct yaml_pair *p, const struct yaml_node **out,
			    size_t max)
{
	const struct yaml_node *v = p->value;
	size_t n = 0;

	if (v->kind == YAML_NODE_MAPPING)
		out[n++] = v;
	else if (v->kind == YAML_NODE_SEQUENCE)
		for (size_t i = 0; i < v->n_items && n < max; i++)
			if (v->items[i]->kind == YAML_NODE_MAPPING)
				out[n++] = v->items[i];
	if (n == 0 || (v->kind == YAML_NODE_SEQUENCE && n != v->n_items))
		reader_issue(r, p->key->line, p->key->column,
			     "merge key << needs a mapping or a list of mappings; the rest is ignored");
	return n;
}

/* Drops earlier duplicates (reporting them) and folds merge keys in: the
 * mapping's own keys first, then each merged key it does not already have. */
static void finish_mapping(struct yaml_reader *r, struct yaml_node *map, const struct yaml_node **kids,
			   size_t n_kids)
{
	size_t n = n_kids / 2, n_merged = 0, out = 0;
	struct yaml_pair *pairs, *tmp;
	bool *dropped;
	size_t n_merge_keys = 0;

	if (n > r->pair_cap) {
		r->pair_cap = n > 2 * r->pair_cap ? n : 2 * r->pair_cap;
		r->pair_tmp = xrealloc(r->pair_tmp, r->pair_cap * sizeof(*r->pair_tmp));
		r->pair_dropped = xrealloc(r->pair_dropped, r->pair_cap * sizeof(*r->pair_dropped));
	}
	tmp = r->pair_tmp;
	dropped = r->pair_dropped;
	if (n)
		memset(dropped, 0, n * sizeof(*dropped)); /* dropped is NULL before the first pair */
	keyset_clear(r, n);
	for (size_t i = 0; i < n; i++) {
		size_t j;
		tmp[i].key = kids[2 * i];
		tmp[i].value = kids[2 * i + 1];
		if (is_merge_key(tmp[i].key)) {
			n_merge_keys++;
			dropped[i] = true;
			continue;
		}
		j = keyset_add(r, tmp, i);
		if (j != SIZE_MAX) {
			report_duplicate(r, tmp[j].key, tmp[i].key);
			dropped[j] = true;
			keyset_replace(r, tmp, j, i);
		}
	}
	for (size_t i = 0; i < n; i++) {
		const struct yaml_node *v = tmp[i].value;
		if (!is_merge_key(tmp[i].key))
			continue;
		if (v->kind == YAML_NODE_MAPPING)
			n_merged += v->n_pairs;
		for (size_t s = 0; v->kind == YAML_NODE_SEQUENCE && s < v->n_items; s++)
			n_merged += v->items[s]->n_pairs;
	}
	pairs = arena_alloc(&r->arena, (n + n_merged ? n + n_merged : 1) * sizeof(*pairs));
	for (size_t i = 0; i < n; i++)
		if (!dropped[i])
			pairs[out++] = tmp[i];
	if (n_merge_keys) {
		keyset_clear(r, out + n_merged);
		for (size_t i = 0; i < out; i++)
			keyset_add(r, pairs, i);
		for (size_t i = 0; i < n; i++) {
			const struct yaml_node *src[64];
			size_t n_src;
			if (!is_merge_key(tmp[i].key))
				continue;
			n_src = merge_sources(r, &tmp[i], src, ARRAY_LEN(src));
			for (size_t s = 0; s < n_src; s++)
				for (size_t k = 0; k < src[s]->n_pairs; k++) {
					pairs[out] = src[s]->pairs[k];
					if (keyset_add(r, pairs, out) == SIZE_MAX)
						out++;
				}
		}
	}
	map->pairs = pairs;
	map->n_pairs = out;
}

static int on_collection_end(struct yaml_reader *r)
{
	struct frame *f = &r->stack[r->depth - 1];
	struct yaml_node *n = f->node;
	size_t n_kids = r->n_scratch - f->first;
	const struct yaml_node **kids = n_kids ? r->scratch + f->first : NULL;

	for (size_t i = 0; i < n_kids; i++)
		n->weight += kids[i]->weight;
	if (n->kind == YAML_NODE_SEQUENCE) {
		const struct yaml_node **items = arena_alloc(&r->arena, (n_kids ? n_kids : 1) * sizeof(*items));
		if (n_kids)
			memcpy(items, kids, n_kids * sizeof(*items));
		n->items = items;
		n->n_items = n_kids;
	} else {
		finish_mapping(r, n, kids, n_kids);
	}
	r->n_scratch = f->first;
	if (f->anchor)
		anchor_define(r, f->anchor, n);
	r->depth--;
	attach(r, n);
	return 0;
}

static int on_event(struct yaml_reader *r, const yaml_event_t *ev, struct yaml_error *err)
{
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		return on_scalar(r, ev, err);
	case YAML_ALIAS_EVENT:
		return on_alias(r, ev, err);
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		return on_collection_start(r, ev, err);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		return on_collection_end(r);
	case YAML_DOCUMENT_START_EVENT:
		r->doc.line = (unsigned)ev->start_mark.line + 1;
		return 0;
	default:
		return 0;
	}
}

int yaml_reader_next(struct yaml_reader *r, const struct yaml_doc **doc, struct yaml_error *err)
{
	yaml_event_t ev;
	int rc = 0;

	memset(err, 0, sizeof(*err));
	*doc = NULL;
	reader_release_document(r);
	while (!r->done) {
		if (!yaml_parser_parse(&r->parser, &ev))
			return reader_syntax_error(r, err);
		if (ev.type == YAML_STREAM_END_EVENT) {
			r->done = true;
		} else if (ev.type == YAML_DOCUMENT_END_EVENT) {
			r->doc.root = r->root;
			r->doc.index = r->n_docs++;
			r->doc.issues = r->issues;
			*doc = &r->doc;
			rc = 1;
		} else {
			rc = on_event(r, &ev, err);
		}
		yaml_event_delete(&ev);
		if (rc)
			return rc;
	}
	return 0;
}

/* ---- a stream parsed ahead ------------------------------------------ */

struct yaml_stream {
	struct yaml_reader *r; /* its arena holds every document */
	struct yaml_doc *docs;
	size_t n_docs;
	bool complete;
	int rc; /* 0, or -EINVAL with err */
	struct yaml_error err;
};

/* The arena's ordinary chunk for a stream: about what a document model
 * takes per byte of text, so that many small files parsed ahead do not
 * each hold a whole ARENA_CHUNK. */
static size_t stream_chunk(size_t len)
{
	size_t want = len * 8;

	return want < 4096 ? 4096 : want > ARENA_CHUNK ? ARENA_CHUNK : want;
}

/* A document's copy for the stream, its issues moved into its arena. */
static struct yaml_doc kept_document(struct yaml_reader *r, const struct yaml_doc *doc)
{
	struct yaml_doc d = *doc;

	if (d.n_issues) {
		struct yaml_issue *copy = arena_alloc(&r->arena, d.n_issues * sizeof(*copy));
		memcpy(copy, doc->issues, d.n_issues * sizeof(*copy));
		d.issues = copy;
	}
	return d;
}

struct yaml_stream *yaml_stream_parse(const char *data, size_t len, size_t max_bytes)
{
	struct yaml_stream *st = xcalloc(1, sizeof(*st));
	const struct yaml_doc *doc;
	size_t cap = 0;
	int rc;

	st->r = yaml_reader_new(data, len);
	if (!st->r)
		return st; /* not complete: the caller reads the text itself */
	st->r->keep_documents = true;
	st->r->arena.chunk = stream_chunk(len);
	while ((rc = yaml_reader_next(st->r, &doc, &st->err)) == 1) {
		if (st->n_docs == cap) {
			cap = cap ? cap * 2 : 4;
			st->docs = xrealloc(st->docs, cap * sizeof(*st->docs));
		}
		st->docs[st->n_docs++] = kept_document(st->r, doc);
		if (st->r->arena.bytes > max_bytes)
			break; /* over the budget: not complete */
	}
	st->rc = rc < 0 ? rc : 0;
	st->complete = rc <= 0;
	reader_drop_parsing_state(st->r);
	return st;
}

bool yaml_stream_complete(const struct yaml_stream *st)
{
	return st && st->complete;
}

size_t yaml_stream_count(const struct yaml_stream *st)
{
	return st ? st->n_docs : 0;
}

const struct yaml_doc *yaml_stream_doc(const struct yaml_stream *st, size_t i)
{
	return st && i < st->n_docs ? &st->docs[i] : NULL;
}

int yaml_stream_error(const struct yaml_stream *st, struct yaml_error *err)
{
	if (!st || !st->rc)
		return 0;
	*err = st->err;
	return st->rc;
}

void yaml_stream_free(struct yaml_stream *st)
{
	if (!st)
		return;
	yaml_reader_free(st->r);
	free(st->docs);
	free(st);
}

/* ---- lookups ---------------------------------------------------------- */

bool yaml_is_scalar(const struct yaml_node *n)
{
	return n && n->kind == YAML_NODE_SCALAR;
}

bool yaml_is_sequence(const struct yaml_node *n)
{
	return n && n->kind == YAML_NODE_SEQUENCE;
}

bool yaml_is_mapping(const struct yaml_node *n)
{
	return n && n->kind == YAML_NODE_MAPPING;
}

static bool tagged_str(const struct yaml_node *n)
{
	return n->tag && strcmp(n->tag, STR_TAG) == 0;
}

bool yaml_is_null(const struct yaml_node *n)
{
	if (!n)
		return true;
	if (n->kind != YAML_NODE_SCALAR || !n->plain || tagged_str(n))
		return false;
	return n->len == 0 || (n->len == 1 && n->value[0] == '~') ||
	       (n->len == 4 && (memcmp(n->value, "null", 4) == 0 || memcmp(n->value, "Null", 4) == 0 ||
				memcmp(n->value, "NULL", 4) == 0));
}

/* The checks look keys up by the thousand for each manifest: the first
 * byte is compared before memcmp is called, and yaml.h passes a literal
 * key's length as a constant. */
const struct yaml_pair *yaml_map_find_len(const struct yaml_node *map, const char *key, size_t len)
{
	if (!yaml_is_mapping(map))
		return NULL;
	for (size_t i = 0; i < map->n_pairs; i++) {
		const struct yaml_node *k = map->pairs[i].key;
		if (k->kind == YAML_NODE_SCALAR && k->len == len && (len == 0 || k->value[0] == key[0]) &&
		    memcmp(k->value, key, len) == 0)
			return &map->pairs[i];
	}
	return NULL;
}

const struct yaml_node *yaml_map_get_path(const struct yaml_node *node, const char *path)
{
	char key[128];

	while (node && *path) {
		size_t n = strcspn(path, ".");
		if (n >= sizeof(key))
			return NULL;
		memcpy(key, path, n);
		key[n] = '\0';
		node = yaml_map_get(node, key);
		path += n + (path[n] == '.');
	}
	return node;
}

const char *yaml_scalar_str(const struct yaml_node *n)
{
	if (!yaml_is_scalar(n) || yaml_is_null(n))
		return NULL;
	return n->value;
}

const char *yaml_map_get_str(const struct yaml_node *map, const char *key)
{
	return yaml_scalar_str(yaml_map_get(map, key));
}

bool yaml_scalar_equals(const struct yaml_node *n, const char *s)
{
	return yaml_is_scalar(n) && n->len == strlen(s) && memcmp(n->value, s, n->len) == 0;
}

static bool word_in(const char *w, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(w, *list) == 0)
			return true;
	return false;
}

bool yaml_scalar_bool(const struct yaml_node *n, bool *out)
{
	static const char *const yes[] = {"true", "True", "TRUE", "yes", "Yes", "YES", "on",
					  "On",   "ON",   "y",    "Y",   NULL};
	static const char *const no[] = {"false", "False", "FALSE", "no", "No", "NO", "off",
					 "Off",   "OFF",   "n",     "N",  NULL};

	if (!yaml_is_scalar(n) || tagged_str(n) || n->len == 0 || n->len > 5) /* "False" is the longest */
		return false;
	if (!n->plain && !(n->tag && strcmp(n->tag, BOOL_TAG) == 0))
		return false;
	if (word_in(n->value, yes)) {
		*out = true;
		return true;
	}
	if (word_in(n->value, no)) {
		*out = false;
		return true;
	}
	return false;
}

bool yaml_scalar_int(const struct yaml_node *n, long long *out)
{
	const char *s;
	char *end;
	int base = 10;
	bool negative = false;
	unsigned long long v;

	if (!yaml_is_scalar(n) || !n->plain || tagged_str(n) || n->len == 0 || strlen(n->value) != n->len)
		return false;
	s = n->value;
	if (*s == '+' || *s == '-')
		negative = *s++ == '-';
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	} else if (s[0] == '0' && s[1] == 'o') {
		base = 8;
		s += 2;
	}
	if (!*s || !((*s >= '0' && *s <= '9') || (base == 16 && strchr("abcdefABCDEF", *s))))
		return false;
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno || *end || v > (unsigned long long)LLONG_MAX + negative)
		return false;
	*out = negative ? (long long)(0 - v) : (long long)v;
	return true;
}
