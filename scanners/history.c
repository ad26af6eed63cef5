/*
 * The history scanner (see history.h). Every blob comes whole and once
 * (all history, bare HEAD) or as the lines a commit added (a range); each
 * secret the engine finds in it is recorded with the commit, author and
 * date that brought it. A progress line goes to stderr when it is a
 * terminal.
 *
 * The walk (libgit2, on the calling thread) reads only commits and trees
 * and queues one task per new blob: a reference for whole blobs, the
 * added lines themselves for a range. Workers, one per processor, each
 * with a repository handle and a secrets engine of its own, read the blob
 * (inflating it is most of the cost of history) and search it. Tasks are
 * retired strictly in walk order, whichever worker finished them: the
 * record sees secrets oldest commit first, so the first commit stays
 * first, and the input's digest is the same however the work was shared.
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

/* Tasks between the walk and retirement, and the bytes of added lines
 * they hold, are bounded so that memory stays flat: each worker holds one
 * blob at a time (at most REPO_MAX_BLOB), on top of the pack windows
 * libgit2 maps (96 MB). */
#define TASKS_MAX 1024
#define TASK_BYTES_MAX (16 * 1024 * 1024)
#define WORKERS_MAX 8

struct task {
	/* what to scan: a blob by reference, or a range's added lines */
	struct repo_blob b;
	char id[REPO_ID_HEX_LEN + 1];
	bool by_ref;
	char *data, *path, *commit, *author, *date;
	unsigned *lines;
	size_t queued_bytes; /* added lines held from the walk to retirement */
	/* what scanning found */
	bool done, missing, oversized;
	/* secrets found, kept until the task is retired: redacted is our
	 * copy, line and column are the file's */
	struct secret_hit *hits;
	size_t n_hits, cap_hits;
	struct task *next;
};

struct history_ctx {
	struct scan *s;
	struct git_history *record;
	bool show_progress;
	struct timespec last_progress;
	/* the pipeline, under lock */
	pthread_mutex_t lock;
	pthread_cond_t changed;
	struct task *head, *tail; /* every task not yet retired, in walk order */
	struct task *untaken;     /* the first one no worker has taken */
	size_t n_tasks, task_bytes;
	bool closed;
	/* what retirement counted */
	unsigned blobs, oversized;
};

struct worker {
	pthread_t thread;
	struct history_ctx *h;
	struct secrets_engine *engine;
	struct repo_reader *reader;
	bool started;
};

/* A task with copies of where the blob was met. */
static struct task *task_new(const char *path, const char *commit, const char *author, const char *date)
{
	struct task *t = xcalloc(1, sizeof(*t));

	t->path = xstrdup(path);
	t->commit = xstrdup(commit);
	t->author = xstrdup(author);
	t->date = xstrdup(date);
	return t;
}

static struct task *task_from_blob(const struct repo_blob *b)
{
	struct task *t = task_new(b->path, b->commit, b->author, b->date);

	t->data = xmalloc(b->len ? b->len : 1);
	memcpy(t->data, b->data, b->len);
	if (b->lines) {
		t->lines = xmalloc((b->n_lines ? b->n_lines : 1) * sizeof(*t->lines));
		memcpy(t->lines, b->lines, b->n_lines * sizeof(*t->lines));
	}
	t->b = *b;
	t->queued_bytes = b->len;
	t->b.data = t->data;
	t->b.lines = t->lines;
	return t;
}

static struct task *task_from_ref(const struct repo_blob_ref *ref)
{
	struct task *t = task_new(ref->path, ref->commit, ref->author, ref->date);

	t->by_ref = true;
	memcpy(t->id, ref->id, sizeof(t->id));
	t->b.at_head = ref->at_head;
	return t;
}

static void task_free(struct task *t)
{
	if (t->data)
		secure_free(t->data, t->b.len);
	for (size_t i = 0; i < t->n_hits; i++)
		free(t->hits[i].redacted);
	free(t->hits);
	free(t->lines);
	free(t->path);
	free(t->commit);
	free(t->author);
	free(t->date);
	free(t);
}

/* ---- the worker side ---- */

