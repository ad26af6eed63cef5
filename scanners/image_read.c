/*
 * The image reader (see image_read.h). An archive is read twice over: a
 * listing pass keeps the names of its entries and the small JSON files
 * (manifest.json, index.json, configs, OCI manifests) in memory, then each
 * layer is streamed on demand — the outer tar is reopened and skipped to
 * the layer's entry (a seek for an uncompressed tar), and a nested
 * libarchive reader decompresses the layer as the outer one yields it. An
 * OCI layout directory is read the same way, each blob opened beneath the
 * layout without following a link. Every size that an input declares is
 * only reported; what bounds memory and time are the caps in image_read.h,
 * counted on the bytes actually produced.
 */
#include "image_read.h"

#include <archive.h>
#include <archive_entry.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hash.h"
#include "dynlib.h"
#include "util.h"

/* libarchive is loaded when an image tarball is first read (dynlib.h). */
#define ARCHIVE_FUNCTIONS(X) \
	X(archive_entry_filetype) X(archive_entry_gid) X(archive_entry_hardlink) X(archive_entry_pathname) \
	X(archive_entry_perm) X(archive_entry_size) X(archive_entry_symlink) X(archive_entry_uid) \
	X(archive_error_string) X(archive_read_data) X(archive_read_data_block) X(archive_read_free) \
	X(archive_read_new) X(archive_read_next_header) X(archive_read_open) X(archive_read_open_fd) \
	X(archive_read_open_memory) X(archive_read_support_filter_bzip2) \
	X(archive_read_support_filter_gzip) X(archive_read_support_filter_xz) \
	X(archive_read_support_filter_zstd) X(archive_read_support_format_tar) X(archive_set_error)

DYNLIB_DEFINE(la, ARCHIVE_FUNCTIONS, ASSAY_LIBARCHIVE_SONAME, "image tarballs");

#define IMAGE_PROBE_MAX_ENTRIES 5000
#define IMAGE_MAX_PATH 4096
#define IMAGE_MAX_HISTORY 10000
#define IMAGE_MAX_TAGS 1000
#define BLOCK 65536

enum src_kind { SRC_DIR, SRC_TAR_FILE, SRC_TAR_MEMORY };

struct kept_file {
	char *name;
	char *data;
	size_t len;
};

/* One entry of an archive's listing, for finding blobs and following links. */
struct listed {
	char *name;
	char type; /* 'f' file, 'l' symlink, 'h' hard link, 'd' directory, 'o' other */
	char *link;
};

struct image_reader {
	enum src_kind kind;
	int fd; /* the tar file, or the layout directory */
	const void *mem;
	size_t mem_len;
	struct kept_file *kept;
	size_t n_kept, kept_bytes;
	struct listed *listing;
	size_t n_listing;
	struct image_ref *images;
	size_t n_images;
	struct image_problem *problems;
	size_t n_problems;
	const char *format;
	struct image_caps caps;
};

