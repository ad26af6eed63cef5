/*
 * SHA-256 (FIPS 180-4). Used for fingerprints, secret hashes, input digests
 * and the run hash chain. None of the chosen libraries exports a SHA-256 to
 * callers, so this small, test-vector-checked implementation is ours.
 */
#ifndef ASSAY_HASH_H
#define ASSAY_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SHA256_HEX_LEN 64

struct sha256 {
	uint32_t state[8];
	uint64_t bytes;
	uint8_t block[64];
	size_t fill;
};

void sha256_init(struct sha256 *h);
void sha256_update(struct sha256 *h, const void *data, size_t n);
/* Adds a string and its terminating NUL, so that fields cannot run into
 * each other ("ab","c" differs from "a","bc"). NULL adds a lone NUL. */
void sha256_field(struct sha256 *h, const char *s);
void sha256_final(struct sha256 *h, uint8_t out[32]);
void sha256_final_hex(struct sha256 *h, char out[SHA256_HEX_LEN + 1]);
void sha256_hex(const void *data, size_t n, char out[SHA256_HEX_LEN + 1]);
/* True when the processor's SHA extensions compute the blocks. */
bool sha256_accelerated(void);
/* For tests: use the portable block function even where the SHA
 * extensions exist (true), or go back to the best one (false). */
void sha256_force_portable(bool portable);

#endif
