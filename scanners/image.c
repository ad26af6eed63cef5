/*
 * The image scanner: container images as scan targets (a `docker save` tar,
 * an OCI layout directory or tar, claimed by claims_target before any walk)
 * and image tarballs met inside a walked directory. For each image it runs
 * the config checks, walks every layer in order through the reader,
 * applying whiteouts to the image tree, hands each entry (with its content,
 * capped) to the image.* checks, reads the package databases into an
 * inventory, and records the image, its layers and packages in the store.
 * Whatever the archive gets wrong becomes an assay.parse-error naming the
 * file in the archive; the scan goes on.
 */
#include "image.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "checks.h"
#include "image_checks.h"
#include "image_read.h"
#include "image_tree.h"
#include "scanners.h"
#include "store.h"
#include "utf8.h"
#include "util.h"

#define IMAGE_MAX_PACKAGES 100000
#define IMAGE_PKG_DB_MAX_BYTES (32u << 20)

struct pkg {
	char *name, *version, *arch;
};

/* One package database file as the last layer that wrote it holds it. */
struct pkg_db {
	char *path;
	const char *manager;
	size_t layer;
	struct pkg *pkgs;
	size_t n;
};

struct image_scanner {
	struct image_caps caps;
};

struct layer_ctx {
	struct scan *s;
	struct image_checks *checks;
	struct image_tree *tree;
	const struct image_ref *img;
	const char *prefix;
	size_t layer;
	bool absolute_reported;
	struct pkg_db *dbs;
	size_t n_dbs;
	size_t n_pkgs;
};

/* ---- package databases ----------------------------------------------------- */

static const char *pkg_manager_of(const char *path)
{
	if (strcmp(path, "var/lib/dpkg/status") == 0 || str_starts_with(path, "var/lib/dpkg/status.d/"))
		return "dpkg";
	if (strcmp(path, "lib/apk/db/installed") == 0)
		return "apk";
	return NULL;
}

static void pkg_add(struct pkg_db *db, const char *name, const char *version, const char *arch)
{
	if (!name || !*name)
		return;
	db->pkgs = xrealloc(db->pkgs, (db->n + 1) * sizeof(*db->pkgs));
	db->pkgs[db->n].name = xstrdup(name);
	db->pkgs[db->n].version = version ? xstrdup(version) : NULL;
	db->pkgs[db->n].arch = arch ? xstrdup(arch) : NULL;
	db->n++;
}

/* The package a stanza of a database describes, as it is read. */
struct stanza {
	char *name, *version, *arch;
	bool installed;
};

static void stanza_flush(struct pkg_db *db, struct stanza *st)
{
	if (st->installed)
		pkg_add(db, st->name, st->version, st->arch);
	free(st->name);
	free(st->version);
	free(st->arch);
	memset(st, 0, sizeof(*st));
	st->installed = true;
}

static void set_field(char **slot, const char *v, size_t n)
{
	free(*slot);
	*slot = xstrndup(v, n);
}

/* One line of a stanza: "Field: value" (dpkg) or "X:value" (apk). */
static void stanza_line(struct stanza *st, bool apk, const char *line, size_t n)
{
	const char *colon;
	size_t k, v;

	if (apk) {
		if (n < 2 || line[1] != ':')
			return;
		if (line[0] == 'P')
			set_field(&st->name, line + 2, n - 2);
		else if (line[0] == 'V')
			set_field(&st->version, line + 2, n - 2);
		else if (line[0] == 'A')
			set_field(&st->arch, line + 2, n - 2);
		return;
	}
	if (line[0] == ' ' || line[0] == '\t' || !(colon = memchr(line, ':', n)))
		return; /* a continuation line */
	k = (size_t)(colon - line);
	for (v = k + 1; v < n && line[v] == ' '; v++)
		;
	if (k == 7 && memcmp(line, "Package", 7) == 0)
		set_field(&st->name, line + v, n - v);
	else if (k == 7 && memcmp(line, "Version", 7) == 0)
		set_field(&st->version, line + v, n - v);
	else if (k == 12 && memcmp(line, "Architecture", 12) == 0)
		set_field(&st->arch, line + v, n - v);
	else if (k == 6 && memcmp(line, "Status", 6) == 0)
		st->installed = n - v >= 10 && memcmp(line + n - 10, " installed", 10) == 0;
}

/* dpkg: "Field: value" stanzas separated by blank lines, only those whose
 * Status says installed; apk: "P:name" "V:version" "A:arch" lines. */
