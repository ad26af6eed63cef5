/*
 * Git repositories, through libgit2 (its one home): the work tree that
 * contains a scan root (which files it tracks, which its ignore rules
 * cover), and the walks over history that hand blobs and added lines to
 * the secrets engine: every commit reachable from all refs, the commits of
 * a pull request's range, or HEAD's tree of a bare repository.
 */
#ifndef ASSAY_REPO_H
#define ASSAY_REPO_H

#include <stdbool.h>
#include <stddef.h>

struct repo;

void repo_close(struct repo *r);

/* The work tree's root, realpath'd, without a trailing slash. */
const char *repo_workdir(const struct repo *r);
/* HEAD's commit id in hex, or NULL on an unborn branch. */
const char *repo_head_commit(const struct repo *r);

/* Paths are relative to the work tree root, "/"-separated. Whether the
 * index holds the path, and whether HEAD's tree does (read on first use). */
void repo_tracking(struct repo *r, const char *path, bool *in_index, bool *in_head);
bool repo_in_index(struct repo *r, const char *path);
bool repo_in_head(struct repo *r, const char *path);
/* True when the ignore rules (.gitignore files, info/exclude, the
 * configured excludes file) match the path, whether or not it is tracked. */
bool repo_ignores(struct repo *r, const char *path);

/* Opens the repository at or above `dir`: a work tree or a bare one. */
int repo_open(const char *dir, struct repo **out, char *err, size_t errlen);

/* How many times libgit2 asked for a CA certificate file and was refused
 * (repo.c says why); for the tests. */
unsigned repo_certificate_files_refused(void);

/* Opening a work tree's repository takes tens of milliseconds on a large
 * tree (loading libgit2 and what it needs; the index of 10,000 files takes
 * 12 ms to read); repo_open_ahead starts it on a
 * thread so that it overlaps whatever the caller does meanwhile. NULL when
 * no thread could be started. */
struct repo_ahead;
struct repo_ahead *repo_open_ahead(const char *dir);
/* repo_open(dir, ...), answered by *ahead when it was started for the
 * same dir (its result, error text included, is handed over). *ahead is
 * used up either way and set to NULL. */
int repo_open_via(struct repo_ahead **ahead, const char *dir, struct repo **out, char *err, size_t errlen);
/* Waits for an opening nobody took and closes what it opened. */
void repo_ahead_free(struct repo_ahead *a);
/* True when a is opening dir (repo_open_via would take its answer). */
bool repo_ahead_is_for(const struct repo_ahead *a, const char *dir);
bool repo_is_bare(const struct repo *r);
/* The repository's git directory, realpath'd, without a trailing slash. */
const char *repo_gitdir(const struct repo *r);

/* What a history walk hands over: a blob's content, or the lines one
 * commit added to one file, and where it came from. */
struct repo_blob {
	const char *path;      /* in the commit's tree */
	const char *data;
	size_t len;
	/* When data holds added lines only: its line i (0-based) is line
	 * lines[i] of the file. NULL when data is the whole file. */
	const unsigned *lines;
	size_t n_lines;
	const char *commit;    /* hex id */
	const char *author;    /* "Name <email>" */
	const char *date;      /* author date, ISO 8601 UTC */
	bool at_head;          /* this blob is in HEAD's tree */
};

typedef int (*repo_blob_cb)(const struct repo_blob *b, void *ctx);
typedef void (*repo_progress_cb)(unsigned commits, unsigned blobs, void *ctx);

struct repo_walk_stats {
	unsigned commits;
	unsigned blobs;       /* distinct blobs (or files with added lines) handed over */
	unsigned oversized;   /* blobs over REPO_MAX_BLOB, read up to it */
	bool shallow;         /* the clone's history is cut off */
};

#define REPO_MAX_BLOB (10 * 1024 * 1024)
#define REPO_ID_HEX_LEN 40

/* A blob a walk met, not yet read: its id and where it was met. The
 * strings live until the callback returns. */
struct repo_blob_ref {
	char id[REPO_ID_HEX_LEN + 1];
	const char *path, *commit, *author, *date;
	bool at_head;
};

typedef int (*repo_ref_cb)(const struct repo_blob_ref *ref, void *ctx);

/* Every commit reachable from any ref (and HEAD), oldest first; each
 * distinct blob that a commit adds or changes is handed over once, by
 * reference, with the first commit that brought it. Only trees and
 * commits are read here: blobs are read with a repo_reader, so that
 * reading them (most of a history walk) can happen on other threads. */
int repo_walk_history(struct repo *r, repo_ref_cb cb, repo_progress_cb progress, void *ctx,
		      struct repo_walk_stats *stats, char *err, size_t errlen);
/* The commits in `range` ("BASE" meaning BASE..HEAD, or "BASE..TIP"),
 * oldest first: the lines each one added, file by file. */
int repo_walk_range(struct repo *r, const char *range, repo_blob_cb cb, repo_progress_cb progress, void *ctx,
		    struct repo_walk_stats *stats, char *err, size_t errlen);
/* Checks that a range names revisions of this repository. */
int repo_check_range(struct repo *r, const char *range, char *err, size_t errlen);
/* Every blob of HEAD's tree, by reference (a bare repository's current
 * state). */
int repo_walk_head(struct repo *r, repo_ref_cb cb, void *ctx, struct repo_walk_stats *stats, char *err,
		   size_t errlen);

/* Reads blobs by id on a thread of its own: a repository handle of its own
 * on the same git directory (libgit2 handles are not shared between
 * threads; the pack files and their caches behind them are). */
struct repo_reader;

int repo_reader_open(const struct repo *r, struct repo_reader **out, char *err, size_t errlen);
/* Reads a blob, at most REPO_MAX_BLOB bytes of it (*oversized says it was
 * longer). The content stays valid until the next read or the close.
 * Returns 1, or 0 when the object is not there (a shallow or partial
 * clone): nothing to read. Whether it is text is the secrets engine's to
 * judge. */
int repo_reader_read(struct repo_reader *rd, const char *id, const char **data, size_t *len, bool *oversized);
void repo_reader_close(struct repo_reader *rd);

#endif
