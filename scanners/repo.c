/*
 * libgit2 access for discovery (see repo.h). Never shells out to git.
 * Opening a repository reads its config but runs nothing from it, so the
 * ownership check that protects git's hook execution is switched off:
 * auditors scan repositories that other users own.
 */
#include "repo.h"

#include <errno.h>
#include <git2.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hashmap.h"
#include "dynlib.h"
#include "util.h"

/* libgit2 is loaded when a repository is first opened (dynlib.h): the
 * first open runs on its own thread (repo_open_ahead), so loading it and
 * what it pulls in (OpenSSL, Kerberos, mbed TLS, libssh2) overlaps the
 * rest of a scan's start. */
#define GIT_FUNCTIONS(X) \
	X(git_blob_free) X(git_blob_lookup) X(git_blob_rawcontent) X(git_blob_rawsize) \
	X(git_commit_author) X(git_commit_free) X(git_commit_id) X(git_commit_lookup) X(git_commit_parent) \
	X(git_commit_parentcount) X(git_commit_tree) X(git_diff_foreach) X(git_diff_free) \
	X(git_diff_options_init) X(git_diff_tree_to_tree) X(git_error_last) X(git_ignore_path_is_ignored) \
	X(git_index_free) X(git_index_get_bypath) X(git_libgit2_init) X(git_libgit2_opts) \
	X(git_libgit2_shutdown) X(git_object_free) X(git_object_id) X(git_oid_cpy) X(git_oid_equal) \
	X(git_oid_fromstr) X(git_oid_tostr) X(git_reference_free) X(git_reference_target) \
	X(git_repository_free) X(git_repository_head) X(git_repository_index) X(git_repository_is_bare) \
	X(git_repository_is_shallow) X(git_repository_open_ext) X(git_repository_path) \
	X(git_repository_workdir) X(git_revparse_single) X(git_revwalk_free) X(git_revwalk_hide) \
	X(git_revwalk_new) X(git_revwalk_next) X(git_revwalk_push) X(git_revwalk_push_glob) \
	X(git_revwalk_push_head) X(git_revwalk_sorting) X(git_tree_entry_byindex) X(git_tree_entry_bypath) \
	X(git_tree_entry_cmp) X(git_tree_entry_filemode) X(git_tree_entry_free) X(git_tree_entry_id) \
	X(git_tree_entry_name) X(git_tree_entry_type) X(git_tree_entrycount) X(git_tree_free) \
	X(git_tree_lookup) X(git_tree_walk)

DYNLIB_DEFINE(lg2, GIT_FUNCTIONS, ASSAY_LIBGIT2_SONAME, "git repositories");

struct repo {
	git_repository *git;
	git_index *index;
	/* HEAD's tree, read the first time a path is looked up in it (reading
	 * the tree of a 10,000-file commit took 5 ms at every open) */
	git_tree *head_tree;
	bool head_tree_read;
	git_oid head;
	char *workdir;
	char *gitdir;
	char head_hex[GIT_OID_HEXSZ + 1];
	bool has_head;
};

static void set_git_error(char *err, size_t errlen, const char *what)
{
	const git_error *e = lg2.git_error_last();
	snprintf(err, errlen, "%s: %s", what, e && e->message ? e->message : "unknown libgit2 error");
}

static void load_head(struct repo *r)
{
	git_reference *head = NULL;
	git_commit *commit = NULL;
	const git_oid *oid;

	if (lg2.git_repository_head(&head, r->git) < 0)
		goto out; /* unborn branch: nothing committed yet */
	oid = lg2.git_reference_target(head);
	if (!oid || lg2.git_commit_lookup(&commit, r->git, oid) < 0)
		goto out;
	lg2.git_oid_cpy(&r->head, oid);
	lg2.git_oid_tostr(r->head_hex, sizeof(r->head_hex), oid);
	r->has_head = true;
out:
	lg2.git_commit_free(commit);
	lg2.git_reference_free(head);
}

static git_tree *head_tree(struct repo *r)
{
	git_commit *commit = NULL;

	if (!r->head_tree_read && r->has_head) {
		if (lg2.git_commit_lookup(&commit, r->git, &r->head) == 0)
			lg2.git_commit_tree(&r->head_tree, commit);
		lg2.git_commit_free(commit);
	}
	r->head_tree_read = true;
	return r->head_tree;
}