static void problem(struct image_reader *r, const char *where, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void problem(struct image_reader *r, const char *where, const char *fmt, ...)
{
	struct buf b;
	va_list ap;

	if (r->n_problems >= 1000)
		return;
	buf_init(&b);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	r->problems = xrealloc(r->problems, (r->n_problems + 1) * sizeof(*r->problems));
	r->problems[r->n_problems].where = xstrdup(where ? where : "");
	r->problems[r->n_problems].message = buf_steal(&b);
	r->n_problems++;
}

/* ---- paths ---------------------------------------------------------------- */

bool image_path_normalise(const char *raw, char *out, size_t n, bool *absolute)
{
	size_t len = 0;
	const char *p = raw;

	*absolute = raw[0] == '/';
	if (!n)
		return false;
	out[0] = '\0';
	while (*p) {
		const char *seg = p;
		size_t sl;
		while (*p && *p != '/')
			p++;
		sl = (size_t)(p - seg);
		while (*p == '/')
			p++;
		if (sl == 0 || (sl == 1 && seg[0] == '.'))
			continue;
		if (sl == 2 && seg[0] == '.' && seg[1] == '.') {
			if (len == 0)
				return false;
			while (len > 0 && out[len - 1] != '/')
				len--;
			if (len > 0)
				len--;
			out[len] = '\0';
			continue;
		}
		if (len + (len ? 1 : 0) + sl + 1 > n)
			return false;
		if (len)
			out[len++] = '/';
		memcpy(out + len, seg, sl);
		len += sl;
		out[len] = '\0';
	}
	return true;
}

/* Joins a link target to the directory of the entry holding it. */
static bool resolve_link(const char *entry, const char *link, char *out, size_t n)
{
	char joined[IMAGE_MAX_PATH * 2 + 2];
	const char *slash = strrchr(entry, '/');
	bool abs;

	if (link[0] == '/')
		return image_path_normalise(link, out, n, &abs);
	snprintf(joined, sizeof(joined), "%.*s/%s", slash ? (int)(slash - entry) : 0, entry, link);
	return image_path_normalise(joined, out, n, &abs);
}

static bool valid_digest(const char *d)
{
	size_t hex;

	if (str_starts_with(d, "sha256:"))
		hex = 64, d += 7;
	else if (str_starts_with(d, "sha512:"))
		hex = 128, d += 7;
	else
		return false;
	for (size_t i = 0; i < hex; i++)
		if (!((d[i] >= '0' && d[i] <= '9') || (d[i] >= 'a' && d[i] <= 'f')))
			return false;
	return d[hex] == '\0';
}

/* "sha256:<hex>" -> "blobs/sha256/<hex>"; the digest was validated. */
static char *blob_path(const char *digest)
{
	const char *colon = strchr(digest, ':');
	return xasprintf("blobs/%.*s/%s", (int)(colon - digest), digest, colon + 1);
}

/* "blobs/sha256/<hex>" -> "sha256:<hex>", else NULL. */
static char *digest_of_blob_path(const char *path)
{
	char *d;

	if (!str_starts_with(path, "blobs/sha256/") || strchr(path + 13, '/'))
		return NULL;
	d = xasprintf("sha256:%s", path + 13);
	if (valid_digest(d))
		return d;
	free(d);
	return NULL;
}

/* ---- the outer archive ------------------------------------------------------ */

static struct archive *archive_new_reader(void)
{
	struct archive *a = la.archive_read_new();

	la.archive_read_support_format_tar(a);
	/* Built-in decompressors only (libarchive is linked against zlib, libzstd,
	 * libbz2 and liblzma here): no external program ever runs. */
	la.archive_read_support_filter_gzip(a);
	la.archive_read_support_filter_zstd(a);
	la.archive_read_support_filter_bzip2(a);
	la.archive_read_support_filter_xz(a);
	return a;
}

static int outer_open(struct image_reader *r, struct archive **out)
{
	struct archive *a = archive_new_reader();
	int rc;

	if (r->kind == SRC_TAR_FILE) {
		if (lseek(r->fd, 0, SEEK_SET) < 0) {
			la.archive_read_free(a);
			return -errno;
		}
		rc = la.archive_read_open_fd(a, r->fd, BLOCK);
	} else {
		rc = la.archive_read_open_memory(a, r->mem, r->mem_len);
	}
	if (rc != ARCHIVE_OK) {
		la.archive_read_free(a);
		return -EINVAL;
	}
	*out = a;
	return 0;
}

static char listed_type(struct archive_entry *ae)
{
	if (la.archive_entry_hardlink(ae))
		return 'h';
	switch (la.archive_entry_filetype(ae)) {
	case AE_IFREG: return 'f';
	case AE_IFLNK: return 'l';
	case AE_IFDIR: return 'd';
	default: return 'o';
	}
}

static bool looks_json_name(const char *name)
{
	return strcmp(name, "manifest.json") == 0 || strcmp(name, "index.json") == 0 || strcmp(name, "oci-layout") == 0 ||
	       str_ends_with(name, ".json") || str_starts_with(name, "blobs/");
}

/* Reads the current entry, at most cap bytes; -EFBIG when there is more. */
static int read_entry_capped(struct archive *a, size_t cap, char **data, size_t *len)
{
	struct buf b;
	char chunk[BLOCK];
	la_ssize_t n;

	buf_init(&b);
	buf_puts(&b, "");
	while ((n = la.archive_read_data(a, chunk, sizeof(chunk))) > 0) {
		if (b.len + (size_t)n > cap) {
			buf_free(&b);
			return -EFBIG;
		}
		buf_append(&b, chunk, (size_t)n);
	}
	if (n < 0) {
		buf_free(&b);
		return -EIO;
	}
	*len = b.len;
	*data = buf_steal(&b);
	return 0;
}

/* Keeps an entry that may be JSON: a blob is kept only when it starts like
 * JSON, so that layers are never held in memory. */
static void keep_if_json(struct image_reader *r, struct archive *a, const char *name, int64_t declared)
{
	char *data = NULL;
	size_t len = 0, i = 0;

	if (declared < 0 || (uint64_t)declared > IMAGE_MAX_JSON_BYTES || !looks_json_name(name))
		return;
	if (read_entry_capped(a, IMAGE_MAX_JSON_BYTES, &data, &len) < 0)
		return;
	while (i < len && isspace((unsigned char)data[i]))
		i++;
	if ((i == len || (data[i] != '{' && data[i] != '[')) || r->kept_bytes + len > IMAGE_MAX_KEPT_BYTES) {
		if (r->kept_bytes + len > IMAGE_MAX_KEPT_BYTES)
			problem(r, name, "more than %u MiB of JSON in the archive; this file was not read",
				IMAGE_MAX_KEPT_BYTES >> 20);
		free(data);
		return;
	}
	r->kept = xrealloc(r->kept, (r->n_kept + 1) * sizeof(*r->kept));
	r->kept[r->n_kept].name = xstrdup(name);
	r->kept[r->n_kept].data = data;
	r->kept[r->n_kept].len = len;
	r->n_kept++;
	r->kept_bytes += len;
}

static void add_listed(struct image_reader *r, const char *name, char type, const char *link)
{
	if ((r->n_listing & (r->n_listing - 1)) == 0)
		r->listing = xrealloc(r->listing, (r->n_listing ? r->n_listing * 2 : 1) * sizeof(*r->listing));
	r->listing[r->n_listing].name = xstrdup(name);
	r->listing[r->n_listing].type = type;
	r->listing[r->n_listing].link = link ? xstrdup(link) : NULL;
	r->n_listing++;
}

/* The listing pass over a tar source. */
static int list_archive(struct image_reader *r, char *err, size_t errlen)
{
	struct archive *a;
	struct archive_entry *ae;
	char name[IMAGE_MAX_PATH];
	int rc, step;
	bool abs;

	rc = outer_open(r, &a);
	if (rc < 0) {
		snprintf(err, errlen, "cannot read the archive: %s", strerror(-rc));
		return rc;
	}
	while ((step = la.archive_read_next_header(a, &ae)) == ARCHIVE_OK || step == ARCHIVE_WARN) {
		const char *raw = la.archive_entry_pathname(ae);
		char type = listed_type(ae);
		if (r->n_listing >= IMAGE_MAX_ENTRIES) {
			problem(r, "", "more than %d entries in the archive; the rest were not listed", IMAGE_MAX_ENTRIES);
			break;
		}
		if (!raw || !image_path_normalise(raw, name, sizeof(name), &abs) || !*name) {
			problem(r, raw ? raw : "", "entry name leaves the archive root or is too long; ignored");
			continue;
		}
		add_listed(r, name, type,
			   type == 'l' ? la.archive_entry_symlink(ae) : type == 'h' ? la.archive_entry_hardlink(ae) : NULL);
		if (type == 'f')
			keep_if_json(r, a, name, la.archive_entry_size(ae));
	}
	if (step != ARCHIVE_EOF && step != ARCHIVE_OK && step != ARCHIVE_WARN) {
		const char *why = la.archive_error_string(a);
		if (r->n_listing == 0) {
			snprintf(err, errlen, "not a readable tar archive: %s", why ? why : "unknown error");
			rc = -EINVAL;
		} else {
			problem(r, "", "the archive is truncated or corrupt: %s", why ? why : "unknown error");
		}
	}
	la.archive_read_free(a);
	return rc;
}

/* Follows links in the listing to the regular file that holds name's data.
 * Returns the listing index, or -1. */
static long find_listed(const struct image_reader *r, const char *name)
{
	char cur[IMAGE_MAX_PATH], next[IMAGE_MAX_PATH];

	snprintf(cur, sizeof(cur), "%s", name);
	for (int hop = 0; hop <= IMAGE_MAX_LINK_HOPS; hop++) {
		long found = -1;
		for (size_t i = r->n_listing; i-- > 0;)
			if (strcmp(r->listing[i].name, cur) == 0) {
				found = (long)i;
				break;
			}
		if (found < 0)
			return -1;
		const struct listed *l = &r->listing[found];
		if (l->type == 'f')
			return found;
		if (!l->link)
			return -1;
		if (l->type == 'l' ? !resolve_link(cur, l->link, next, sizeof(next))
				   : !image_path_normalise(l->link, next, sizeof(next), &(bool){false}))
			return -1;
		memcpy(cur, next, sizeof(cur));
	}
	return -1;
}

/* ---- reading small files ---------------------------------------------------- */

/* Opens rel beneath the directory fd, refusing links at every step. */
static int open_beneath(int dirfd, const char *rel)
{
	char part[IMAGE_MAX_PATH];
	int fd = dup(dirfd);
	const char *p = rel;

	if (fd < 0)
		return -errno;
	while (*p) {
		size_t n = strcspn(p, "/");
		bool last = p[n] == '\0';
		int next;
		if (n >= sizeof(part)) {
			close(fd);
			return -ENAMETOOLONG;
		}
		memcpy(part, p, n);
		part[n] = '\0';
		next = openat(fd, part, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | (last ? 0 : O_DIRECTORY));
		close(fd);
		if (next < 0)
			return errno == ELOOP ? -ELOOP : -errno;
		fd = next;
		p += n;
		while (*p == '/')
			p++;
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	return fd;
}

static int read_fd_capped(int fd, size_t cap, char **data, size_t *len)
{
	struct buf b;
	char chunk[BLOCK];
	ssize_t n;

	buf_init(&b);
	buf_puts(&b, "");
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			buf_free(&b);
			return -errno;
		}
		if (b.len + (size_t)n > cap) {
			buf_free(&b);
			return -EFBIG;
		}
		buf_append(&b, chunk, (size_t)n);
	}
	*len = b.len;
	*data = buf_steal(&b);
	return 0;
}

