/* Reading ahead of a walk: turns in walk order with problems in place,
 * each entry with its own bytes and what was prepared from them, with no
 * worker, one or several; an error stops the turns; fs_entry_read serves
 * the bytes read ahead, capped as a read of the file would be; what was
 * prepared is released on the thread that prepared it. And the two-step
 * read the workers use (file_read_start/finish): whole files at once from
 * the page cache, files that are not in it only at the finish, with the
 * same bytes either way. */
#include "cmocka_prelude.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fswalk.h"
#include "readahead.h"
#include "util.h"

#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif

#define N_FILES 150 /* several batches, and a partial one */

struct seen {
	struct buf order;
	unsigned turns, prepared_seen, ahead_seen, made, released;
	int stop_at;          /* the turn that returns an error, or -1 */
	const char *unwanted; /* a name `wanted` refuses */
};

static bool wanted(const struct fs_entry *e, void *ctx)
{
	struct seen *s = ctx;

	return !s->unwanted || strcmp(e->name, s->unwanted) != 0;
}

/* What a parse would be: here, the bytes' length and first byte. */
static void *prepare(const struct fs_entry *e, const struct fs_ahead *content, void *ctx)
{
	struct seen *s = ctx;

	__atomic_fetch_add(&s->made, 1, __ATOMIC_RELAXED);
	return xasprintf("%s:%zu:%c", e->name, content->len, content->len ? content->data[0] : '-');
}

static void release(void *prepared, void *ctx)
{
	struct seen *s = ctx;

	__atomic_fetch_add(&s->released, 1, __ATOMIC_RELAXED);
	free(prepared);
}

static int turn(const struct fs_entry *e, void *prepared, void *ctx)
{
	struct seen *s = ctx;
	char *data = NULL;
	size_t len = 0;
	bool truncated = false;

	buf_printf(&s->order, "%s;", e->relpath);
	if (prepared) {
		char *want = NULL;
		assert_int_equal(fs_entry_read(e, 1 << 20, &data, &len, &truncated), 0);
		want = xasprintf("%s:%zu:%c", e->name, len, len ? data[0] : '-');
		assert_string_equal(prepared, want);
		free(want);
		free(data);
		s->prepared_seen++;
	}
	if (e->ahead)
		s->ahead_seen++;
	return (int)s->turns++ == s->stop_at ? -EIO : 0;
}

static void problem(const char *relpath, const char *message, void *ctx)
{
	struct seen *s = ctx;

	buf_printf(&s->order, "!%s=%s;", relpath, message);
}

static const struct readahead_ops ops = {
	.wanted = wanted, .prepare = prepare, .release = release, .file = turn, .problem = problem};

