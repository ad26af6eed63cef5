/*
 * Unit tests for the YAML document model (src/yaml.c): positions of keys
 * and values, multi-document streams, aliases and merge keys, the caps
 * (depth, alias expansion) with the position they name, duplicate keys,
 * JSON through the same path, syntax errors, and the scalar helpers.
 */
#include "cmocka_prelude.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "yaml.h"

/* A reader over a heap copy of exactly strlen(s) bytes, so that a read
 * past the end shows under the sanitizers and valgrind. */
struct fixture {
	char *copy;
	struct yaml_reader *r;
	struct yaml_error err;
};

static void open_text(struct fixture *f, const char *s, size_t len)
{
	f->copy = xmalloc(len ? len : 1);
	memcpy(f->copy, s, len);
	f->r = yaml_reader_new(f->copy, len);
	assert_non_null(f->r);
}

static void close_text(struct fixture *f)
{
	yaml_reader_free(f->r);
	free(f->copy);
}

static const struct yaml_doc *next_doc(struct fixture *f)
{
	const struct yaml_doc *d = NULL;
	int rc = yaml_reader_next(f->r, &d, &f->err);

	if (rc < 0)
		fprintf(stderr, "yaml error %u:%u %s\n", f->err.line, f->err.column, f->err.message);
	assert_int_equal(rc, 1);
	assert_non_null(d);
	return d;
}

static void expect_end(struct fixture *f)
{
	const struct yaml_doc *d = NULL;

	assert_int_equal(yaml_reader_next(f->r, &d, &f->err), 0);
	assert_null(d);
}

static int expect_error(struct fixture *f)
{
	const struct yaml_doc *d;
	int rc;

	while ((rc = yaml_reader_next(f->r, &d, &f->err)) == 1)
		;
	assert_int_equal(rc, -EINVAL);
	return f->err.kind;
}

static void test_positions_of_keys_and_values(void **state)
{
	struct fixture f;
	const char *text = "apiVersion: v1\n"
			   "kind: Pod\n"
			   "metadata:\n"
			   "  name: web\n"
			   "spec:\n"
			   "  containers:\n"
			   "    - name: app\n"
			   "      image: \"nginx:1.25\"\n";
	const struct yaml_doc *d;
	const struct yaml_pair *p;
	const struct yaml_node *c;
	(void)state;

	open_text(&f, text, strlen(text));
	d = next_doc(&f);
	assert_true(yaml_is_mapping(d->root));
	assert_int_equal(d->root->line, 1);
	assert_int_equal(d->root->column, 1);
	p = yaml_map_find(d->root, "kind");
	assert_non_null(p);
	assert_int_equal(p->key->line, 2);
	assert_int_equal(p->key->column, 1);
	assert_int_equal(p->value->line, 2);
	assert_int_equal(p->value->column, 7);
	assert_string_equal(yaml_scalar_str(p->value), "Pod");
	assert_string_equal(yaml_map_get_str(yaml_map_get(d->root, "metadata"), "name"), "web");
	c = yaml_map_get_path(d->root, "spec.containers");
	assert_true(yaml_is_sequence(c));
	assert_int_equal(c->n_items, 1);
	assert_int_equal(c->items[0]->line, 7);
	assert_int_equal(c->items[0]->column, 7);
	p = yaml_map_find(c->items[0], "image");
	assert_int_equal(p->key->line, 8);
	assert_int_equal(p->key->column, 7);
	assert_int_equal(p->value->column, 14);
	assert_false(p->value->plain);
	assert_string_equal(p->value->value, "nginx:1.25");
	assert_null(yaml_map_get_path(d->root, "spec.template.spec"));
	assert_null(yaml_map_get(c, "x")); /* not a mapping */
	expect_end(&f);
	close_text(&f);
}