static void pkg_parse(struct pkg_db *db, const char *data, size_t len, size_t max)
{
	bool apk = strcmp(db->manager, "apk") == 0;
	struct stanza st = {.installed = true};
	size_t i = 0;

	while (i < len && db->n < max) {
		size_t e = i;
		while (e < len && data[e] != '\n')
			e++;
		size_t n = e - i;
		if (n && data[i + n - 1] == '\r')
			n--;
		if (n == 0)
			stanza_flush(db, &st);
		else
			stanza_line(&st, apk, data + i, n);
		i = e + 1;
	}
	if (db->n >= max)
		st.installed = false; /* over the cap: dropped, only freed */
	stanza_flush(db, &st);
}

static void remember_pkg_db(struct layer_ctx *lc, const char *path, const char *manager, const char *data, size_t len)
{
	struct pkg_db *db = NULL;

	for (size_t i = 0; i < lc->n_dbs; i++)
		if (strcmp(lc->dbs[i].path, path) == 0)
			db = &lc->dbs[i];
	if (!db) {
		lc->dbs = xrealloc(lc->dbs, (lc->n_dbs + 1) * sizeof(*lc->dbs));
		db = &lc->dbs[lc->n_dbs++];
		memset(db, 0, sizeof(*db));
		db->path = xstrdup(path);
	}
	for (size_t i = 0; i < db->n; i++) {
		free(db->pkgs[i].name);
		free(db->pkgs[i].version);
		free(db->pkgs[i].arch);
	}
	lc->n_pkgs -= db->n;
	db->n = 0;
	db->manager = manager;
	db->layer = lc->layer;
	pkg_parse(db, data, len, IMAGE_MAX_PACKAGES - lc->n_pkgs);
	lc->n_pkgs += db->n;
}

static void free_pkg_dbs(struct layer_ctx *lc)
{
	for (size_t i = 0; i < lc->n_dbs; i++) {
		for (size_t k = 0; k < lc->dbs[i].n; k++) {
			free(lc->dbs[i].pkgs[k].name);
			free(lc->dbs[i].pkgs[k].version);
			free(lc->dbs[i].pkgs[k].arch);
		}
		free(lc->dbs[i].pkgs);
		free(lc->dbs[i].path);
	}
	free(lc->dbs);
}

/* ---- one layer -------------------------------------------------------------- */

static void entry_problem(struct layer_ctx *lc, const struct image_entry *e, const char *what)
{
	char *raw = utf8_sanitize(e->raw_path, strlen(e->raw_path));

	scan_parse_error(lc->s, *lc->prefix ? lc->prefix : lc->img->layers[lc->layer].blob, 0, 0,
			 "layer %zu (%s): entry '%s' %s", lc->layer + 1, lc->img->layers[lc->layer].digest, raw, what);
	free(raw);
}

static int on_entry(const struct image_entry *e, struct image_layer_stream *ls, void *ctx)
{
	struct layer_ctx *lc = ctx;
	const char *manager;
	char *data = NULL;
	size_t len = 0;
	bool truncated = false;
	int rc = 0;

	if (scan_cancelled)
		return -EINTR;
	if (e->escapes) {
		entry_problem(lc, e, e->link ? "links outside the image root; not followed"
					      : "leaves the image root (..) or is too long; skipped");
		return 0;
	}
	if (e->absolute && !lc->absolute_reported) {
		entry_problem(lc, e, "has an absolute path; read relative to the image root (reported once per layer)");
		lc->absolute_reported = true;
	}
	if (e->opaque) {
		image_tree_opaque(lc->tree, e->path, lc->layer);
		return 0;
	}
	if (e->whiteout) {
		image_tree_whiteout(lc->tree, e->path, lc->layer);
		return 0;
	}
	if (!*e->path)
		return 0; /* the root itself */
	image_tree_put(lc->tree, e->path, lc->layer, e->type == IMAGE_DIR);
	manager = e->type == IMAGE_FILE ? pkg_manager_of(e->path) : NULL;
	if (e->type == IMAGE_FILE && e->size != 0)
		rc = image_entry_read(ls, manager ? IMAGE_PKG_DB_MAX_BYTES : SECRETS_MAX_BYTES, &data, &len, &truncated);
	if (rc == 0) {
		image_check_entry(lc->checks, e, lc->layer, data, len);
		if (manager && !truncated)
			remember_pkg_db(lc, e->path, manager, data, len);
	}
	if (data) {
		secure_zero(data, len);
		free(data);
	}
	return rc;
}