static void write_file(const char *dir, const char *name, const char *text)
{
	char *p = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(p, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	free(p);
}

static char *new_temp_dir(void)
{
	char tmpl[] = "/tmp/assay-readahead-XXXXXX", *root = mkdtemp(tmpl);

	assert_non_null(root);
	return xstrdup(root);
}

static char *make_tree(void)
{
	char *root = new_temp_dir();

	for (int i = 0; i < N_FILES; i++) {
		char name[32], text[64];
		snprintf(name, sizeof(name), "f%03d", i);
		snprintf(text, sizeof(text), "%c%.*s", 'a' + i % 26, i % 40, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
		write_file(root, name, text);
	}
	write_file(root, "empty", "");
	return root;
}

static void remove_tree(char *root)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
	free(root);
}

/* The walk's entries, with a problem after the 40th, through the queue. */
struct feed {
	struct readahead *ra;
	unsigned files;
};

static int feed_file(const struct fs_entry *e, void *ctx)
{
	struct feed *f = ctx;
	int rc = readahead_file(f->ra, e);

	if (++f->files == 40)
		readahead_problem(f->ra, "somewhere", "a problem in its place");
	return rc;
}

/* What the walk itself gives, in order, for comparison. */
static int plain_file(const struct fs_entry *e, void *ctx)
{
	struct seen *s = ctx;

	buf_printf(&s->order, "%s;", e->relpath);
	if (++s->turns == 40)
		problem("somewhere", "a problem in its place", ctx);
	return 0;
}

static void walk_with(const char *root, int workers, struct seen *s, int *rc_walk, int *rc_finish)
{
	const struct fswalk_ops walk_ops = {.file = feed_file};
	struct feed f = {0};

	readahead_set_workers(workers);
	f.ra = readahead_new(&ops, s);
	*rc_walk = fswalk(root, &walk_ops, &f);
	*rc_finish = readahead_finish(f.ra, *rc_walk == 0);
	readahead_free(f.ra);
	readahead_set_workers(-1);
}

static void test_order_and_content(void **state)
{
	char *root = make_tree();
	const struct fswalk_ops plain_ops = {.file = plain_file};
	struct seen want = {.stop_at = -1};
	int workers[] = {0, 1, 3};
	(void)state;

	buf_init(&want.order);
	assert_int_equal(fswalk(root, &plain_ops, &want), 0);
	for (size_t i = 0; i < sizeof(workers) / sizeof(workers[0]); i++) {
		struct seen s = {.stop_at = -1, .unwanted = "f007"};
		int rc_walk, rc_finish;

		buf_init(&s.order);
		walk_with(root, workers[i], &s, &rc_walk, &rc_finish);
		assert_int_equal(rc_walk, 0);
		assert_int_equal(rc_finish, 0);
		assert_string_equal(s.order.data, want.order.data);
		assert_int_equal(s.turns, N_FILES + 1);
		/* every file but the unwanted one and the empty one was read and
		 * prepared ahead, and everything prepared was released */
		assert_int_equal(s.ahead_seen, N_FILES - 1);
		assert_int_equal(s.prepared_seen, N_FILES - 1);
		assert_int_equal(s.made, N_FILES - 1);
		assert_int_equal(s.released, N_FILES - 1);
		buf_free(&s.order);
	}
	buf_free(&want.order);
	remove_tree(root);
}

static void test_error_stops_turns(void **state)
{
	char *root = make_tree();
	int workers[] = {0, 1};
	(void)state;

	for (size_t i = 0; i < sizeof(workers) / sizeof(workers[0]); i++) {
		struct seen s = {.stop_at = 70};
		int rc_walk, rc_finish;

		buf_init(&s.order);
		walk_with(root, workers[i], &s, &rc_walk, &rc_finish);
		assert_int_equal(rc_walk == -EIO || rc_finish == -EIO, 1);
		assert_int_equal(s.turns, 71); /* the failing turn is the last */
		assert_true(s.prepared_seen <= 71);
		assert_int_equal(s.released, s.made); /* dropped batches too */
		buf_free(&s.order);
	}
	remove_tree(root);
}

/* Files past READAHEAD_MAX_FILE, or past the budget of bytes in flight,
 * are not read ahead but still get their turn, in order, read then. */
static void test_size_and_budget_limits(void **state)
{
	char *root = new_temp_dir();
	const struct fswalk_ops plain_ops = {.file = plain_file};
	struct seen want = {.stop_at = -1}, s = {.stop_at = -1};
	char *big = xmalloc(READAHEAD_MAX_FILE + 2);
	int rc_walk, rc_finish;
	(void)state;

	memset(big, 'b', READAHEAD_MAX_FILE + 1);
	big[READAHEAD_MAX_FILE + 1] = '\0';
	write_file(root, "big", big);
	for (int i = 0; i < 10; i++) {
		char name[16];
		snprintf(name, sizeof(name), "k%d", i);
		memset(big, 'a' + i, 4096);
		big[4096] = '\0';
		write_file(root, name, big);
	}
	buf_init(&want.order);
	buf_init(&s.order);
	assert_int_equal(fswalk(root, &plain_ops, &want), 0);
	/* no worker: the batch is prepared at its turn, within 10 KB: two */
	readahead_set_budget(10000);
	walk_with(root, 0, &s, &rc_walk, &rc_finish);
	readahead_set_budget(0);
	assert_int_equal(rc_walk, 0);
	assert_int_equal(rc_finish, 0);
	assert_string_equal(s.order.data, want.order.data);
	assert_int_equal(s.turns, 11);
	assert_int_equal(s.ahead_seen, 2);
	assert_int_equal(s.released, s.made);
	buf_free(&want.order);
	buf_free(&s.order);
	free(big);
	remove_tree(root);
}

static void test_entry_read_from_ahead(void **state)
{
	const char text[] = "0123456789";
	struct fs_ahead whole = {.data = text, .len = 10};
	struct fs_ahead part = {.data = text, .len = 4, .truncated = true};
	struct fs_ahead failed = {.err = -EACCES};
	struct fs_entry e = {.path = "/nonexistent/assay-file", .ahead = &whole};
	char *data;
	size_t len;
	bool truncated;
	(void)state;

	assert_int_equal(fs_entry_read(&e, 100, &data, &len, &truncated), 0);
	assert_int_equal(len, 10);
	assert_false(truncated);
	assert_string_equal(data, text);
	free(data);
	assert_int_equal(fs_entry_read(&e, 3, &data, &len, &truncated), 0);
	assert_int_equal(len, 3);
	assert_true(truncated);
	assert_string_equal(data, "012");
	free(data);
	/* a read ahead that stopped short serves smaller caps only; a larger
	 * one reads the file (missing here) */
	e.ahead = &part;
	assert_int_equal(fs_entry_read(&e, 4, &data, &len, &truncated), 0);
	assert_true(truncated);
	assert_string_equal(data, "0123");
	free(data);
	assert_int_equal(fs_entry_read(&e, 5, &data, &len, &truncated), -ENOENT);
	e.ahead = &failed;
	assert_int_equal(fs_entry_read(&e, 5, &data, &len, &truncated), -EACCES);
}

/* ---- who releases what ---- */

struct made_by {
	pthread_t thread;
	bool by_worker;
};

struct threads_seen {
	unsigned by_worker, by_caller, released_elsewhere;
};

/* Both threads must prepare some: the calling thread, which may take a
 * batch before the worker is even awake, waits (up to 5 s) until the worker
 * has prepared one of the batches queued meanwhile; the worker is slow, so
 * that the calling thread, waiting for the oldest batch, prepares later
 * ones itself. */
static void *prepare_noting_thread(const struct fs_entry *e, const struct fs_ahead *content, void *ctx)
{
	struct threads_seen *t = ctx;
	struct made_by *m = xmalloc(sizeof(*m));
	char name[16] = "";

	(void)e;
	(void)content;
	pthread_getname_np(pthread_self(), name, sizeof(name));
	m->thread = pthread_self();
	m->by_worker = strcmp(name, "assay-read") == 0;
	if (m->by_worker)
		usleep(2000);
	for (int i = 0; !m->by_worker && i < 5000 && !__atomic_load_n(&t->by_worker, __ATOMIC_RELAXED); i++)
		usleep(1000);
	__atomic_fetch_add(m->by_worker ? &t->by_worker : &t->by_caller, 1, __ATOMIC_RELAXED);
	return m;
}

static void release_noting_thread(void *prepared, void *ctx)
{
	struct threads_seen *t = ctx;
	struct made_by *m = prepared;

	if (!pthread_equal(m->thread, pthread_self()))
		__atomic_fetch_add(&t->released_elsewhere, 1, __ATOMIC_RELAXED);
	free(m);
}

static int turn_doing_nothing(const struct fs_entry *e, void *prepared, void *ctx)
{
	(void)e;
	(void)prepared;
	(void)ctx;
	return 0;
}

static int feed_only(const struct fs_entry *e, void *ctx)
{
	return readahead_file(ctx, e);
}

/* What was prepared is released on the thread that prepared it, so that
 * memory goes back to the malloc arena it came from (a worker freeing the
 * calling thread's allocations fought it for that arena's lock). */
static void test_released_where_prepared(void **state)
{
	static const struct readahead_ops noting = {
		.prepare = prepare_noting_thread, .release = release_noting_thread, .file = turn_doing_nothing};
	const struct fswalk_ops walk_ops = {.file = feed_only};
	struct threads_seen t = {0};
	char *root = make_tree();
	struct readahead *ra;
	(void)state;

	readahead_set_workers(1);
	ra = readahead_new(&noting, &t);
	assert_int_equal(fswalk(root, &walk_ops, ra), 0);
	assert_int_equal(readahead_finish(ra, true), 0);
	readahead_free(ra);
	readahead_set_workers(-1);
	assert_true(t.by_worker > 0);
	assert_true(t.by_caller > 0);
	assert_int_equal(t.by_worker + t.by_caller, N_FILES); /* all but the empty file */
	assert_int_equal(t.released_elsewhere, 0);
	remove_tree(root);
}


/* ---- the two-step read ---- */

/* Reads the file in two steps and checks the bytes; the start's answer
 * must be want_start (-1: either). Returns the start's answer. */
static int check_read(const char *path, size_t cap, size_t expect, int want_start, const char *want, bool want_truncated)
{
	struct file_read r;
	char *data;
	size_t len;
	bool truncated;
	int started = file_read_start(&r, path, cap, expect);

	if (want_start >= 0)
		assert_int_equal(started, want_start);
	else
		assert_true(started == 0 || started == 1);
	assert_int_equal(file_read_finish(&r, &data, &len, &truncated), 0);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(data, want, len);
	assert_int_equal(data[len], '\0');
	assert_int_equal(truncated, want_truncated);
	free(data);
	return started;
}

static void test_file_read_from_cache(void **state)
{
	char *root = new_temp_dir(), *path = xasprintf("%s/ten", root), *missing = xasprintf("%s/none", root);
	struct file_read r;
	char *data = (char *)"unset";
	size_t len = 1;
	bool truncated = true;
	(void)state;

	write_file(root, "ten", "0123456789");
	/* just written, so in the page cache: read whole by the start */
	check_read(path, 100, 10, 0, "0123456789", false);
	/* a file that grew or shrank since its size was taken, or whose size
	 * is unknown, is read on at the finish */
	check_read(path, 100, 5, 1, "0123456789", false);
	check_read(path, 100, 20, 1, "0123456789", false);
	check_read(path, 100, 0, 1, "0123456789", false);
	/* the cap holds whichever way */
	check_read(path, 4, 10, 1, "0123", true);
	assert_int_equal(file_read_start(&r, missing, 100, 10), -ENOENT);
	assert_int_equal(file_read_finish(&r, &data, &len, &truncated), -ENOENT);
	assert_null(data);
	assert_int_equal(len, 0);
	assert_false(truncated);
	free(path);
	free(missing);
	remove_tree(root);
}

#define DISK_FILE_SIZE (16 * 4096)

/* Drops the file from the page cache, then reads its first `keep` bytes
 * back in (with the kernel's read-ahead off: those pages only), which a
 * read without waiting can then take; false when its last page stays (a
 * file system such as tmpfs keeps files in memory only). Only the last
 * page is mapped to look: valgrind reads the first pages of what a
 * program maps. */
static bool evict(const char *path, size_t keep)
{
	int fd = open(path, O_RDONLY);
	unsigned char resident = 1;
	char first[8192];
	void *map;

	assert_true(fd >= 0);
	assert_true(keep <= sizeof(first));
	assert_int_equal(fdatasync(fd), 0); /* dirty pages are not dropped */
	assert_int_equal(posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED), 0);
	if (keep) {
		assert_int_equal(posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM), 0);
		assert_int_equal(pread(fd, first, keep, 0), (ssize_t)keep);
	}
	map = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, DISK_FILE_SIZE - 4096);
	assert_true(map != MAP_FAILED);
	if (mincore(map, 4096, &resident) != 0)
		resident = 1;
	munmap(map, 4096);
	close(fd);
	return !(resident & 1);
}