static char *normalised_workdir(const char *wd)
{
	char real[PATH_MAX];
	char *s;
	size_t n;

	s = xstrdup(realpath(wd, real) ? real : wd);
	n = strlen(s);
	while (n > 1 && s[n - 1] == '/')
		s[--n] = '\0';
	return s;
}

void repo_close(struct repo *r)
{
	if (!r)
		return;
	lg2.git_tree_free(r->head_tree);
	lg2.git_index_free(r->index);
	lg2.git_repository_free(r->git);
	free(r->workdir);
	free(r->gitdir);
	free(r);
	lg2.git_libgit2_shutdown();
}

const char *repo_workdir(const struct repo *r)
{
	return r->workdir;
}

const char *repo_head_commit(const struct repo *r)
{
	return r->has_head ? r->head_hex : NULL;
}

bool repo_in_index(struct repo *r, const char *path)
{
	return lg2.git_index_get_bypath(r->index, path, 0) != NULL;
}

bool repo_in_head(struct repo *r, const char *path)
{
	git_tree *tree = head_tree(r);
	git_tree_entry *te = NULL;

	if (!tree || lg2.git_tree_entry_bypath(&te, tree, path) != 0)
		return false;
	lg2.git_tree_entry_free(te);
	return true;
}

void repo_tracking(struct repo *r, const char *path, bool *in_index, bool *in_head)
{
	*in_index = repo_in_index(r, path);
	*in_head = repo_in_head(r, path);
}

bool repo_ignores(struct repo *r, const char *path)
{
	int ignored = 0;

	if (lg2.git_ignore_path_is_ignored(&ignored, r->git, path) < 0)
		return false;
	return ignored != 0;
}

/* ---- opening any repository, and history walks ---- */

/* libgit2 as Debian builds it sets up HTTPS with mbed TLS in
 * git_libgit2_init, which parses every certificate of the system's CA
 * bundle: 5.7 of the 7.5 ms the call took, on the thread that opens the
 * repository while a scan starts, whose first file waits for it. assay
 * opens no connection, so it needs no certificate: the binary defines the
 * function libgit2 calls for them, and exports it (the Makefile's
 * EXPORTS), so that the dynamic linker binds libgit2's call to this one,
 * the executable coming first in symbol lookup. It reads nothing and
 * fails as a missing file does (MBEDTLS_ERR_X509_FILE_IO_ERROR); libgit2
 * then starts without certificates, as on a system without a bundle. A
 * libgit2 built on another TLS library never calls it. */
#define MBEDTLS_ERR_X509_FILE_IO_ERROR (-0x2900)

struct mbedtls_x509_crt;
int mbedtls_x509_crt_parse_file(struct mbedtls_x509_crt *chain, const char *path);

static atomic_uint certificate_files_refused;

int mbedtls_x509_crt_parse_file(struct mbedtls_x509_crt *chain, const char *path)
{
	(void)chain;
	(void)path;
	atomic_fetch_add(&certificate_files_refused, 1);
	return MBEDTLS_ERR_X509_FILE_IO_ERROR;
}

unsigned repo_certificate_files_refused(void)
{
	return atomic_load(&certificate_files_refused);
}

/* Blobs are read once each, so caching them only costs memory; pack
 * windows are capped so that resident memory stays flat on big histories.
 * Objects are not re-hashed on read: assay trusts no object's content
 * anyway, and the check (collision-detecting SHA-1 over every blob) was
 * the largest single cost of a history walk. */
static void limit_libgit2_memory(void)
{
	lg2.git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
	lg2.git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, GIT_OBJECT_BLOB, (size_t)0);
	lg2.git_libgit2_opts(GIT_OPT_SET_CACHE_MAX_SIZE, (ssize_t)(32 * 1024 * 1024));
	lg2.git_libgit2_opts(GIT_OPT_SET_MWINDOW_MAPPED_LIMIT, (size_t)(96 * 1024 * 1024));
	lg2.git_libgit2_opts(GIT_OPT_SET_MWINDOW_SIZE, (size_t)(32 * 1024 * 1024));
}

