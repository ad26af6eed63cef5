/* Fuzz target: the secrets engine over arbitrary bytes, with a path that
 * the input chooses (its first line), so that path rules run too. The
 * engine is built once; every hit's fields are read back. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "secrets.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void touch_hit(const struct secret_hit *h, void *ctx)
{
	size_t *sum = ctx;

	if (h->offset + h->length > SECRETS_MAX_BYTES || !h->redacted || strlen(h->hash) != 64)
		abort();
	*sum += strlen(h->redacted) + h->line + h->column;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct secrets_engine *engine;
	const char *nl = memchr(data, '\n', size < 64 ? size : 64);
	char *path;
	size_t sum = 0;

	if (!engine) {
		char err[256];
		if (secrets_engine_new(&engine, err, sizeof(err)) < 0)
			abort();
	}
	path = nl ? xstrndup((const char *)data, (size_t)(nl - (const char *)data)) : xstrdup("input.txt");
	secrets_find(engine, path, (const char *)data, size, touch_hit, &sum);
	free(path);
	return 0;
}
