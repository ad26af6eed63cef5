/*
 * The git.* family: what history says about secrets. While history is
 * walked, every secret found is recorded with the first commit that
 * brought it; the work-tree scan then claims the ones it still sees (and
 * its findings learn their first commit), and the rest are reported as
 * git.secret-in-history: removed from the tree, still in every clone.
 */
#ifndef ASSAY_GIT_CHECKS_H
#define ASSAY_GIT_CHECKS_H

#include <stdbool.h>

#include "repo.h"
#include "scan.h"

struct git_history;

/* What history knows of one secret. */
struct git_secret {
	const struct secret_pattern *pattern;
	char hash[SHA256_HEX_LEN + 1];
	char *path, *redacted, *commit, *author, *date;
	unsigned line, column;
	bool at_head;  /* some blob holding it is in HEAD's tree */
	bool claimed;  /* reported by the work-tree scan */
};

struct git_history *git_history_new(void);
void git_history_free(struct git_history *h);
/* Records a secret found in a history blob; the first record (the oldest
 * commit, as walks go oldest first) keeps its place. */
void git_history_record(struct git_history *h, const struct secret_hit *hit, const struct repo_blob *b,
			const char *display_path, unsigned line, unsigned column);
/* The history of a secret the work tree holds, marked claimed; NULL when
 * history does not know it. */
const struct git_secret *git_history_claim(struct git_history *h, const char *rule, const char *hash);
enum git_report_mode {
	GIT_REPORT_WORKTREE, /* the work tree reported what it holds: the rest is history */
	GIT_REPORT_BARE,     /* no work tree: HEAD's secrets are reported here too */
	GIT_REPORT_RANGE,    /* a pull request's range: every secret it added */
};

/* Reports what no work-tree finding claimed: a secret gone from HEAD as
 * git.secret-in-history, one in HEAD under its own rule (bare), one a
 * range added under its own rule, naming the commit. */
void git_history_report(struct scan *s, struct git_history *h, enum git_report_mode mode);

#endif
