/*
 * Reading ahead of a directory walk. The walk hands every entry (and every
 * problem) here; a worker thread reads the files of the next entries and
 * runs `prepare` over their bytes (what can be computed from the bytes
 * alone, such as a YAML parse), while the calling thread gives the entries
 * their turn (`file`) strictly in walk order, each with its content and
 * what was prepared. Entries travel in batches, so that the threads meet
 * once per batch rather than once per file: on a machine where waking a
 * thread is a system call, per-file hand-offs cost more than they save.
 *
 * Whatever the workers did, `file` sees the same entries in the same order
 * as a plain walk would give them; with no worker (one processor) the
 * calling thread prepares each batch itself.
 */
#ifndef ASSAY_READAHEAD_H
#define ASSAY_READAHEAD_H

#include <stdbool.h>
#include <stddef.h>

#include "fswalk.h"

/* Files larger than this are not read ahead (their scanners read them),
 * nor files that would take the bytes read ahead and not yet given their
 * turn past READAHEAD_MAX_BYTES: memory stays flat whatever the tree. */
#define READAHEAD_MAX_FILE (256 * 1024)
#define READAHEAD_MAX_BYTES (8 * 1024 * 1024)

struct readahead;

struct readahead_ops {
	/* Calling thread, at walk time: whether the entry's bytes are worth
	 * reading ahead (not excluded, not left out by git, a size worth it). */
	bool (*wanted)(const struct fs_entry *e, void *ctx);
	/* A worker thread: what the entry's turn will want computed from its
	 * bytes (NULL for nothing). Must not touch anything shared. */
	void *(*prepare)(const struct fs_entry *e, const struct fs_ahead *content, void *ctx);
	/* Frees what prepare returned; on a worker thread, or the caller's. */
	void (*release)(void *prepared, void *ctx);
	/* Calling thread, in walk order: the entry's turn. e->ahead holds the
	 * bytes read ahead, or is NULL. A nonzero return stops the walk. */
	int (*file)(const struct fs_entry *e, void *prepared, void *ctx);
	/* Calling thread, in walk order: what the walk could not walk. */
	void (*problem)(const char *relpath, const char *message, void *ctx);
};

struct readahead *readahead_new(const struct readahead_ops *ops, void *ctx);
/* fswalk's callbacks: queue the entry or problem; give their turn to the
 * entries that fall out of the read-ahead window. Returns the first
 * nonzero value a turn returned (later entries then get no turn). */
int readahead_file(struct readahead *ra, const struct fs_entry *e);
void readahead_problem(struct readahead *ra, const char *relpath, const char *message);
/* Gives every queued entry its turn (give_turns), or drops them (after
 * an error or a cancelled walk); returns the first nonzero turn. */
int readahead_finish(struct readahead *ra, bool give_turns);
/* Stops the workers and frees everything. */
void readahead_free(struct readahead *ra);

/* Tests: run with this many workers (0: prepare on the calling thread);
 * negative restores the default (one per processor beyond the first).
 * And a budget other than READAHEAD_MAX_BYTES (0 restores it). */
void readahead_set_workers(int n);
void readahead_set_budget(size_t bytes);

#endif
