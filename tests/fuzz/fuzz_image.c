/*
 * libFuzzer target for the image reader: the bytes are an image archive (a
 * docker-archive or OCI layout tar, possibly compressed) held in memory. It
 * opens it, reads every manifest and config, streams every layer of every
 * image through a callback that reads content (capped) and applies each
 * entry to the whiteout tree, and frees. Caps are lowered so that a bomb
 * costs the fuzzer little. Nothing is written anywhere.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image_read.h"
#include "image_tree.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_check(int ok)
{
	if (!ok)
		abort();
}

struct fuzz_ctx {
	struct image_tree *tree;
	size_t layer, entries;
};

static int on_entry(const struct image_entry *e, struct image_layer_stream *ls, void *ctx)
{
	struct fuzz_ctx *f = ctx;
	char *buf = NULL;
	size_t len = 0, by;
	bool truncated = false;

	fuzz_check(e->path != NULL && e->raw_path != NULL);
	if (++f->entries > 5000)
		return 1;
	if (e->escapes)
		return 0;
	fuzz_check(strstr(e->path, "/../") == NULL && strncmp(e->path, "../", 3) != 0 && e->path[0] != '/');
	if (e->whiteout)
		image_tree_whiteout(f->tree, e->path, f->layer);
	else if (e->opaque)
		image_tree_opaque(f->tree, e->path, f->layer);
	else if (*e->path) {
		image_tree_put(f->tree, e->path, f->layer, e->type == IMAGE_DIR);
		(void)image_tree_state(f->tree, e->path, f->layer, &by);
	}
	if (e->type == IMAGE_FILE && image_entry_read(ls, 4096, &buf, &len, &truncated) == 0)
		fuzz_check(len <= 4096);
	free(buf);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct image_caps caps = {.max_file_bytes = 1 << 20, .max_image_bytes = 8 << 20};
	struct image_reader *r;
	char err[512];

	if (image_open_memory(data, size, &caps, &r, err, sizeof(err)) < 0)
		return 0;
	for (size_t i = 0; i < image_count(r); i++) {
		const struct image_ref *img = image_at(r, i);
		struct fuzz_ctx f = {.tree = image_tree_new()};
		uint64_t bytes = 0;

		fuzz_check(img->digest != NULL && img->n_layers <= IMAGE_MAX_LAYERS);
		for (size_t l = 0; l < img->n_layers && l < 16; l++) {
			f.layer = l;
			(void)image_layer_walk(r, img, l, on_entry, &f, &bytes, err, sizeof(err));
			fuzz_check(bytes <= caps.max_image_bytes + (1 << 16));
		}
		image_tree_free(f.tree);
	}
	for (size_t i = 0; i < image_problem_count(r); i++)
		fuzz_check(image_problem_at(r, i)->message != NULL);
	image_close(r);
	return 0;
}