/* Under valgrind the cache cannot be watched: it reads the start of what
 * a program maps, and reads meant not to wait may wait. Only the bytes
 * are checked there. */
static bool cache_watchable(void)
{
#if __has_include(<valgrind/valgrind.h>)
	return !RUNNING_ON_VALGRIND;
#else
	return true;
#endif
}

static char *text_of(int i)
{
	char *t = xmalloc(DISK_FILE_SIZE + 1);

	for (int k = 0; k < DISK_FILE_SIZE; k++)
		t[k] = (char)('a' + (i + k) % 26);
	t[DISK_FILE_SIZE] = '\0';
	return t;
}

#define DISK_FILES 40

static char *disk_file(const char *root, int i)
{
	return xasprintf("%s/d%02d", root, i);
}

/* DISK_FILES files of DISK_FILE_SIZE bytes, the i-th text_of(i). */
static char *make_disk_tree(void)
{
	char *root = new_temp_dir();

	for (int i = 0; i < DISK_FILES; i++) {
		char name[16], *text = text_of(i);
		snprintf(name, sizeof(name), "d%02d", i);
		write_file(root, name, text);
		free(text);
	}
	return root;
}

/* Evicts make_disk_tree's files, every fourth but its first 8 KiB when
 * keep_some; false when this file system keeps them in memory. */
