/*
 * Unit tests for the JUnit report (reports/junit.c) beyond what the e2e
 * tests validate against the schema: text that XML cannot hold (bytes that
 * are not UTF-8, control characters, U+FFFE) is escaped rather than
 * written, a write error is reported, and a missing run is -ENOENT. Each
 * test works on a store in its own temporary directory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "finding.h"
#include "report.h"
#include "store.h"
#include "util.h"

struct fixture {
	char dir[64];
	char db[128];
	struct store *st;
};

static int setup(void **state)
{
	struct fixture *fx = xcalloc(1, sizeof(*fx));
	char err[256];

	snprintf(fx->dir, sizeof(fx->dir), "/tmp/assay-junit-XXXXXX");
	if (!mkdtemp(fx->dir)) {
		free(fx);
		return -1;
	}
	snprintf(fx->db, sizeof(fx->db), "%s/assay.db", fx->dir);
	setenv("SOURCE_DATE_EPOCH", "1735689600", 1);
	if (store_open(fx->db, &fx->st, err, sizeof(err)) != 0) {
		free(fx);
		return -1;
	}
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	char path[160];

	store_close(fx->st);
	snprintf(path, sizeof(path), "%s-wal", fx->db);
	unlink(path);
	snprintf(path, sizeof(path), "%s-shm", fx->db);
	unlink(path);
	unlink(fx->db);
	rmdir(fx->dir);
	unsetenv("SOURCE_DATE_EPOCH");
	free(fx);
	return 0;
}

static int64_t run_with(struct store *st, const char *message, unsigned copies)
{
	struct finding f;
	char path[32];
	int64_t run = 0;

	assert_int_equal(store_run_begin(st, "assay scan .", "high", &run), 0);
	for (unsigned i = 0; i < copies; i++) {
		memset(&f, 0, sizeof(f));
		snprintf(path, sizeof(path), "f%u.env", i);
		f.rule = "env.weak-secret";
		f.severity = SEV_MEDIUM;
		f.target = ".";
		f.path = path;
		f.line = 1;
		f.message = message;
		f.identity = path;
		finding_fingerprint(&f);
		assert_int_equal(store_add_finding(st, run, &f), 0);
	}
	assert_int_equal(store_run_finish(st, run, 0), 0);
	return run;
}

static char *render(struct store *st, int64_t run, int *rc)
{
	char *doc = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&doc, &len);

	assert_non_null(out);
	*rc = report_junit(st, run, out);
	fclose(out);
	return doc;
}

static void test_text_xml_cannot_hold_is_escaped(void **state)
{
	struct fixture *fx = *state;
	int64_t run = run_with(fx->st, "bad \xff byte, \x01 control, \xef\xbf\xbe non-character, fine \xc3\xa9", 1);
	int rc;
	char *doc = render(fx->st, run, &rc);

	assert_int_equal(rc, 0);
	assert_non_null(strstr(doc, "bad \\xFF byte, \\x01 control, \\xEF\\xBF\\xBE non-character, fine \xc3\xa9"));
	assert_null(strchr(doc, '\x01'));
	assert_null(strstr(doc, "\xef\xbf\xbe"));
	assert_null(strstr(doc, "\xff"));
	free(doc);
}

static void test_write_error_is_reported(void **state)
{
	struct fixture *fx = *state;
	int64_t run = run_with(fx->st, "a finding to fill the buffer of a file that cannot be written", 400);
	FILE *full = fopen("/dev/full", "w");
	int rc;

	if (!full)
		skip();
	rc = report_junit(fx->st, run, full);
	fclose(full);
	assert_int_equal(rc, -EIO);
}

static void test_missing_run(void **state)
{
	struct fixture *fx = *state;
	int rc;
	char *doc = render(fx->st, 42, &rc);

	assert_int_equal(rc, -ENOENT);
	free(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_text_xml_cannot_hold_is_escaped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_error_is_reported, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_run, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
