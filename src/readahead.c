/*
 * Reading ahead of a directory walk (see readahead.h). The calling thread
 * fills a batch with copies of the entries the walk gives; a full batch
 * joins the queue, which a worker takes one batch at a time (reading each
 * wanted file and preparing it). Once more than READAHEAD_DEPTH batches
 * are queued, the oldest gets its turns: if no worker has started it, the
 * calling thread prepares it itself; while a worker finishes it, the
 * calling thread prepares later batches no worker has started, and waits
 * only when there are none. Batches whose turns are over go back to
 * the worker to be released, so that memory is mostly freed by the thread
 * that allocated it (freeing across threads contends on malloc's locks).
 */
#include "readahead.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

#define READAHEAD_BATCH 32
/* Batches queued before the oldest gets its turns: how far a worker may
 * run ahead. At 2, on the 10,000-manifest bench, the worker slept 1,100
 * times waiting for batches and ran 210 ms while the calling thread ran
 * 415 ms, parsing what the worker could not start; at 6 they ran 280 ms
 * and 340 ms (perf sched). The byte budget still bounds what is in
 * flight; peak RSS rose from 25.5 to 29.2 MB. */
#define READAHEAD_DEPTH 6
#define READAHEAD_WORKERS_MAX 4

static int workers_override = -1;
static size_t budget = READAHEAD_MAX_BYTES;

void readahead_set_workers(int n)
{
	workers_override = n > READAHEAD_WORKERS_MAX ? READAHEAD_WORKERS_MAX : n;
}

void readahead_set_budget(size_t bytes)
{
	budget = bytes ? bytes : READAHEAD_MAX_BYTES;
}

static unsigned worker_count(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (workers_override >= 0)
		return (unsigned)workers_override;
	/* the calling thread and the store's writer have work of their own */
	return n <= 1 ? 0 : n - 1 > READAHEAD_WORKERS_MAX ? READAHEAD_WORKERS_MAX : (unsigned)(n - 1);
}

/* An entry (or a problem) with copies of everything it points at. */
struct item {
	struct fs_entry e;
	struct stat dir_st;
	char *strings; /* path, relpath, dir_relpath, and name when not in relpath */
	char *problem; /* a problem rather than an entry */
	bool wanted;
	size_t budgeted; /* bytes this item holds of the read-ahead budget */
	struct fs_ahead content;
	void *prepared;
};

enum batch_state { BATCH_QUEUED, BATCH_WORKING, BATCH_DONE };

struct batch {
	struct batch *next;
	enum batch_state state;
	bool by_caller; /* prepared by the calling thread, not a worker */
	size_t n;
	struct item items[READAHEAD_BATCH];
};

struct readahead {
	const struct readahead_ops *ops;
	void *ctx;
	struct batch *filling;
	pthread_mutex_t lock;
	pthread_cond_t work; /* workers wait for a batch (or one to release) */
	pthread_cond_t done; /* the calling thread waits for a batch a worker holds */
	struct batch *queue, *queue_tail; /* in walk order, until their turns are over */
	size_t queued;
	struct batch *to_release;
	bool stopping;
	unsigned sleeping; /* workers waiting on `work` */
	int error;         /* the first nonzero turn; turns stop */
	size_t bytes_ahead; /* file bytes read and not yet given their turn (atomic) */
	pthread_t threads[READAHEAD_WORKERS_MAX];
	unsigned n_workers;
};

/* ---- preparing a batch (any thread) ---------------------------------- */

/* Takes the file's size from the budget, or says there is no room (the
 * file's turn then reads it). */
static bool take_budget(struct readahead *ra, struct item *it)
{
	size_t want = (size_t)it->e.st.st_size;

	if (__atomic_add_fetch(&ra->bytes_ahead, want, __ATOMIC_RELAXED) > budget) {
		__atomic_sub_fetch(&ra->bytes_ahead, want, __ATOMIC_RELAXED);
		return false;
	}
	it->budgeted = want;
	return true;
}