static bool evict_disk_tree(const char *root, bool keep_some)
{
	bool evicted = true;

	for (int i = 0; i < DISK_FILES && evicted; i++) {
		char *path = disk_file(root, i);
		evicted = evict(path, keep_some && i % 4 == 2 ? 8192 : 0);
		free(path);
	}
	return evicted;
}

/* Files that are not in the page cache, or only their first pages, are
 * left to the finish, and come out the same; so do they through the
 * read-ahead, with a worker and without. Not every one: the read that
 * must not wait starts the kernel's own read-ahead of what it lacks,
 * which may be done before it looks again (1 file in 20, in about one
 * run in five, on this project's VM), and then the start has it all. */
static void test_file_read_from_disk(void **state)
{
	char *root = make_disk_tree();
	int workers[] = {0, 1};
	(void)state;

	for (size_t w = 0; w < sizeof(workers) / sizeof(workers[0]); w++) {
		struct seen s = {.stop_at = -1};
		int rc_walk, rc_finish;
		unsigned left_to_finish = 0, started = 0;

		if (!evict_disk_tree(root, true)) {
			remove_tree(root);
			skip(); /* this file system keeps its files in memory */
		}
		for (int i = 0; i < DISK_FILES; i += 2) {
			char *path = disk_file(root, i), *text = text_of(i);
			left_to_finish += (unsigned)check_read(path, 1 << 20, DISK_FILE_SIZE, -1, text, false);
			started++;
			free(path);
			free(text);
		}
		if (cache_watchable())
			assert_true(left_to_finish > started / 2);
		/* half of them from the disk again, and every content checked
		 * against a plain read at its turn */
		buf_init(&s.order);
		walk_with(root, workers[w], &s, &rc_walk, &rc_finish);
		assert_int_equal(rc_walk, 0);
		assert_int_equal(rc_finish, 0);
		assert_int_equal(s.turns, DISK_FILES);
		assert_int_equal(s.prepared_seen, DISK_FILES);
		buf_free(&s.order);
	}
	remove_tree(root);
}

