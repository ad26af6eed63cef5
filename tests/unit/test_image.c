/*
 * Unit tests for the image reader's pieces: path normalisation (what may
 * not leave the image root), the whiteout tree (whiteouts, opaque
 * directories, overwrites, re-creation), the setuid severity table, and
 * reading an archive from memory: a hand-made docker-archive with one
 * uncompressed layer, and archives that are not images.
 */
#include "cmocka_prelude.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image_checks.h"
#include "image_read.h"
#include "image_tree.h"
#include "util.h"

static void test_path_normalise(void **state)
{
	char out[64];
	bool abs;

	(void)state;
	assert_true(image_path_normalise("./etc//passwd", out, sizeof(out), &abs));
	assert_string_equal(out, "etc/passwd");
	assert_false(abs);
	assert_true(image_path_normalise("/usr/bin/../lib/./x/", out, sizeof(out), &abs));
	assert_string_equal(out, "usr/lib/x");
	assert_true(abs);
	assert_true(image_path_normalise("a/..", out, sizeof(out), &abs));
	assert_string_equal(out, "");
	assert_false(image_path_normalise("../etc/passwd", out, sizeof(out), &abs));
	assert_false(image_path_normalise("a/../../b", out, sizeof(out), &abs));
	assert_false(image_path_normalise("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", out, sizeof(out), &abs));
}

static void test_tree_whiteouts(void **state)
{
	struct image_tree *t = image_tree_new();
	size_t by;

	(void)state;
	image_tree_put(t, "app", 0, true);
	image_tree_put(t, "app/.env", 0, false);
	image_tree_put(t, "app/cache/a", 0, false);
	image_tree_put(t, "etc/passwd", 0, false);
	image_tree_whiteout(t, "app/.env", 1);          /* layer 2: .wh..env */
	image_tree_opaque(t, "app/cache", 2);           /* layer 3: opaque cache */
	image_tree_put(t, "app/cache/b", 2, false);
	image_tree_put(t, "etc/passwd", 3, false);      /* layer 4 overwrites */
	assert_int_equal(image_tree_state(t, "app/.env", 0, &by), IMAGE_FILE_DELETED);
	assert_int_equal(by, 1);
	assert_int_equal(image_tree_state(t, "app/cache/a", 0, &by), IMAGE_FILE_DELETED);
	assert_int_equal(by, 2);
	assert_int_equal(image_tree_state(t, "app/cache/b", 2, &by), IMAGE_FILE_PRESENT);
	assert_int_equal(image_tree_state(t, "etc/passwd", 0, &by), IMAGE_FILE_REPLACED);
	assert_int_equal(by, 3);
	assert_int_equal(image_tree_state(t, "etc/passwd", 3, &by), IMAGE_FILE_PRESENT);
	/* A directory deleted, then a file under it re-created. */
	image_tree_whiteout(t, "app", 4);
	assert_int_equal(image_tree_state(t, "app/cache/b", 2, &by), IMAGE_FILE_DELETED);
	image_tree_put(t, "app/new", 5, false);
	assert_int_equal(image_tree_state(t, "app/new", 5, &by), IMAGE_FILE_PRESENT);
	/* A file replacing a directory hides what was below it. */
	image_tree_put(t, "etc", 6, false);
	assert_int_equal(image_tree_state(t, "etc/passwd", 3, &by), IMAGE_FILE_DELETED);
	assert_int_equal(image_tree_state(t, "never/seen", 0, &by), IMAGE_FILE_DELETED);
	image_tree_free(t);
}

static void test_tree_many(void **state)
{
	struct image_tree *t = image_tree_new();
	char path[64];
	size_t by;

	(void)state;
	for (int i = 0; i < 20000; i++) {
		snprintf(path, sizeof(path), "usr/lib/d%d/f%d", i % 100, i);
		image_tree_put(t, path, 0, false);
	}
	image_tree_opaque(t, "usr/lib", 1);
	assert_int_equal(image_tree_state(t, "usr/lib/d7/f19907", 0, &by), IMAGE_FILE_DELETED);
	assert_true(image_tree_size(t) > 20000);
	image_tree_free(t);
}

static void test_setuid_severity(void **state)
{
	(void)state;
	assert_int_equal(image_setuid_severity("usr/bin/passwd"), SEV_LOW);
	assert_int_equal(image_setuid_severity("bin/su"), SEV_LOW);
	assert_int_equal(image_setuid_severity("usr/bin/sudo"), SEV_MEDIUM);
	assert_int_equal(image_setuid_severity("usr/local/bin/backdoor"), SEV_HIGH);
}

