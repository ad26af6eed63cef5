/* SHA-256 against the FIPS 180-4 / NIST example vectors. */
#include "cmocka_prelude.h"

#include <string.h>

#include "hash.h"
#include "util.h"

static void test_empty(void **state)
{
	char hex[65];
	(void)state;
	sha256_hex("", 0, hex);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_abc(void **state)
{
	char hex[65];
	(void)state;
	sha256_hex("abc", 3, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_two_blocks(void **state)
{
	const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	char hex[65];
	(void)state;
	sha256_hex(m, strlen(m), hex);
	assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void test_million_a_streamed(void **state)
{
	struct sha256 h;
	char chunk[1000], hex[65];
	(void)state;
	memset(chunk, 'a', sizeof(chunk));
	sha256_init(&h);
	/* Odd-sized pieces exercise the partial-block path. */
	for (int i = 0; i < 1000; i++) {
		sha256_update(&h, chunk, 333);
		sha256_update(&h, chunk, 667);
	}
	sha256_final_hex(&h, hex);
	assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void test_fields_do_not_run_together(void **state)
{
	struct sha256 a, b;
	char ha[65], hb[65];
	(void)state;
	sha256_init(&a);
	sha256_field(&a, "ab");
	sha256_field(&a, "c");
	sha256_init(&b);
	sha256_field(&b, "a");
	sha256_field(&b, "bc");
	sha256_final_hex(&a, ha);
	sha256_final_hex(&b, hb);
	assert_string_not_equal(ha, hb);
}

/* Every NIST vector again through the portable block function. */
static void test_vectors_portable(void **state)
{
	sha256_force_portable(true);
	test_empty(state);
	test_abc(state);
	test_two_blocks(state);
	test_million_a_streamed(state);
	sha256_force_portable(false);
}

/* The two block functions agree on every length around the block and
 * padding boundaries, fed whole and in uneven pieces. */
static void test_portable_and_accelerated_agree(void **state)
{
	unsigned char data[4096];
	uint32_t x = 2463534242u;
	(void)state;
	if (!sha256_accelerated())
		skip(); /* nothing to compare on this processor */
	for (size_t i = 0; i < sizeof(data); i++) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		data[i] = (unsigned char)x;
	}
	for (size_t n = 0; n <= sizeof(data); n += n < 200 ? 1 : 61) {
		char fast[65], slow[65];
		struct sha256 h;

		sha256_hex(data, n, fast);
		sha256_force_portable(true);
		sha256_init(&h);
		for (size_t off = 0; off < n; off += 37)
			sha256_update(&h, data + off, n - off < 37 ? n - off : 37);
		sha256_final_hex(&h, slow);
		sha256_force_portable(false);
		assert_string_equal(fast, slow);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_abc),
		cmocka_unit_test(test_two_blocks),
		cmocka_unit_test(test_million_a_streamed),
		cmocka_unit_test(test_fields_do_not_run_together),
		cmocka_unit_test(test_vectors_portable),
		cmocka_unit_test(test_portable_and_accelerated_agree),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