/* A hit keeps its file line: for added lines, the buffer's line i is the
 * file's line lines[i]. An assay:ignore comment in a blob speaks for it in
 * history too. */
static void collect_hit(const struct secret_hit *hit, void *ctx)
{
	struct task *t = ctx;
	struct secret_hit *h;

	if (hit->ignored)
		return;
	if (t->n_hits == t->cap_hits) {
		t->cap_hits = t->cap_hits ? t->cap_hits * 2 : 4;
		t->hits = xrealloc(t->hits, t->cap_hits * sizeof(*t->hits));
	}
	h = &t->hits[t->n_hits++];
	*h = *hit;
	h->redacted = xstrdup(hit->redacted);
	h->ignore_reason = NULL;
	if (t->b.lines && h->line >= 1 && h->line <= t->b.n_lines)
		h->line = t->b.lines[h->line - 1];
	if (h->in_binary)
		h->line = h->column = 0;
}

static void scan_task(struct worker *w, struct task *t)
{
	const char *data = t->data;
	size_t len = t->b.len;

	if (t->by_ref) {
		if (!repo_reader_read(w->reader, t->id, &data, &len, &t->oversized)) {
			t->missing = true; /* a shallow or partial clone: nothing to read */
			return;
		}
		t->b.len = len;
	}
	secrets_find(w->engine, t->path, data, len, collect_hit, t);
}

/* The next task no worker has taken, or NULL once the walk is over and
 * all are taken, or the scan was cancelled. */
static struct task *take_task(struct history_ctx *h)
{
	struct task *t;

	pthread_mutex_lock(&h->lock);
	while (!h->untaken && !h->closed)
		pthread_cond_wait(&h->changed, &h->lock);
	t = scan_cancelled ? NULL : h->untaken;
	if (t)
		h->untaken = t->next;
	pthread_mutex_unlock(&h->lock);
	return t;
}

/* Under the lock: records the finished tasks at the head of the line, in
 * walk order. */
static void retire_ready(struct history_ctx *h)
{
	struct task *t;

	while ((t = h->head) && t->done) {
		if (!t->missing) {
			struct sha256 *digest = &h->s->target->digest;
			char *display = utf8_sanitize(t->path, strlen(t->path));

			/* the input's digest covers what history gave: commit, path, size */
			sha256_field(digest, t->commit);
			sha256_field(digest, t->path);
			sha256_update(digest, &t->b.len, sizeof(t->b.len));
			t->b.path = t->path;
			t->b.commit = t->commit;
			t->b.author = t->author;
			t->b.date = t->date;
			for (size_t i = 0; i < t->n_hits; i++)
				git_history_record(h->record, &t->hits[i], &t->b, display, t->hits[i].line,
						   t->hits[i].column);
			free(display);
			h->blobs++;
			h->oversized += t->oversized;
		}
		h->head = t->next;
		if (!h->head)
			h->tail = NULL;
		h->n_tasks--;
		h->task_bytes -= t->queued_bytes;
		task_free(t);
	}
	pthread_cond_broadcast(&h->changed);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct history_ctx *h = w->h;
	struct task *t;

	while ((t = take_task(h))) {
		scan_task(w, t);
		pthread_mutex_lock(&h->lock);
		t->done = true;
		retire_ready(h);
		pthread_mutex_unlock(&h->lock);
	}
	return NULL;
}

/* ---- the walk side ---- */

/* Appends a task, first waiting while the pipeline is over its bounds. */
static void push_task(struct history_ctx *h, struct task *t)
{
	size_t bytes = t->queued_bytes;

	pthread_mutex_lock(&h->lock);
	while (h->head && !scan_cancelled && (h->n_tasks >= TASKS_MAX || h->task_bytes + bytes > TASK_BYTES_MAX))
		pthread_cond_wait(&h->changed, &h->lock);
	if (h->tail)
		h->tail->next = t;
	else
		h->head = t;
	h->tail = t;
	if (!h->untaken)
		h->untaken = t;
	h->n_tasks++;
	h->task_bytes += bytes;
	pthread_cond_broadcast(&h->changed);
	pthread_mutex_unlock(&h->lock);
}