int repo_open(const char *dir, struct repo **out, char *err, size_t errlen)
{
	struct repo *r;
	int rc;

	*out = NULL;
	if (!dynlib_load(&lg2_lib, err, errlen))
		return -ELIBACC;
	r = xcalloc(1, sizeof(*r));
	lg2.git_libgit2_init();
	lg2.git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, 0);
	limit_libgit2_memory();
	rc = lg2.git_repository_open_ext(&r->git, dir, 0, NULL);
	if (rc < 0) {
		set_git_error(err, errlen, "cannot open git repository");
		rc = rc == GIT_ENOTFOUND ? -ENOENT : -EIO;
		goto fail;
	}
	if (!lg2.git_repository_is_bare(r->git)) {
		if (lg2.git_repository_index(&r->index, r->git) < 0) {
			set_git_error(err, errlen, "cannot read git index");
			rc = -EIO;
			goto fail;
		}
		r->workdir = normalised_workdir(lg2.git_repository_workdir(r->git));
	}
	r->gitdir = normalised_workdir(lg2.git_repository_path(r->git));
	load_head(r);
	*out = r;
	return 0;
fail:
	repo_close(r);
	return rc;
}

struct repo_ahead {
	pthread_t thread;
	char *dir;
	/* what repo_open answered on the thread */
	int rc;
	struct repo *repo;
	char err[512]; /* libgit2's error text is per thread: copied here */
};

static void *open_ahead_main(void *arg)
{
	struct repo_ahead *a = arg;

	a->rc = repo_open(a->dir, &a->repo, a->err, sizeof(a->err));
	return NULL;
}

struct repo_ahead *repo_open_ahead(const char *dir)
{
	struct repo_ahead *a = xcalloc(1, sizeof(*a));

	a->dir = xstrdup(dir);
	if (pthread_create(&a->thread, NULL, open_ahead_main, a) != 0) {
		free(a->dir);
		free(a);
		return NULL;
	}
	return a;
}

static void free_joined(struct repo_ahead *a)
{
	if (!a)
		return;
	repo_close(a->repo);
	free(a->dir);
	free(a);
}

void repo_ahead_free(struct repo_ahead *a)
{
	if (a)
		pthread_join(a->thread, NULL);
	free_joined(a);
}

bool repo_ahead_is_for(const struct repo_ahead *a, const char *dir)
{
	return a && strcmp(a->dir, dir) == 0;
}

int repo_open_via(struct repo_ahead **ahead, const char *dir, struct repo **out, char *err, size_t errlen)
{
	struct repo_ahead *a = *ahead;
	int rc;

	*ahead = NULL;
	if (a)
		pthread_join(a->thread, NULL);
	if (!a || strcmp(a->dir, dir) != 0) {
		free_joined(a);
		return repo_open(dir, out, err, errlen);
	}
	rc = a->rc;
	*out = a->repo;
	a->repo = NULL;
	if (rc < 0)
		snprintf(err, errlen, "%s", a->err);
	free_joined(a);
	return rc;
}

const char *repo_gitdir(const struct repo *r)
{
	return r->gitdir;
}

bool repo_is_bare(const struct repo *r)
{
	return lg2.git_repository_is_bare(r->git) != 0;
}

/* Per-walk state shared by the three walks. */
struct walk {
	struct repo *r;
	repo_blob_cb cb;       /* range walks: content */
	repo_ref_cb ref_cb;    /* history and HEAD walks: references */
	repo_progress_cb progress;
	void *ctx;
	struct repo_walk_stats *stats;
	struct hashmap seen;      /* blob ids already handed over */
	struct hashmap head_blobs; /* blob ids in HEAD's tree */
	char commit_hex[GIT_OID_HEXSZ + 1];
	char author[512];
	char date[32];
	int rc;
	/* added lines of the file being collected (range walks) */
	struct buf added;
	unsigned *lines;
	size_t n_lines, cap_lines;
	char *added_path;
	bool added_binary;
};

static void commit_identity(struct walk *w, git_commit *c)
{
	const git_signature *a = lg2.git_commit_author(c);

	lg2.git_oid_tostr(w->commit_hex, sizeof(w->commit_hex), lg2.git_commit_id(c));
	snprintf(w->author, sizeof(w->author), "%s <%s>", a && a->name ? a->name : "?", a && a->email ? a->email : "?");
	format_iso8601(a ? (time_t)a->when.time : 0, w->date);
}

static int collect_head_blob(const char *root, const git_tree_entry *e, void *payload)
{
	struct walk *w = payload;
	char hex[GIT_OID_HEXSZ + 1];

	(void)root;
	if (lg2.git_tree_entry_type(e) == GIT_OBJECT_BLOB) {
		lg2.git_oid_tostr(hex, sizeof(hex), lg2.git_tree_entry_id(e));
		hashmap_put(&w->head_blobs, hex, w);
	}
	return 0;
}

