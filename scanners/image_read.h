/*
 * The image reader (libarchive's and, with reports/json.c, jansson's home):
 * opens a container image archive in place — a `docker save` tar
 * (manifest.json, several images possible), an OCI image layout as a
 * directory or a tar (oci-layout, index.json, nested indexes, manifests by
 * media type) — and streams the entries of each layer, gzip, zstd or
 * uncompressed, to a callback. Nothing is extracted to disk, no declared
 * size is trusted, every read is capped, and a layer blob is checked
 * against its digest as it streams by.
 */
#ifndef ASSAY_IMAGE_READ_H
#define ASSAY_IMAGE_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IMAGE_MAX_JSON_BYTES (8u << 20)        /* one manifest, index or config */
#define IMAGE_MAX_KEPT_BYTES (64u << 20)       /* all JSON kept from an archive */
#define IMAGE_MAX_IMAGES 256                   /* per archive */
#define IMAGE_MAX_LAYERS 1000                  /* per image */
#define IMAGE_MAX_INDEX_DEPTH 8                /* nested indexes */
#define IMAGE_MAX_ENTRIES 2000000              /* per layer, and per archive listing */
#define IMAGE_MAX_LINK_HOPS 8                  /* links inside an archive followed to find a blob */
#define IMAGE_DEFAULT_MAX_FILE_BYTES (1ull << 30)   /* decompressed, one file in a layer */
#define IMAGE_DEFAULT_MAX_IMAGE_BYTES (32ull << 30) /* decompressed, all layers of an image */

struct image_reader;

struct image_layer {
	char *blob;       /* where it is in the archive or layout ("blobs/sha256/<hex>", "<id>/layer.tar") */
	char *digest;     /* what identifies it: descriptor digest, else the diff_id; "sha256:<hex>" */
	char *expect;     /* the digest its bytes must have, or NULL when nothing says */
	char *media_type; /* NULL for docker-archive */
	int64_t size;     /* declared; only reported, never trusted */
};

struct image_config {
	bool parsed; /* the config was read and was a JSON object */
	char *user;
	bool has_healthcheck, healthcheck_none;
	char **env;
	size_t n_env;
	char **history; /* created_by of each history entry */
	size_t n_history;
	char **ports; /* ExposedPorts keys: "22/tcp" */
	size_t n_ports;
	char **diff_ids;
	size_t n_diff_ids;
	char *os, *arch, *variant;
};

struct image_ref {
	char *digest;          /* manifest digest (OCI), else the config digest (docker's image id) */
	char *config_digest;
	char *config_blob;
	char **tags;
	size_t n_tags;
	struct image_layer *layers;
	size_t n_layers;
	struct image_config config;
};

/* Something wrong with the archive that is not fatal: a missing layer, a
 * config that is not JSON. `where` names the file in the archive. */
struct image_problem {
	char *where;
	char *message;
};

struct image_caps {
	uint64_t max_file_bytes;  /* 0: IMAGE_DEFAULT_MAX_FILE_BYTES */
	uint64_t max_image_bytes; /* 0: IMAGE_DEFAULT_MAX_IMAGE_BYTES */
};

/* Whether path is an image: a directory holding oci-layout and index.json,
 * or a tar (possibly gzip or zstd compressed) holding manifest.json or
 * oci-layout with index.json. Reads at most the archive's listing. */
bool image_probe(const char *path);

/* Opens the image archive or layout at path and reads its manifests and
 * configs. Returns 0 (with problems possibly recorded), or a negative code
 * with a one-line reason in err when nothing could be read. */
int image_open(const char *path, const struct image_caps *caps, struct image_reader **out, char *err, size_t errlen);
/* As image_open, for an archive held in memory (the fuzz target). */
int image_open_memory(const void *data, size_t len, const struct image_caps *caps, struct image_reader **out,
		      char *err, size_t errlen);
void image_close(struct image_reader *r);

size_t image_count(const struct image_reader *r);
const struct image_ref *image_at(const struct image_reader *r, size_t i);
/* "docker-archive" or "oci-layout". */
const char *image_format(const struct image_reader *r);
size_t image_problem_count(const struct image_reader *r);
const struct image_problem *image_problem_at(const struct image_reader *r, size_t i);

enum image_entry_type { IMAGE_FILE, IMAGE_DIR, IMAGE_SYMLINK, IMAGE_HARDLINK, IMAGE_OTHER };

/* One entry of a layer as the callback sees it. */
struct image_entry {
	const char *path;      /* normalised: relative to the image root, no "./", no "..", no trailing '/' */
	const char *raw_path;  /* as written in the layer (for messages) */
	enum image_entry_type type;
	unsigned mode;         /* permission bits, setuid/setgid/sticky included */
	int64_t uid, gid;
	int64_t size;          /* declared size */
	const char *link;      /* symlink or hard link target, else NULL */
	bool whiteout;         /* .wh.<name>: path is what it deletes */
	bool opaque;           /* .wh..wh..opq: path is the directory made opaque */
	bool absolute;         /* the raw path was absolute */
	bool escapes;          /* the raw path, or a link target, leaves the image root */
};

struct image_layer_stream;

/* Reads the current regular file's content, at most cap bytes (the rest is
 * drained by the reader under the decompression caps). *truncated is set
 * when there is more. Returns 0 or a negative code. */
int image_entry_read(struct image_layer_stream *ls, size_t cap, char **data, size_t *len, bool *truncated);

/* Return nonzero to stop the walk (the value is returned by image_layer_walk). */
typedef int (*image_entry_cb)(const struct image_entry *e, struct image_layer_stream *ls, void *ctx);

/* Streams the entries of layer `layer` of image `img` in order. Returns 0,
 * the callback's nonzero value, or a negative code with the reason in err
 * (the blob is missing, truncated, not a tar, over a cap, or does not match
 * its digest). Entries before the error were delivered. `*bytes` gets the
 * decompressed bytes read, which count against the image cap. */
int image_layer_walk(struct image_reader *r, const struct image_ref *img, size_t layer, image_entry_cb cb, void *ctx,
		     uint64_t *bytes, char *err, size_t errlen);

/* Normalises a path from a layer: strips "./" and leading '/', resolves
 * "." and ".." without leaving the root. Returns false when it would leave
 * the root; *absolute says whether it started with '/'. out has room for
 * n bytes. */
bool image_path_normalise(const char *raw, char *out, size_t n, bool *absolute);

#endif