/* A small file of the source (manifest, index, config): a copy in *data. */
static int get_file(struct image_reader *r, const char *name, char **data, size_t *len)
{
	long i;

	if (r->kind == SRC_DIR) {
		int fd = open_beneath(r->fd, name), rc;
		if (fd < 0)
			return fd;
		rc = read_fd_capped(fd, IMAGE_MAX_JSON_BYTES, data, len);
		close(fd);
		return rc;
	}
	i = find_listed(r, name);
	if (i < 0)
		return -ENOENT;
	for (size_t k = 0; k < r->n_kept; k++) {
		if (strcmp(r->kept[k].name, r->listing[i].name) == 0) {
			*data = xmalloc(r->kept[k].len + 1);
			memcpy(*data, r->kept[k].data, r->kept[k].len);
			(*data)[r->kept[k].len] = '\0';
			*len = r->kept[k].len;
			return 0;
		}
	}
	return -EFBIG; /* present but not kept: too large, or not JSON */
}

static const char *get_error(int rc)
{
	return rc == -ENOENT ? "missing" : rc == -EFBIG ? "over the 8 MiB cap or not JSON" : rc == -ELOOP ? "a symbolic link"
												  : strerror(-rc);
}

/* ---- configs and manifests ---------------------------------------------------- */

static char *json_strdup(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? xstrdup(s) : NULL;
}

static void string_array(json_t *arr, size_t max, char ***out, size_t *n)
{
	size_t i;
	json_t *v;

	if (!json_is_array(arr))
		return;
	json_array_foreach(arr, i, v) {
		if (*n >= max)
			break;
		if (json_is_string(v)) {
			*out = xrealloc(*out, (*n + 1) * sizeof(char *));
			(*out)[(*n)++] = xstrdup(json_string_value(v));
		}
	}
}

static void parse_config(struct image_config *c, json_t *root)
{
	json_t *cfg = json_object_get(root, "config"), *hc, *test, *hist, *v, *ports;
	const char *key;
	size_t i;

	c->parsed = true;
	c->os = json_strdup(root, "os");
	c->arch = json_strdup(root, "architecture");
	c->variant = json_strdup(root, "variant");
	if (json_is_object(cfg)) {
		c->user = json_strdup(cfg, "User");
		string_array(json_object_get(cfg, "Env"), 10000, &c->env, &c->n_env);
		ports = json_object_get(cfg, "ExposedPorts");
		if (json_is_object(ports))
			json_object_foreach(ports, key, v) {
				if (c->n_ports >= 10000)
					break;
				c->ports = xrealloc(c->ports, (c->n_ports + 1) * sizeof(char *));
				c->ports[c->n_ports++] = xstrdup(key);
			}
		hc = json_object_get(cfg, "Healthcheck");
		test = json_object_get(hc, "Test");
		if (json_is_array(test) && json_array_size(test) > 0) {
			const char *t0 = json_string_value(json_array_get(test, 0));
			if (t0 && strcmp(t0, "NONE") == 0)
				c->healthcheck_none = true;
			else
				c->has_healthcheck = true;
		}
	}
	string_array(json_object_get(json_object_get(root, "rootfs"), "diff_ids"), IMAGE_MAX_LAYERS, &c->diff_ids,
		     &c->n_diff_ids);
	hist = json_object_get(root, "history");
	if (json_is_array(hist))
		json_array_foreach(hist, i, v) {
			const char *cb = json_string_value(json_object_get(v, "created_by"));
			if (c->n_history >= IMAGE_MAX_HISTORY)
				break;
			c->history = xrealloc(c->history, (c->n_history + 1) * sizeof(char *));
			c->history[c->n_history++] = xstrdup(cb ? cb : "");
		}
}

/* Reads and parses an image's config; sets its digest from its bytes. */
static void load_config(struct image_reader *r, struct image_ref *img)
{
	char *data = NULL, hex[SHA256_HEX_LEN + 1];
	size_t len = 0;
	json_error_t jerr;
	json_t *root;
	int rc = get_file(r, img->config_blob, &data, &len);

	if (rc < 0) {
		problem(r, img->config_blob, "image config is %s; the config checks were skipped", get_error(rc));
		return;
	}
	sha256_hex(data, len, hex);
	if (!img->config_digest)
		img->config_digest = xasprintf("sha256:%s", hex);
	else if (str_starts_with(img->config_digest, "sha256:") && strcmp(img->config_digest + 7, hex) != 0)
		problem(r, img->config_blob, "image config does not match its digest %s", img->config_digest);
	root = json_loadb(data, len, 0, &jerr);
	if (!json_is_object(root))
		problem(r, img->config_blob, "image config is not a JSON object (line %d: %s); the config checks were skipped",
			jerr.line, root ? "not an object" : jerr.text);
	else
		parse_config(&img->config, root);
	json_decref(root);
	free(data);
}

static struct image_ref *new_image(struct image_reader *r)
{
	if (r->n_images >= IMAGE_MAX_IMAGES)
		return NULL;
	r->images = xrealloc(r->images, (r->n_images + 1) * sizeof(*r->images));
	memset(&r->images[r->n_images], 0, sizeof(*r->images));
	return &r->images[r->n_images++];
}

