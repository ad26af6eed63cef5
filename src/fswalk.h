/*
 * The directory walker used by discovery: visits every entry below a root
 * in a stable (byte-sorted) order, never follows a symbolic link, never
 * leaves the root, skips .git, and reports what it could not walk (an
 * unreadable directory, a symlink loop, a link pointing outside the root,
 * the depth or entry cap) through a callback rather than stopping.
 */
#ifndef ASSAY_FSWALK_H
#define ASSAY_FSWALK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#define FSWALK_MAX_DEPTH 64
#define FSWALK_MAX_ENTRIES 2000000

/* A file's first bytes, read before its turn (see readahead.h). */
struct fs_ahead {
	const char *data; /* NUL-terminated; NULL when the read failed */
	size_t len;
	bool truncated; /* the file went on past len */
	int err;        /* the read's -errno, or 0 */
};

struct fs_entry {
	const char *path;    /* root-joined path, raw bytes, for open() */
	const char *relpath; /* relative to the root, "/"-separated, raw bytes */
	const char *name;    /* the last component */
	struct stat st;      /* lstat() of the entry */
	const struct stat *dir_st; /* lstat() of the directory holding it */
	const char *dir_relpath;   /* that directory, relative to the root ("" for the root) */
	/* Content already in memory (standard input), or NULL: read `path`.
	 * Scanners read either through fs_entry_read. */
	const char *data;
	size_t data_len;
	bool data_truncated; /* the source went on past what data holds */
	/* The file's bytes read ahead by another thread, or NULL; fs_entry_read
	 * hands them out in place of reading the file again. */
	const struct fs_ahead *ahead;
};

struct fswalk_ops {
	/* Called for every entry that is not a directory or a symbolic link. */
	int (*file)(const struct fs_entry *e, void *ctx);
	/* Called for what could not be walked; relpath may be "". */
	void (*problem)(const char *relpath, const char *message, void *ctx);
	/* Polled between entries; returning true stops the walk (-EINTR). */
	bool (*cancelled)(void *ctx);
};

/* Walks the directory `root`. Returns 0, -EINTR when cancelled, the first
 * nonzero value a callback returned, or -errno when the root itself cannot
 * be read. */
int fswalk(const char *root, const struct fswalk_ops *ops, void *ctx);

/* Visits a single file as if it were the only entry of its directory. */
int fswalk_file(const char *path, const struct fswalk_ops *ops, void *ctx);

/* Visits content held in memory (standard input) as one regular file
 * named `name`, with nothing on disk behind it. */
int fswalk_buffer(const char *name, const char *data, size_t len, bool truncated, const struct fswalk_ops *ops,
		  void *ctx);

/* Reads at most `cap` bytes of an entry, from memory or from its file
 * (never following a link), as read_file_capped does. Returns 0 or -errno. */
int fs_entry_read(const struct fs_entry *e, size_t cap, char **data, size_t *len, bool *truncated);

#endif
