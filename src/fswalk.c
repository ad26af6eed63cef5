/*
 * Directory walking for discovery (see fswalk.h). Iterative over an
 * explicit stack would save little here: the depth is capped at
 * FSWALK_MAX_DEPTH, so the recursion is bounded.
 */
#include "fswalk.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct walk {
	const struct fswalk_ops *ops;
	void *ctx;
	char *real_root; /* realpath of the root, to judge symlink targets */
	size_t entries;
	bool entry_cap_reported;
};

static void walk_problem(struct walk *w, const char *relpath, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void walk_problem(struct walk *w, const char *relpath, const char *fmt, ...)
{
	struct buf b;
	va_list ap;

	if (!w->ops->problem)
		return;
	buf_init(&b);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	w->ops->problem(relpath, b.data, w->ctx);
	buf_free(&b);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads and sorts the names in a directory, leaving out . and .. */
static int list_dir(const char *path, char ***names_out, size_t *n_out)
{
	DIR *d = opendir(path);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0;

	if (!d)
		return -errno;
	while ((errno = 0, de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			names = xrealloc(names, cap * sizeof(*names));
		}
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_names);
	*names_out = names;
	*n_out = n;
	return 0;
}

static bool path_inside(const char *real, const char *root)
{
	size_t n = strlen(root);

	if (strcmp(root, "/") == 0)
		return true;
	return strncmp(real, root, n) == 0 && (real[n] == '\0' || real[n] == '/');
}

/* Symbolic links are never followed. A link whose target lies inside the
 * root is walked under the target's own name; the others are reported so
 * that nothing is skipped without a word. */
static void judge_symlink(struct walk *w, const char *path, const char *relpath)
{
	char real[PATH_MAX];

	if (!realpath(path, real)) {
		if (errno == ELOOP)
			walk_problem(w, relpath, "symbolic link loop; not followed");
		else if (errno == ENOENT)
			walk_problem(w, relpath, "dangling symbolic link; not followed");
		else
			walk_problem(w, relpath, "symbolic link cannot be resolved (%s); not followed",
				     strerror(errno));
		return;
	}
	if (!path_inside(real, w->real_root))
		walk_problem(w, relpath, "symbolic link points outside the scan root; not followed");
}

static int walk_dir(struct walk *w, const char *path, const char *relpath, const struct stat *dir_st, int depth);

static int visit_entry(struct walk *w, const char *dir_path, const char *dir_rel,
		       const struct stat *dir_st, const char *name, int depth)
{
	struct fs_entry e = {0};
	char *path, *rel;
	int rc = 0;

	if (w->entries >= FSWALK_MAX_ENTRIES) {
		if (!w->entry_cap_reported)
			walk_problem(w, dir_rel, "entry cap of %d reached; the rest of the tree was not walked",
				     FSWALK_MAX_ENTRIES);
		w->entry_cap_reported = true;
		return 0;
	}
	w->entries++;
	path = xasprintf("%s/%s", dir_path, name);
	rel = *dir_rel ? xasprintf("%s/%s", dir_rel, name) : xstrdup(name);
	if (lstat(path, &e.st) < 0) {
		walk_problem(w, rel, "cannot stat: %s", strerror(errno));
		goto out;
	}
	if (S_ISLNK(e.st.st_mode)) {
		judge_symlink(w, path, rel);
	} else if (S_ISDIR(e.st.st_mode)) {
		if (strcmp(name, ".git") != 0)
			rc = walk_dir(w, path, rel, &e.st, depth + 1);
	} else if (strcmp(name, ".git") != 0 && w->ops->file) {
		e.path = path;
		e.relpath = rel;
		e.name = name;
		e.dir_st = dir_st;
		e.dir_relpath = dir_rel;
		rc = w->ops->file(&e, w->ctx);
	}
out:
	free(path);
	free(rel);
	return rc;
}

static int walk_dir(struct walk *w, const char *path, const char *relpath, const struct stat *dir_st, int depth)
{
	char **names = NULL;
	size_t n = 0, i;
	int rc = 0;

	if (depth > FSWALK_MAX_DEPTH) {
		walk_problem(w, relpath, "directory nesting deeper than %d levels; not walked", FSWALK_MAX_DEPTH);
		return 0;
	}
	rc = list_dir(path, &names, &n);
	if (rc < 0) {
		walk_problem(w, relpath, "cannot read directory: %s", strerror(-rc));
		return 0;
	}
	for (i = 0; i < n && rc == 0; i++) {
		if (w->ops->cancelled && w->ops->cancelled(w->ctx))
			rc = -EINTR;
		else
			rc = visit_entry(w, path, relpath, dir_st, names[i], depth);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

int fswalk(const char *root, const struct fswalk_ops *ops, void *ctx)
{
	struct walk w = {.ops = ops, .ctx = ctx};
	struct stat st;
	int rc;

	w.real_root = realpath(root, NULL);
	if (!w.real_root || lstat(w.real_root, &st) < 0) {
		rc = -errno;
		goto out;
	}
	if (!S_ISDIR(st.st_mode)) {
		rc = -ENOTDIR;
		goto out;
	}
	rc = walk_dir(&w, root, "", &st, 0);
out:
	free(w.real_root);
	return rc;
}

int fswalk_file(const char *path, const struct fswalk_ops *ops, void *ctx)
{
	struct fs_entry e = {0};
	struct stat dir_st;
	char *copy = xstrdup(path), *slash, *dir;
	int rc = 0;

	if (lstat(path, &e.st) < 0) {
		rc = -errno;
		goto out;
	}
	slash = strrchr(copy, '/');
	e.name = slash ? slash + 1 : copy;
	dir = slash ? (slash == copy ? "/" : (*slash = '\0', copy)) : ".";
	if (lstat(dir, &dir_st) < 0) {
		rc = -errno;
		goto out;
	}
	e.path = path;
	e.relpath = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	e.name = e.relpath;
	e.dir_st = &dir_st;
	e.dir_relpath = "";
	if (S_ISLNK(e.st.st_mode)) {
		/* Named on the command line: the user chose this link. */
		if (stat(path, &e.st) < 0) {
			rc = -errno;
			goto out;
		}
	}
	if (ops->file)
		rc = ops->file(&e, ctx);
out:
	free(copy);
	return rc;
}

int fswalk_buffer(const char *name, const char *data, size_t len, bool truncated, const struct fswalk_ops *ops,
		  void *ctx)
{
	struct stat dir_st = {.st_mode = S_IFDIR | 0700};
	struct fs_entry e = {
		.path = name,
		.relpath = name,
		.name = name,
		.dir_st = &dir_st,
		.dir_relpath = "",
		.data = data,
		.data_len = len,
		.data_truncated = truncated,
	};

	e.st.st_mode = S_IFREG | 0600;
	e.st.st_size = (off_t)len;
	e.st.st_nlink = 1;
	return ops->file ? ops->file(&e, ctx) : 0;
}

/* Copies at most cap of n bytes held in memory, as a capped read gives them. */
static void copy_capped(const char *src, size_t n, bool more, size_t cap, char **data, size_t *len,
			bool *truncated)
{
	size_t take = n < cap ? n : cap;

	*data = xmalloc(take + 1);
	memcpy(*data, src, take);
	(*data)[take] = '\0';
	*len = take;
	*truncated = n > cap || more;
}

int fs_entry_read(const struct fs_entry *e, size_t cap, char **data, size_t *len, bool *truncated)
{
	const struct fs_ahead *a = e->ahead;

	if (e->data) {
		copy_capped(e->data, e->data_len, e->data_truncated, cap, data, len, truncated);
		return 0;
	}
	/* what was read ahead serves any cap it covers, errors included */
	if (a && (!a->truncated || cap <= a->len)) {
		if (a->err)
			return a->err;
		copy_capped(a->data, a->len, a->truncated, cap, data, len, truncated);
		return 0;
	}
	return read_file_sized(e->path, cap, S_ISREG(e->st.st_mode) && e->st.st_size > 0 ? (size_t)e->st.st_size : 0, data,
			       len, truncated);
}