static void add_tag(struct image_ref *img, const char *tag)
{
	for (size_t i = 0; i < img->n_tags; i++)
		if (strcmp(img->tags[i], tag) == 0)
			return;
	if (img->n_tags >= IMAGE_MAX_TAGS)
		return;
	img->tags = xrealloc(img->tags, (img->n_tags + 1) * sizeof(char *));
	img->tags[img->n_tags++] = xstrdup(tag);
}

static struct image_layer *add_layer(struct image_ref *img)
{
	img->layers = xrealloc(img->layers, (img->n_layers + 1) * sizeof(*img->layers));
	memset(&img->layers[img->n_layers], 0, sizeof(*img->layers));
	return &img->layers[img->n_layers++];
}

/* Layer digests of a docker-archive: the blob path's digest, else the
 * config's diff_id (legacy layer.tar files are uncompressed, so their bytes
 * must hash to it). */
static void docker_layer_digests(struct image_ref *img)
{
	for (size_t i = 0; i < img->n_layers; i++) {
		struct image_layer *l = &img->layers[i];
		const char *diff = i < img->config.n_diff_ids && valid_digest(img->config.diff_ids[i])
					   ? img->config.diff_ids[i] : NULL;
		char *d = digest_of_blob_path(l->blob);
		if (d) {
			l->digest = d;
			l->expect = xstrdup(d);
		} else if (diff) {
			l->digest = xstrdup(diff);
			if (str_ends_with(l->blob, "layer.tar"))
				l->expect = xstrdup(diff);
		} else {
			l->digest = xstrdup(l->blob);
		}
	}
}

static void parse_docker_manifest(struct image_reader *r, const char *data, size_t len)
{
	json_error_t jerr;
	json_t *root = json_loadb(data, len, 0, &jerr), *item;
	char name[IMAGE_MAX_PATH];
	size_t i;
	bool abs;

	if (!json_is_array(root)) {
		problem(r, "manifest.json", "not a JSON array (line %d: %s)", jerr.line, root ? "wrong type" : jerr.text);
		goto out;
	}
	json_array_foreach(root, i, item) {
		const char *config = json_string_value(json_object_get(item, "Config"));
		json_t *layers = json_object_get(item, "Layers"), *lv;
		struct image_ref *img;
		size_t k;

		if (!config || !json_is_array(layers) || !image_path_normalise(config, name, sizeof(name), &abs)) {
			problem(r, "manifest.json", "entry %zu has no valid Config and Layers; skipped", i);
			continue;
		}
		img = new_image(r);
		if (!img) {
			problem(r, "manifest.json", "more than %d images; the rest were not read", IMAGE_MAX_IMAGES);
			break;
		}
		img->config_blob = xstrdup(name);
		img->config_digest = digest_of_blob_path(name);
		if (!img->config_digest && strlen(name) == 69 && str_ends_with(name, ".json")) {
			char *d = xasprintf("sha256:%.64s", name);
			if (valid_digest(d))
				img->config_digest = d;
			else
				free(d);
		}
		json_t *tags = json_object_get(item, "RepoTags"), *tv;
		if (json_is_array(tags))
			json_array_foreach(tags, k, tv) if (json_is_string(tv)) add_tag(img, json_string_value(tv));
		json_array_foreach(layers, k, lv) {
			if (img->n_layers >= IMAGE_MAX_LAYERS) {
				problem(r, "manifest.json", "image has more than %d layers; the rest were not read",
					IMAGE_MAX_LAYERS);
				break;
			}
			if (!json_is_string(lv) || !image_path_normalise(json_string_value(lv), name, sizeof(name), &abs)) {
				problem(r, "manifest.json", "layer %zu of image %zu is not a valid path; skipped", k, i);
				continue;
			}
			add_layer(img)->blob = xstrdup(name);
		}
		load_config(r, img);
		img->digest = xstrdup(img->config_digest ? img->config_digest : "unknown");
		docker_layer_digests(img);
	}
out:
	json_decref(root);
}

static bool is_index_type(const char *mt)
{
	return mt && (strcmp(mt, "application/vnd.oci.image.index.v1+json") == 0 ||
		      strcmp(mt, "application/vnd.docker.distribution.manifest.list.v2+json") == 0);
}

static bool is_manifest_type(const char *mt)
{
	return mt && (strcmp(mt, "application/vnd.oci.image.manifest.v1+json") == 0 ||
		      strcmp(mt, "application/vnd.docker.distribution.manifest.v2+json") == 0);
}

static void parse_oci_blob(struct image_reader *r, const char *digest, const char *media_type, const char *tag,
			   int depth);

static void parse_oci_manifest(struct image_reader *r, const char *digest, json_t *root, const char *tag,
			       const char *where)
{
	json_t *config = json_object_get(root, "config"), *layers = json_object_get(root, "layers"), *lv;
	const char *cdigest = json_string_value(json_object_get(config, "digest"));
	const char *cmt = json_string_value(json_object_get(config, "mediaType"));
	const char *ref_type = json_string_value(json_object_get(json_object_get(root, "annotations"),
								 "vnd.docker.reference.type"));
	struct image_ref *img;
	size_t k;

	if (ref_type || (cmt && strcmp(cmt, "application/vnd.oci.image.config.v1+json") != 0 &&
			 strcmp(cmt, "application/vnd.docker.container.image.v1+json") != 0))
		return; /* an attestation or an artifact, not an image */
	if (!cdigest || !valid_digest(cdigest) || !json_is_array(layers)) {
		problem(r, where, "image manifest has no valid config digest or layers; skipped");
		return;
	}
	img = new_image(r);
	if (!img) {
		problem(r, where, "more than %d images; the rest were not read", IMAGE_MAX_IMAGES);
		return;
	}
	img->digest = xstrdup(digest);
	img->config_digest = xstrdup(cdigest);
	img->config_blob = blob_path(cdigest);
	if (tag)
		add_tag(img, tag);
	json_array_foreach(layers, k, lv) {
		const char *ld = json_string_value(json_object_get(lv, "digest"));
		struct image_layer *l;
		if (img->n_layers >= IMAGE_MAX_LAYERS) {
			problem(r, where, "image has more than %d layers; the rest were not read", IMAGE_MAX_LAYERS);
			break;
		}
		if (!ld || !valid_digest(ld)) {
			problem(r, where, "layer %zu has no valid digest; skipped", k);
			continue;
		}
		l = add_layer(img);
		l->blob = blob_path(ld);
		l->digest = xstrdup(ld);
		l->expect = xstrdup(ld);
		l->media_type = json_strdup(lv, "mediaType");
		l->size = json_integer_value(json_object_get(lv, "size"));
	}
	load_config(r, img);
}