static void test_multi_document_stream(void **state)
{
	struct fixture f;
	const char *text = "# leading comment\n"
			   "kind: A\n"
			   "---\n"
			   "kind: B\n"
			   "--- \n"
			   "...\n"
			   "---\n"
			   "- 1\n"
			   "- 2\n";
	const struct yaml_doc *d;
	(void)state;

	open_text(&f, text, strlen(text));
	d = next_doc(&f);
	assert_int_equal(d->index, 0);
	assert_string_equal(yaml_map_get_str(d->root, "kind"), "A");
	d = next_doc(&f);
	assert_int_equal(d->index, 1);
	assert_int_equal(d->line, 3);
	assert_string_equal(yaml_map_get_str(d->root, "kind"), "B");
	d = next_doc(&f);
	assert_int_equal(d->index, 2);
	assert_true(yaml_is_null(d->root));
	d = next_doc(&f);
	assert_int_equal(d->index, 3);
	assert_true(yaml_is_sequence(d->root));
	assert_int_equal(d->root->n_items, 2);
	assert_int_equal(d->root->items[1]->line, 9);
	expect_end(&f);
	expect_end(&f); /* stays at the end */
	close_text(&f);
}

static void test_empty_stream(void **state)
{
	struct fixture f;
	(void)state;

	open_text(&f, "", 0);
	expect_end(&f);
	close_text(&f);
	open_text(&f, "# only a comment\n", 17);
	expect_end(&f);
	close_text(&f);
}

static void test_aliases_and_merge_keys(void **state)
{
	struct fixture f;
	const char *text = "base: &base\n"
			   "  image: app:1\n"
			   "  restart: always\n"
			   "svc:\n"
			   "  <<: *base\n"
			   "  restart: never\n"
			   "list: [*base, *base]\n"
			   "name: &n hello\n"
			   "again: *n\n";
	const struct yaml_doc *d;
	const struct yaml_node *base, *svc, *list;
	(void)state;

	open_text(&f, text, strlen(text));
	d = next_doc(&f);
	base = yaml_map_get(d->root, "base");
	svc = yaml_map_get(d->root, "svc");
	list = yaml_map_get(d->root, "list");
	assert_int_equal(svc->n_pairs, 2);
	assert_string_equal(yaml_map_get_str(svc, "restart"), "never"); /* own key wins */
	assert_string_equal(yaml_map_get_str(svc, "image"), "app:1");
	assert_int_equal(yaml_map_find(svc, "image")->key->line, 2); /* where it is written */
	assert_null(yaml_map_get(svc, "<<"));
	assert_ptr_equal(list->items[0], base);
	assert_ptr_equal(list->items[1], base);
	assert_string_equal(yaml_map_get_str(d->root, "again"), "hello");
	assert_int_equal(d->n_issues, 0);
	expect_end(&f);
	close_text(&f);
}

static void test_merge_list_first_wins(void **state)
{
	struct fixture f;
	const char *text = "a: &a {x: 1, y: 1}\n"
			   "b: &b {x: 2, z: 2}\n"
			   "c:\n"
			   "  <<: [*a, *b]\n"
			   "  w: 0\n";
	const struct yaml_doc *d;
	const struct yaml_node *c;
	long long v;
	(void)state;

	open_text(&f, text, strlen(text));
	d = next_doc(&f);
	c = yaml_map_get(d->root, "c");
	assert_int_equal(c->n_pairs, 4);
	assert_true(yaml_scalar_int(yaml_map_get(c, "x"), &v));
	assert_int_equal(v, 1);
	assert_true(yaml_scalar_int(yaml_map_get(c, "z"), &v));
	assert_int_equal(v, 2);
	assert_string_equal(c->pairs[0].key->value, "w");
	close_text(&f);
}

static void test_undefined_and_recursive_alias(void **state)
{
	struct fixture f;
	const char *undefined = "a: 1\nb: *nowhere\n";
	const char *recursive = "a: &loop\n  - *loop\n";
	(void)state;

	open_text(&f, undefined, strlen(undefined));
	assert_int_equal(expect_error(&f), YAML_ERROR_SYNTAX);
	assert_int_equal(f.err.line, 2);
	assert_non_null(strstr(f.err.message, "*nowhere"));
	close_text(&f);
	open_text(&f, recursive, strlen(recursive));
	assert_int_equal(expect_error(&f), YAML_ERROR_SYNTAX);
	assert_int_equal(f.err.line, 2);
	close_text(&f);
}