/* With few descriptors left, the files left to the finish give theirs
 * back before the next file is opened: no read fails for want of one. */
static void test_out_of_descriptors(void **state)
{
	char *root = make_disk_tree();
	struct seen s = {.stop_at = -1};
	struct rlimit old, low;
	int rc_walk, rc_finish, lowest_free;
	(void)state;

	if (!evict_disk_tree(root, false)) {
		remove_tree(root);
		skip(); /* this file system keeps its files in memory */
	}
	lowest_free = open("/dev/null", O_RDONLY);
	assert_true(lowest_free >= 0);
	close(lowest_free);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	low = old;
	low.rlim_cur = (rlim_t)lowest_free + 8;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	buf_init(&s.order);
	walk_with(root, 0, &s, &rc_walk, &rc_finish);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	assert_int_equal(rc_walk, 0);
	assert_int_equal(rc_finish, 0);
	assert_int_equal(s.turns, DISK_FILES);
	assert_int_equal(s.prepared_seen, DISK_FILES); /* every file read, and its bytes checked at its turn */
	buf_free(&s.order);
	remove_tree(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_and_content),
		cmocka_unit_test(test_error_stops_turns),
		cmocka_unit_test(test_size_and_budget_limits),
		cmocka_unit_test(test_entry_read_from_ahead),
		cmocka_unit_test(test_released_where_prepared),
		cmocka_unit_test(test_file_read_from_cache),
		cmocka_unit_test(test_file_read_from_disk),
		cmocka_unit_test(test_out_of_descriptors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