/* The name an index gives a manifest: the OCI ref name, or containerd's. */
static const char *descriptor_tag(json_t *desc)
{
	json_t *ann = json_object_get(desc, "annotations");
	const char *t = json_string_value(json_object_get(ann, "io.containerd.image.name"));

	return t ? t : json_string_value(json_object_get(ann, "org.opencontainers.image.ref.name"));
}

static void parse_oci_index(struct image_reader *r, json_t *root, const char *tag, int depth, const char *where)
{
	json_t *manifests = json_object_get(root, "manifests"), *desc;
	size_t i;

	if (!json_is_array(manifests)) {
		problem(r, where, "index has no manifests array");
		return;
	}
	json_array_foreach(manifests, i, desc) {
		const char *d = json_string_value(json_object_get(desc, "digest"));
		const char *mt = json_string_value(json_object_get(desc, "mediaType"));
		const char *t = descriptor_tag(desc);
		if (!d || !valid_digest(d)) {
			problem(r, where, "manifest %zu has no valid digest; skipped", i);
			continue;
		}
		parse_oci_blob(r, d, mt, t ? t : tag, depth + 1);
	}
}

static void parse_oci_blob(struct image_reader *r, const char *digest, const char *media_type, const char *tag,
			   int depth)
{
	char *path = blob_path(digest), *data = NULL, hex[SHA256_HEX_LEN + 1];
	size_t len = 0;
	json_error_t jerr;
	json_t *root = NULL;
	int rc;

	if (depth > IMAGE_MAX_INDEX_DEPTH) {
		problem(r, path, "indexes nested more than %d deep; not followed", IMAGE_MAX_INDEX_DEPTH);
		goto out;
	}
	rc = get_file(r, path, &data, &len);
	if (rc < 0) {
		problem(r, path, "manifest or index named by the index is %s", get_error(rc));
		goto out;
	}
	sha256_hex(data, len, hex);
	if (str_starts_with(digest, "sha256:") && strcmp(digest + 7, hex) != 0)
		problem(r, path, "manifest does not match its digest %s", digest);
	root = json_loadb(data, len, 0, &jerr);
	if (!json_is_object(root)) {
		problem(r, path, "manifest or index is not a JSON object (line %d: %s)", jerr.line,
			root ? "wrong type" : jerr.text);
		goto out;
	}
	if (is_index_type(media_type) || (!is_manifest_type(media_type) && json_object_get(root, "manifests")))
		parse_oci_index(r, root, tag, depth, path);
	else if (is_manifest_type(media_type) || json_object_get(root, "layers"))
		parse_oci_manifest(r, digest, root, tag, path);
out:
	json_decref(root);
	free(data);
	free(path);
}

static void parse_oci_layout(struct image_reader *r)
{
	char *data = NULL;
	size_t len = 0;
	json_error_t jerr;
	json_t *root;
	int rc = get_file(r, "index.json", &data, &len);

	if (rc < 0) {
		problem(r, "index.json", "index.json is %s", get_error(rc));
		return;
	}
	root = json_loadb(data, len, 0, &jerr);
	if (!json_is_object(root))
		problem(r, "index.json", "not a JSON object (line %d: %s)", jerr.line, root ? "wrong type" : jerr.text);
	else
		parse_oci_index(r, root, NULL, 0, "index.json");
	json_decref(root);
	free(data);
}

static bool has_file(struct image_reader *r, const char *name)
{
	if (r->kind == SRC_DIR) {
		struct stat st;
		return fstatat(r->fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
	}
	return find_listed(r, name) >= 0;
}

static int read_images(struct image_reader *r, char *err, size_t errlen)
{
	char *data = NULL;
	size_t len = 0;

	if (r->kind != SRC_DIR && has_file(r, "manifest.json")) {
		r->format = "docker-archive";
		int rc = get_file(r, "manifest.json", &data, &len);
		if (rc < 0)
			problem(r, "manifest.json", "manifest.json is %s", get_error(rc));
		else
			parse_docker_manifest(r, data, len);
		free(data);
		return 0;
	}
	if (has_file(r, "index.json")) {
		r->format = "oci-layout";
		if (!has_file(r, "oci-layout"))
			problem(r, "oci-layout", "index.json without an oci-layout file; read as an OCI layout anyway");
		parse_oci_layout(r);
		return 0;
	}
	snprintf(err, errlen, "neither manifest.json nor an OCI layout (oci-layout, index.json): not an image archive");
	return -EINVAL;
}

static int finish_open(struct image_reader *r, struct image_reader **out, char *err, size_t errlen)
{
	int rc = dynlib_load(&la_lib, err, errlen) ? 0 : -ELIBACC;

	if (rc == 0 && r->kind != SRC_DIR)
		rc = list_archive(r, err, errlen);
	if (rc == 0)
		rc = read_images(r, err, errlen);
	if (rc < 0) {
		image_close(r);
		return rc;
	}
	*out = r;
	return 0;
}

static struct image_reader *reader_new(const struct image_caps *caps)
{
	struct image_reader *r = xcalloc(1, sizeof(*r));

	r->fd = -1;
	if (caps)
		r->caps = *caps;
	if (!r->caps.max_file_bytes)
		r->caps.max_file_bytes = IMAGE_DEFAULT_MAX_FILE_BYTES;
	if (!r->caps.max_image_bytes)
		r->caps.max_image_bytes = IMAGE_DEFAULT_MAX_IMAGE_BYTES;
	return r;
}

int image_open(const char *path, const struct image_caps *caps, struct image_reader **out, char *err, size_t errlen)
{
	struct image_reader *r = reader_new(caps);
	struct stat st;

	*out = NULL;
	r->fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (r->fd < 0 || fstat(r->fd, &st) < 0) {
		snprintf(err, errlen, "cannot open: %s", strerror(errno));
		image_close(r);
		return -errno;
	}
	r->kind = S_ISDIR(st.st_mode) ? SRC_DIR : SRC_TAR_FILE;
	if (r->kind == SRC_TAR_FILE && !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "not a regular file or a directory");
		image_close(r);
		return -EINVAL;
	}
	return finish_open(r, out, err, errlen);
}

int image_open_memory(const void *data, size_t len, const struct image_caps *caps, struct image_reader **out,
		      char *err, size_t errlen)
{
	struct image_reader *r = reader_new(caps);

	*out = NULL;
	r->kind = SRC_TAR_MEMORY;
	r->mem = data;
	r->mem_len = len;
	return finish_open(r, out, err, errlen);
}