static void walk_init(struct walk *w, struct repo *r, repo_progress_cb progress, void *ctx,
		      struct repo_walk_stats *stats)
{
	memset(w, 0, sizeof(*w));
	w->r = r;
	w->progress = progress;
	w->ctx = ctx;
	w->stats = stats;
	memset(stats, 0, sizeof(*stats));
	stats->shallow = lg2.git_repository_is_shallow(r->git) == 1;
	hashmap_init(&w->seen);
	hashmap_init(&w->head_blobs);
	buf_init(&w->added);
	if (head_tree(r))
		lg2.git_tree_walk(r->head_tree, GIT_TREEWALK_PRE, collect_head_blob, w);
}

static void walk_free(struct walk *w)
{
	hashmap_free(&w->seen, NULL);
	hashmap_free(&w->head_blobs, NULL);
	if (w->added.data)
		secure_zero(w->added.data, w->added.len);
	buf_free(&w->added);
	free(w->lines);
	free(w->added_path);
}

/* True the first time a blob id is met in this walk. */
static bool first_sighting(struct walk *w, const git_oid *id, char hex[GIT_OID_HEXSZ + 1])
{
	lg2.git_oid_tostr(hex, GIT_OID_HEXSZ + 1, id);
	if (hashmap_contains(&w->seen, hex))
		return false;
	hashmap_put(&w->seen, hex, w);
	return true;
}

/* Hands a blob over by reference, unless it was handed over before. */
static int hand_over_ref(struct walk *w, const git_oid *id, const char *path)
{
	struct repo_blob_ref ref = {.path = path, .commit = w->commit_hex, .author = w->author, .date = w->date};

	if (!first_sighting(w, id, ref.id))
		return 0;
	ref.at_head = hashmap_contains(&w->head_blobs, ref.id);
	w->stats->blobs++;
	w->rc = w->ref_cb(&ref, w->ctx);
	return w->rc;
}

/* Hands one whole blob over, read here, unless it was handed over before
 * (a binary file of a range walk). */
static int hand_over_blob(struct walk *w, const git_oid *id, const char *path)
{
	char hex[GIT_OID_HEXSZ + 1];
	git_blob *blob = NULL;
	struct repo_blob b = {0};
	git_object_size_t size;

	if (!first_sighting(w, id, hex))
		return 0;
	if (lg2.git_blob_lookup(&blob, w->r->git, id) < 0)
		return 0; /* missing object (a shallow or partial clone): nothing to read */
	size = lg2.git_blob_rawsize(blob);
	if (size > REPO_MAX_BLOB) {
		w->stats->oversized++;
		size = REPO_MAX_BLOB;
	}
	b.path = path;
	b.data = lg2.git_blob_rawcontent(blob);
	b.len = (size_t)size;
	b.commit = w->commit_hex;
	b.author = w->author;
	b.date = w->date;
	b.at_head = hashmap_contains(&w->head_blobs, hex);
	w->stats->blobs++;
	w->rc = w->cb(&b, w->ctx);
	lg2.git_blob_free(blob);
	return w->rc;
}

/* The first parent's tree, or NULL for a root commit. A shallow clone's
 * boundary commit has no parent object: it is read as a root, so that
 * everything it holds is scanned. */
static void tree_of_parent(git_commit *c, git_tree **out)
{
	git_commit *parent = NULL;

	*out = NULL;
	if (lg2.git_commit_parentcount(c) == 0 || lg2.git_commit_parent(&parent, c, 0) < 0)
		return;
	if (lg2.git_commit_tree(out, parent) < 0)
		*out = NULL;
	lg2.git_commit_free(parent);
}

/* Hands over the blobs of `tree` that `parent` (NULL for none) does not
 * hold at the same path: a merge of two sorted entry lists that skips
 * identical subtrees by id. This is what a tree-to-tree diff computes,
 * without building a diff; it is most of the cost of a history walk. */
