/* The walker: order, .git skipped, links never followed, problems said. */
#include "cmocka_prelude.h"

#include <errno.h>
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_walk),
		cmocka_unit_test(test_depth_cap),
		cmocka_unit_test(test_missing_root),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
