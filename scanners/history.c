/*
 * The history scanner (see history.h). Every blob comes whole and once
 * (all history, bare HEAD) or as the lines a commit added (a range); each
 * secret the engine finds in it is recorded with the commit, author and
 * date that brought it. A progress line goes to stderr when it is a
 * terminal.
 *
 * Reading and scanning overlap: the walk (libgit2, on the calling thread)
 * copies each blob into a queue bounded in bytes, and one worker thread
 * runs the secrets engine and keeps the record. The queue is FIFO, so the
 * record still sees blobs oldest first and the first commit stays first.
 */
#include "history.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "git_checks.h"
#include "repo.h"
#include "utf8.h"
#include "util.h"

/* Bounded so that peak memory stays well under the 256 MB budget: the
 * pack windows libgit2 maps (96 MB) and the largest blob come on top. */
#define QUEUE_MAX_BYTES (16 * 1024 * 1024)

/* A blob as the worker sees it: copies of what the walk handed over. */
struct queued_blob {
	struct repo_blob b;
	char *data, *path, *commit, *author, *date;
	unsigned *lines;
	struct queued_blob *next;
};

struct blob_queue {
	pthread_mutex_t lock;
	pthread_cond_t changed;
	struct queued_blob *head, *tail;
	size_t bytes;
	bool closed;
};

struct history_ctx {
	struct scan *s;
	struct git_history *record;
	const struct repo_blob *blob;
	char *display_path;
	bool show_progress;
	struct timespec last_progress;
	struct blob_queue q;
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

static struct queued_blob *copy_blob(const struct repo_blob *b)
{
	struct queued_blob *q = xcalloc(1, sizeof(*q));

	q->data = xmalloc(b->len ? b->len : 1);
	memcpy(q->data, b->data, b->len);
	q->path = xstrdup(b->path);
	q->commit = xstrdup(b->commit);
	q->author = xstrdup(b->author);
	q->date = xstrdup(b->date);
	if (b->lines) {
		q->lines = xmalloc((b->n_lines ? b->n_lines : 1) * sizeof(*q->lines));
		memcpy(q->lines, b->lines, b->n_lines * sizeof(*q->lines));
	}
	q->b = *b;
	q->b.data = q->data;
	q->b.path = q->path;
	q->b.commit = q->commit;
	q->b.author = q->author;
	q->b.date = q->date;
	q->b.lines = q->lines;
	return q;
}

static void free_queued(struct queued_blob *q)
{
	secure_free(q->data, q->b.len);
	free(q->path);
	free(q->commit);
	free(q->author);
	free(q->date);
	free(q->lines);
	free(q);
}

/* Waits while the queue is over its byte budget, then appends. */
static void queue_push(struct blob_queue *bq, struct queued_blob *item)
{
	pthread_mutex_lock(&bq->lock);
	while (bq->bytes > QUEUE_MAX_BYTES && bq->head)
		pthread_cond_wait(&bq->changed, &bq->lock);
	if (bq->tail)
		bq->tail->next = item;
	else
		bq->head = item;
	bq->tail = item;
	bq->bytes += item->b.len;
	pthread_cond_broadcast(&bq->changed);
	pthread_mutex_unlock(&bq->lock);
}

/* The next blob, or NULL once the queue is closed and empty. */
static struct queued_blob *queue_pop(struct blob_queue *bq)
{
	struct queued_blob *item;

	pthread_mutex_lock(&bq->lock);
	while (!bq->head && !bq->closed)
		pthread_cond_wait(&bq->changed, &bq->lock);
	item = bq->head;
	if (item) {
		bq->head = item->next;
		if (!bq->head)
			bq->tail = NULL;
		bq->bytes -= item->b.len;
		pthread_cond_broadcast(&bq->changed);
	}
	pthread_mutex_unlock(&bq->lock);
	return item;
}

static void queue_close(struct blob_queue *bq)
{
	pthread_mutex_lock(&bq->lock);
	bq->closed = true;
	pthread_cond_broadcast(&bq->changed);
	pthread_mutex_unlock(&bq->lock);
}

/* The worker: the only user of the secrets engine and of the record while
 * history is scanned. */
static void *scan_worker(void *ctx)
{
	struct history_ctx *h = ctx;
	struct queued_blob *item;

	while ((item = queue_pop(&h->q))) {
		h->blob = &item->b;
		h->display_path = utf8_sanitize(item->b.path, strlen(item->b.path));
		scan_find_secrets(h->s, item->b.path, item->b.data, item->b.len, record_hit, h);
		free(h->display_path);
		h->display_path = NULL;
		free_queued(item);
	}
	return NULL;
}

static int scan_blob(const struct repo_blob *b, void *ctx)
{
	struct history_ctx *h = ctx;

	/* the input's digest covers what history gave: commit, path, size */
	sha256_field(&h->s->target->digest, b->commit);
	sha256_field(&h->s->target->digest, b->path);
	sha256_update(&h->s->target->digest, &b->len, sizeof(b->len));
	queue_push(&h->q, copy_blob(b));
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
	pthread_t worker;
	char err[512] = "";
	const char *what;
	int rc;

	if (!t->repo)
		return 0;
	if (!s->req->history && !s->req->diff_range && !t->bare)
		return 0;
	h.record = t->history = git_history_new();
	h.show_progress = !s->req->quiet && isatty(STDERR_FILENO);
	pthread_mutex_init(&h.q.lock, NULL);
	pthread_cond_init(&h.q.changed, NULL);
	if (pthread_create(&worker, NULL, scan_worker, &h) != 0) {
		scan_notice(s, "error", t->locator, "cannot start the history scanning thread");
		return -EAGAIN;
	}
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
	queue_close(&h.q);
	pthread_join(worker, NULL);
	pthread_cond_destroy(&h.q.changed);
	pthread_mutex_destroy(&h.q.lock);
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