/* The item's bytes, and what is prepared from them. */
static void prepare_item(struct readahead *ra, struct item *it, struct file_read *r)
{
	char *data = NULL;

	it->content.err = file_read_finish(r, &data, &it->content.len, &it->content.truncated);
	it->content.data = data;
	it->e.ahead = &it->content;
	if (!it->content.err && ra->ops->prepare)
		it->prepared = ra->ops->prepare(&it->e, &it->content, ra->ctx);
}

static void prepare_waiting(struct readahead *ra, struct batch *b, struct file_read *reads, const size_t *waiting,
			    size_t *n_waiting)
{
	for (size_t k = 0; k < *n_waiting; k++)
		prepare_item(ra, &b->items[waiting[k]], &reads[waiting[k]]);
	*n_waiting = 0;
}

/* The files the page cache holds are read and prepared first; the disk
 * reads the others meanwhile, all of them at once, which are prepared
 * last. One at a time, a scan of files that were not in the cache waited
 * for each in turn: 10,000 manifests took 0.55-0.70 s to read that way,
 * 0.26 s in batches of 32 (a test program, on this project's VM). The
 * files waiting hold a descriptor each: when none is left for the next
 * file, they are finished first and it is opened again. */
static void prepare_batch(struct readahead *ra, struct batch *b)
{
	struct file_read reads[READAHEAD_BATCH];
	size_t waiting[READAHEAD_BATCH], n_waiting = 0;

	for (size_t i = 0; i < b->n; i++) {
		struct item *it = &b->items[i];
		size_t size = (size_t)it->e.st.st_size;
		int rc;

		if (!it->wanted || !take_budget(ra, it))
			continue;
		rc = file_read_start(&reads[i], it->e.path, READAHEAD_MAX_FILE, size);
		if ((rc == -EMFILE || rc == -ENFILE) && n_waiting) {
			prepare_waiting(ra, b, reads, waiting, &n_waiting);
			rc = file_read_start(&reads[i], it->e.path, READAHEAD_MAX_FILE, size);
		}
		if (rc > 0)
			waiting[n_waiting++] = i;
		else
			prepare_item(ra, it, &reads[i]);
	}
	prepare_waiting(ra, b, reads, waiting, &n_waiting);
}

/* What a worker allocated; the strings belong to the calling thread and
 * are freed when the batch's turns end. */
static void release_batch(struct readahead *ra, struct batch *b)
{
	for (size_t i = 0; i < b->n; i++) {
		struct item *it = &b->items[i];
		if (it->prepared && ra->ops->release)
			ra->ops->release(it->prepared, ra->ctx);
		if (it->content.data)
			secure_free((char *)it->content.data, it->content.len);
	}
	free(b);
}

/* ---- the workers ------------------------------------------------------ */

/* Takes a queued batch and prepares it, the lock let go meanwhile (held on
 * entry and on return); by a worker, or by the calling thread. */
static void prepare_queued(struct readahead *ra, struct batch *b, bool by_caller)
{
	b->state = BATCH_WORKING;
	b->by_caller = by_caller;
	pthread_mutex_unlock(&ra->lock);
	prepare_batch(ra, b);
	pthread_mutex_lock(&ra->lock);
	b->state = BATCH_DONE;
}

static struct batch *first_queued(struct readahead *ra)
{
	for (struct batch *b = ra->queue; b; b = b->next)
		if (b->state == BATCH_QUEUED)
			return b;
	return NULL;
}

static void *worker_main(void *arg)
{
	struct readahead *ra = arg;
	struct batch *b;

	pthread_setname_np(pthread_self(), "assay-read");
	pthread_mutex_lock(&ra->lock);
	for (;;) {
		if (ra->to_release) {
			struct batch *list = ra->to_release;
			ra->to_release = NULL;
			pthread_mutex_unlock(&ra->lock);
			while (list) {
				struct batch *next = list->next;
				release_batch(ra, list);
				list = next;
			}
			pthread_mutex_lock(&ra->lock);
			continue;
		}
		b = first_queued(ra);
		if (!b) {
			if (ra->stopping)
				break;
			ra->sleeping++;
			pthread_cond_wait(&ra->work, &ra->lock);
			ra->sleeping--;
			continue;
		}
		prepare_queued(ra, b, false);
		if (b == ra->queue)
			pthread_cond_signal(&ra->done);
	}
	pthread_mutex_unlock(&ra->lock);
	return NULL;
}