static int walk_result(struct history_ctx *h)
{
	return scan_cancelled ? -1 : h->s->write_error;
}

static int queue_ref(const struct repo_blob_ref *ref, void *ctx)
{
	struct history_ctx *h = ctx;

	push_task(h, task_from_ref(ref));
	return walk_result(h);
}

static int queue_blob(const struct repo_blob *b, void *ctx)
{
	struct history_ctx *h = ctx;

	push_task(h, task_from_blob(b));
	return walk_result(h);
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

static unsigned worker_count(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > WORKERS_MAX ? WORKERS_MAX : (unsigned)n;
}

static int start_workers(struct history_ctx *h, struct scan_target *t, struct worker *w, unsigned n, char *err,
			 size_t errlen)
{
	for (unsigned i = 0; i < n; i++) {
		w[i].h = h;
		w[i].engine = secrets_engine_clone(h->s->secrets);
		if (repo_reader_open(t->repo, &w[i].reader, err, errlen) < 0)
			return -EIO;
		if (pthread_create(&w[i].thread, NULL, worker_main, &w[i]) != 0) {
			snprintf(err, errlen, "cannot start a history scanning thread");
			return -EAGAIN;
		}
		w[i].started = true;
	}
	return 0;
}

/* Closes the pipeline, waits for the workers to retire everything, and
 * releases them; what a cancelled scan left unretired is dropped. */
static void stop_workers(struct history_ctx *h, struct worker *w, unsigned n)
{
	pthread_mutex_lock(&h->lock);
	h->closed = true;
	pthread_cond_broadcast(&h->changed);
	pthread_mutex_unlock(&h->lock);
	for (unsigned i = 0; i < n; i++) {
		if (w[i].started)
			pthread_join(w[i].thread, NULL);
		repo_reader_close(w[i].reader);
		secrets_engine_free(w[i].engine);
	}
	while (h->head) {
		struct task *t = h->head;
		h->head = t->next;
		task_free(t);
	}
	h->tail = h->untaken = NULL;
}

static int walk(struct history_ctx *h, struct scan_target *t, struct repo_walk_stats *stats, const char **what,
		char *err, size_t errlen)
{
	const struct scan_request *req = h->s->req;

	if (req->diff_range) {
		*what = "range";
		t->skip_walk = true;
		return repo_walk_range(t->repo, req->diff_range, queue_blob, show_progress, h, stats, err, errlen);
	}
	if (req->history) {
		*what = "history";
		return repo_walk_history(t->repo, queue_ref, show_progress, h, stats, err, errlen);
	}
	*what = "HEAD";
	return repo_walk_head(t->repo, queue_ref, h, stats, err, errlen);
}

int history_scan(struct scan *s, struct scan_target *t)
{
	struct history_ctx h = {.s = s};
	struct worker workers[WORKERS_MAX] = {0};
	unsigned n_workers = worker_count();
	struct repo_walk_stats stats = {0};
	char err[512] = "";
	const char *what = "history";
	int rc;

	if (!t->repo)
		return 0;
	if (!s->req->history && !s->req->diff_range && !t->bare)
		return 0;
	h.record = t->history = git_history_new();
	h.show_progress = !s->req->quiet && isatty(STDERR_FILENO);
	pthread_mutex_init(&h.lock, NULL);
	pthread_cond_init(&h.changed, NULL);
	scan_mark_applicable(s, "secret");
	rc = start_workers(&h, t, workers, n_workers, err, sizeof(err));
	if (rc == 0)
		rc = walk(&h, t, &stats, &what, err, sizeof(err));
	stop_workers(&h, workers, n_workers);
	pthread_cond_destroy(&h.changed);
	pthread_mutex_destroy(&h.lock);
	if (t->bare)
		t->skip_walk = true;
	if (h.show_progress)
		fprintf(stderr, "\r\033[K");
	if (*err)
		scan_notice(s, "error", t->locator, "%s", err);
	/* what was read, not what was queued: a shallow clone misses some */
	stats.blobs = h.blobs;
	stats.oversized += h.oversized;
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
