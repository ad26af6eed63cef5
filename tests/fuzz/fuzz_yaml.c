/*
 * libFuzzer target for the YAML document model (src/yaml.c): reads every
 * document of arbitrary bytes, walks each tree (shared subtrees included:
 * the expansion cap bounds the walk), and checks the invariants the
 * scanners rely on: positions inside the input, scalars terminated at
 * their length, mapping lookups finding each key, caps held, errors with a
 * message. The same bytes parsed whole (yaml_stream_parse) give as many
 * documents, each walked again after the others were parsed, and the same
 * end. A broken invariant aborts, which the fuzzer reports as a crash.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "yaml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_check(int ok)
{
	if (!ok)
		abort();
}

static volatile unsigned fuzz_sink;

struct walk {
	size_t lines, visited;
};

static void walk_node(struct walk *w, const struct yaml_node *n, unsigned depth)
{
	bool b;
	long long i;

	fuzz_check(n != NULL);
	fuzz_check(depth <= YAML_MAX_DEPTH + 1);
	fuzz_check(n->line >= 1 && n->line <= w->lines && n->column >= 1);
	fuzz_check(++w->visited <= YAML_MAX_EXPANSION + 1);
	switch (n->kind) {
	case YAML_NODE_SCALAR:
		fuzz_check(n->value != NULL && n->value[n->len] == '\0');
		fuzz_sink += (unsigned)n->len + yaml_scalar_bool(n, &b) + yaml_scalar_int(n, &i) + yaml_is_null(n);
		break;
	case YAML_NODE_SEQUENCE:
		for (size_t k = 0; k < n->n_items; k++)
			walk_node(w, n->items[k], depth + 1);
		break;
	case YAML_NODE_MAPPING:
		for (size_t k = 0; k < n->n_pairs; k++) {
			const struct yaml_node *key = n->pairs[k].key;
			walk_node(w, key, depth + 1);
			walk_node(w, n->pairs[k].value, depth + 1);
			/* every plain-text key is found again, and it is the only one */
			if (key->kind == YAML_NODE_SCALAR && strlen(key->value) == key->len)
				fuzz_check(yaml_map_find(n, key->value) == &n->pairs[k]);
		}
		fuzz_sink += yaml_map_get_path(n, "spec.template.spec") != NULL;
		break;
	default:
		abort();
	}
}

/* The stream parsed whole agrees with the reader's documents and end. */
static void check_stream(const uint8_t *data, size_t size, struct walk *w, unsigned docs, int rc,
			 const struct yaml_error *err)
{
	struct yaml_stream *st = yaml_stream_parse((const char *)data, size, SIZE_MAX);
	struct yaml_error serr;

	fuzz_check(yaml_stream_complete(st));
	fuzz_check(yaml_stream_count(st) == docs);
	for (size_t i = 0; i < docs; i++) {
		const struct yaml_doc *doc = yaml_stream_doc(st, i);
		fuzz_check(doc->index == i);
		w->visited = 0;
		if (doc->root)
			walk_node(w, doc->root, 1);
	}
	fuzz_check(yaml_stream_error(st, &serr) == rc);
	if (rc < 0)
		fuzz_check(serr.kind == err->kind && serr.line == err->line && serr.column == err->column &&
			   strcmp(serr.message, err->message) == 0);
	yaml_stream_free(st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct yaml_reader *r = yaml_reader_new((const char *)data, size);
	const struct yaml_doc *doc;
	struct yaml_error err;
	struct walk w = {.lines = 2};
	unsigned docs = 0;
	int rc;

	fuzz_check(r != NULL);
	for (size_t i = 0; i < size; i++)
		w.lines += data[i] == '\n' || data[i] == '\r';
	while ((rc = yaml_reader_next(r, &doc, &err)) == 1) {
		fuzz_check(doc->index == docs++);
		fuzz_check(doc->n_issues <= YAML_MAX_ISSUES);
		for (size_t i = 0; i < doc->n_issues; i++)
			fuzz_check(doc->issues[i].line >= 1 && doc->issues[i].line <= w.lines &&
				   doc->issues[i].message[0]);
		w.visited = 0;
		if (doc->root)
			walk_node(&w, doc->root, 1);
	}
	fuzz_check(rc == 0 || rc == -EINVAL);
	if (rc < 0) {
		struct yaml_error after;
		fuzz_check(err.kind == YAML_ERROR_SYNTAX || err.kind == YAML_ERROR_LIMIT);
		fuzz_check(err.message[0] != '\0' && err.line <= w.lines);
		fuzz_check(yaml_reader_next(r, &doc, &after) == 0);
	}
	yaml_reader_free(r);
	check_stream(data, size, &w, docs, rc, &err);
	return 0;
}