/* ---- one image -------------------------------------------------------------- */

static void record_inventory(struct scan *s, const struct image_ref *img, const char *format, const char *source,
			     struct layer_ctx *lc)
{
	struct store_image_layer *layers = xcalloc(img->n_layers ? img->n_layers : 1, sizeof(*layers));
	char *arch = img->config.variant ? xasprintf("%s/%s", img->config.arch ? img->config.arch : "",
						     img->config.variant)
					 : (img->config.arch ? xstrdup(img->config.arch) : NULL);
	struct store_image si = {
		.target = s->target->locator,
		.source = source,
		.format = format,
		.digest = img->digest,
		.config_digest = img->config_digest,
		.os = img->config.os,
		.architecture = arch,
		.tags = (const char *const *)img->tags,
		.n_tags = img->n_tags,
		.layers = layers,
		.n_layers = img->n_layers,
	};
	int64_t id;
	size_t by;
	int rc;

	for (size_t i = 0; i < img->n_layers; i++) {
		layers[i].digest = img->layers[i].digest;
		layers[i].media_type = img->layers[i].media_type;
		layers[i].size = img->layers[i].media_type ? img->layers[i].size : -1;
	}
	rc = store_add_image(s->store, s->run_id, &si, &id);
	for (size_t d = 0; rc == 0 && d < lc->n_dbs; d++) {
		const struct pkg_db *db = &lc->dbs[d];
		if (image_tree_state(lc->tree, db->path, db->layer, &by) != IMAGE_FILE_PRESENT)
			continue;
		for (size_t k = 0; rc == 0 && k < db->n; k++) {
			struct store_package p = {db->manager, db->pkgs[k].name, db->pkgs[k].version, db->pkgs[k].arch,
						  img->layers[db->layer].digest};
			rc = store_add_image_package(s->store, id, &p);
		}
	}
	if (rc < 0 && !s->write_error)
		s->write_error = rc;
	free(layers);
	free(arch);
}

static char *image_label(const struct image_ref *img)
{
	if (img->n_tags)
		return utf8_sanitize(img->tags[0], strlen(img->tags[0]));
	return xasprintf("%.19s", img->digest);
}

static void scan_image(struct scan *s, struct image_reader *r, const struct image_ref *img, const char *prefix,
		       const char *source)
{
	char *label = image_label(img), err[1024];
	struct image_doc doc = {.prefix = prefix, .img = img, .label = label};
	struct layer_ctx lc = {.s = s, .img = img, .prefix = prefix};
	uint64_t bytes = 0;

	lc.checks = image_checks_begin(s, &doc);
	lc.tree = image_tree_new();
	image_check_config(lc.checks);
	for (size_t i = 0; i < img->n_layers && !scan_cancelled; i++) {
		int rc;
		lc.layer = i;
		lc.absolute_reported = false;
		rc = image_layer_walk(r, img, i, on_entry, &lc, &bytes, err, sizeof(err));
		if (rc < 0 && rc != -EINTR) {
			char *clean = utf8_sanitize(err, strlen(err));
			char *where = xasprintf("%s%s", prefix, img->layers[i].blob);
			scan_parse_error(s, where, 0, 0, "image %s: %s", label, clean);
			free(clean);
			free(where);
		}
		if (rc == -EFBIG && bytes > 0 && strstr(err, "per-image cap"))
			break;
	}
	image_checks_end(lc.checks, image_tree_state, lc.tree);
	record_inventory(s, img, image_format(r), source, &lc);
	free_pkg_dbs(&lc);
	image_tree_free(lc.tree);
	free(label);
}

/* Scans every image of the archive at path. prefix goes before paths in
 * findings ("" for a target, "dir/app.tar!" inside a walk). */