static void test_billion_laughs_fails_fast(void **state)
{
	struct fixture f;
	struct buf b;
	(void)state;

	buf_init(&b);
	buf_puts(&b, "apiVersion: v1\nkind: ConfigMap\ndata:\n  a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
	for (char c = 'b'; c <= 'i'; c++)
		buf_printf(&b, "  %c: &%c [*%c,*%c,*%c,*%c,*%c,*%c,*%c,*%c,*%c]\n", c, c, c - 1, c - 1, c - 1, c - 1,
			   c - 1, c - 1, c - 1, c - 1, c - 1);
	open_text(&f, b.data, b.len);
	assert_int_equal(expect_error(&f), YAML_ERROR_LIMIT);
	assert_non_null(strstr(f.err.message, "alias expansion cap"));
	assert_true(f.err.line >= 5 && f.err.line <= 12);
	assert_true(f.err.column > 0);
	close_text(&f);
	buf_free(&b);
}

static void test_depth_cap(void **state)
{
	struct fixture f;
	struct buf b;
	(void)state;

	buf_init(&b);
	for (int i = 0; i < 500; i++)
		buf_printf(&b, "%*sk%d:\n", i, "", i);
	buf_printf(&b, "%*sleaf: 1\n", 500, "");
	open_text(&f, b.data, b.len);
	assert_int_equal(expect_error(&f), YAML_ERROR_LIMIT);
	assert_non_null(strstr(f.err.message, "depth cap"));
	assert_int_equal(f.err.line, YAML_MAX_DEPTH + 1);
	close_text(&f);
	buf_reset(&b);
	for (int i = 0; i < 100000; i++)
		buf_putc(&b, '[');
	open_text(&f, b.data, b.len);
	assert_int_equal(expect_error(&f), YAML_ERROR_LIMIT);
	assert_int_equal(f.err.line, 1);
	assert_int_equal(f.err.column, YAML_MAX_DEPTH + 1);
	close_text(&f);
	buf_free(&b);
}

static void test_depth_within_cap(void **state)
{
	struct fixture f;
	struct buf b;
	const struct yaml_node *n;
	(void)state;

	buf_init(&b);
	for (int i = 0; i < YAML_MAX_DEPTH; i++)
		buf_putc(&b, '[');
	for (int i = 0; i < YAML_MAX_DEPTH; i++)
		buf_putc(&b, ']');
	open_text(&f, b.data, b.len);
	n = next_doc(&f)->root;
	for (int i = 1; i < YAML_MAX_DEPTH; i++)
		n = n->items[0];
	assert_int_equal(n->n_items, 0);
	close_text(&f);
	buf_free(&b);
}

static void test_duplicate_keys_last_wins(void **state)
{
	struct fixture f;
	const char *text = "securityContext:\n"
			   "  privileged: false\n"
			   "  runAsUser: 1000\n"
			   "  privileged: true\n";
	const struct yaml_doc *d;
	const struct yaml_node *sc;
	bool v;
	(void)state;

	open_text(&f, text, strlen(text));
	d = next_doc(&f);
	sc = yaml_map_get(d->root, "securityContext");
	assert_int_equal(sc->n_pairs, 2);
	assert_true(yaml_scalar_bool(yaml_map_get(sc, "privileged"), &v));
	assert_true(v);
	assert_int_equal(yaml_map_find(sc, "privileged")->key->line, 4);
	assert_int_equal(d->n_issues, 1);
	assert_int_equal(d->issues[0].line, 4);
	assert_non_null(strstr(d->issues[0].message, "duplicate key 'privileged' (lines 2 and 4)"));
	close_text(&f);
}

/* Mappings are finished one after another with the same scratch arrays:
 * an empty one first, and a duplicate dropped in one mapping drops
 * nothing in the next. */
static void test_mappings_one_after_another(void **state)
{
	struct fixture f;
	const char *text = "{}\n---\nx: {k: 1, k: 2, j: 3}\ny: {k: 4, j: 5, m: 6}\nz: {}\n";
	const struct yaml_doc *d;
	const struct yaml_node *y;
	(void)state;

	open_text(&f, text, strlen(text));
	d = next_doc(&f);
	assert_true(yaml_is_mapping(d->root));
	assert_int_equal(d->root->n_pairs, 0);
	d = next_doc(&f);
	assert_int_equal(d->root->n_pairs, 3);
	assert_int_equal(yaml_map_get(d->root, "x")->n_pairs, 2);
	assert_string_equal(yaml_map_get_str(yaml_map_get(d->root, "x"), "k"), "2");
	y = yaml_map_get(d->root, "y");
	assert_int_equal(y->n_pairs, 3);
	assert_string_equal(yaml_map_get_str(y, "k"), "4");
	assert_string_equal(yaml_map_get_str(y, "m"), "6");
	assert_int_equal(yaml_map_get(d->root, "z")->n_pairs, 0);
	assert_int_equal(d->n_issues, 1);
	expect_end(&f);
	close_text(&f);
}

static void test_many_keys_and_duplicates(void **state)
{
	struct fixture f;
	struct buf b;
	const struct yaml_doc *d;
	(void)state;

	buf_init(&b);
	for (int i = 0; i < 5000; i++)
		buf_printf(&b, "k%d: %d\n", i % 4000, i);
	open_text(&f, b.data, b.len);
	d = next_doc(&f);
	assert_int_equal(d->root->n_pairs, 4000);
	assert_int_equal(d->n_issues, YAML_MAX_ISSUES);
	assert_int_equal(d->issues_dropped, 1000 - YAML_MAX_ISSUES);
	assert_string_equal(yaml_map_get_str(d->root, "k0"), "4000");
	close_text(&f);
	buf_free(&b);
}

static void test_json_by_the_same_path(void **state)
{
	struct fixture f;
	const char *text = "{\n"
			   "  \"apiVersion\": \"v1\",\n"
			   "  \"kind\": \"Pod\",\n"
			   "  \"spec\": {\"hostNetwork\": true, \"containers\": [{\"name\": \"a\", \"ports\": [80, 443]}]}\n"
			   "}\n";
	const struct yaml_doc *d;
	const struct yaml_node *c;
	bool v;
	long long port;
	(void)state;

	open_text(&f, text, strlen(text));
	d = next_doc(&f);
	assert_string_equal(yaml_map_get_str(d->root, "kind"), "Pod");
	assert_int_equal(yaml_map_find(d->root, "kind")->key->line, 3);
	assert_true(yaml_scalar_bool(yaml_map_get_path(d->root, "spec.hostNetwork"), &v));
	assert_true(v);
	c = yaml_map_get_path(d->root, "spec.containers")->items[0];
	assert_true(yaml_scalar_int(yaml_map_get(c, "ports")->items[1], &port));
	assert_int_equal(port, 443);
	expect_end(&f);
	close_text(&f);
}

static void test_syntax_error_position(void **state)
{
	struct fixture f;
	const char *text = "kind: Pod\nmetadata:\n  name: a\n bad: indent\n";
	const char *tabs = "a:\n\tb: 1\n";
	(void)state;

	open_text(&f, text, strlen(text));
	assert_int_equal(expect_error(&f), YAML_ERROR_SYNTAX);
	assert_int_equal(f.err.line, 4);
	assert_true(f.err.column >= 1);
	assert_non_null(strstr(f.err.message, "YAML syntax error"));
	close_text(&f);
	open_text(&f, tabs, strlen(tabs));
	assert_int_equal(expect_error(&f), YAML_ERROR_SYNTAX);
	assert_int_equal(f.err.line, 2);
	close_text(&f);
}

static void test_error_after_good_documents(void **state)
{
	struct fixture f;
	const char *text = "a: 1\n---\nb: 2\n---\nc: [\n";
	(void)state;

	open_text(&f, text, strlen(text));
	next_doc(&f);
	next_doc(&f);
	assert_int_equal(expect_error(&f), YAML_ERROR_SYNTAX);
	assert_int_equal(f.err.document, 2);
	close_text(&f);
}

/* A stream parsed whole keeps every document (anchors resolved within each,
 * issues with their document) and the error that ended it, as the reader
 * gives them one at a time; over its budget it says it is not complete. */
static void test_stream_parsed_ahead(void **state)
{
	const char *text = "a: &x {k: 1}\nb: *x\n---\nb: 2\nb: 3\n---\nc: [\n";
	char *copy = xstrdup(text);
	struct yaml_stream *st = yaml_stream_parse(copy, strlen(copy), 1 << 20);
	const struct yaml_doc *d0, *d1;
	struct yaml_error err;
	(void)state;

	assert_true(yaml_stream_complete(st));
	assert_int_equal(yaml_stream_count(st), 2);
	d0 = yaml_stream_doc(st, 0);
	d1 = yaml_stream_doc(st, 1);
	assert_null(yaml_stream_doc(st, 2));
	/* the first document's nodes outlive the second's parse */
	assert_string_equal(yaml_map_get_str(yaml_map_get(d0->root, "b"), "k"), "1");
	assert_int_equal(d0->n_issues, 0);
	assert_string_equal(yaml_map_get_str(d1->root, "b"), "3");
	assert_int_equal(d1->n_issues, 1);
	assert_non_null(strstr(d1->issues[0].message, "duplicate key 'b'"));
	assert_int_equal(yaml_stream_error(st, &err), -EINVAL);
	assert_int_equal(err.kind, YAML_ERROR_SYNTAX);
	assert_int_equal(err.document, 2);
	yaml_stream_free(st);

	st = yaml_stream_parse(copy, strlen(copy), 16);
	assert_false(yaml_stream_complete(st));
	yaml_stream_free(st);
	free(copy);
}

static void test_invalid_utf8_position(void **state)
{
	struct fixture f;
	const char *text = "a: 1\nb: \xff\xfe\n";
	(void)state;

	open_text(&f, text, strlen(text));
	assert_int_equal(expect_error(&f), YAML_ERROR_SYNTAX);
	assert_int_equal(f.err.line, 2);
	assert_int_equal(f.err.column, 4);
	close_text(&f);
}

static struct yaml_node scalar(const char *v, bool plain)
{
	struct yaml_node n = {.kind = YAML_NODE_SCALAR, .value = v, .len = strlen(v), .plain = plain};
	return n;
}

/* Every spelling of null and of a boolean, and near misses of each: the
 * lookups compare lengths first, and must still find exactly these. */
static void test_null_and_bool_spellings(void **state)
{
	static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};
	static const char *const not_nulls[] = {"~~", "nul", "nulls", "NUll", "none", "0"};
	static const char *const yes[] = {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON", "y", "Y"};
	static const char *const no[] = {"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF", "n", "N"};
	static const char *const neither[] = {"", "t", "tru", "truE", "yess", "Falsey", "FALSE!", "0", "1", "offf"};
	struct yaml_node n;
	bool b;
	(void)state;

	for (size_t i = 0; i < sizeof(nulls) / sizeof(*nulls); i++) {
		n = scalar(nulls[i], true);
		assert_true(yaml_is_null(&n));
		n = scalar(nulls[i], false); /* quoted: a string */
		assert_false(yaml_is_null(&n));
	}
	for (size_t i = 0; i < sizeof(not_nulls) / sizeof(*not_nulls); i++) {
		n = scalar(not_nulls[i], true);
		assert_false(yaml_is_null(&n));
	}
	for (size_t i = 0; i < sizeof(yes) / sizeof(*yes); i++) {
		n = scalar(yes[i], true);
		assert_true(yaml_scalar_bool(&n, &b) && b);
		n = scalar(no[i], true);
		assert_true(yaml_scalar_bool(&n, &b) && !b);
	}
	for (size_t i = 0; i < sizeof(neither) / sizeof(*neither); i++) {
		n = scalar(neither[i], true);
		assert_false(yaml_scalar_bool(&n, &b));
	}
}

/* A key is found by its bytes, whatever the keys around it share. */
static void test_map_find_by_key(void **state)
{
	static const char text[] = "a: 1\nab: 2\nb: 3\nba: 4\n\"\": 5\n";
	struct yaml_stream *st = yaml_stream_parse(text, sizeof(text) - 1, 1 << 20);
	const struct yaml_node *root;
	(void)state;

	assert_non_null(st);
	assert_int_equal(yaml_stream_count(st), 1);
	root = yaml_stream_doc(st, 0)->root;
	assert_string_equal(yaml_map_get_str(root, "a"), "1");
	assert_string_equal(yaml_map_get_str(root, "ab"), "2");
	assert_string_equal(yaml_map_get_str(root, "b"), "3");
	assert_string_equal(yaml_map_get_str(root, "ba"), "4");
	assert_string_equal(yaml_map_get_str(root, ""), "5");
	assert_null(yaml_map_find(root, "c"));
	assert_null(yaml_map_find(root, "aa"));
	assert_null(yaml_map_find_len(root, "abc", 3));
	assert_non_null(yaml_map_find_len(root, "abc", 2)); /* "ab" */
	yaml_stream_free(st);
}

static void test_scalar_helpers(void **state)
{
	struct yaml_node n;
	bool b;
	long long i;
	(void)state;

	n = scalar("true", true);
	assert_true(yaml_scalar_bool(&n, &b) && b);
	n = scalar("Off", true);
	assert_true(yaml_scalar_bool(&n, &b) && !b);
	n = scalar("true", false); /* "true" is a string */
	assert_false(yaml_scalar_bool(&n, &b));
	n = scalar("truthy", true);
	assert_false(yaml_scalar_bool(&n, &b));
	n = scalar("true", false);
	n.tag = "tag:yaml.org,2002:bool";
	assert_true(yaml_scalar_bool(&n, &b) && b);
	n = scalar("0", true);
	assert_true(yaml_scalar_int(&n, &i) && i == 0);
	n = scalar("-1000", true);
	assert_true(yaml_scalar_int(&n, &i) && i == -1000);
	n = scalar("0x1F", true);
	assert_true(yaml_scalar_int(&n, &i) && i == 31);
	n = scalar("0o17", true);
	assert_true(yaml_scalar_int(&n, &i) && i == 15);
	n = scalar("99999999999999999999", true);
	assert_false(yaml_scalar_int(&n, &i));
	n = scalar("12abc", true);
	assert_false(yaml_scalar_int(&n, &i));
	n = scalar("1000", false);
	assert_false(yaml_scalar_int(&n, &i));
	n = scalar("~", true);
	assert_true(yaml_is_null(&n));
	assert_null(yaml_scalar_str(&n));
	n = scalar("", true);
	assert_true(yaml_is_null(&n));
	n = scalar("null", false);
	assert_false(yaml_is_null(&n));
	assert_string_equal(yaml_scalar_str(&n), "null");
	assert_true(yaml_scalar_equals(&n, "null"));
	assert_true(yaml_is_null(NULL));
	assert_null(yaml_map_get(NULL, "a"));
	assert_null(yaml_map_get_path(NULL, "a.b"));
	assert_false(yaml_scalar_bool(NULL, &b));
	assert_false(yaml_scalar_int(NULL, &i));
}

static void test_document_memory_is_reused(void **state)
{
	struct fixture f;
	struct buf b;
	const struct yaml_doc *d;
	const struct yaml_node *first_root = NULL;
	int count = 0;
	(void)state;

	buf_init(&b);
	for (int i = 0; i < 2000; i++)
		buf_printf(&b, "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c%d}\ndata: {a: b}\n", i);
	open_text(&f, b.data, b.len);
	while (yaml_reader_next(f.r, &d, &f.err) == 1) {
		/* each document is built where the previous one was */
		if (!first_root)
			first_root = d->root;
		assert_ptr_equal(d->root, first_root);
		count++;
	}
	assert_int_equal(count, 2000);
	close_text(&f);
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_positions_of_keys_and_values),
		cmocka_unit_test(test_multi_document_stream),
		cmocka_unit_test(test_empty_stream),
		cmocka_unit_test(test_aliases_and_merge_keys),
		cmocka_unit_test(test_merge_list_first_wins),
		cmocka_unit_test(test_undefined_and_recursive_alias),
		cmocka_unit_test(test_billion_laughs_fails_fast),
		cmocka_unit_test(test_depth_cap),
		cmocka_unit_test(test_depth_within_cap),
		cmocka_unit_test(test_duplicate_keys_last_wins),
		cmocka_unit_test(test_mappings_one_after_another),
		cmocka_unit_test(test_many_keys_and_duplicates),
		cmocka_unit_test(test_json_by_the_same_path),
		cmocka_unit_test(test_syntax_error_position),
		cmocka_unit_test(test_error_after_good_documents),
		cmocka_unit_test(test_stream_parsed_ahead),
		cmocka_unit_test(test_invalid_utf8_position),
		cmocka_unit_test(test_scalar_helpers),
		cmocka_unit_test(test_null_and_bool_spellings),
		cmocka_unit_test(test_map_find_by_key),
		cmocka_unit_test(test_document_memory_is_reused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
