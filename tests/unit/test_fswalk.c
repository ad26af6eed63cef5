/* The walker: order, .git skipped, links never followed, problems said. */
#include "cmocka_prelude.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fswalk.h"
#include "util.h"

struct seen {
	struct buf files;
	struct buf problems;
};

static int on_file(const struct fs_entry *e, void *ctx)
{
	struct seen *s = ctx;
	buf_printf(&s->files, "%s;", e->relpath);
	return 0;
}

static void on_problem(const char *relpath, const char *message, void *ctx)
{
	struct seen *s = ctx;
	buf_printf(&s->problems, "%s: %s;", relpath, message);
}

static void touch(const char *dir, const char *name)
{
	char *p = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fclose(f);
	free(p);
}

static void test_walk(void **state)
{
	char tmpl[] = "/tmp/assay-fswalk-XXXXXX", *root = mkdtemp(tmpl), *p;
	struct fswalk_ops ops = {.file = on_file, .problem = on_problem};
	struct seen s;
	char cmd[256];
	(void)state;
	assert_non_null(root);
	buf_init(&s.files);
	buf_init(&s.problems);
	p = xasprintf("%s/b", root);
	mkdir(p, 0700);
	free(p);
	p = xasprintf("%s/.git", root);
	mkdir(p, 0700);
	free(p);
	touch(root, "z");
	touch(root, "a");
	touch(root, "b/c");
	touch(root, ".git/config");
	p = xasprintf("%s/loop", root);
	assert_int_equal(symlink("loop", p), 0);
	free(p);
	p = xasprintf("%s/out", root);
	assert_int_equal(symlink("/etc", p), 0);
	free(p);
	p = xasprintf("%s/in", root);
	assert_int_equal(symlink("b", p), 0);
	free(p);
	assert_int_equal(fswalk(root, &ops, &s), 0);
	assert_string_equal(s.files.data, "a;b/c;z;");
	assert_non_null(strstr(s.problems.data, "loop: symbolic link loop"));
	assert_non_null(strstr(s.problems.data, "out: symbolic link points outside"));
	assert_null(strstr(s.problems.data, "in:")); /* inside: walked as b */
	buf_free(&s.files);
	buf_free(&s.problems);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
}

static void test_depth_cap(void **state)
{
	char tmpl[] = "/tmp/assay-fswalk-XXXXXX", *root = mkdtemp(tmpl);
	struct fswalk_ops ops = {.file = on_file, .problem = on_problem};
	struct seen s;
	struct buf path;
	char cmd[256];
	(void)state;
	buf_init(&s.files);
	buf_init(&s.problems);
	buf_init(&path);
	buf_puts(&path, root);
	for (int i = 0; i < FSWALK_MAX_DEPTH + 5; i++) {
		buf_puts(&path, "/d");
		assert_int_equal(mkdir(path.data, 0700), 0);
	}
	assert_int_equal(fswalk(root, &ops, &s), 0);
	assert_non_null(strstr(s.problems.data, "deeper than"));
	buf_free(&path);
	buf_free(&s.files);
	buf_free(&s.problems);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
}

static void test_missing_root(void **state)
{
	struct fswalk_ops ops = {.file = on_file, .problem = on_problem};
	(void)state;
	assert_int_equal(fswalk("/nonexistent/assay-root", &ops, NULL), -ENOENT);
}

/* ---- reading a file whose size the walk saw ---- */

static char *write_temp(const char *dir, const char *name, const char *data, size_t n)
{
	char *p = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(p, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, n, f), n);
	fclose(f);
	return p;
}

static void assert_read(const char *path, size_t cap, size_t expect, const char *want, size_t want_len,
			bool want_truncated)
{
	char *data;
	size_t len;
	bool truncated;

	assert_int_equal(read_file_sized(path, cap, expect, &data, &len, &truncated), 0);
	assert_int_equal(len, want_len);
	assert_memory_equal(data, want, want_len);
	assert_int_equal(data[len], '\0');
	assert_int_equal(truncated, want_truncated);
	free(data);
}

/* Whatever size the caller expects, the file is read as it is now. */
static void test_read_file_sized(void **state)
{
	char tmpl[] = "/tmp/assay-read-XXXXXX", *root = mkdtemp(tmpl), *small, *big, cmd[256];
	size_t n = 200 * 1024; /* more than one read chunk */
	char *bytes = xmalloc(n);
	(void)state;
	assert_non_null(root);
	for (size_t i = 0; i < n; i++)
		bytes[i] = (char)('a' + i % 26);
	small = write_temp(root, "small", bytes, 1716);
	big = write_temp(root, "big", bytes, n);
	assert_read(small, 1 << 20, 1716, bytes, 1716, false); /* as the walk saw it */
	assert_read(small, 1 << 20, 100, bytes, 1716, false);  /* grew since */
	assert_read(small, 1 << 20, 4000, bytes, 1716, false); /* shrank since */
	assert_read(small, 1 << 20, 0, bytes, 1716, false);    /* size unknown */
	assert_read(small, 1716, 1716, bytes, 1716, false);    /* exactly the cap */
	assert_read(small, 1000, 1716, bytes, 1000, true);     /* over the cap */
	assert_read(big, 1 << 20, 0, bytes, n, false);
	assert_read(big, 1 << 20, n, bytes, n, false);
	assert_read(big, 1 << 20, 5, bytes, n, false);
	assert_read(big, n - 1, n, bytes, n - 1, true);
	assert_read(big, n, 0, bytes, n, false);
	free(small);
	free(big);
	free(bytes);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
}

/* A read that stops at the expected size ends the file there: there is no
 * second read. A FIFO whose writer stays open shows it, since a second
 * (non-blocking) read would fail with EAGAIN; with the size unknown it
 * does. */
static void test_read_stops_at_expected_size(void **state)
{
	char tmpl[] = "/tmp/assay-read-XXXXXX", *root = mkdtemp(tmpl), *fifo, *data = NULL, cmd[256];
	size_t len;
	bool truncated;
	int w;
	(void)state;
	assert_non_null(root);
	fifo = xasprintf("%s/fifo", root);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	w = open(fifo, O_RDWR | O_NONBLOCK); /* a writer that never closes */
	assert_true(w >= 0);
	assert_int_equal(write(w, "abc", 3), 3);
	assert_int_equal(read_file_sized(fifo, 1 << 20, 3, &data, &len, &truncated), 0);
	assert_int_equal(len, 3);
	assert_string_equal(data, "abc");
	free(data);
	assert_int_equal(write(w, "abc", 3), 3);
	assert_int_equal(read_file_sized(fifo, 1 << 20, 0, &data, &len, &truncated), -EAGAIN);
	assert_null(data);
	close(w);
	free(fifo);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_walk),
		cmocka_unit_test(test_depth_cap),
		cmocka_unit_test(test_missing_root),
		cmocka_unit_test(test_read_file_sized),
		cmocka_unit_test(test_read_stops_at_expected_size),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
