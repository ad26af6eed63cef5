/* Opening a repository ahead, on a thread: the opening started for a
 * directory is what opening that directory answers (the repository, or
 * the same error text a plain open gives); one started for another
 * directory, or never taken, is closed and leaves nothing behind. Paths
 * are looked up in the index and in HEAD's tree, which is read on first
 * use. */
#include "cmocka_prelude.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dynlib.h"
#include "repo.h"
#include "util.h"

struct dirs {
	char *repo;  /* a work tree with one commit */
	char *other; /* a second work tree, no commit */
	char *plain; /* no repository at or above it (in /tmp) */
	char head[64];
};

static char *new_temp_dir(void)
{
	char tmpl[] = "/tmp/assay-repo-XXXXXX", *dir = mkdtemp(tmpl);

	assert_non_null(dir);
	return xstrdup(dir);
}

static void run(const char *cmd)
{
	assert_int_equal(system(cmd), 0);
}

static int setup(void **state)
{
	struct dirs *d = xcalloc(1, sizeof(*d));
	char cmd[1024];
	FILE *p;

	d->repo = new_temp_dir();
	d->other = new_temp_dir();
	d->plain = new_temp_dir();
	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && git init -q . && echo a > a.txt && git add a.txt && "
		 "GIT_CONFIG_NOSYSTEM=1 HOME=/nonexistent git -c user.name=t -c user.email=t@example.com "
		 "commit -q -m one && cd '%s' && git init -q .",
		 d->repo, d->other);
	run(cmd);
	snprintf(cmd, sizeof(cmd), "git -C '%s' rev-parse HEAD", d->repo);
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_non_null(fgets(d->head, sizeof(d->head), p));
	d->head[strcspn(d->head, "\n")] = '\0';
	assert_int_equal(pclose(p), 0);
	*state = d;
	return 0;
}

static int teardown(void **state)
{
	struct dirs *d = *state;
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s' '%s'", d->repo, d->other, d->plain);
	run(cmd);
	free(d->repo);
	free(d->other);
	free(d->plain);
	free(d);
	return 0;
}

static void assert_workdir(const struct repo *r, const char *dir)
{
	char real[PATH_MAX];

	assert_non_null(realpath(dir, real));
	assert_string_equal(repo_workdir(r), real);
}

static void test_taken_for_its_directory(void **state)
{
	struct dirs *d = *state;
	struct repo_ahead *a = repo_open_ahead(d->repo);
	struct repo *r = NULL;
	char err[512] = "";

	assert_non_null(a);
	assert_int_equal(repo_open_via(&a, d->repo, &r, err, sizeof(err)), 0);
	assert_null(a);
	assert_non_null(r);
	assert_workdir(r, d->repo);
	assert_string_equal(repo_head_commit(r), d->head);
	repo_close(r);
}

static void test_other_directory_opened_afresh(void **state)
{
	struct dirs *d = *state;
	struct repo_ahead *a = repo_open_ahead(d->repo);
	struct repo *r = NULL;
	char err[512] = "";

	assert_int_equal(repo_open_via(&a, d->other, &r, err, sizeof(err)), 0);
	assert_null(a);
	assert_workdir(r, d->other);
	assert_null(repo_head_commit(r)); /* nothing committed there */
	repo_close(r);
}

static void test_error_handed_over(void **state)
{
	struct dirs *d = *state;
	struct repo_ahead *a = repo_open_ahead(d->plain);
	struct repo *r = NULL, *direct = NULL;
	char err[512] = "", direct_err[512] = "";

	assert_int_equal(repo_open_via(&a, d->plain, &r, err, sizeof(err)), -ENOENT);
	assert_null(a);
	assert_null(r);
	assert_int_equal(repo_open(d->plain, &direct, direct_err, sizeof(direct_err)), -ENOENT);
	assert_non_null(strstr(err, "cannot open git repository: "));
	assert_string_equal(err, direct_err);
}

/* a.txt committed then removed from the index (staged for deletion),
 * b.txt added to the index only, c.txt untracked. */
static void test_index_and_head_lookups(void **state)
{
	struct dirs *d = *state;
	struct repo *r = NULL;
	char err[512] = "", cmd[1024];
	bool in_index, in_head;

	snprintf(cmd, sizeof(cmd), "cd '%s' && git rm -q --cached a.txt && echo b > b.txt && git add b.txt && echo c > c.txt",
		 d->repo);
	run(cmd);
	assert_int_equal(repo_open(d->repo, &r, err, sizeof(err)), 0);
	assert_false(repo_in_index(r, "a.txt"));
	assert_true(repo_in_head(r, "a.txt"));
	assert_true(repo_in_index(r, "b.txt"));
	assert_false(repo_in_head(r, "b.txt"));
	repo_tracking(r, "c.txt", &in_index, &in_head);
	assert_false(in_index);
	assert_false(in_head);
	repo_tracking(r, "a.txt", &in_index, &in_head);
	assert_false(in_index);
	assert_true(in_head);
	repo_close(r);

	assert_int_equal(repo_open(d->other, &r, err, sizeof(err)), 0); /* no commit: no HEAD tree */
	assert_false(repo_in_head(r, "a.txt"));
	repo_close(r);
}

static void test_without_ahead_and_untaken(void **state)
{
	struct dirs *d = *state;
	struct repo_ahead *a = NULL;
	struct repo *r = NULL;
	char err[512] = "";

	assert_int_equal(repo_open_via(&a, d->repo, &r, err, sizeof(err)), 0);
	assert_workdir(r, d->repo);
	repo_close(r);
	repo_ahead_free(repo_open_ahead(d->repo)); /* leaks nothing (ASan, valgrind) */
	repo_ahead_free(NULL);
}

/* A libgit2 built on mbed TLS asks, as it starts, for the system's CA
 * bundle to be parsed; assay, which opens no connection, refuses
 * (repo.c), and the repository opens all the same. Without the binary
 * exporting its refusal (the Makefile's EXPORTS), libgit2 would call mbed
 * TLS's own and the count would not move. */
static void test_no_certificates_parsed(void **state)
{
	struct dirs *d = *state;
	struct repo *r = NULL;
	char err[512] = "";
	unsigned before = repo_certificate_files_refused();

	assert_int_equal(repo_open(d->repo, &r, err, sizeof(err)), 0);
	assert_string_equal(repo_head_commit(r), d->head);
	if (dynlib_is_mapped("libmbedx509.so"))
		assert_true(repo_certificate_files_refused() > before);
	else
		assert_int_equal(repo_certificate_files_refused(), before); /* another TLS library: never asked */
	repo_close(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_taken_for_its_directory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_directory_opened_afresh, setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_handed_over, setup, teardown),
		cmocka_unit_test_setup_teardown(test_index_and_head_lookups, setup, teardown),
		cmocka_unit_test_setup_teardown(test_without_ahead_and_untaken, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_certificates_parsed, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