/* ---- turns, on the calling thread -------------------------------------- */

static void free_item_strings(struct batch *b)
{
	for (size_t i = 0; i < b->n; i++) {
		free(b->items[i].strings);
		free(b->items[i].problem);
	}
}

static void take_turns(struct readahead *ra, struct batch *b)
{
	for (size_t i = 0; i < b->n && !ra->error; i++) {
		struct item *it = &b->items[i];
		if (it->problem) {
			if (ra->ops->problem)
				ra->ops->problem(it->e.relpath, it->problem, ra->ctx);
		} else {
			ra->error = ra->ops->file(&it->e, it->prepared, ra->ctx);
		}
	}
}

/* Hands a finished batch back for release to the worker that prepared it;
 * one the calling thread prepared is released here. Memory goes back to
 * the malloc arena of the thread that took it: a worker freeing what the
 * calling thread allocated fought it for that arena's lock, and most of
 * the worker's sleeps on the 10,000-manifest bench were in free(). */
static void retire(struct readahead *ra, struct batch *b)
{
	for (size_t i = 0; i < b->n; i++)
		__atomic_sub_fetch(&ra->bytes_ahead, b->items[i].budgeted, __ATOMIC_RELAXED);
	free_item_strings(b);
	if (!ra->n_workers || b->by_caller) {
		release_batch(ra, b);
		return;
	}
	pthread_mutex_lock(&ra->lock);
	b->next = ra->to_release;
	ra->to_release = b;
	if (ra->sleeping)
		pthread_cond_signal(&ra->work);
	pthread_mutex_unlock(&ra->lock);
}

/* The oldest queued batch, prepared (by a worker, or here when none had
 * started it), off the queue. While a worker finishes it, this thread
 * prepares a later batch no worker has started rather than wait idle. */
static struct batch *next_prepared(struct readahead *ra)
{
	struct batch *b, *later;

	pthread_mutex_lock(&ra->lock);
	b = ra->queue;
	while (b->state != BATCH_DONE) {
		later = first_queued(ra);
		if (!later) {
			pthread_cond_wait(&ra->done, &ra->lock);
			continue;
		}
		prepare_queued(ra, later, true);
	}
	ra->queue = b->next;
	if (!ra->queue)
		ra->queue_tail = NULL;
	ra->queued--;
	pthread_mutex_unlock(&ra->lock);
	b->next = NULL;
	return b;
}

static void turn_oldest(struct readahead *ra, bool give_turns)
{
	struct batch *b = next_prepared(ra);

	if (give_turns)
		take_turns(ra, b);
	retire(ra, b);
}

static void enqueue(struct readahead *ra, struct batch *b)
{
	pthread_mutex_lock(&ra->lock);
	b->state = BATCH_QUEUED;
	if (ra->queue_tail)
		ra->queue_tail->next = b;
	else
		ra->queue = b;
	ra->queue_tail = b;
	ra->queued++;
	if (ra->sleeping)
		pthread_cond_signal(&ra->work);
	pthread_mutex_unlock(&ra->lock);
}

/* Queues the batch being filled; gives their turns to the batches beyond
 * the read-ahead depth. */
static int submit(struct readahead *ra, size_t depth)
{
	if (ra->filling) {
		enqueue(ra, ra->filling);
		ra->filling = NULL;
	}
	while (ra->queued > depth && !ra->error)
		turn_oldest(ra, true);
	return ra->error;
}

static struct item *new_item(struct readahead *ra)
{
	struct item *it;