static size_t scan_archive(struct scan *s, struct image_scanner *st, const char *path, const char *prefix,
			   const char *source, struct sha256 *digest)
{
	size_t n = 0;
	struct image_reader *r;
	char err[512];
	int rc = image_open(path, &st->caps, &r, err, sizeof(err));

	if (rc < 0) {
		char *clean = utf8_sanitize(err, strlen(err));
		scan_parse_error(s, *prefix ? prefix : path, 0, 0, "cannot read image archive: %s", clean);
		free(clean);
		return 0;
	}
	for (size_t i = 0; i < image_problem_count(r); i++) {
		const struct image_problem *p = image_problem_at(r, i);
		char *where = xasprintf("%s%s", prefix, p->where);
		char *clean_where = utf8_sanitize(where, strlen(where)), *clean = utf8_sanitize(p->message, strlen(p->message));
		scan_parse_error(s, clean_where, 0, 0, "%s", clean);
		free(where);
		free(clean_where);
		free(clean);
	}
	if (image_count(r) == 0)
		scan_parse_error(s, *prefix ? prefix : path, 0, 0, "the %s holds no image that could be read",
				 image_format(r));
	for (size_t i = 0; i < image_count(r) && !scan_cancelled && !s->write_error; i++) {
		scan_image(s, r, image_at(r, i), prefix, source);
		sha256_field(digest, image_at(r, i)->digest);
		n++;
	}
	/* One image: the input's digest is the image's own. */
	if (n == 1 && !*prefix)
		snprintf(s->target->digest_hex, sizeof(s->target->digest_hex), "%s", image_at(r, 0)->digest);
	image_close(r);
	return n;
}

/* ---- the scanner ------------------------------------------------------------ */

static uint64_t env_megabytes(const char *name)
{
	const char *v = getenv(name);
	char *end;
	unsigned long long mb;

	if (!v || !*v)
		return 0;
	mb = strtoull(v, &end, 10);
	return *end || mb == 0 || mb > (1ull << 40) ? 0 : mb << 20;
}

static void *image_begin(struct scan *s)
{
	struct image_scanner *st = xcalloc(1, sizeof(*st));

	(void)s;
	/* The decompression caps, lowered by tests and raised for huge images. */
	st->caps.max_file_bytes = env_megabytes("ASSAY_IMAGE_MAX_FILE_MB");
	st->caps.max_image_bytes = env_megabytes("ASSAY_IMAGE_MAX_MB");
	return st;
}

static void image_end(struct scan *s, void *state)
{
	(void)s;
	free(state);
}

static int image_scan_target(struct scan *s, void *state, const char *path)
{
	struct sha256 digest;

	sha256_init(&digest);
	sha256_field(&digest, "images");
	if (scan_archive(s, state, path, "", "", &digest) != 1) {
		strcpy(s->target->digest_hex, "sha256:");
		sha256_final_hex(&digest, s->target->digest_hex + 7);
	}
	return s->write_error;
}

static bool archive_name(const char *name)
{
	return str_ends_with(name, ".tar") || str_ends_with(name, ".tar.gz") || str_ends_with(name, ".tgz") ||
	       str_ends_with(name, ".tar.zst") || str_ends_with(name, ".tzst");
}

/* A blob of an OCI layout met in a walk: read through its layout's
 * oci-layout file, not searched on its own. */
static bool in_oci_layout(const struct fs_entry *e)
{
	const char *b = strstr(e->path, "blobs/");
	struct stat st;
	char *root;
	bool yes;

	if (!b || (b != e->path && b[-1] != '/'))
		return false;
	root = xasprintf("%.*soci-layout", (int)(b - e->path), e->path);
	yes = lstat(root, &st) == 0 && S_ISREG(st.st_mode);
	free(root);
	return yes;
}

static int image_scan_file(struct scan *s, void *state, const struct fs_entry *e, bool claimed)
{
	char *prefix, *dir = NULL;
	const char *path = e->path, *source = e->relpath;

	if (claimed || !S_ISREG(e->st.st_mode))
		return 0;
	if (in_oci_layout(e))
		return 1;
	if (strcmp(e->name, "oci-layout") == 0) {
		dir = xstrndup(e->path, strlen(e->path) - strlen("oci-layout"));
		if (!image_probe(dir)) {
			free(dir);
			return 0;
		}
		path = dir;
		source = *e->dir_relpath ? e->dir_relpath : ".";
	} else if (!archive_name(e->name) || !image_probe(e->path)) {
		return 0;
	}
	prefix = utf8_sanitize(source, strlen(source));
	prefix = xrealloc(prefix, strlen(prefix) + 2);
	strcat(prefix, "!");
	sha256_field(&s->target->digest, "image");
	sha256_field(&s->target->digest, source);
	scan_archive(s, state, path, prefix, source, &s->target->digest);
	free(prefix);
	free(dir);
	return 1;
}

static bool image_claims_target(const char *path)
{
	return image_probe(path);
}

const struct scanner image_scanner = {
	.name = "image",
	.begin = image_begin,
	.file = image_scan_file,
	.end = image_end,
	.claims_target = image_claims_target,
	.scan_target = image_scan_target,
};