static int hand_over_new_blobs(struct walk *w, git_tree *tree, git_tree *parent, const char *prefix)
{
	size_t n = lg2.git_tree_entrycount(tree), m = parent ? lg2.git_tree_entrycount(parent) : 0, j = 0;

	for (size_t i = 0; i < n && !w->rc; i++) {
		const git_tree_entry *e = lg2.git_tree_entry_byindex(tree, i), *pe = NULL;
		const char *name = lg2.git_tree_entry_name(e);
		git_filemode_t mode = lg2.git_tree_entry_filemode(e);
		char *path;

		/* entries are sorted by git's order, the same in both trees */
		while (j < m && lg2.git_tree_entry_cmp(lg2.git_tree_entry_byindex(parent, j), e) < 0)
			j++;
		if (j < m && strcmp(lg2.git_tree_entry_name(lg2.git_tree_entry_byindex(parent, j)), name) == 0)
			pe = lg2.git_tree_entry_byindex(parent, j);
		if (pe && lg2.git_oid_equal(lg2.git_tree_entry_id(pe), lg2.git_tree_entry_id(e)))
			continue;
		if (mode == GIT_FILEMODE_COMMIT || mode == GIT_FILEMODE_LINK)
			continue; /* submodules and links hold no content of ours */
		path = xasprintf("%s%s", prefix, name);
		if (mode == GIT_FILEMODE_TREE) {
			git_tree *sub = NULL, *psub = NULL;
			if (lg2.git_tree_lookup(&sub, w->r->git, lg2.git_tree_entry_id(e)) == 0) {
				if (pe && lg2.git_tree_entry_filemode(pe) == GIT_FILEMODE_TREE)
					lg2.git_tree_lookup(&psub, w->r->git, lg2.git_tree_entry_id(pe));
				char *sub_prefix = xasprintf("%s/", path);
				hand_over_new_blobs(w, sub, psub, sub_prefix);
				free(sub_prefix);
			}
			lg2.git_tree_free(psub);
			lg2.git_tree_free(sub);
		} else {
			hand_over_ref(w, lg2.git_tree_entry_id(e), path);
		}
		free(path);
	}
	return w->rc;
}

static int hand_over_commit_blobs(struct walk *w, git_commit *c)
{
	git_tree *tree = NULL, *parent_tree = NULL;

	if (lg2.git_commit_tree(&tree, c) < 0)
		return 0;
	tree_of_parent(c, &parent_tree);
	hand_over_new_blobs(w, tree, parent_tree, "");
	lg2.git_tree_free(parent_tree);
	lg2.git_tree_free(tree);
	return w->rc;
}

static int start_revwalk(struct repo *r, git_revwalk **walk, char *err, size_t errlen)
{
	int rc = lg2.git_revwalk_new(walk, r->git);

	if (rc == 0) {
		lg2.git_revwalk_sorting(*walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME | GIT_SORT_REVERSE);
		/* every ref: branches, tags, remotes, notes, stashes */
		rc = lg2.git_revwalk_push_glob(*walk, "*");
		if (rc == 0 && r->has_head)
			rc = lg2.git_revwalk_push_head(*walk);
	}
	if (rc < 0)
		set_git_error(err, errlen, "cannot walk the history");
	return rc < 0 ? -EIO : 0;
}

/* Hands every commit the revwalk yields to `per_commit`, oldest first. */
static int walk_commits(struct walk *w, git_revwalk *revwalk, int (*per_commit)(struct walk *, git_commit *))
{
	git_oid id;
	int rc = 0;

	while (rc == 0 && lg2.git_revwalk_next(&id, revwalk) == 0) {
		git_commit *c = NULL;
		if (lg2.git_commit_lookup(&c, w->r->git, &id) < 0)
			continue;
		commit_identity(w, c);
		w->stats->commits++;
		rc = per_commit(w, c);
		lg2.git_commit_free(c);
		if (w->progress)
			w->progress(w->stats->commits, w->stats->blobs, w->ctx);
	}
	return rc;
}

int repo_walk_history(struct repo *r, repo_ref_cb cb, repo_progress_cb progress, void *ctx,
		      struct repo_walk_stats *stats, char *err, size_t errlen)
{
	git_revwalk *revwalk = NULL;
	struct walk w;
	int rc;

	walk_init(&w, r, progress, ctx, stats);
	w.ref_cb = cb;
	rc = start_revwalk(r, &revwalk, err, errlen);
	if (rc == 0)
		rc = walk_commits(&w, revwalk, hand_over_commit_blobs);
	lg2.git_revwalk_free(revwalk);
	walk_free(&w);
	return rc;
}

