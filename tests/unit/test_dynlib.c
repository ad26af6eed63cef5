/* Libraries loaded on first use (src/dynlib.c): not mapped at start, mapped
 * by their first user, and a clear error naming the library and what needs
 * it when one cannot be loaded. */
#include "cmocka_prelude.h"

#include <errno.h>
#include <string.h>
#include <zlib.h>

#include "dynlib.h"
#include "image_read.h"
#include "repo.h"
#include "report.h"
#include "util.h"

#define ZLIB_FUNCTIONS(X) X(zlibVersion) X(crc32)

static struct {
	ZLIB_FUNCTIONS(DYNLIB_POINTER)
} z;
static const char *const z_names[] = {ZLIB_FUNCTIONS(DYNLIB_NAME)};

/* Runs first: the test binary links what assay links. */
static void test_lazy_libraries_not_mapped_at_start(void **state)
{
	(void)state;
	assert_false(dynlib_is_mapped(ASSAY_LIBGIT2_SONAME));
	assert_false(dynlib_is_mapped(ASSAY_LIBXML2_SONAME));
	assert_false(dynlib_is_mapped(ASSAY_LIBARCHIVE_SONAME));
	assert_false(dynlib_is_mapped(ASSAY_LIBHPDF_SONAME));
	/* the query itself works: a linked library is seen */
	assert_true(dynlib_is_mapped("libsqlite3.so.0"));
	/* by a name without its version too, but not by any start of one */
	assert_true(dynlib_is_mapped("libsqlite3.so"));
	assert_false(dynlib_is_mapped("libsqlite"));
}

static void test_loads_and_calls(void **state)
{
	struct dynlib lib = DYNLIB_INIT("libz.so.1", "the test", z_names, z);
	char err[256] = "";

	(void)state;
	assert_true(dynlib_load(&lib, err, sizeof(err)));
	assert_string_equal(err, "");
	assert_string_equal(z.zlibVersion(), zlibVersion());
	assert_int_equal(z.crc32(0, (const Bytef *)"abc", 3), crc32(0, (const Bytef *)"abc", 3));
	/* a second load is a no-op that still succeeds */
	assert_true(dynlib_load(&lib, NULL, 0));
}

static void test_missing_library_is_named(void **state)
{
	struct dynlib lib = DYNLIB_INIT("libassay-no-such-library.so.7", "the widgets", z_names, z);
	char err[256] = "", again[256] = "";

	(void)state;
	assert_false(dynlib_load(&lib, err, sizeof(err)));
	assert_non_null(strstr(err, "cannot load libassay-no-such-library.so.7, which the widgets need"));
	/* tried once: the same answer every time */
	assert_false(dynlib_load(&lib, again, sizeof(again)));
	assert_string_equal(err, again);
	assert_false(dynlib_is_mapped("libassay-no-such-library.so.7"));
}

static void test_missing_symbol_is_named(void **state)
{
	static const char *const names[] = {"zlibVersion", "assay_no_such_function"};
	struct {
		void *a, *b;
	} table;
	struct dynlib lib = DYNLIB_INIT("libz.so.1", "the widgets", names, table);
	char err[256] = "";

	(void)state;
	assert_false(dynlib_load(&lib, err, sizeof(err)));
	assert_string_equal(err, "libz.so.1, which the widgets need, has no assay_no_such_function");
}

static void test_table_must_match_names(void **state)
{
	static const char *const names[] = {"zlibVersion", "crc32", "adler32"};
	struct dynlib lib = DYNLIB_INIT("libz.so.1", "the widgets", names, z);
	char err[256] = "";

	(void)state;
	assert_false(dynlib_load(&lib, err, sizeof(err)));
	assert_non_null(strstr(err, "does not match its 3 names"));
}

static void test_empty_soname_says_built_without(void **state)
{
	struct dynlib lib = DYNLIB_INIT("", "the widgets", z_names, z);
	char err[256] = "";

	(void)state;
	assert_false(dynlib_load(&lib, err, sizeof(err)));
	assert_string_equal(err, "assay was built without the library the widgets need");
}

/* Each home loads its library when first asked for its format. */
static void test_homes_load_on_first_use(void **state)
{
	char err[1024] = "";
	struct image_reader *r = NULL;
	struct repo *repo = NULL;
	static const char not_a_tar[1024] = "not a tarball";

	(void)state;
	assert_false(dynlib_is_mapped(ASSAY_LIBGIT2_SONAME));
	/* /proc is in no repository: libgit2 is loaded to find that out */
	assert_int_equal(repo_open("/proc", &repo, err, sizeof(err)), -ENOENT);
	assert_null(repo);
	assert_true(dynlib_is_mapped(ASSAY_LIBGIT2_SONAME));

	assert_int_equal(report_format_check(REPORT_JSON, err, sizeof(err)), 0);
	assert_false(dynlib_is_mapped(ASSAY_LIBXML2_SONAME));
	assert_int_equal(report_format_check(REPORT_JUNIT, err, sizeof(err)), 0);
	assert_true(dynlib_is_mapped(ASSAY_LIBXML2_SONAME));

	assert_false(dynlib_is_mapped(ASSAY_LIBARCHIVE_SONAME));
	assert_int_not_equal(image_open_memory(not_a_tar, sizeof(not_a_tar), NULL, &r, err, sizeof(err)), 0);
	assert_null(r);
	assert_true(dynlib_is_mapped(ASSAY_LIBARCHIVE_SONAME));

	assert_false(dynlib_is_mapped(ASSAY_LIBHPDF_SONAME));
	/* the fonts may be missing here; libharu is loaded before they are looked for */
	report_format_check(REPORT_PDF, err, sizeof(err));
	assert_true(dynlib_is_mapped(ASSAY_LIBHPDF_SONAME));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lazy_libraries_not_mapped_at_start),
		cmocka_unit_test(test_loads_and_calls),
		cmocka_unit_test(test_missing_library_is_named),
		cmocka_unit_test(test_missing_symbol_is_named),
		cmocka_unit_test(test_table_must_match_names),
		cmocka_unit_test(test_empty_soname_says_built_without),
		cmocka_unit_test(test_homes_load_on_first_use),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
