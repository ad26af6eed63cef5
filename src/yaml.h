/*
 * The YAML document model, and libyaml's one home (DESIGN.md "Layout"): a
 * stream of documents, each a tree of scalar, sequence and mapping nodes
 * that know their 1-based line and column, read one document at a time so
 * that a document's memory is released before the next is built. JSON is
 * read by the same path (libyaml parses it as flow YAML).
 *
 * Untrusted input meets caps here: nesting depth, nodes per document, and
 * the number of nodes aliases may expand to (a "billion laughs" file fails
 * on its first oversized alias, not after exhausting memory). Every error
 * says which cap was hit and where. Duplicate keys in a mapping are not an
 * error: the last one wins, as in the YAML parsers Kubernetes and Compose
 * use, and each duplicate is reported as a document issue with both lines,
 * for the caller to turn into an assay.parse-error finding.
 *
 * Aliases are resolved to the anchored node itself (the tree may share
 * subtrees, never forms a cycle), and YAML 1.1 merge keys (`<<: *base`)
 * are folded into the mapping that holds them, so callers see plain maps.
 */
#ifndef ASSAY_YAML_H
#define ASSAY_YAML_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#define YAML_MAX_DEPTH 128          /* nested collections in one document */
#define YAML_MAX_NODES 1000000      /* nodes built for one document */
#define YAML_MAX_EXPANSION 1000000  /* nodes one document reaches, aliases expanded */
#define YAML_MAX_ISSUES 32          /* issues kept per document; the rest are counted */

enum yaml_node_kind {
	YAML_NODE_SCALAR = 1,
	YAML_NODE_SEQUENCE,
	YAML_NODE_MAPPING,
};

struct yaml_pair;

struct yaml_node {
	enum yaml_node_kind kind;
	unsigned line, column; /* where the node starts, 1-based */
	/* A scalar written without quotes or block style: only those resolve
	 * to null, booleans and integers (`privileged: "true"` is a string). */
	bool plain;
	const char *tag; /* an explicit tag ("tag:yaml.org,2002:str", "!ref") or NULL */
	size_t weight;   /* nodes in this subtree, aliases expanded */
	/* scalar: the value, NUL-terminated (it may hold NUL bytes: use len) */
	const char *value;
	size_t len;
	/* sequence */
	const struct yaml_node *const *items;
	size_t n_items;
	/* mapping: each key once (the last duplicate kept), merge keys folded in */
	const struct yaml_pair *pairs;
	size_t n_pairs;
};

struct yaml_pair {
	const struct yaml_node *key, *value;
};

/* Something wrong in a document that does not stop reading it. */
struct yaml_issue {
	unsigned line, column;
	char message[192];
};

struct yaml_doc {
	const struct yaml_node *root; /* NULL for an empty document */
	unsigned index;               /* 0-based position in the stream */
	unsigned line;                /* where the document starts */
	const struct yaml_issue *issues;
	size_t n_issues;
	size_t issues_dropped; /* issues past YAML_MAX_ISSUES */
};

enum yaml_error_kind {
	YAML_ERROR_SYNTAX = 1, /* not YAML (or not JSON) */
	YAML_ERROR_LIMIT,      /* a cap was hit; the message names it */
};

struct yaml_error {
	enum yaml_error_kind kind;
	unsigned line, column; /* 1-based; 0 when unknown */
	unsigned document;     /* 0-based index of the document it stopped in */
	char message[256];
};

/* Reads documents one at a time from a buffer the caller keeps alive. */
struct yaml_reader;

struct yaml_reader *yaml_reader_new(const char *data, size_t len);
/* Builds the next document, releasing the previous one (and every node
 * pointer into it). Returns 1 with *doc set, 0 at the end of the stream,
 * or -EINVAL with err filled; after an error the reader stays at its end. */
int yaml_reader_next(struct yaml_reader *r, const struct yaml_doc **doc, struct yaml_error *err);
void yaml_reader_free(struct yaml_reader *r);

/* A whole stream parsed at once, for a caller that parses on one thread
 * and looks on another: every document stays alive until yaml_stream_free.
 * Parsing stops once the documents hold more than max_bytes; such a
 * stream is not complete, and its reader should read the text itself with
 * yaml_reader_next. A complete stream holds every document before the end
 * or the error that stopped it (yaml_stream_error: 0, or -EINVAL with err
 * filled, as yaml_reader_next would have returned). */
struct yaml_stream;

struct yaml_stream *yaml_stream_parse(const char *data, size_t len, size_t max_bytes);
bool yaml_stream_complete(const struct yaml_stream *st);
size_t yaml_stream_count(const struct yaml_stream *st);
const struct yaml_doc *yaml_stream_doc(const struct yaml_stream *st, size_t i);
int yaml_stream_error(const struct yaml_stream *st, struct yaml_error *err);
void yaml_stream_free(struct yaml_stream *st);

/* ---- looking things up (every helper accepts NULL and returns "absent") */

bool yaml_is_scalar(const struct yaml_node *n);
bool yaml_is_sequence(const struct yaml_node *n);
bool yaml_is_mapping(const struct yaml_node *n);
/* Absent, or a plain `~`, `null`, `Null`, `NULL` or empty scalar. */
bool yaml_is_null(const struct yaml_node *n);

/* The pair whose key is the scalar `key` (`len` bytes), or NULL (also when
 * map is not a mapping). The key node gives the line of the key. */
const struct yaml_pair *yaml_map_find_len(const struct yaml_node *map, const char *key, size_t len);
/* The same for a NUL-terminated key; inline, so that a literal key's
 * length is a constant. */
static inline const struct yaml_pair *yaml_map_find(const struct yaml_node *map, const char *key)
{
	return yaml_map_find_len(map, key, strlen(key));
}
/* The value under `key`, or NULL. */
static inline const struct yaml_node *yaml_map_get(const struct yaml_node *map, const char *key)
{
	const struct yaml_pair *p = yaml_map_find(map, key);

	return p ? p->value : NULL;
}
/* Follows dot-separated mapping keys ("spec.template.spec"); NULL when any
 * step is missing. Keys that hold dots need yaml_map_get. */
const struct yaml_node *yaml_map_get_path(const struct yaml_node *node, const char *path);
/* The scalar text under `key`; NULL when absent, null or not a scalar. */
const char *yaml_map_get_str(const struct yaml_node *map, const char *key);

/* A scalar's text; NULL when n is not a scalar or is null. */
const char *yaml_scalar_str(const struct yaml_node *n);
/* True when n is a scalar whose text is exactly s. */
bool yaml_scalar_equals(const struct yaml_node *n, const char *s);
/* True when n is a boolean (plain true/false, yes/no, on/off, y/n in any
 * of their YAML 1.1 spellings, or tagged !!bool), with its value in *out. */
bool yaml_scalar_bool(const struct yaml_node *n, bool *out);
/* True when n is a plain integer (decimal, 0x hex, 0o octal, with an
 * optional sign) that fits a long long, with its value in *out. */
bool yaml_scalar_int(const struct yaml_node *n, long long *out);

#endif
