/*
 * libFuzzer target for the dotenv parser: parses arbitrary bytes, reads
 * every byte of every entry and error it returns, checks the invariants
 * the rest of assay relies on (positions in range, values terminated,
 * error cap held), and frees. An invariant broken aborts, which the fuzzer
 * reports like a crash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dotenv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_check(int ok)
{
	if (!ok)
		abort();
}

static volatile unsigned fuzz_sink;

static void fuzz_touch(const char *p, size_t n)
{
	unsigned sum = 0;

	for (size_t i = 0; i < n; i++)
		sum += (unsigned char)p[i];
	fuzz_sink += sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dotenv_file f;
	size_t lines = 1;

	for (size_t i = 0; i < size; i++)
		if (data[i] == '\n' || (data[i] == '\r' && (i + 1 == size || data[i + 1] != '\n')))
			lines++;
	fuzz_check(dotenv_parse((const char *)data, size, &f) == 0);
	fuzz_check(f.n_errors <= DOTENV_MAX_ERRORS);
	fuzz_check(f.n_entries <= size / 2);
	for (size_t i = 0; i < f.n_entries; i++) {
		const struct dotenv_entry *e = &f.entries[i];
		size_t klen = strlen(e->key);

		fuzz_check(klen > 0 && klen < size);
		fuzz_check(e->value_len < size);
		fuzz_check(e->value[e->value_len] == '\0');
		fuzz_check(e->line >= 1 && e->line <= lines && e->column >= 1 && e->column <= size);
		fuzz_check(e->value_line >= e->line && e->value_line <= lines);
		fuzz_check(e->value_column >= 1 && e->value_column <= size + 1);
		fuzz_check(e->quote == 0 || e->quote == '"' || e->quote == '\'' || e->quote == '`');
		/* a statement always ends its line, so entries never share one */
		fuzz_check(i == 0 || e->line > f.entries[i - 1].line);
		fuzz_touch(e->key, klen + 1);
		fuzz_touch(e->value, e->value_len + 1);
	}
	for (size_t i = 0; i < f.n_errors; i++) {
		fuzz_check(f.errors[i].line >= 1 && f.errors[i].line <= lines);
		fuzz_check(f.errors[i].column >= 1 && f.errors[i].column <= size + 1);
		fuzz_touch(f.errors[i].message, strlen(f.errors[i].message));
	}
	dotenv_free(&f);
	fuzz_check(f.entries == NULL && f.n_entries == 0 && f.errors == NULL);
	return 0;
}