/* ---- range walks: added lines ---- */

static int flush_added(struct walk *w)
{
	struct repo_blob b = {0};

	if (!w->added_path || (!w->added.len && !w->added_binary))
		goto out;
	b.path = w->added_path;
	b.data = w->added.data ? w->added.data : "";
	b.len = w->added.len;
	b.lines = w->lines;
	b.n_lines = w->n_lines;
	b.commit = w->commit_hex;
	b.author = w->author;
	b.date = w->date;
	w->stats->blobs++;
	w->rc = w->cb(&b, w->ctx);
out:
	if (w->added.data)
		secure_zero(w->added.data, w->added.len);
	buf_reset(&w->added);
	w->n_lines = 0;
	free(w->added_path);
	w->added_path = NULL;
	w->added_binary = false;
	return w->rc;
}

static int on_file(const git_diff_delta *d, float progress, void *payload)
{
	struct walk *w = payload;

	(void)progress;
	if (flush_added(w))
		return w->rc;
	w->added_path = xstrdup(d->new_file.path);
	if ((d->flags & GIT_DIFF_FLAG_BINARY) && d->status != GIT_DELTA_DELETED) {
		/* a binary file (a keystore, say) is read whole */
		free(w->added_path);
		w->added_path = NULL;
		return hand_over_blob(w, &d->new_file.id, d->new_file.path);
	}
	return 0;
}

static int on_line(const git_diff_delta *d, const git_diff_hunk *h, const git_diff_line *l, void *payload)
{
	struct walk *w = payload;

	(void)d;
	(void)h;
	if (l->origin != GIT_DIFF_LINE_ADDITION || w->added.len + l->content_len > REPO_MAX_BLOB)
		return 0;
	buf_append(&w->added, l->content, l->content_len);
	if (!l->content_len || l->content[l->content_len - 1] != '\n')
		buf_putc(&w->added, '\n');
	if (w->n_lines == w->cap_lines) {
		w->cap_lines = w->cap_lines ? w->cap_lines * 2 : 256;
		w->lines = xrealloc(w->lines, w->cap_lines * sizeof(*w->lines));
	}
	w->lines[w->n_lines++] = (unsigned)l->new_lineno;
	return 0;
}

static int hand_over_added_lines(struct walk *w, git_commit *c)
{
	git_tree *tree = NULL, *parent_tree = NULL;
	git_diff *diff = NULL;
	git_diff_options opts;
	int rc;

	lg2.git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
	opts.context_lines = 0;
	rc = lg2.git_commit_tree(&tree, c);
	if (rc == 0)
		tree_of_parent(c, &parent_tree);
	if (rc == 0)
		rc = lg2.git_diff_tree_to_tree(&diff, w->r->git, parent_tree, tree, &opts);
	if (rc == 0)
		lg2.git_diff_foreach(diff, on_file, NULL, NULL, on_line, w);
	if (!w->rc)
		flush_added(w);
	lg2.git_diff_free(diff);
	lg2.git_tree_free(parent_tree);
	lg2.git_tree_free(tree);
	return w->rc;
}

static int parse_range(struct repo *r, const char *range, git_revwalk *walk, char *err, size_t errlen)
{
	const char *dots = strstr(range, "..");
	char *base = dots ? xstrndup(range, (size_t)(dots - range)) : xstrdup(range);
	const char *tip = dots ? dots + 2 : "HEAD";
	git_object *b = NULL, *t = NULL;
	int rc = 0;

	if (lg2.git_revparse_single(&b, r->git, base) < 0) {
		snprintf(err, errlen, "--diff: unknown revision '%s'", base);
		rc = -EINVAL;
	} else if (lg2.git_revparse_single(&t, r->git, *tip ? tip : "HEAD") < 0) {
		snprintf(err, errlen, "--diff: unknown revision '%s'", tip);
		rc = -EINVAL;
	} else if (lg2.git_revwalk_push(walk, lg2.git_object_id(t)) < 0 || lg2.git_revwalk_hide(walk, lg2.git_object_id(b)) < 0) {
		set_git_error(err, errlen, "--diff: cannot walk the range");
		rc = -EINVAL;
	}
	lg2.git_object_free(b);
	lg2.git_object_free(t);
	free(base);
	return rc;
}