/* A ustar header for a regular file. */
static void tar_header(char *h, const char *name, size_t size)
{
	unsigned sum = 0;

	memset(h, 0, 512);
	snprintf(h, 100, "%s", name);
	snprintf(h + 100, 8, "%07o", 0644);
	snprintf(h + 108, 8, "%07o", 0);
	snprintf(h + 116, 8, "%07o", 0);
	snprintf(h + 124, 12, "%011zo", size);
	snprintf(h + 136, 12, "%011o", 0);
	h[156] = '0';
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	memset(h + 148, ' ', 8);
	for (int i = 0; i < 512; i++)
		sum += (unsigned char)h[i];
	snprintf(h + 148, 8, "%06o", sum);
}

static void tar_add(struct buf *b, const char *name, const char *data, size_t len)
{
	char h[512], pad[512] = {0};

	tar_header(h, name, len);
	buf_append(b, h, 512);
	buf_append(b, data, len);
	if (len % 512)
		buf_append(b, pad, 512 - len % 512);
}

static void tar_end(struct buf *b)
{
	char zero[1024] = {0};
	buf_append(b, zero, sizeof(zero));
}

static int count_entry(const struct image_entry *e, struct image_layer_stream *ls, void *ctx)
{
	char *data;
	size_t len;
	bool truncated;

	if (strcmp(e->path, "etc/motd") == 0 && image_entry_read(ls, 64, &data, &len, &truncated) == 0) {
		assert_int_equal(len, 6);
		assert_memory_equal(data, "hello\n", 6);
		free(data);
	}
	(*(int *)ctx)++;
	return 0;
}

static void test_memory_archive(void **state)
{
	struct buf layer, outer;
	struct image_reader *r;
	char err[256];
	const char *manifest = "[{\"Config\":\"c.json\",\"RepoTags\":[\"t:1\"],\"Layers\":[\"l/layer.tar\",\"gone.tar\"]}]";
	const char *config = "{\"os\":\"linux\",\"architecture\":\"arm64\",\"variant\":\"v8\",\"config\":{\"User\":\"app\","
			     "\"Env\":[\"A=1\"],\"ExposedPorts\":{\"22/tcp\":{}},\"Healthcheck\":{\"Test\":[\"NONE\"]}},"
			     "\"history\":[{\"created_by\":\"x\"}]}";
	uint64_t bytes = 0;
	int entries = 0;

	(void)state;
	buf_init(&layer);
	tar_add(&layer, "etc/motd", "hello\n", 6);
	tar_add(&layer, "etc/.wh.old", "", 0);
	tar_end(&layer);
	buf_init(&outer);
	tar_add(&outer, "manifest.json", manifest, strlen(manifest));
	tar_add(&outer, "c.json", config, strlen(config));
	tar_add(&outer, "l/layer.tar", layer.data, layer.len);
	tar_end(&outer);
	assert_int_equal(image_open_memory(outer.data, outer.len, NULL, &r, err, sizeof(err)), 0);
	assert_string_equal(image_format(r), "docker-archive");
	assert_int_equal(image_count(r), 1);
	const struct image_ref *img = image_at(r, 0);
	assert_string_equal(img->tags[0], "t:1");
	assert_string_equal(img->config.user, "app");
	assert_true(img->config.healthcheck_none);
	assert_string_equal(img->config.ports[0], "22/tcp");
	assert_string_equal(img->config.variant, "v8");
	assert_int_equal(img->n_layers, 2);
	assert_true(str_starts_with(img->digest, "sha256:"));
	assert_int_equal(image_layer_walk(r, img, 0, count_entry, &entries, &bytes, err, sizeof(err)), 0);
	assert_int_equal(entries, 2);
	assert_true(bytes >= 6);
	assert_int_equal(image_layer_walk(r, img, 1, count_entry, &entries, &bytes, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "not in the archive"));
	image_close(r);
	/* Not an image: a tar without a manifest, and bytes that are no tar. */
	assert_true(image_open_memory(layer.data, layer.len, NULL, &r, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "not an image archive"));
	assert_true(image_open_memory("hello", 5, NULL, &r, err, sizeof(err)) < 0);
	buf_free(&layer);
	buf_free(&outer);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_normalise),  cmocka_unit_test(test_tree_whiteouts),
		cmocka_unit_test(test_tree_many),       cmocka_unit_test(test_setuid_severity),
		cmocka_unit_test(test_memory_archive),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