static void free_strings(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void free_image(struct image_ref *img)
{
	struct image_config *c = &img->config;

	free(img->digest);
	free(img->config_digest);
	free(img->config_blob);
	free_strings(img->tags, img->n_tags);
	for (size_t i = 0; i < img->n_layers; i++) {
		free(img->layers[i].blob);
		free(img->layers[i].digest);
		free(img->layers[i].expect);
		free(img->layers[i].media_type);
	}
	free(img->layers);
	free(c->user);
	free_strings(c->env, c->n_env);
	free_strings(c->history, c->n_history);
	free_strings(c->ports, c->n_ports);
	free_strings(c->diff_ids, c->n_diff_ids);
	free(c->os);
	free(c->arch);
	free(c->variant);
}

void image_close(struct image_reader *r)
{
	if (!r)
		return;
	if (r->fd >= 0)
		close(r->fd);
	for (size_t i = 0; i < r->n_kept; i++) {
		free(r->kept[i].name);
		free(r->kept[i].data);
	}
	free(r->kept);
	for (size_t i = 0; i < r->n_listing; i++) {
		free(r->listing[i].name);
		free(r->listing[i].link);
	}
	free(r->listing);
	for (size_t i = 0; i < r->n_images; i++)
		free_image(&r->images[i]);
	free(r->images);
	for (size_t i = 0; i < r->n_problems; i++) {
		free(r->problems[i].where);
		free(r->problems[i].message);
	}
	free(r->problems);
	free(r);
}

size_t image_count(const struct image_reader *r) { return r->n_images; }
const struct image_ref *image_at(const struct image_reader *r, size_t i) { return i < r->n_images ? &r->images[i] : NULL; }
const char *image_format(const struct image_reader *r) { return r->format ? r->format : "unknown"; }
size_t image_problem_count(const struct image_reader *r) { return r->n_problems; }
const struct image_problem *image_problem_at(const struct image_reader *r, size_t i)
{
	return i < r->n_problems ? &r->problems[i] : NULL;
}

bool image_probe(const char *path)
{
	struct image_reader *r;
	struct archive *a;
	struct archive_entry *ae;
	struct stat st;
	bool manifest = false, layout = false, index = false;
	char name[IMAGE_MAX_PATH];
	bool abs;
	int fd;

	if (stat(path, &st) < 0)
		return false;
	if (S_ISDIR(st.st_mode)) {
		fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			return false;
		bool yes = fstatat(fd, "oci-layout", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
			   fstatat(fd, "index.json", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
		close(fd);
		return yes;
	}
	if (!S_ISREG(st.st_mode) || st.st_size < 512)
		return false;
	/* Without libarchive a tarball cannot be told from an image: it is
	 * claimed, and reading it then says why it cannot be read. */
	if (!dynlib_load(&la_lib, NULL, 0))
		return true;
	r = reader_new(NULL);
	r->kind = SRC_TAR_FILE;
	r->fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
	if (r->fd < 0 || outer_open(r, &a) < 0) {
		image_close(r);
		return false;
	}
	for (int n = 0; n < IMAGE_PROBE_MAX_ENTRIES && !(manifest || (layout && index)); n++) {
		int step = la.archive_read_next_header(a, &ae);
		if (step != ARCHIVE_OK && step != ARCHIVE_WARN)
			break;
		const char *raw = la.archive_entry_pathname(ae);
		if (!raw || !image_path_normalise(raw, name, sizeof(name), &abs))
			continue;
		manifest |= strcmp(name, "manifest.json") == 0;
		layout |= strcmp(name, "oci-layout") == 0;
		index |= strcmp(name, "index.json") == 0;
	}
	la.archive_read_free(a);
	image_close(r);
	return manifest || (layout && index);
}

/* ---- streaming a layer ------------------------------------------------------ */

#define HASH_RING 4
#define HASH_BLOCK (256 * 1024)

/*
 * A blob's bytes are hashed on a second thread while the layer is
 * decompressed and scanned on the first: the digest check then costs no
 * time on a machine with two cores. Blocks go round a ring; the reader
 * waits only when the hasher is HASH_RING - 1 blocks behind, so the block
 * libarchive still holds (the last one returned) is never overwritten.
 */
struct blob_hasher {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	char *ring[HASH_RING];
	size_t len[HASH_RING];
	uint64_t produced, consumed; /* blocks */
	bool done, threaded;
	struct sha256 *hash;
};

struct blob_stream {
	struct image_reader *r;
	struct archive *outer; /* tar sources: positioned at the blob's entry */
	int fd;                /* directory sources */
	struct blob_hasher h;
	struct sha256 hash;
	uint64_t bytes;
	bool failed;
	char why[256];
};

static void *hasher_main(void *arg)
{
	struct blob_hasher *h = arg;

	pthread_mutex_lock(&h->mu);
	for (;;) {
		while (h->consumed == h->produced && !h->done)
			pthread_cond_wait(&h->cv, &h->mu);
		if (h->consumed == h->produced)
			break;
		size_t slot = h->consumed % HASH_RING;
		pthread_mutex_unlock(&h->mu);
		sha256_update(h->hash, h->ring[slot], h->len[slot]);
		pthread_mutex_lock(&h->mu);
		h->consumed++;
		pthread_cond_broadcast(&h->cv);
	}
	pthread_mutex_unlock(&h->mu);
	return NULL;
}

static void hasher_start(struct blob_hasher *h, struct sha256 *hash)
{
	memset(h, 0, sizeof(*h));
	h->hash = hash;
	for (int i = 0; i < HASH_RING; i++)
		h->ring[i] = xmalloc(HASH_BLOCK);
	pthread_mutex_init(&h->mu, NULL);
	pthread_cond_init(&h->cv, NULL);
	/* Without a thread the blocks are hashed as they are read. */
	h->threaded = pthread_create(&h->thread, NULL, hasher_main, h) == 0;
}

/* The block to read into next, once the hasher is done with it. */
static char *hasher_slot(struct blob_hasher *h)
{
	if (h->threaded) {
		pthread_mutex_lock(&h->mu);
		while (h->produced - h->consumed >= HASH_RING - 1)
			pthread_cond_wait(&h->cv, &h->mu);
		pthread_mutex_unlock(&h->mu);
	}
	return h->ring[h->produced % HASH_RING];
}

static void hasher_push(struct blob_hasher *h, size_t n)
{
	size_t slot = h->produced % HASH_RING;

	if (!h->threaded) {
		sha256_update(h->hash, h->ring[slot], n);
		h->produced++;
		return;
	}
	pthread_mutex_lock(&h->mu);
	h->len[slot] = n;
	h->produced++;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
}

/* Waits for every pushed block to be hashed and ends the thread. */
static void hasher_stop(struct blob_hasher *h)
{
	if (!h->ring[0])
		return; /* never started, or stopped already */
	if (h->threaded) {
		pthread_mutex_lock(&h->mu);
		h->done = true;
		pthread_cond_broadcast(&h->cv);
		pthread_mutex_unlock(&h->mu);
		pthread_join(h->thread, NULL);
		h->threaded = false;
	}
	pthread_mutex_destroy(&h->mu);
	pthread_cond_destroy(&h->cv);
	for (int i = 0; i < HASH_RING; i++) {
		free(h->ring[i]);
		h->ring[i] = NULL;
	}
}

struct image_layer_stream {
	struct archive *inner;
	struct image_reader *r;
	uint64_t entry_bytes; /* decompressed bytes of the current entry */
	uint64_t *total;      /* decompressed bytes of the image so far */
	const char *path;
	char why[512];        /* which cap was hit */
	bool capped;
};

/* Pulls the next block of the blob into bs->buf, hashing it: its length,
 * 0 at the end, or -1 with the reason in bs->why. */
static la_ssize_t blob_pull(struct blob_stream *bs, const void **out)
{
	char *buf = hasher_slot(&bs->h);
	la_ssize_t n;

	*out = buf;
	if (bs->outer) {
		n = la.archive_read_data(bs->outer, buf, HASH_BLOCK);
		if (n < 0) {
			const char *why = la.archive_error_string(bs->outer);
			snprintf(bs->why, sizeof(bs->why), "%s", why ? why : "read error");
			bs->failed = true;
			return -1;
		}
	} else {
		do
			n = read(bs->fd, buf, HASH_BLOCK);
		while (n < 0 && errno == EINTR);
		if (n < 0) {
			snprintf(bs->why, sizeof(bs->why), "%s", strerror(errno));
			bs->failed = true;
			return -1;
		}
	}
	if (n > 0)
		hasher_push(&bs->h, (size_t)n);
	bs->bytes += (uint64_t)n;
	return n;
}

static la_ssize_t blob_read(struct archive *a, void *ctx, const void **out)
{
	struct blob_stream *bs = ctx;
	la_ssize_t n = blob_pull(bs, out);

	if (n < 0) {
		la.archive_set_error(a, EIO, "%s", bs->why);
		return ARCHIVE_FATAL;
	}
	return n;
}

/* Positions a stream at the blob's bytes. */
static int blob_open(struct image_reader *r, const char *blob, struct blob_stream *bs, char *err, size_t errlen)
{
	struct archive_entry *ae;
	char name[IMAGE_MAX_PATH];
	long idx;
	int rc, step;
	bool abs;

	memset(bs, 0, sizeof(*bs));
	bs->r = r;
	bs->fd = -1;
	sha256_init(&bs->hash);
	if (r->kind == SRC_DIR) {
		bs->fd = open_beneath(r->fd, blob);
		if (bs->fd < 0) {
			snprintf(err, errlen, "layer blob %s is %s", blob, get_error(bs->fd));
			return bs->fd;
		}
		hasher_start(&bs->h, &bs->hash);
		return 0;
	}
	idx = find_listed(r, blob);
	if (idx < 0) {
		snprintf(err, errlen, "layer %s named by the manifest is not in the archive", blob);
		return -ENOENT;
	}
	rc = outer_open(r, &bs->outer);
	if (rc < 0) {
		snprintf(err, errlen, "cannot reopen the archive: %s", strerror(-rc));
		return rc;
	}
	while ((step = la.archive_read_next_header(bs->outer, &ae)) == ARCHIVE_OK || step == ARCHIVE_WARN) {
		const char *raw = la.archive_entry_pathname(ae);
		if (raw && image_path_normalise(raw, name, sizeof(name), &abs) &&
		    strcmp(name, r->listing[idx].name) == 0 && listed_type(ae) == 'f') {
			hasher_start(&bs->h, &bs->hash);
			return 0;
		}
	}
	snprintf(err, errlen, "layer %s could not be found again in the archive: %s", blob,
		 la.archive_error_string(bs->outer) ? la.archive_error_string(bs->outer) : "truncated");
	la.archive_read_free(bs->outer);
	bs->outer = NULL;
	return -EIO;
}

static void blob_close(struct blob_stream *bs)
{
	hasher_stop(&bs->h);
	if (bs->outer)
		la.archive_read_free(bs->outer);
	if (bs->fd >= 0)
		close(bs->fd);
}

/* Counts decompressed bytes against both caps. */
static int count_bytes(struct image_layer_stream *ls, size_t n)
{
	ls->entry_bytes += n;
	*ls->total += n;
	if (ls->entry_bytes > ls->r->caps.max_file_bytes) {
		snprintf(ls->why, sizeof(ls->why),
			 "%.200s decompresses to more than %llu MiB, the per-file cap (a decompression bomb?); "
			 "the rest of the layer was not read",
			 ls->path, (unsigned long long)(ls->r->caps.max_file_bytes >> 20));
		ls->capped = true;
		return -EFBIG;
	}
	if (*ls->total > ls->r->caps.max_image_bytes) {
		snprintf(ls->why, sizeof(ls->why),
			 "the image decompresses to more than %llu MiB, the per-image cap; the rest was not read",
			 (unsigned long long)(ls->r->caps.max_image_bytes >> 20));
		ls->capped = true;
		return -EFBIG;
	}
	return 0;
}

int image_entry_read(struct image_layer_stream *ls, size_t cap, char **data, size_t *len, bool *truncated)
{
	struct buf b;
	char one;
	la_ssize_t n;
	int rc = 0;

	*data = NULL;
	*len = 0;
	*truncated = false;
	buf_init(&b);
	buf_puts(&b, "");
	for (;;) {
		char chunk[BLOCK];
		size_t want = cap - b.len < sizeof(chunk) ? cap - b.len : sizeof(chunk);
		if (want == 0) {
			n = la.archive_read_data(ls->inner, &one, 1);
			if (n > 0) {
				*truncated = true;
				rc = count_bytes(ls, (size_t)n);
			}
			break;
		}
		n = la.archive_read_data(ls->inner, chunk, want);
		if (n <= 0)
			break;
		rc = count_bytes(ls, (size_t)n);
		if (rc < 0)
			break;
		buf_append(&b, chunk, (size_t)n);
	}
	if (n < 0 && rc == 0) {
		const char *why = la.archive_error_string(ls->inner);
		snprintf(ls->why, sizeof(ls->why), "%s", why ? why : "read error");
		rc = -EIO;
	}
	*len = b.len;
	*data = buf_steal(&b);
	return rc;
}

/* Reads what the callback left of the entry, counting it. */
static int drain_entry(struct image_layer_stream *ls)
{
	const void *p;
	size_t size;
	la_int64_t off;
	int step;

	while ((step = la.archive_read_data_block(ls->inner, &p, &size, &off)) == ARCHIVE_OK) {
		int rc = count_bytes(ls, size);
		if (rc < 0)
			return rc;
	}
	if (step != ARCHIVE_EOF) {
		const char *why = la.archive_error_string(ls->inner);
		snprintf(ls->why, sizeof(ls->why), "%s", why ? why : "read error");
		return -EIO;
	}
	return 0;
}

static enum image_entry_type entry_type(struct archive_entry *ae)
{
	if (la.archive_entry_hardlink(ae))
		return IMAGE_HARDLINK;
	switch (la.archive_entry_filetype(ae)) {
	case AE_IFREG: return IMAGE_FILE;
	case AE_IFDIR: return IMAGE_DIR;
	case AE_IFLNK: return IMAGE_SYMLINK;
	default: return IMAGE_OTHER;
	}
}

/* Fills e from a layer's tar header; names go into the two buffers. */
static void describe_entry(struct archive_entry *ae, struct image_entry *e, char *path, char *link_buf)
{
	const char *raw = la.archive_entry_pathname(ae);
	const char *base;

	memset(e, 0, sizeof(*e));
	e->raw_path = raw ? raw : "";
	e->type = entry_type(ae);
	e->mode = (unsigned)la.archive_entry_perm(ae) & 07777;
	e->uid = la.archive_entry_uid(ae);
	e->gid = la.archive_entry_gid(ae);
	e->size = la.archive_entry_size(ae);
	e->link = e->type == IMAGE_SYMLINK ? la.archive_entry_symlink(ae) : e->type == IMAGE_HARDLINK ? la.archive_entry_hardlink(ae) : NULL;
	if (!raw || !image_path_normalise(raw, path, IMAGE_MAX_PATH, &e->absolute)) {
		e->escapes = true;
		snprintf(path, IMAGE_MAX_PATH, "%s", raw ? raw : "");
	}
	e->path = path;
	if (e->link && !e->escapes) {
		bool abs;
		if (e->type == IMAGE_SYMLINK ? (e->link[0] != '/' && !resolve_link(path, e->link, link_buf, IMAGE_MAX_PATH))
					     : !image_path_normalise(e->link, link_buf, IMAGE_MAX_PATH, &abs))
			e->escapes = true;
	}
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	if (!e->escapes && str_starts_with(base, ".wh.")) {
		size_t dir_len = (size_t)(base - path);
		if (strcmp(base, ".wh..wh..opq") == 0) {
			e->opaque = true;
			path[dir_len ? dir_len - 1 : 0] = '\0';
		} else if (!str_starts_with(base, ".wh..wh.")) {
			e->whiteout = true;
			memmove(path + dir_len, base + 4, strlen(base + 4) + 1);
		}
	}
}

static int walk_entries(struct image_layer_stream *ls, image_entry_cb cb, void *ctx, char *err, size_t errlen)
{
	struct archive_entry *ae;
	char *path = xmalloc(IMAGE_MAX_PATH), *link_buf = xmalloc(IMAGE_MAX_PATH);
	size_t count = 0;
	int step, rc = 0;

	while ((step = la.archive_read_next_header(ls->inner, &ae)) == ARCHIVE_OK || step == ARCHIVE_WARN) {
		struct image_entry e;
		if (++count > IMAGE_MAX_ENTRIES) {
			snprintf(err, errlen, "more than %d entries in the layer; the rest were not read", IMAGE_MAX_ENTRIES);
			rc = -E2BIG;
			goto out;
		}
		describe_entry(ae, &e, path, link_buf);
		ls->path = e.path;
		ls->entry_bytes = 0;
		rc = cb(&e, ls, ctx);
		if (rc) {
			if (rc < 0 && ls->why[0])
				snprintf(err, errlen, "%s", ls->why);
			goto out;
		}
		if (ls->capped || drain_entry(ls) < 0) {
			snprintf(err, errlen, "%s", ls->why);
			rc = ls->capped ? -EFBIG : -EIO;
			goto out;
		}
	}
	if (step != ARCHIVE_EOF) {
		const char *why = la.archive_error_string(ls->inner);
		snprintf(err, errlen, "not a readable tar layer, or truncated: %s", why ? why : "unknown error");
		rc = -EIO;
	}
out:
	free(path);
	free(link_buf);
	return rc;
}

/* Reads the rest of the blob so that its digest covers every byte. */
static int finish_blob(struct blob_stream *bs, const struct image_layer *l, char *err, size_t errlen)
{
	char hex[SHA256_HEX_LEN + 1];
	const void *p;

	while (!bs->failed && blob_pull(bs, &p) > 0)
		;
	hasher_stop(&bs->h);
	if (bs->failed) {
		snprintf(err, errlen, "layer %s: %s", l->blob, bs->why);
		return -EIO;
	}
	sha256_final_hex(&bs->hash, hex);
	if (l->expect && str_starts_with(l->expect, "sha256:") && strcmp(l->expect + 7, hex) != 0) {
		snprintf(err, errlen, "layer %s does not match its digest %s (it hashes to sha256:%s)", l->blob, l->expect,
			 hex);
		return -EBADMSG;
	}
	return 0;
}

int image_layer_walk(struct image_reader *r, const struct image_ref *img, size_t layer, image_entry_cb cb, void *ctx,
		     uint64_t *bytes, char *err, size_t errlen)
{
	const struct image_layer *l = &img->layers[layer];
	struct image_layer_stream ls = {.r = r, .total = bytes};
	struct blob_stream *bs = xmalloc(sizeof(*bs));
	int rc;

	err[0] = '\0';
	rc = blob_open(r, l->blob, bs, err, errlen);
	if (rc < 0)
		goto out_free;
	ls.inner = archive_new_reader();
	if (la.archive_read_open(ls.inner, bs, NULL, blob_read, NULL) != ARCHIVE_OK) {
		const char *why = la.archive_error_string(ls.inner);
		snprintf(err, errlen, "layer %s is not a readable tar (gzip, zstd or uncompressed): %s", l->blob,
			 why ? why : "unknown format");
		rc = -EINVAL;
		goto out;
	}
	rc = walk_entries(&ls, cb, ctx, err, errlen);
	if (rc < 0 && err[0] && !str_starts_with(err, "layer ")) {
		char tmp[512];
		snprintf(tmp, sizeof(tmp), "layer %s: %s", l->blob, err);
		snprintf(err, errlen, "%s", tmp);
	}
	/* A blob whose bytes differ from its digest is reported even when its
	 * entries were read: what was checked is not what the manifest names. */
	if (rc == 0)
		rc = finish_blob(bs, l, err, errlen);
out:
	la.archive_read_free(ls.inner);
	blob_close(bs);
out_free:
	free(bs);
	return rc;
}