int repo_check_range(struct repo *r, const char *range, char *err, size_t errlen)
{
	git_revwalk *walk = NULL;
	int rc = lg2.git_revwalk_new(&walk, r->git) < 0 ? -EIO : parse_range(r, range, walk, err, errlen);

	lg2.git_revwalk_free(walk);
	return rc;
}

int repo_walk_range(struct repo *r, const char *range, repo_blob_cb cb, repo_progress_cb progress, void *ctx,
		    struct repo_walk_stats *stats, char *err, size_t errlen)
{
	git_revwalk *revwalk = NULL;
	struct walk w;
	int rc;

	walk_init(&w, r, progress, ctx, stats);
	w.cb = cb;
	rc = lg2.git_revwalk_new(&revwalk, r->git) < 0 ? -EIO : 0;
	if (rc == 0) {
		lg2.git_revwalk_sorting(revwalk, GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME | GIT_SORT_REVERSE);
		rc = parse_range(r, range, revwalk, err, errlen);
	}
	if (rc == 0)
		rc = walk_commits(&w, revwalk, hand_over_added_lines);
	lg2.git_revwalk_free(revwalk);
	walk_free(&w);
	return rc;
}

/* ---- HEAD's tree ---- */

static int hand_over_head_entry(const char *root, const git_tree_entry *e, void *payload)
{
	struct walk *w = payload;
	char *path;
	int rc;

	if (lg2.git_tree_entry_type(e) != GIT_OBJECT_BLOB || lg2.git_tree_entry_filemode(e) == GIT_FILEMODE_LINK)
		return 0;
	path = xasprintf("%s%s", root, lg2.git_tree_entry_name(e));
	rc = hand_over_ref(w, lg2.git_tree_entry_id(e), path);
	free(path);
	return rc ? -1 : 0;
}

int repo_walk_head(struct repo *r, repo_ref_cb cb, void *ctx, struct repo_walk_stats *stats, char *err,
		   size_t errlen)
{
	git_commit *head = NULL;
	struct walk w;
	git_oid id;

	walk_init(&w, r, NULL, ctx, stats);
	w.ref_cb = cb;
	if (head_tree(r) && lg2.git_oid_fromstr(&id, r->head_hex) == 0 && lg2.git_commit_lookup(&head, r->git, &id) == 0) {
		commit_identity(&w, head);
		stats->commits = 1;
		lg2.git_tree_walk(r->head_tree, GIT_TREEWALK_PRE, hand_over_head_entry, &w);
	} else if (!r->has_head) {
		snprintf(err, errlen, "the repository has no commit yet");
	}
	lg2.git_commit_free(head);
	walk_free(&w);
	return w.rc;
}

/* ---- readers for other threads ---- */

struct repo_reader {
	git_repository *git;
	git_blob *blob; /* the last one read */
};

int repo_reader_open(const struct repo *r, struct repo_reader **out, char *err, size_t errlen)
{
	struct repo_reader *rd = xcalloc(1, sizeof(*rd));

	*out = NULL;
	lg2.git_libgit2_init();
	/* objects only: no search upwards, no work tree, no config beyond
	 * what locating the objects needs */
	if (lg2.git_repository_open_ext(&rd->git, r->gitdir, GIT_REPOSITORY_OPEN_NO_SEARCH | GIT_REPOSITORY_OPEN_BARE,
				    NULL) < 0) {
		set_git_error(err, errlen, "cannot open the git repository again for reading");
		repo_reader_close(rd);
		return -EIO;
	}
	*out = rd;
	return 0;
}

int repo_reader_read(struct repo_reader *rd, const char *id, const char **data, size_t *len, bool *oversized)
{
	git_object_size_t size;
	git_oid oid;

	lg2.git_blob_free(rd->blob);
	rd->blob = NULL;
	if (lg2.git_oid_fromstr(&oid, id) < 0 || lg2.git_blob_lookup(&rd->blob, rd->git, &oid) < 0)
		return 0;
	size = lg2.git_blob_rawsize(rd->blob);
	*oversized = size > REPO_MAX_BLOB;
	*data = lg2.git_blob_rawcontent(rd->blob);
	*len = (size_t)(*oversized ? REPO_MAX_BLOB : size);
	return 1;
}

void repo_reader_close(struct repo_reader *rd)
{
	if (!rd)
		return;
	lg2.git_blob_free(rd->blob);
	lg2.git_repository_free(rd->git);
	free(rd);
	lg2.git_libgit2_shutdown();
}
