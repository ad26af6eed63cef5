/*
 * Git repositories, through libgit2 (its one home). For now: the work tree
 * that contains a scan root, which files it tracks (index or HEAD) and
 * which its ignore rules cover. History scanning grows here.
 */
#ifndef ASSAY_REPO_H
#define ASSAY_REPO_H

#include <stdbool.h>
#include <stddef.h>

struct repo;

/* Opens the git work tree containing `dir` (searching upwards). Returns
 * -ENOENT when `dir` is in no work tree (or only in a bare repository),
 * another negative code with a reason in err when the repository is
 * broken. */
int repo_open_worktree(const char *dir, struct repo **out, char *err, size_t errlen);
void repo_close(struct repo *r);

/* The work tree's root, realpath'd, without a trailing slash. */
const char *repo_workdir(const struct repo *r);
/* HEAD's commit id in hex, or NULL on an unborn branch. */
const char *repo_head_commit(const struct repo *r);

/* Paths are relative to the work tree root, "/"-separated. */
void repo_tracking(struct repo *r, const char *path, bool *in_index, bool *in_head);
/* True when the ignore rules (.gitignore files, info/exclude, the
 * configured excludes file) match the path, whether or not it is tracked. */
bool repo_ignores(struct repo *r, const char *path);

#endif
