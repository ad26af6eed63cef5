/*
 * The history scanner (see history.h). Every blob comes whole and once
 * (all history, bare HEAD) or as the lines a commit added (a range); each
 * secret the engine finds in it is recorded with the commit, author and
 * date that brought it. A progress line goes to stderr when it is a
 * terminal.
 */
#include "history.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "git_checks.h"
#include "repo.h"
#include "utf8.h"
#include "util.h"

struct history_ctx {
	struct scan *s;
	struct git_history *record;
	const struct repo_blob *blob;
	char *display_path;
	bool show_progress;
	struct timespec last_progress;
};

static void record_hit(const struct secret_hit *hit, void *ctx)
{
	struct history_ctx *h = ctx;
	const struct repo_blob *b = h->blob;
	unsigned line = hit->line, column = hit->column;

	/* added lines: map the buffer's line back to the file's */
	if (b->lines && line >= 1 && line <= b->n_lines)
		line = b->lines[line - 1];
	if (hit->in_binary)
		line = column = 0;
	if (hit->ignored)
		return; /* an assay:ignore comment in that blob speaks for it in history too */
	git_history_record(h->record, hit, b, h->display_path, line, column);
}

static int scan_blob(const struct repo_blob *b, void *ctx)
{
	struct history_ctx *h = ctx;

	h->blob = b;
	/* the input's digest covers what history gave: commit, path, size */
	sha256_field(&h->s->target->digest, b->commit);
	sha256_field(&h->s->target->digest, b->path);
	sha256_update(&h->s->target->digest, &b->len, sizeof(b->len));
	h->display_path = utf8_sanitize(b->path, strlen(b->path));
	scan_find_secrets(h->s, b->path, b->data, b->len, record_hit, h);
	free(h->display_path);
	h->display_path = NULL;
	return scan_cancelled ? -1 : h->s->write_error;
}

static void show_progress(unsigned commits, unsigned blobs, void *ctx)
{
	struct history_ctx *h = ctx;
	struct timespec now;

	if (!h->show_progress)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if ((now.tv_sec - h->last_progress.tv_sec) * 1000 + (now.tv_nsec - h->last_progress.tv_nsec) / 1000000 < 100)
		return;
	h->last_progress = now;
	fprintf(stderr, "\rassay: history: %u commits, %u blobs", commits, blobs);
	fflush(stderr);
}

static void say_stats(struct scan *s, struct scan_target *t, const struct repo_walk_stats *st, const char *what)
{
	scan_notice(s, "info", t->locator, "%s: %u commits, %u blobs or changed files scanned", what, st->commits,
		    st->blobs);
	if (st->oversized)
		scan_notice(s, "info", t->locator, "%u blobs larger than %d MiB were scanned up to that size",
			    st->oversized, REPO_MAX_BLOB >> 20);
	if (st->shallow)
		scan_notice(s, "warning", t->locator,
			    "shallow clone: commits older than the clone's depth are not in it and were not scanned; "
			    "fetch with --unshallow to scan them");
}

int history_scan(struct scan *s, struct scan_target *t)
{
	struct history_ctx h = {.s = s};
	struct repo_walk_stats stats;
	char err[512] = "";
	const char *what;
	int rc;

	if (!t->repo)
		return 0;
	if (!s->req->history && !s->req->diff_range && !t->bare)
		return 0;
	h.record = t->history = git_history_new();
	h.show_progress = !s->req->quiet && isatty(STDERR_FILENO);
	if (s->req->diff_range) {
		what = "range";
		t->skip_walk = true;
		rc = repo_walk_range(t->repo, s->req->diff_range, scan_blob, show_progress, &h, &stats, err, sizeof(err));
	} else if (s->req->history) {
		what = "history";
		rc = repo_walk_history(t->repo, scan_blob, show_progress, &h, &stats, err, sizeof(err));
	} else {
		what = "HEAD";
		rc = repo_walk_head(t->repo, scan_blob, &h, &stats, err, sizeof(err));
	}
	if (t->bare)
		t->skip_walk = true;
	if (h.show_progress)
		fprintf(stderr, "\r\033[K");
	if (*err)
		scan_notice(s, "error", t->locator, "%s", err);
	say_stats(s, t, &stats, what);
	return rc < 0 && *err ? -EINVAL : 0;
}

void history_report(struct scan *s, struct scan_target *t)
{
	enum git_report_mode mode = s->req->diff_range ? GIT_REPORT_RANGE
				    : t->bare           ? GIT_REPORT_BARE
							: GIT_REPORT_WORKTREE;

	if (t->history)
		git_history_report(s, t->history, mode);
}
