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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct repo {
	git_repository *git;
	git_index *index;
	git_tree *head_tree;
	char *workdir;
	char head_hex[GIT_OID_HEXSZ + 1];
	bool has_head;
};

static void set_git_error(char *err, size_t errlen, const char *what)
{
	const git_error *e = git_error_last();
	snprintf(err, errlen, "%s: %s", what, e && e->message ? e->message : "unknown libgit2 error");
}

static void load_head(struct repo *r)
{
	git_reference *head = NULL;
	git_commit *commit = NULL;
	const git_oid *oid;

	if (git_repository_head(&head, r->git) < 0)
		goto out; /* unborn branch: nothing committed yet */
	oid = git_reference_target(head);
	if (!oid || git_commit_lookup(&commit, r->git, oid) < 0)
		goto out;
	if (git_commit_tree(&r->head_tree, commit) < 0)
		goto out;
	git_oid_tostr(r->head_hex, sizeof(r->head_hex), oid);
	r->has_head = true;
out:
	git_commit_free(commit);
	git_reference_free(head);
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

int repo_open_worktree(const char *dir, struct repo **out, char *err, size_t errlen)
{
	struct repo *r = xcalloc(1, sizeof(*r));
	int rc;

	*out = NULL;
	git_libgit2_init();
	git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, 0);
	rc = git_repository_open_ext(&r->git, dir, 0, NULL);
	if (rc == GIT_ENOTFOUND) {
		rc = -ENOENT;
		goto fail;
	}
	if (rc < 0) {
		set_git_error(err, errlen, "cannot open git repository");
		rc = -EIO;
		goto fail;
	}
	if (git_repository_is_bare(r->git) || !git_repository_workdir(r->git)) {
		rc = -ENOENT;
		goto fail;
	}
	if (git_repository_index(&r->index, r->git) < 0) {
		set_git_error(err, errlen, "cannot read git index");
		rc = -EIO;
		goto fail;
	}
	r->workdir = normalised_workdir(git_repository_workdir(r->git));
	load_head(r);
	*out = r;
	return 0;
fail:
	repo_close(r);
	return rc;
}

void repo_close(struct repo *r)
{
	if (!r)
		return;
	git_tree_free(r->head_tree);
	git_index_free(r->index);
	git_repository_free(r->git);
	free(r->workdir);
	free(r);
	git_libgit2_shutdown();
}

const char *repo_workdir(const struct repo *r)
{
	return r->workdir;
}

const char *repo_head_commit(const struct repo *r)
{
	return r->has_head ? r->head_hex : NULL;
}

void repo_tracking(struct repo *r, const char *path, bool *in_index, bool *in_head)
{
	git_tree_entry *te = NULL;

	*in_index = git_index_get_bypath(r->index, path, 0) != NULL;
	*in_head = false;
	if (r->head_tree && git_tree_entry_bypath(&te, r->head_tree, path) == 0) {
		*in_head = true;
		git_tree_entry_free(te);
	}
}

bool repo_ignores(struct repo *r, const char *path)
{
	int ignored = 0;

	if (git_ignore_path_is_ignored(&ignored, r->git, path) < 0)
		return false;
	return ignored != 0;
}
