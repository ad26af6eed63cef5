/*
 * The image.* rules over one container image (scanners/image_read.h): its
 * config (user, health check, environment, build history, exposed ports)
 * and every entry of every layer (secrets, sensitive files, setuid and
 * world-writable files). Layer findings wait for the end of the image:
 * only then is it known whether a file is in the final image or was
 * deleted by a later layer (still extractable from the layer that holds it).
 */
#ifndef ASSAY_IMAGE_CHECKS_H
#define ASSAY_IMAGE_CHECKS_H

#include "image_read.h"
#include "scan.h"

#define IMAGE_MAX_CANDIDATES 100000 /* layer findings held per image */

struct image_doc {
	const char *prefix; /* before every path: "" for an image target, "dir/app.tar!" inside a walk */
	const struct image_ref *img;
	const char *label;  /* the image's first tag, else its short digest */
};

/* What became of a file of layer L by the top of the image. */
enum image_file_state {
	IMAGE_FILE_PRESENT,  /* in the final image, as layer L wrote it */
	IMAGE_FILE_DELETED,  /* a later layer's whiteout deletes it */
	IMAGE_FILE_REPLACED, /* a later layer writes the same path again */
};

typedef enum image_file_state (*image_state_fn)(void *tree, const char *path, size_t layer, size_t *by_layer);

struct image_checks;

struct image_checks *image_checks_begin(struct scan *s, const struct image_doc *d);
/* The config rules: image.user-root, image.healthcheck-missing,
 * image.secret-in-env, image.secret-in-history, image.ssh-exposed. */
void image_check_config(struct image_checks *c);
/* One layer entry; data is the file's content (at most SECRETS_MAX_BYTES),
 * or NULL when it was not read. */
void image_check_entry(struct image_checks *c, const struct image_entry *e, size_t layer, const char *data,
		       size_t len);
/* Reports what the entries raised, judged by the final state of each file,
 * and frees. */
void image_checks_end(struct image_checks *c, image_state_fn state, void *tree);

/* A setuid/setgid file's severity by how expected it is (/usr/bin/passwd:
 * low; anything unknown: high). path has no leading '/'. */
enum severity image_setuid_severity(const char *path);

#endif
