/*
 * SHA-256 after FIPS 180-4, checked against the NIST test vectors in
 * tests/unit/test_hash.c. On x86-64 processors with the SHA extensions
 * the blocks go through them (several times faster: digests of every
 * scanned file and fingerprints of every finding are on a scan's critical
 * path); elsewhere through the portable code, which the tests also check
 * against the accelerated one.
 */
#include "hash.h"

#include <stdbool.h>
#include <string.h>

static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void blocks_portable(uint32_t state[8], const uint8_t *p, size_t n)
{
	for (; n; n--, p += 64) {
		uint32_t w[64], a, b, c, d, e, f, g, k, t1, t2;
		int i;

		for (i = 0; i < 16; i++)
			w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
			       (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
		for (i = 16; i < 64; i++) {
			uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
			uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
			w[i] = w[i - 16] + s0 + w[i - 7] + s1;
		}
		a = state[0]; b = state[1]; c = state[2]; d = state[3];
		e = state[4]; f = state[5]; g = state[6]; k = state[7];
		for (i = 0; i < 64; i++) {
			t1 = k + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
			t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
			k = g; g = f; f = e; e = d + t1;
			d = c; c = b; b = a; a = t1 + t2;
		}
		state[0] += a; state[1] += b; state[2] += c; state[3] += d;
		state[4] += e; state[5] += f; state[6] += g; state[7] += k;
	}
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#include <immintrin.h>

/* The x86 SHA extensions: two rounds per sha256rnds2, the message
 * schedule in sha256msg1/msg2. The state lives as ABEF and CDGH. */
__attribute__((target("sha,sse4.1"))) static void blocks_shani(uint32_t state[8], const uint8_t *p, size_t n)
{
	const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
	__m128i tmp = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&state[0]), 0xB1);
	__m128i st1 = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&state[4]), 0x1B);
	__m128i st0 = _mm_alignr_epi8(tmp, st1, 8);

	st1 = _mm_blend_epi16(st1, tmp, 0xF0);
	for (; n; n--, p += 64) {
		__m128i abef = st0, cdgh = st1, w[4], msg;

		for (int q = 0; q < 16; q++) {
			if (q < 4) {
				w[q] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * q)), bswap);
			} else {
				__m128i t = _mm_add_epi32(_mm_sha256msg1_epu32(w[q & 3], w[(q + 1) & 3]),
							  _mm_alignr_epi8(w[(q + 3) & 3], w[(q + 2) & 3], 4));
				w[q & 3] = _mm_sha256msg2_epu32(t, w[(q + 3) & 3]);
			}
			msg = _mm_add_epi32(w[q & 3], _mm_loadu_si128((const __m128i *)&K[4 * q]));
			st1 = _mm_sha256rnds2_epu32(st1, st0, msg);
			st0 = _mm_sha256rnds2_epu32(st0, st1, _mm_shuffle_epi32(msg, 0x0E));
		}
		st0 = _mm_add_epi32(st0, abef);
		st1 = _mm_add_epi32(st1, cdgh);
	}
	tmp = _mm_shuffle_epi32(st0, 0x1B);
	st1 = _mm_shuffle_epi32(st1, 0xB1);
	_mm_storeu_si128((__m128i *)&state[0], _mm_blend_epi16(tmp, st1, 0xF0));
	_mm_storeu_si128((__m128i *)&state[4], _mm_alignr_epi8(st1, tmp, 8));
}

static bool cpu_has_shani(void)
{
	unsigned a, b, c, d;

	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d) || !(b & (1u << 29)))
		return false; /* SHA */
	return __get_cpuid(1, &a, &b, &c, &d) && (c & (1u << 19)) && (c & (1u << 9)); /* SSE4.1, SSSE3 */
}
#else
static bool cpu_has_shani(void)
{
	return false;
}
#define blocks_shani blocks_portable
#endif

/* Chosen once, on first use (every thread would choose the same), or by
 * sha256_force_portable. */
static _Atomic int block_impl = -1; /* -1 unknown, 0 portable, 1 SHA extensions */

static int chosen_impl(void)
{
	int impl = block_impl;

	if (impl < 0) {
		impl = cpu_has_shani() ? 1 : 0;
		block_impl = impl;
	}
	return impl;
}

static void sha256_blocks(uint32_t state[8], const uint8_t *p, size_t n)
{
	if (chosen_impl())
		blocks_shani(state, p, n);
	else
		blocks_portable(state, p, n);
}

bool sha256_accelerated(void)
{
	return chosen_impl() == 1;
}

void sha256_force_portable(bool portable)
{
	block_impl = portable ? 0 : (cpu_has_shani() ? 1 : 0);
}

void sha256_init(struct sha256 *h)
{
	static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
				       0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
	memcpy(h->state, iv, sizeof(iv));
	h->bytes = 0;
	h->fill = 0;
}

void sha256_update(struct sha256 *h, const void *data, size_t n)
{
	const uint8_t *p = data;

	h->bytes += n;
	if (h->fill) {
		size_t take = 64 - h->fill < n ? 64 - h->fill : n;
		memcpy(h->block + h->fill, p, take);
		h->fill += take;
		p += take;
		n -= take;
		if (h->fill < 64)
			return;
		sha256_blocks(h->state, h->block, 1);
		h->fill = 0;
	}
	if (n >= 64) {
		sha256_blocks(h->state, p, n / 64);
		p += n - n % 64;
		n %= 64;
	}
	memcpy(h->block, p, n);
	h->fill = n;
}

void sha256_field(struct sha256 *h, const char *s)
{
	if (s)
		sha256_update(h, s, strlen(s) + 1);
	else
		sha256_update(h, "", 1);
}

void sha256_final(struct sha256 *h, uint8_t out[32])
{
	uint64_t bits = h->bytes * 8;
	int i;

	h->block[h->fill++] = 0x80;
	if (h->fill > 56) {
		memset(h->block + h->fill, 0, 64 - h->fill);
		sha256_blocks(h->state, h->block, 1);
		h->fill = 0;
	}
	memset(h->block + h->fill, 0, 56 - h->fill);
	for (i = 0; i < 8; i++)
		h->block[56 + i] = (uint8_t)(bits >> (56 - 8 * i));
	sha256_blocks(h->state, h->block, 1);
	for (i = 0; i < 8; i++) {
		out[4 * i] = (uint8_t)(h->state[i] >> 24);
		out[4 * i + 1] = (uint8_t)(h->state[i] >> 16);
		out[4 * i + 2] = (uint8_t)(h->state[i] >> 8);
		out[4 * i + 3] = (uint8_t)h->state[i];
	}
}

void sha256_final_hex(struct sha256 *h, char out[SHA256_HEX_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	uint8_t d[32];
	int i;

	sha256_final(h, d);
	for (i = 0; i < 32; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[64] = '\0';
}

void sha256_hex(const void *data, size_t n, char out[SHA256_HEX_LEN + 1])
{
	struct sha256 h;

	sha256_init(&h);
	sha256_update(&h, data, n);
	sha256_final_hex(&h, out);
}