	if (!ra->filling)
		ra->filling = xcalloc(1, sizeof(*ra->filling));
	it = &ra->filling->items[ra->filling->n++];
	memset(it, 0, sizeof(*it));
	return it;
}

/* Copies the entry's strings into one allocation and points at them. */
static void copy_entry(struct item *it, const struct fs_entry *e)
{
	size_t lp = strlen(e->path) + 1, lr = strlen(e->relpath) + 1, ld = strlen(e->dir_relpath) + 1;
	size_t name_off = (size_t)(e->name - e->relpath);
	bool name_in_rel = e->name >= e->relpath && name_off < lr;
	size_t ln = name_in_rel ? 0 : strlen(e->name) + 1;
	char *p;

	it->e = *e;
	it->e.ahead = NULL;
	it->strings = p = xmalloc(lp + lr + ld + ln);
	it->e.path = memcpy(p, e->path, lp);
	it->e.relpath = memcpy(p + lp, e->relpath, lr);
	it->e.dir_relpath = memcpy(p + lp + lr, e->dir_relpath, ld);
	it->e.name = name_in_rel ? it->e.relpath + name_off : memcpy(p + lp + lr + ld, e->name, ln);
	if (e->dir_st) {
		it->dir_st = *e->dir_st;
		it->e.dir_st = &it->dir_st;
	}
}

int readahead_file(struct readahead *ra, const struct fs_entry *e)
{
	struct item *it;

	if (ra->error)
		return ra->error;
	it = new_item(ra);
	copy_entry(it, e);
	it->wanted = S_ISREG(e->st.st_mode) && e->st.st_size > 0 && e->st.st_size <= READAHEAD_MAX_FILE &&
		     (!ra->ops->wanted || ra->ops->wanted(e, ra->ctx));
	if (ra->filling->n == READAHEAD_BATCH)
		return submit(ra, READAHEAD_DEPTH);
	return 0;
}

void readahead_problem(struct readahead *ra, const char *relpath, const char *message)
{
	struct item *it;

	if (ra->error)
		return;
	it = new_item(ra);
	it->strings = xstrdup(relpath);
	it->e.relpath = it->e.path = it->e.name = it->e.dir_relpath = it->strings;
	it->problem = xstrdup(message);
	if (ra->filling->n == READAHEAD_BATCH)
		submit(ra, READAHEAD_DEPTH);
}

int readahead_finish(struct readahead *ra, bool give_turns)
{
	if (ra->filling) {
		enqueue(ra, ra->filling);
		ra->filling = NULL;
	}
	while (ra->queued)
		turn_oldest(ra, give_turns && !ra->error);
	return ra->error;
}

struct readahead *readahead_new(const struct readahead_ops *ops, void *ctx)
{
	struct readahead *ra = xcalloc(1, sizeof(*ra));
	unsigned want = worker_count();

	ra->ops = ops;
	ra->ctx = ctx;
	pthread_mutex_init(&ra->lock, NULL);
	pthread_cond_init(&ra->work, NULL);
	pthread_cond_init(&ra->done, NULL);
	for (unsigned i = 0; i < want; i++) {
		if (pthread_create(&ra->threads[i], NULL, worker_main, ra) != 0)
			break; /* fewer workers; with none, batches are prepared here */
		ra->n_workers++;
	}
	return ra;
}

void readahead_free(struct readahead *ra)
{
	if (!ra)
		return;
	readahead_finish(ra, false);
	pthread_mutex_lock(&ra->lock);
	ra->stopping = true;
	pthread_cond_broadcast(&ra->work);
	pthread_mutex_unlock(&ra->lock);
	for (unsigned i = 0; i < ra->n_workers; i++)
		pthread_join(ra->threads[i], NULL);
	/* what the workers had not released yet */
	while (ra->to_release) {
		struct batch *next = ra->to_release->next;
		release_batch(ra, ra->to_release);
		ra->to_release = next;
	}
	pthread_cond_destroy(&ra->work);
	pthread_cond_destroy(&ra->done);
	pthread_mutex_destroy(&ra->lock);
	free(ra);
}
