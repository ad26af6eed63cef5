/*
 * The file tree of an image as its layers are applied in order: each path
 * remembers the layer that last wrote it and the layer whose whiteout
 * (.wh.name) or opaque marker (.wh..wh..opq) deleted it, so that any file of
 * any layer can be told present in the final image, deleted, or
 * overwritten. Memory grows with the number of paths, not their content.
 */
#ifndef ASSAY_IMAGE_TREE_H
#define ASSAY_IMAGE_TREE_H

#include <stdbool.h>
#include <stddef.h>

#include "image_checks.h"

struct image_tree;

struct image_tree *image_tree_new(void);
void image_tree_free(struct image_tree *t);

/* Layer `layer` (0-based) writes path (a file, a directory or a link). */
void image_tree_put(struct image_tree *t, const char *path, size_t layer, bool is_dir);
/* Layer `layer` deletes path and what is below it (.wh.<name>). */
void image_tree_whiteout(struct image_tree *t, const char *path, size_t layer);
/* Layer `layer` hides what lower layers put below dir (.wh..wh..opq). */
void image_tree_opaque(struct image_tree *t, const char *dir, size_t layer);
/* What became of the version of path that `layer` wrote; *by_layer is the
 * layer that deleted or overwrote it. An image_state_fn. */
enum image_file_state image_tree_state(void *tree, const char *path, size_t layer, size_t *by_layer);
size_t image_tree_size(const struct image_tree *t);

#endif
