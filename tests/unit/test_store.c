/*
 * Unit tests for the store (src/store.c): opening and migrating, refusing
 * foreign and newer databases, the run lifecycle with batched findings, the
 * content hash and its chain, reaping runs whose writer died, and file modes.
 * Each test works in its own temporary directory; the tests look at the
 * database with raw SQLite as an auditor would.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "finding.h"
#include "hash.h"
#include "store.h"
#include "util.h"

/* This program's path, for the test that runs it again as a killed writer. */
static const char *test_program;

#ifndef ASSAY_VERSION
#define ASSAY_VERSION "dev"
#endif

#define EPOCH "1700000000"
#define EPOCH_ISO "2023-11-14T22:13:20Z"
#define ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"
#define IMPOSSIBLE_PID ((1 << 22) + 12345) /* above any Linux pid_max */
#define INTERRUPTED "interrupted: the process that wrote this run stopped before it finished"

struct fixture {
	char dir[64];
	char db[128];
};

/* ---- fixture ---- */

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	struct fixture *fx = xcalloc(1, sizeof(*fx));

	snprintf(fx->dir, sizeof(fx->dir), "/tmp/assay-store-XXXXXX");
	if (!mkdtemp(fx->dir)) {
		free(fx);
		return -1;
	}
	/* A nested path, so that every test exercises mkdir -p. */
	snprintf(fx->db, sizeof(fx->db), "%s/state/assay.db", fx->dir);
	setenv("SOURCE_DATE_EPOCH", EPOCH, 1);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	int rc = nftw(fx->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);

	unsetenv("SOURCE_DATE_EPOCH");
	free(fx);
	return rc;
}

/* ---- helpers ---- */

static struct store *open_store(const struct fixture *fx)
{
	struct store *s = NULL;
	char err[512];
	int rc = store_open(fx->db, &s, err, sizeof(err));

	if (rc)
		fail_msg("store_open: %d: %s", rc, err);
	assert_non_null(s);
	return s;
}

static sqlite3 *raw_open(const char *path)
{
	sqlite3 *db = NULL;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	return db;
}

static void raw_exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg);
}

static int64_t raw_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int64_t v;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* The first column of the first row as a new string. */
static char *raw_text(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	char *v;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return v;
}

static int64_t committed_findings(const struct fixture *fx, int64_t run)
{
	char sql[128];
	sqlite3 *db = raw_open(fx->db);
	int64_t n;

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM findings WHERE run_id = %lld", (long long)run);
	n = raw_int(db, sql);
	sqlite3_close(db);
	return n;
}

static void write_file(const char *path, const char *data)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(data, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static void set_finding(struct finding *f, const char *rule, enum severity sev, const char *path, unsigned line,
			unsigned col)
{
	memset(f, 0, sizeof(*f));
	f->rule = rule;
	f->severity = sev;
	f->target = "fixtures/demo";
	f->target_digest = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
	f->path = path;
	f->line = line;
	f->column = col;
	f->message = "something to fix";
	f->identity = path;
	finding_fingerprint(f);
}

static void add_simple_findings(struct store *s, int64_t run, unsigned n)
{
	struct finding f;
	char path[32];

	for (unsigned i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "f%u.env", i);
		set_finding(&f, "env.file-permissions", SEV_MEDIUM, path, i + 1, 0);
		assert_int_equal(store_add_finding(s, run, &f), 0);
	}
}

static int64_t begin_run(struct store *s)
{
	int64_t run = 0;

	assert_int_equal(store_run_begin(s, "assay scan .", "high", &run), 0);
	assert_true(run > 0);
	return run;
}

/* ---- a VFS that watches the store's syncs and WAL writes ---- */

/* Over the default VFS: the files it opens keep their methods but for
 * xWrite and xSync, which record how far into the WAL writes reached and
 * how many bytes they wrote there, and which threads (by name) synced the
 * database file (what a checkpoint does: a commit or a WAL that starts
 * over syncs only the WAL).
 * The database file and the WAL have different methods (one has the
 * shared-memory ones), each wrapped once. */
#define SPY_METHODS 4

struct spy_tail {
	const sqlite3_io_methods *real;
	bool is_wal, is_db;
};

static struct {
	sqlite3_vfs vfs;
	sqlite3_vfs *real;
	sqlite3_io_methods methods[SPY_METHODS];
	const sqlite3_io_methods *real_methods[SPY_METHODS];
	pthread_mutex_t lock;
	sqlite3_int64 wal_end, wal_written;
	unsigned writer_syncs, checkpointer_syncs, other_syncs;
	unsigned statement_journals; /* temporary files opened for them */
	/* hold_checkpoint: the checkpointer's sync of the database waits
	 * (held) until a test lets it go */
	bool hold_checkpoint, held;
	pthread_cond_t released;
} spy = {.lock = PTHREAD_MUTEX_INITIALIZER, .released = PTHREAD_COND_INITIALIZER};

static struct spy_tail *spy_tail(sqlite3_file *f)
{
	return (struct spy_tail *)((char *)f + spy.real->szOsFile);
}

static int spy_write(sqlite3_file *f, const void *buf, int n, sqlite3_int64 off)
{
	if (spy_tail(f)->is_wal) {
		pthread_mutex_lock(&spy.lock);
		if (off + n > spy.wal_end)
			spy.wal_end = off + n;
		spy.wal_written += n;
		pthread_mutex_unlock(&spy.lock);
	}
	return spy_tail(f)->real->xWrite(f, buf, n, off);
}

static int spy_sync(sqlite3_file *f, int flags)
{
	char name[16] = "";

	if (!spy_tail(f)->is_db)
		return spy_tail(f)->real->xSync(f, flags);
	pthread_getname_np(pthread_self(), name, sizeof(name));
	pthread_mutex_lock(&spy.lock);
	if (strcmp(name, "assay-store") == 0)
		spy.writer_syncs++;
	else if (strcmp(name, "assay-ckpt") == 0) {
		spy.checkpointer_syncs++;
		for (spy.held = spy.hold_checkpoint; spy.hold_checkpoint;)
			pthread_cond_wait(&spy.released, &spy.lock);
		spy.held = false;
	} else
		spy.other_syncs++;
	pthread_mutex_unlock(&spy.lock);
	return spy_tail(f)->real->xSync(f, flags);
}

static int spy_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out_flags)
{
	int rc = spy.real->xOpen(spy.real, name, f, flags, out_flags);

	(void)vfs;
	if (rc != SQLITE_OK || !f->pMethods)
		return rc;
	pthread_mutex_lock(&spy.lock);
	if (flags & SQLITE_OPEN_SUBJOURNAL)
		spy.statement_journals++;
	for (int i = 0; i < SPY_METHODS; i++) {
		if (!spy.real_methods[i]) {
			spy.real_methods[i] = f->pMethods;
			spy.methods[i] = *f->pMethods;
			spy.methods[i].xWrite = spy_write;
			spy.methods[i].xSync = spy_sync;
		}
		if (spy.real_methods[i] == f->pMethods) {
			spy_tail(f)->real = f->pMethods;
			spy_tail(f)->is_wal = (flags & SQLITE_OPEN_WAL) != 0;
			spy_tail(f)->is_db = (flags & SQLITE_OPEN_MAIN_DB) != 0;
			f->pMethods = &spy.methods[i];
			break;
		}
	}
	pthread_mutex_unlock(&spy.lock);
	return rc;
}

static void spy_install(void)
{
	spy.real = sqlite3_vfs_find(NULL);
	assert_non_null(spy.real);
	spy.vfs = *spy.real;
	spy.vfs.zName = "assay-test-spy";
	spy.vfs.szOsFile = spy.real->szOsFile + (int)sizeof(struct spy_tail);
	spy.vfs.xOpen = spy_open;
	spy.vfs.pNext = NULL;
	memset(spy.real_methods, 0, sizeof(spy.real_methods));
	spy.wal_end = spy.wal_written = 0;
	spy.writer_syncs = spy.checkpointer_syncs = spy.other_syncs = 0;
	spy.statement_journals = 0;
	spy.hold_checkpoint = spy.held = false;
	assert_int_equal(sqlite3_vfs_register(&spy.vfs, 1), SQLITE_OK);
}

static bool spy_checkpoint_held(void)
{
	bool held;

	pthread_mutex_lock(&spy.lock);
	held = spy.held;
	pthread_mutex_unlock(&spy.lock);
	return held;
}

static void spy_let_checkpoints_go(void)
{
	pthread_mutex_lock(&spy.lock);
	spy.hold_checkpoint = false;
	pthread_cond_broadcast(&spy.released);
	pthread_mutex_unlock(&spy.lock);
}

/* A safety net for a test that holds a checkpoint: lets it go after 3 s,
 * unless the test did first. */
static void *let_checkpoints_go_later(void *arg)
{
	struct timespec until;

	(void)arg;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 3;
	pthread_mutex_lock(&spy.lock);
	while (spy.hold_checkpoint && pthread_cond_timedwait(&spy.released, &spy.lock, &until) == 0)
		;
	spy.hold_checkpoint = false;
	pthread_cond_broadcast(&spy.released);
	pthread_mutex_unlock(&spy.lock);
	return NULL;
}

static void spy_remove(void)
{
	assert_int_equal(sqlite3_vfs_register(spy.real, 1), SQLITE_OK);
	assert_int_equal(sqlite3_vfs_unregister(&spy.vfs), SQLITE_OK);
}

/* ---- opening ---- */

static void test_schema_version_on_open_and_reopen(void **state)
{
	struct fixture *fx = *state;
	struct store *s = open_store(fx);
	sqlite3 *db;

	store_close(s);
	db = raw_open(fx->db);
	assert_int_equal(raw_int(db, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
				     " AND name IN ('runs', 'inputs', 'findings', 'notices')"),
			 4);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'index'"
				     " AND name IN ('findings_by_run_rule', 'findings_by_fingerprint_key')"),
			 2);
	/* a database this build creates has 16 KiB pages */
	assert_int_equal(raw_int(db, "PRAGMA page_size"), 16384);
	/* schema 5: no sorted index to keep on every insert, no per-row trigger */
	assert_int_equal(raw_int(db, "SELECT count(*) FROM sqlite_master"
				     " WHERE name IN ('findings_by_run_order', 'findings_only_while_running')"),
			 0);
	sqlite3_close(db);

	/* Reopening an up-to-date database runs no migration again. */
	s = open_store(fx);
	store_close(s);
	db = raw_open(fx->db);
	assert_int_equal(raw_int(db, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	sqlite3_close(db);
}

static void test_newer_schema_is_refused(void **state)
{
	struct fixture *fx = *state;
	struct store *s = NULL;
	char err[512], want[300];
	sqlite3 *db;
	int rc;

	snprintf(fx->db, sizeof(fx->db), "%s/newer.db", fx->dir);
	db = raw_open(fx->db);
	raw_exec(db, "CREATE TABLE future (x); PRAGMA user_version = 7");
	sqlite3_close(db);

	rc = store_open(fx->db, &s, err, sizeof(err));
	assert_true(rc < 0);
	assert_null(s);
	snprintf(want, sizeof(want), "database %s was written by a newer assay (schema 7, this build knows %d)",
		 fx->db, STORE_SCHEMA_VERSION);
	assert_string_equal(err, want);

	/* The newer database is left as it was. */
	db = raw_open(fx->db);
	assert_int_equal(raw_int(db, "PRAGMA user_version"), 7);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'runs'"), 0);
	sqlite3_close(db);
}

static void test_non_database_is_refused(void **state)
{
	struct fixture *fx = *state;
	struct store *s = NULL;
	char err[512], *data;
	struct buf text;
	size_t len;
	bool truncated;
	int rc;

	snprintf(fx->db, sizeof(fx->db), "%s/notes.txt", fx->dir);
	buf_init(&text);
	for (int i = 0; i < 100; i++)
		buf_printf(&text, "line %d of a text file that is not a database\n", i);
	write_file(fx->db, text.data);

	rc = store_open(fx->db, &s, err, sizeof(err));
	assert_true(rc < 0);
	assert_null(s);
	assert_non_null(strstr(err, fx->db));
	assert_non_null(strstr(err, "is not a SQLite database"));
	assert_null(strchr(err, '\n'));

	/* The file was not touched. */
	assert_int_equal(read_file_capped(fx->db, 1 << 20, &data, &len, &truncated), 0);
	assert_int_equal(len, text.len);
	assert_memory_equal(data, text.data, len);
	free(data);
	buf_free(&text);
}

static void test_file_modes(void **state)
{
	struct fixture *fx = *state;
	char dir[160], wal[160];
	struct store *s;
	struct stat st;
	mode_t old = umask(022);

	s = open_store(fx);
	begin_run(s);
	snprintf(dir, sizeof(dir), "%s/state", fx->dir);
	snprintf(wal, sizeof(wal), "%s-wal", fx->db);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(stat(fx->db, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	/* SQLite gives its WAL file the database's mode. */
	assert_int_equal(stat(wal, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	store_close(s);
	umask(old);
}

static void test_wal_mode(void **state)
{
	struct fixture *fx = *state;
	struct store *s = open_store(fx);
	sqlite3 *db = raw_open(fx->db);
	char *mode = raw_text(db, "PRAGMA journal_mode");

	assert_string_equal(mode, "wal");
	free(mode);
	sqlite3_close(db);
	store_close(s);
}

/* ---- a run with many findings ---- */

#define MANY 1234

static const char *const rules[] = {"secret.aws-access-key", "env.file-permissions", "k8s.privileged"};

struct order_check {
	unsigned seen;
	/* The previous finding's sort key, copied. */
	int prev_sev;
	char prev_rule[64], prev_path[64];
	unsigned prev_line, prev_col;
	bool special_seen, plain_seen;
	char special_fp[SHA256_HEX_LEN + 1], plain_fp[SHA256_HEX_LEN + 1];
};

static int compare_key(const struct order_check *c, const struct finding *f)
{
	int d;

	if ((int)f->severity != c->prev_sev)
		return (int)f->severity - c->prev_sev; /* severity descending */
	if ((d = strcmp(c->prev_rule, f->rule)) != 0)
		return d;
	if ((d = strcmp(c->prev_path, f->path)) != 0)
		return d;
	if (c->prev_line != f->line)
		return c->prev_line < f->line ? -1 : 1;
	if (c->prev_col != f->column)
		return c->prev_col < f->column ? -1 : 1;
	return 0;
}

static int check_finding_order(const struct finding *f, void *ctx)
{
	struct order_check *c = ctx;

	if (c->seen)
		assert_true(compare_key(c, f) <= 0);
	c->prev_sev = (int)f->severity;
	snprintf(c->prev_rule, sizeof(c->prev_rule), "%s", f->rule);
	snprintf(c->prev_path, sizeof(c->prev_path), "%s", f->path);
	c->prev_line = f->line;
	c->prev_col = f->column;
	c->seen++;
	assert_null(f->identity);

	if (!strcmp(f->fingerprint, c->special_fp)) {
		c->special_seen = true;
		assert_string_equal(f->rule, "secret.generic-api-key");
		assert_int_equal(f->severity, SEV_CRITICAL);
		assert_string_equal(f->path, "conf/caf\\xFF.env");
		assert_string_equal(f->message, "Schlüssel gefunden — ключ найден 🔑");
		assert_string_equal(f->evidence, "sk_l…9f2a");
		assert_string_equal(f->secret_hash,
				    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
		assert_string_equal(f->target, "fixtures/demo");
		assert_string_equal(f->commit, "0123456789abcdef0123456789abcdef01234567");
		assert_string_equal(f->author, "Zoë Ångström <zoe@example.com>");
		assert_string_equal(f->date, "2024-02-29T12:00:00Z");
		assert_int_equal(f->line, 7);
		assert_int_equal(f->column, 13);
		assert_false(f->waived);
	}
	if (!strcmp(f->fingerprint, c->plain_fp)) {
		c->plain_seen = true;
		assert_null(f->evidence);
		assert_null(f->secret_hash);
		assert_null(f->commit);
		assert_null(f->author);
		assert_null(f->date);
		assert_string_equal(f->target_digest, "sha256:abcd"); /* none of its own: its input's */
		assert_true(f->waived);
	}
	return 0;
}

static void test_run_with_many_findings(void **state)
{
	struct fixture *fx = *state;
	struct store *s = open_store(fx);
	unsigned counts[SEV_COUNT] = {0}, waived = 0;
	struct order_check check = {0};
	struct finding f;
	struct store_run r;
	struct store_input in = {"directory", "fixtures/demo", "sha256:abcd", NULL};
	char path[32], identity[16];
	int64_t run = begin_run(s), latest = 0;

	store_set_batch(s, 500, 0);
	for (unsigned i = 0; i < MANY; i++) {
		snprintf(path, sizeof(path), "src/file%02u.c", (i * 7) % 50);
		snprintf(identity, sizeof(identity), "%u", i);
		set_finding(&f, rules[i % 3], (enum severity)(i % SEV_COUNT), path, (i * 13) % 97 + 1, i % 4);
		f.waived = i % 10 == 0;
		f.identity = identity; /* distinct fingerprints */
		finding_fingerprint(&f);
		assert_int_equal(store_add_finding(s, run, &f), 0);
		if (f.waived)
			waived++;
		else
			counts[f.severity]++;

		/* Batches of 500: nothing is visible to another connection until
		 * the 500th row is written, then exactly 500 (store_run_get waits
		 * for the writer thread to catch up). */
		if (i + 1 == 499 || i + 1 == 500 || i + 1 == 600) {
			assert_int_equal(store_run_get(s, run, &r), 0);
			store_run_clear(&r);
			assert_int_equal(committed_findings(fx, run), i + 1 == 499 ? 0 : 500);
		}
	}

	set_finding(&f, "secret.generic-api-key", SEV_CRITICAL, "conf/caf\\xFF.env", 7, 13);
	f.message = "Schlüssel gefunden — ключ найден 🔑";
	f.evidence = "sk_l…9f2a";
	f.secret_hash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
	f.identity = f.secret_hash;
	f.commit = "0123456789abcdef0123456789abcdef01234567";
	f.author = "Zoë Ångström <zoe@example.com>";
	f.date = "2024-02-29T12:00:00Z";
	finding_fingerprint(&f);
	memcpy(check.special_fp, f.fingerprint, sizeof(check.special_fp));
	assert_int_equal(store_add_finding(s, run, &f), 0);
	counts[SEV_CRITICAL]++;

	set_finding(&f, "env.file-permissions", SEV_LOW, ".env", 0, 0);
	f.target_digest = NULL;
	f.waived = true;
	f.identity = "plain";
	finding_fingerprint(&f);
	memcpy(check.plain_fp, f.fingerprint, sizeof(check.plain_fp));
	assert_int_equal(store_add_finding(s, run, &f), 0);
	waived++;

	assert_int_equal(store_add_input(s, run, &in), 0);
	assert_int_equal(store_run_finish(s, run, 1), 0);
	assert_int_equal(committed_findings(fx, run), MANY + 2);

	assert_int_equal(store_run_get(s, run, &r), 0);
	assert_int_equal(r.id, run);
	assert_string_equal(r.status, "complete");
	assert_string_equal(r.started_at, EPOCH_ISO);
	assert_string_equal(r.finished_at, EPOCH_ISO);
	assert_string_equal(r.tool_version, ASSAY_VERSION);
	assert_string_equal(r.command, "assay scan .");
	assert_string_equal(r.fail_on, "high");
	assert_int_equal(r.exit_code, 1);
	assert_null(r.error);
	assert_int_equal(r.pid, getpid());
	assert_int_equal(r.inputs, 1);
	assert_int_equal(r.waived, waived);
	for (int i = 0; i < SEV_COUNT; i++)
		assert_int_equal(r.counts[i], counts[i]);
	assert_int_equal(strlen(r.content_hash), SHA256_HEX_LEN);
	store_run_clear(&r);
	assert_null(r.status);

	assert_int_equal(store_foreach_finding(s, run, check_finding_order, &check), 0);
	assert_int_equal(check.seen, MANY + 2);
	assert_true(check.special_seen);
	assert_true(check.plain_seen);

	assert_int_equal(store_latest_run(s, &latest), 0);
	assert_int_equal(latest, run);
	store_close(s);
}

/* ---- content hash and chain ---- */

static int64_t complete_small_run(struct store *s, const char *rule, int exit_code)
{
	struct store_input in = {"git-worktree", "repo", "sha256:feed", "cafe"};
	struct store_notice n = {"warning", NULL, 0, "skipped a symlink"};
	struct finding f;
	int64_t run = begin_run(s);

	assert_int_equal(store_add_input(s, run, &in), 0);
	set_finding(&f, rule, SEV_HIGH, "deploy.yaml", 12, 5);
	assert_int_equal(store_add_finding(s, run, &f), 0);
	assert_int_equal(store_add_notice(s, run, &n), 0);
	assert_int_equal(store_run_finish(s, run, exit_code), 0);
	return run;
}

/* The finding record of complete_small_run's finding. */
static void hash_small_finding(struct sha256 *h, const struct finding *f, const char *rule)
{
	sha256_field(h, "finding");
	sha256_field(h, rule);
	sha256_field(h, "3"); /* SEV_HIGH */
	sha256_field(h, f->target);
	sha256_field(h, f->target_digest);
	sha256_field(h, "deploy.yaml");
	sha256_field(h, "12");
	sha256_field(h, "5");
	sha256_field(h, f->message);
	sha256_field(h, NULL); /* evidence */
	sha256_field(h, NULL); /* secret_hash */
	sha256_field(h, f->fingerprint);
	sha256_field(h, NULL); /* commit_sha */
	sha256_field(h, NULL); /* author */
	sha256_field(h, NULL); /* authored_at */
	sha256_field(h, "0");  /* waived */
	sha256_field(h, NULL); /* layer_digest (hash version 2) */
	sha256_field(h, NULL); /* waiver (hash version 3) */
	sha256_field(h, NULL); /* baseline_state */
}

/* The documented serialisation of complete_small_run's run, written out
 * field by field, as hash version 3 or 4 has it. */
static void expected_content_hash_v(int version, int64_t run, const char *rule, int exit_code,
				    char out[SHA256_HEX_LEN + 1])
{
	struct finding f;
	struct sha256 h, fh;
	char num[32], findings_hex[SHA256_HEX_LEN + 1];

	set_finding(&f, rule, SEV_HIGH, "deploy.yaml", 12, 5);
	sha256_init(&h);
	sha256_field(&h, "run");
	snprintf(num, sizeof(num), "%lld", (long long)run);
	sha256_field(&h, num);
	sha256_field(&h, EPOCH_ISO);
	sha256_field(&h, EPOCH_ISO);
	sha256_field(&h, ASSAY_VERSION);
	sha256_field(&h, "assay scan .");
	sha256_field(&h, "high");
	snprintf(num, sizeof(num), "%d", exit_code);
	sha256_field(&h, num);
	sha256_field(&h, NULL); /* config_path (hash version 3) */
	sha256_field(&h, NULL); /* baseline */
	sha256_field(&h, NULL); /* organisation */
	sha256_field(&h, NULL); /* project */
	sha256_field(&h, "input");
	sha256_field(&h, "git-worktree");
	sha256_field(&h, "repo");
	sha256_field(&h, "sha256:feed");
	sha256_field(&h, "cafe");
	if (version == 3) {
		hash_small_finding(&h, &f, rule);
	} else {
		/* hash version 4: the finding records are hashed on their own,
		 * and their count and digest stand in their place */
		sha256_init(&fh);
		hash_small_finding(&fh, &f, rule);
		sha256_final_hex(&fh, findings_hex);
		sha256_field(&h, "findings");
		sha256_field(&h, "1");
		sha256_field(&h, findings_hex);
	}
	sha256_field(&h, "notice");
	sha256_field(&h, "warning");
	sha256_field(&h, NULL);
	sha256_field(&h, "0");
	sha256_field(&h, "skipped a symlink");
	sha256_final_hex(&h, out);
}

static void expected_content_hash(int64_t run, const char *rule, int exit_code, char out[SHA256_HEX_LEN + 1])
{
	expected_content_hash_v(4, run, rule, exit_code, out);
}

static void expected_chain_hash(const char *prev, const char *content, char out[SHA256_HEX_LEN + 1])
{
	char joined[2 * SHA256_HEX_LEN + 1];

	snprintf(joined, sizeof(joined), "%s%s", prev, content);
	sha256_hex(joined, 2 * SHA256_HEX_LEN, out);
}

static void test_hash_chain(void **state)
{
	struct fixture *fx = *state;
	struct store *s = open_store(fx);
	char want[SHA256_HEX_LEN + 1], got[SHA256_HEX_LEN + 1];
	struct store_run r1, r2;
	int64_t run1 = complete_small_run(s, "k8s.privileged", 0);
	int64_t run2 = complete_small_run(s, "k8s.host-network", 1);

	assert_int_equal(store_run_get(s, run1, &r1), 0);
	assert_int_equal(store_run_get(s, run2, &r2), 0);

	expected_content_hash(run1, "k8s.privileged", 0, want);
	assert_string_equal(r1.content_hash, want);
	expected_content_hash(run2, "k8s.host-network", 1, want);
	assert_string_equal(r2.content_hash, want);

	assert_string_equal(r1.prev_hash, ZERO_HASH);
	expected_chain_hash(r1.prev_hash, r1.content_hash, want);
	assert_string_equal(r1.chain_hash, want);
	assert_string_equal(r2.prev_hash, r1.chain_hash);
	expected_chain_hash(r2.prev_hash, r2.content_hash, want);
	assert_string_equal(r2.chain_hash, want);

	assert_int_equal(store_run_content_hash(s, run1, got), 0);
	assert_string_equal(got, r1.content_hash);
	assert_int_equal(store_run_content_hash(s, run2, got), 0);
	assert_string_equal(got, r2.content_hash);
	assert_int_equal(store_run_content_hash(s, run2 + 100, got), -ENOENT);

	store_run_clear(&r1);
	store_run_clear(&r2);
	store_close(s);
}

static void test_failed_run_is_skipped_by_chain(void **state)
{
	struct fixture *fx = *state;
	struct store *s = open_store(fx);
	struct store_run r1, r3;
	int64_t run1 = complete_small_run(s, "k8s.privileged", 0);
	int64_t run2 = begin_run(s);
	int64_t run3;

	assert_int_equal(store_run_fail(s, run2, "boom"), 0);
	run3 = complete_small_run(s, "k8s.privileged", 0);
	assert_int_equal(store_run_get(s, run1, &r1), 0);
	assert_int_equal(store_run_get(s, run3, &r3), 0);
	assert_string_equal(r3.prev_hash, r1.chain_hash);
	store_run_clear(&r1);
	store_run_clear(&r3);
	store_close(s);
}

static void assert_hash_changed_by(const struct fixture *fx, struct store *s, int64_t run, const char *sql)
{
	char got[SHA256_HEX_LEN + 1];
	struct store_run r;
	sqlite3 *db = raw_open(fx->db);

	raw_exec(db, sql);
	sqlite3_close(db);
	assert_int_equal(store_run_get(s, run, &r), 0);
	assert_int_equal(store_run_content_hash(s, run, got), 0);
	assert_string_not_equal(got, r.content_hash);
	store_run_clear(&r);
}

static void test_edits_change_content_hash(void **state)
{
	struct fixture *fx = *state;
	struct store *s = open_store(fx);
	char got[SHA256_HEX_LEN + 1];
	struct store_run r;
	sqlite3 *db;
	int64_t run = complete_small_run(s, "k8s.privileged", 0);

	assert_int_equal(store_run_get(s, run, &r), 0);
	assert_int_equal(store_run_content_hash(s, run, got), 0);
	assert_string_equal(got, r.content_hash);

	assert_hash_changed_by(fx, s, run, "UPDATE findings SET message = 'nothing to see here'");
	/* Restore by hand and the hash matches again. */
	db = raw_open(fx->db);
	raw_exec(db, "UPDATE findings SET message = 'something to fix'");
	sqlite3_close(db);
	assert_int_equal(store_run_content_hash(s, run, got), 0);
	assert_string_equal(got, r.content_hash);

	assert_hash_changed_by(fx, s, run, "UPDATE findings SET severity = 1");
	assert_hash_changed_by(fx, s, run, "UPDATE runs SET command = 'assay scan elsewhere'");
	assert_hash_changed_by(fx, s, run, "DELETE FROM notices");
	store_run_clear(&r);
	store_close(s);
}


/* ---- container images (schema 2) ---- */

struct inventory_seen {
	int images, packages;
	int64_t first_id;
	char names[256];
};

static int see_package(const struct store_package *p, void *ctx)
{
	struct inventory_seen *seen = ctx;

	seen->packages++;
	strncat(seen->names, p->name, sizeof(seen->names) - strlen(seen->names) - 2);
	strcat(seen->names, " ");
	assert_string_equal(p->layer_digest, "sha256:l0");
	return 0;
}

static int see_image(const struct store_image *img, int64_t id, void *ctx)
{
	struct inventory_seen *seen = ctx;

	if (!seen->images++)
		seen->first_id = id;
	assert_string_equal(img->digest, "sha256:img");
	assert_string_equal(img->format, "oci-layout");
	assert_string_equal(img->architecture, "arm64/v8");
	assert_int_equal(img->n_tags, 2);
	assert_string_equal(img->tags[1], "app:latest");
	assert_int_equal(img->n_layers, 2);
	assert_string_equal(img->layers[1].digest, "sha256:l1");
	assert_null(img->layers[0].media_type);
	assert_int_equal(img->layers[0].size, -1);
	assert_int_equal(img->layers[1].size, 42);
	return 0;
}

static int64_t add_inventory(struct store *s, int64_t run)
{
	static const char *const tags[] = {"app:1.0", "app:latest"};
	struct store_image_layer layers[] = {{"sha256:l0", NULL, -1},
					     {"sha256:l1", "application/vnd.oci.image.layer.v1.tar+zstd", 42}};
	struct store_image img = {"app.tar", "", "oci-layout", "sha256:img", "sha256:cfg", "linux", "arm64/v8",
				  tags, 2, layers, 2};
	struct store_package pkgs[] = {{"dpkg", "openssl", "3.0.11-1", "amd64", "sha256:l0"},
				       {"dpkg", "libc6", "2.36-9", "amd64", "sha256:l0"}};
	int64_t id = 0;

	assert_int_equal(store_add_image(s, run, &img, &id), 0);
	assert_true(id > 0);
	for (size_t i = 0; i < 2; i++)
		assert_int_equal(store_add_image_package(s, id, &pkgs[i]), 0);
	return id;
}

static void test_image_inventory(void **state)
{
	struct fixture *fx = *state;
	struct store *s = open_store(fx);
	struct inventory_seen seen = {0};
	struct finding f;
	struct store_run r;
	char got[SHA256_HEX_LEN + 1];
	int64_t run = begin_run(s), id;

	id = add_inventory(s, run);
	set_finding(&f, "image.secret-in-layer", SEV_HIGH, "/app/.env", 1, 1);
	f.layer = "sha256:l0";
	finding_fingerprint(&f);
	assert_int_equal(store_add_finding(s, run, &f), 0);
	assert_int_equal(store_run_finish(s, run, 1), 0);
	assert_int_equal(store_foreach_image(s, run, see_image, &seen), 0);
	assert_int_equal(seen.images, 1);
	assert_int_equal(seen.first_id, id);
	assert_int_equal(store_foreach_image_package(s, id, see_package, &seen), 0);
	assert_int_equal(seen.packages, 2);
	assert_string_equal(seen.names, "libc6 openssl "); /* ordered by name */
	/* The sealed run's hash covers its images; it takes no more. */
	assert_int_equal(store_run_get(s, run, &r), 0);
	assert_int_equal(store_run_content_hash(s, run, got), 0);
	assert_string_equal(got, r.content_hash);
	assert_hash_changed_by(fx, s, run, "UPDATE image_packages SET version = '3.0.0' WHERE name = 'openssl'");
	assert_hash_changed_by(fx, s, run, "UPDATE findings SET layer_digest = 'sha256:other'");
	assert_hash_changed_by(fx, s, run, "DELETE FROM image_tags WHERE tag = 'app:latest'");
	assert_int_not_equal(store_add_image_package(s, id, &(struct store_package){"apk", "x", "1", NULL, NULL}), 0);
	store_run_clear(&r);
	store_close(s);
}

static int see_layer_field(const struct finding *f, void *ctx)
{
	*(int *)ctx += f->layer && strcmp(f->layer, "sha256:l9") == 0;
	return 0;
}

static void test_finding_layer_and_target_digest(void **state)
{
	struct fixture *fx = *state;
	struct store *s = open_store(fx);
	struct finding f, g;
	int64_t run = begin_run(s);
	int with_layer = 0;
	sqlite3 *db;

	set_finding(&f, "image.setuid-binary", SEV_LOW, "/usr/bin/passwd", 0, 0);
	f.target_digest = "sha256:image";
	f.layer = "sha256:l9";
	finding_fingerprint(&f);
	set_finding(&g, "env.weak-secret", SEV_LOW, ".env", 1, 1);
	g.target_digest = NULL;
	finding_fingerprint(&g);
	assert_int_equal(store_add_finding(s, run, &f), 0);
	assert_int_equal(store_add_finding(s, run, &g), 0);
	/* The input's digest is stored once, on the input; findings that have
	 * none of their own read it from there. */
	assert_int_equal(store_add_input(s, run, &(struct store_input){"directory", f.target, "sha256:tree", NULL}), 0);
	assert_int_equal(store_run_finish(s, run, 0), 0);
	assert_int_equal(store_foreach_finding(s, run, see_layer_field, &with_layer), 0);
	assert_int_equal(with_layer, 1);
	db = raw_open(fx->db);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM findings WHERE target_digest = 'sha256:image'"), 1);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM findings WHERE target_digest IS NULL"), 1);
	assert_int_equal(raw_int(db, "SELECT hash_version FROM runs"), 4);
	sqlite3_close(db);
	store_close(s);
}

/* A run sealed before schema 2 (hash_version 1) is recomputed the old way. */
static void test_hash_version_1_runs(void **state)
{
	struct fixture *fx = *state;
	struct store *s = open_store(fx);
	char want[SHA256_HEX_LEN + 1], got[SHA256_HEX_LEN + 1];
	int64_t run = complete_small_run(s, "k8s.privileged", 0);
	sqlite3 *db = raw_open(fx->db);

	raw_exec(db, "UPDATE runs SET hash_version = 1");
	sqlite3_close(db);
	assert_int_equal(store_run_content_hash(s, run, got), 0);
	expected_content_hash_v(3, run, "k8s.privileged", 0, want);
	assert_string_not_equal(got, want); /* version 2 has the layer_digest field */
	db = raw_open(fx->db);
	raw_exec(db, "UPDATE runs SET hash_version = 7");
	sqlite3_close(db);
	assert_int_equal(store_run_content_hash(s, run, got), -EPROTONOSUPPORT);
	store_close(s);
}

/* Runs sealed by hash version 3 (schema 3 and 4) still verify: their
 * finding records are hashed one by one, inline. */
static void test_hash_version_3_runs(void **state)
{
	struct fixture *fx = *state;
	struct store *s = open_store(fx);
	char want[SHA256_HEX_LEN + 1], got[SHA256_HEX_LEN + 1];
	int64_t run = complete_small_run(s, "k8s.privileged", 0);
	sqlite3 *db = raw_open(fx->db);

	expected_content_hash_v(4, run, "k8s.privileged", 0, want);
	assert_int_equal(store_run_content_hash(s, run, got), 0);
	assert_string_equal(got, want);
	raw_exec(db, "UPDATE runs SET hash_version = 3");
	sqlite3_close(db);
	expected_content_hash_v(3, run, "k8s.privileged", 0, want);
	assert_int_equal(store_run_content_hash(s, run, got), 0);
	assert_string_equal(got, want);
	store_close(s);
}

/* Turns a database back into what schema 5 wrote: findings looked up by
 * their fingerprint's text, no integer key. */
static void back_to_schema_5(sqlite3 *db)
{
	raw_exec(db, "DROP INDEX findings_by_fingerprint_key;"
		     "ALTER TABLE findings DROP COLUMN fingerprint_key;"
		     "CREATE INDEX findings_by_fingerprint ON findings (fingerprint);"
		     "PRAGMA user_version = 5;");
}

/* What schema 4 had: the findings index kept sorted, the rule index
 * without `waived`, a trigger on every finding insert. */
static void back_to_schema_4(sqlite3 *db)
{
	back_to_schema_5(db);
	raw_exec(db, "DROP INDEX findings_by_run_rule;"
		     "CREATE INDEX findings_by_run_order ON findings (run_id, severity DESC, rule, path, line, col);"
		     "CREATE INDEX findings_by_run_rule ON findings (run_id, rule);"
		     "CREATE TRIGGER findings_only_while_running BEFORE INSERT ON findings"
		     " WHEN (SELECT status FROM runs WHERE id = NEW.run_id) IS NOT 'running'"
		     " BEGIN SELECT RAISE(ABORT, 'run is not running'); END;"
		     "PRAGMA user_version = 4;");
}

/* A database at schema 4 (its findings index kept sorted, a trigger on
 * every finding insert, each row holding its input's digest, runs sealed
 * by hash version 3) is migrated to 6 on open: the old run still verifies,
 * reads as before, and new runs go on the chain. */
static void test_migration_from_schema_4(void **state)
{
	struct fixture *fx = *state;
	struct store *s = open_store(fx);
	char want[SHA256_HEX_LEN + 1], prev[SHA256_HEX_LEN + 1], chain[SHA256_HEX_LEN + 1], sql[512];
	char got[SHA256_HEX_LEN + 1];
	int64_t old_run = complete_small_run(s, "k8s.privileged", 0), run;
	struct store_run r;
	sqlite3 *db;

	store_close(s);
	/* Turn the database back into what schema 4 wrote, the run sealed by
	 * hash version 3 over the same rows. */
	expected_content_hash_v(3, old_run, "k8s.privileged", 0, want);
	memset(prev, '0', SHA256_HEX_LEN);
	prev[SHA256_HEX_LEN] = '\0';
	expected_chain_hash(prev, want, chain);
	db = raw_open(fx->db);
	back_to_schema_4(db);
	raw_exec(db, "UPDATE runs SET hash_version = 3;");
	snprintf(sql, sizeof(sql), "UPDATE runs SET content_hash = '%s', chain_hash = '%s' WHERE id = %lld", want, chain,
		 (long long)old_run);
	raw_exec(db, sql);
	sqlite3_close(db);

	s = open_store(fx); /* migrates to 6 */
	db = raw_open(fx->db);
	assert_int_equal(raw_int(db, "PRAGMA user_version"), 6);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM sqlite_master"
				     " WHERE name IN ('findings_by_run_order', 'findings_only_while_running')"),
			 0);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM pragma_index_info('findings_by_run_rule')"), 3);
	sqlite3_close(db);
	assert_int_equal(store_run_get(s, old_run, &r), 0);
	assert_int_equal(store_run_content_hash(s, old_run, got), 0);
	assert_string_equal(got, r.content_hash);
	store_run_clear(&r);
	run = complete_small_run(s, "k8s.host-pid", 0);
	assert_int_equal(store_run_get(s, run, &r), 0);
	assert_int_equal(store_run_content_hash(s, run, got), 0);
	assert_string_equal(got, r.content_hash);
	assert_string_equal(r.prev_hash, chain); /* the new run chains to the old one */
	store_run_clear(&r);
	db = raw_open(fx->db);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM runs WHERE hash_version = 4"), 1);
	sqlite3_close(db);
	store_close(s);
}

/* The missing steps run in one transaction: when a later step fails (here
 * 6, whose index name is taken), the database is left at schema 4 as it
 * was, not at 5, and the error names the step. */
static void test_failed_migration_changes_nothing(void **state)
{
	struct fixture *fx = *state;
	struct store *s = open_store(fx);
	char err[512] = "";
	sqlite3 *db;

	complete_small_run(s, "k8s.privileged", 0);
	store_close(s);
	db = raw_open(fx->db);
	back_to_schema_4(db);
	raw_exec(db, "CREATE TABLE findings_by_fingerprint_key (x);");
	sqlite3_close(db);

	s = NULL;
	assert_true(store_open(fx->db, &s, err, sizeof(err)) < 0);
	assert_null(s);
	if (!strstr(err, "migration to schema 6 failed"))
		fail_msg("%s", err);
	db = raw_open(fx->db);
	assert_int_equal(raw_int(db, "PRAGMA user_version"), 4);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'findings_by_run_order'"), 1);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM pragma_index_info('findings_by_run_rule')"), 2);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM pragma_table_info('findings')"
				     " WHERE name = 'fingerprint_key'"),
			 0);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'findings_only_while_running'"),
			 1);
	assert_true(raw_int(db, "SELECT count(*) FROM findings") > 0);
	sqlite3_close(db);
}

/* ---- compliance (schema 3) ---- */

struct compliance_seen {
	unsigned profiles, controls, waivers, settings, fingerprints;
	char last_status[32], waiver_state[16], waiver_owner[64], profile_source[32];
	int severity;
	bool enabled;
};

static int see_profile(const struct store_profile *p, void *ctx)
{
	struct compliance_seen *c = ctx;

	c->profiles++;
	snprintf(c->profile_source, sizeof(c->profile_source), "%s", p->source);
	return 0;
}

static int see_control(const struct store_control *ctl, void *ctx)
{
	struct compliance_seen *c = ctx;

	c->controls++;
	snprintf(c->last_status, sizeof(c->last_status), "%s:%u:%u", ctl->status, ctl->findings, ctl->waived);
	return 0;
}

static int see_waiver(const struct store_waiver *w, void *ctx)
{
	struct compliance_seen *c = ctx;

	c->waivers++;
	snprintf(c->waiver_state, sizeof(c->waiver_state), "%s", w->state);
	snprintf(c->waiver_owner, sizeof(c->waiver_owner), "%s", w->owner);
	return 0;
}

static int see_setting(const struct store_rule_setting *r, void *ctx)
{
	struct compliance_seen *c = ctx;

	c->settings++;
	c->severity = r->severity;
	c->enabled = r->enabled;
	return 0;
}

static int see_fingerprint(const char *fp, void *ctx)
{
	struct compliance_seen *c = ctx;

	assert_int_equal(strlen(fp), SHA256_HEX_LEN);
	c->fingerprints++;
	return 0;
}

static int see_rule_count(const char *rule, unsigned unwaived, unsigned waived, void *ctx)
{
	unsigned *sum = ctx;

	assert_string_equal(rule, "env.file-permissions");
	sum[0] += unwaived;
	sum[1] += waived;
	return 0;
}

struct rule_count_list {
	char text[4096];
	size_t len;
};

static int list_rule_count(const char *rule, unsigned unwaived, unsigned waived, void *ctx)
{
	struct rule_count_list *l = ctx;
	int n = snprintf(l->text + l->len, sizeof(l->text) - l->len, "%s %u %u\n", rule, unwaived, waived);

	assert_true(n > 0 && (size_t)n < sizeof(l->text) - l->len);
	l->len += (size_t)n;
	return 0;
}

static int stop_at_second_rule(const char *rule, unsigned unwaived, unsigned waived, void *ctx)
{
	unsigned *calls = ctx;

	(void)rule, (void)unwaived, (void)waived;
	return ++*calls == 2 ? -ECANCELED : 0;
}

/* The run being written is counted as its rows are written (through the
 * writer thread, past the queue's size); its counts, in rule order, are
 * the ones its stored rows give once it is finished. */
static void test_rule_counts_while_running_match_stored(void **state)
{
	struct fixture *fx = *state;
	static const char *const rule_ids[] = {"k8s.privileged", "env.file-permissions", "k8s.host-pid",
					       "docker.user-root", "k8s.privileged"};
	struct store *s = open_store(fx);
	struct rule_count_list running = {0}, stored = {0};
	int64_t run = begin_run(s);
	unsigned calls = 0;
	struct finding f;
	char path[32];

	for (unsigned i = 0; i < 5000; i++) {
		snprintf(path, sizeof(path), "f%u.yaml", i);
		set_finding(&f, rule_ids[i % 5], SEV_HIGH, path, i + 1, 0);
		f.waived = i % 7 == 0;
		f.waiver = f.waived ? "accepted (owner a@example.com, expires 2027-01-01)" : NULL;
		assert_int_equal(store_add_finding(s, run, &f), 0);
	}
	assert_int_equal(store_foreach_rule_count(s, run, list_rule_count, &running), 0);
	assert_int_equal(store_foreach_rule_count(s, run, stop_at_second_rule, &calls), -ECANCELED);
	assert_int_equal(calls, 2);
	assert_int_equal(store_run_finish(s, run, 0), 0);
	assert_int_equal(store_foreach_rule_count(s, run, list_rule_count, &stored), 0);
	assert_string_equal(running.text, stored.text);
	assert_non_null(strstr(stored.text, "docker.user-root 857 143\nenv.file-permissions 857 143\n"));
	assert_non_null(strstr(stored.text, "k8s.host-pid 857 143\nk8s.privileged 1714 286\n"));
	store_close(s);
}

/* While a run is written, the WAL is copied into the database by the
 * store's checkpointer thread, never by the writer thread (whose syncs of
 * the database held the scan up); and it starts over rather than grow, so
 * that its file ends far shorter than what was written to it. All rows
 * are kept. */
static void test_checkpoints_off_the_writer_thread(void **state)
{
	struct fixture *fx = *state;
	struct store *s;
	struct finding f;
	char path[32];
	int64_t run;

	spy_install();
	s = open_store(fx);
	store_set_batch(s, 64, 0);
	store_set_wal_limits(s, 64 * 1024, 1 << 20);
	run = begin_run(s);
	for (unsigned i = 0; i < 6000; i++) {
		snprintf(path, sizeof(path), "f%u.yaml", i);
		set_finding(&f, i % 2 ? "k8s.privileged" : "k8s.host-pid", SEV_HIGH, path, i + 1, 0);
		assert_int_equal(store_add_finding(s, run, &f), 0);
	}
	assert_int_equal(store_run_finish(s, run, 0), 0);
	store_close(s);
	spy_remove();
	assert_int_equal(spy.writer_syncs, 0);
	assert_true(spy.checkpointer_syncs > 0);
	assert_true(spy.wal_written > 4 << 20);
	assert_true(spy.wal_end < spy.wal_written / 2);
	assert_int_equal(committed_findings(fx, run), 6000);
}

/* A row the caller writes itself once the writer is idle (an input, at the
 * end of a scan) does not join the batch the writer left open. With SQLite's
 * cache full of that batch's pages, the row's statement (the inputs trigger
 * can abort it half-way) copied each page it spilled to a statement journal
 * in a temporary file. */
static void test_caller_row_does_not_join_the_writers_batch(void **state)
{
	struct fixture *fx = *state;
	struct store_input in = {.kind = "directory", .locator = "fixtures/demo"};
	struct store *s;
	int64_t run;

	spy_install();
	s = open_store(fx);
	store_set_batch(s, 1000000, 0); /* everything the writer writes in one batch */
	run = begin_run(s);
	add_simple_findings(s, run, 30000);
	assert_int_equal(store_add_input(s, run, &in), 0);
	assert_int_equal(spy.statement_journals, 0);
	assert_int_equal(store_run_finish(s, run, 0), 0);
	store_close(s);
	spy_remove();
	assert_int_equal(committed_findings(fx, run), 30000);
}

/* The checkpointer opens the file the store opened, even when the store
 * was given a relative path and the process has changed directory since. */
static void test_checkpointer_follows_a_relative_path(void **state)
{
	struct fixture *fx = *state;
	char *cwd = getcwd(NULL, 0), *state_dir = xasprintf("%s/state", fx->dir);
	struct store *s = NULL;
	char err[512];
	int64_t run;

	assert_non_null(cwd);
	assert_int_equal(mkdir(state_dir, 0700), 0);
	assert_int_equal(chdir(state_dir), 0);
	spy_install();
	assert_int_equal(store_open("relative.db", &s, err, sizeof(err)), 0);
	assert_int_equal(chdir(fx->dir), 0);
	store_set_batch(s, 64, 0);
	store_set_wal_limits(s, 64 * 1024, 1 << 20);
	run = begin_run(s);
	add_simple_findings(s, run, 3000);
	assert_int_equal(store_run_finish(s, run, 0), 0);
	store_close(s);
	spy_remove();
	assert_int_equal(chdir(cwd), 0);
	assert_int_equal(spy.writer_syncs, 0);
	assert_true(spy.checkpointer_syncs > 0);
	free(cwd);
	free(state_dir);
}

/* Adds 64 findings (one batch in these tests), numbered from *n on. */
static void add_batch_of_findings(struct store *s, int64_t run, unsigned *n)
{
	struct finding f;
	char path[32];

	for (unsigned i = 0; i < 64; i++, (*n)++) {
		snprintf(path, sizeof(path), "f%u.yaml", *n);
		set_finding(&f, "k8s.privileged", SEV_HIGH, path, *n + 1, 0);
		assert_int_equal(store_add_finding(s, run, &f), 0);
	}
}

/* Only the writer thread, and only while no one waits for it, lets a batch
 * wait for a checkpoint. With a checkpoint held in its sync, a call that
 * waits for the writer to catch up (here, reading the running run's rule
 * counts) returns while the checkpoint is still held, not once it ends; so
 * does a row the caller's own thread writes in a batch it begins (an
 * input, once the writer's last batch is committed). */
static void test_writer_waited_for_skips_checkpoint(void **state)
{
	struct fixture *fx = *state;
	struct rule_count_list counts = {0};
	struct store_input in = {"git", "repo", NULL, NULL};
	struct store *s;
	pthread_t safety;
	unsigned n = 0;
	bool held_after_counts, held_after_input;
	int64_t run;

	spy_install();
	spy.hold_checkpoint = true;
	s = open_store(fx);
	store_set_batch(s, 64, 0);
	store_set_wal_limits(s, 64 * 1024, 64 << 20);
	run = begin_run(s);
	while (n < 20000 && (n == 0 || !spy_checkpoint_held())) {
		add_batch_of_findings(s, run, &n);
		usleep(1000); /* let the writer commit and the checkpoint begin */
	}
	assert_true(spy_checkpoint_held());
	for (int i = 0; i < 4; i++) /* batches that begin meanwhile */
		add_batch_of_findings(s, run, &n);
	assert_int_equal(pthread_create(&safety, NULL, let_checkpoints_go_later, NULL), 0);
	assert_int_equal(store_foreach_rule_count(s, run, list_rule_count, &counts), 0);
	held_after_counts = spy_checkpoint_held();
	assert_int_equal(store_add_input(s, run, &in), 0);
	held_after_input = spy_checkpoint_held();
	spy_let_checkpoints_go();
	pthread_join(safety, NULL);
	assert_true(held_after_counts);
	assert_true(held_after_input);
	assert_int_equal(store_run_finish(s, run, 0), 0);
	store_close(s);
	spy_remove();
	assert_int_equal(committed_findings(fx, run), n);
}

/* Profiles, control results, waivers and rule settings are stored with the
 * run, read back in order, sealed by its content hash, and refused once it
 * is complete. */
static void test_compliance_rows(void **state)
{
	struct fixture *fx = *state;
	struct store *s = open_store(fx);
	struct compliance_seen seen = {0};
	struct store_run r;
	struct finding f;
	unsigned counts[2] = {0, 0};
	int64_t run = begin_run(s);
	struct store_run_context ctx = {"repo/.assay.yml", "run 3", "Example Corp", "payments"};
	struct store_profile p = {"cis-kubernetes", "CIS Kubernetes Benchmark", "1.10.0", "built-in"};
	struct store_control pass = {"cis-kubernetes", "5.1.1", "cluster-admin only where needed", "L1", "pass",
				     0, 0, "k8s.rbac-cluster-admin-binding", "no binding grants cluster-admin"};
	struct store_control fail = {"cis-kubernetes", "5.2.2", "no privileged containers", "L1", "fail",
				     2, 1, "k8s.privileged", "privileged containers"};
	struct store_waiver w = {"k8s.privileged", "deploy/legacy/*.yaml", NULL, "legacy", "team@example.com",
				 "2027-03-31", "active", 1, ".assay.yml:4"};
	struct store_rule_setting off = {"k8s.liveness-probe", false, -1, "platform sets probes", ".assay.yml:9"};
	struct store_rule_setting sev = {"k8s.resource-limits", true, SEV_LOW, NULL, ".assay.yml:11"};

	add_simple_findings(s, run, 3);
	set_finding(&f, "env.file-permissions", SEV_MEDIUM, "w.env", 1, 0);
	f.waived = true;
	f.waiver = "legacy (owner team@example.com, expires 2027-03-31)";
	f.baseline = "unchanged";
	assert_int_equal(store_add_finding(s, run, &f), 0);
	assert_int_equal(store_foreach_rule_count(s, run, see_rule_count, counts), 0);
	assert_int_equal(counts[0], 3);
	assert_int_equal(counts[1], 1);

	assert_int_equal(store_run_set_context(s, run, &ctx), 0);
	assert_int_equal(store_add_profile(s, run, &p), 0);
	assert_int_equal(store_add_control(s, run, &pass), 0);
	assert_int_equal(store_add_control(s, run, &fail), 0);
	fail.status = "broken";
	assert_int_not_equal(store_add_control(s, run, &fail), 0);
	assert_int_equal(store_add_waiver(s, run, &w), 0);
	w.owner = NULL;
	assert_int_equal(store_add_waiver(s, run, &w), -EINVAL);
	assert_int_equal(store_add_rule_setting(s, run, &off), 0);
	assert_int_equal(store_add_rule_setting(s, run, &sev), 0);
	assert_int_equal(store_run_finish(s, run, 0), 0);

	assert_int_equal(store_run_get(s, run, &r), 0);
	assert_string_equal(r.config_path, "repo/.assay.yml");
	assert_string_equal(r.baseline, "run 3");
	assert_string_equal(r.organisation, "Example Corp");
	assert_string_equal(r.project, "payments");
	assert_int_equal(r.waived, 1);
	assert_int_equal(store_foreach_profile(s, run, see_profile, &seen), 0);
	assert_int_equal(store_foreach_control(s, run, NULL, see_control, &seen), 0);
	assert_int_equal(store_foreach_control(s, run, "soc2", see_control, &seen), 0);
	assert_int_equal(store_foreach_waiver(s, run, see_waiver, &seen), 0);
	assert_int_equal(store_foreach_rule_setting(s, run, see_setting, &seen), 0);
	assert_int_equal(store_foreach_fingerprint(s, run, see_fingerprint, &seen), 0);
	assert_int_equal(seen.profiles, 1);
	assert_string_equal(seen.profile_source, "built-in");
	assert_int_equal(seen.controls, 2);
	assert_string_equal(seen.last_status, "fail:2:1");
	assert_int_equal(seen.waivers, 1);
	assert_string_equal(seen.waiver_state, "active");
	assert_string_equal(seen.waiver_owner, "team@example.com");
	assert_int_equal(seen.settings, 2);
	assert_int_equal(seen.severity, SEV_LOW);
	assert_true(seen.enabled);
	assert_int_equal(seen.fingerprints, 4);

	/* Sealed: nothing more is added, and edits show in the content hash. */
	assert_int_not_equal(store_add_control(s, run, &pass), 0);
	assert_hash_changed_by(fx, s, run, "UPDATE control_results SET status = 'pass' WHERE control = '5.2.2'");
	assert_hash_changed_by(fx, s, run, "UPDATE waivers SET expires = '2099-01-01'");
	assert_hash_changed_by(fx, s, run, "DELETE FROM rule_settings WHERE enabled = 0");
	assert_hash_changed_by(fx, s, run, "UPDATE findings SET waiver = NULL");
	assert_hash_changed_by(fx, s, run, "UPDATE runs SET baseline = NULL");
	store_run_clear(&r);
	store_close(s);
}

/* ---- pruning ---- */

struct pruned_seen {
	unsigned n, complete;
	char chain[4][SHA256_HEX_LEN + 1]; /* chain hashes of the first records */
	char status[4][16];
};

static int see_pruned(const struct store_pruned_run *p, void *ctx)
{
	struct pruned_seen *seen = ctx;

	if (seen->n < 4) {
		snprintf(seen->chain[seen->n], sizeof(seen->chain[0]), "%s", p->chain_hash ? p->chain_hash : "");
		snprintf(seen->status[seen->n], sizeof(seen->status[0]), "%s", p->status);
	}
	assert_string_equal(p->pruned_at, EPOCH_ISO);
	assert_int_equal(p->id, seen->n + 1);
	if (strcmp(p->status, "complete") == 0) {
		seen->complete++;
		assert_non_null(p->content_hash);
		assert_non_null(p->prev_hash);
	} else {
		assert_null(p->content_hash);
	}
	seen->n++;
	return 0;
}

static int count_seen_run(const struct store_run *r, void *ctx)
{
	(void)r;
	(*(unsigned *)ctx)++;
	return 0;
}

static char *chain_of(struct store *s, int64_t run)
{
	struct store_run r;
	char *chain;

	assert_int_equal(store_run_get(s, run, &r), 0);
	chain = xstrdup(r.chain_hash);
	store_run_clear(&r);
	return chain;
}

/* Pruning keeps the newest complete runs, removes older runs with every
 * row they hold, records the pruned runs' hashes, and the next run chains
 * to the newest complete run whether or not it was pruned. */
static void test_prune_keeps_the_chain(void **state)
{
	struct fixture *fx = *state;
	struct store *s = open_store(fx);
	struct store_prune_result res;
	struct pruned_seen seen = {0};
	struct store_run r6;
	unsigned listed = 0;
	int64_t high = 0;
	int64_t run1 = complete_small_run(s, "k8s.privileged", 0);
	int64_t run2 = begin_run(s);
	char *chain1, *chain3, *chain5;
	sqlite3 *db;

	assert_int_equal(store_run_fail(s, run2, "boom"), 0);
	complete_small_run(s, "k8s.privileged", 0); /* 3 */
	complete_small_run(s, "k8s.privileged", 0); /* 4 */
	complete_small_run(s, "k8s.privileged", 0); /* 5 */
	chain1 = chain_of(s, run1);
	chain3 = chain_of(s, 3);
	chain5 = chain_of(s, 5);

	assert_int_equal(store_prune(s, 0, false, NULL, NULL, &res), -EINVAL);
	/* A dry run says what would go and changes nothing. */
	assert_int_equal(store_prune(s, 2, true, count_seen_run, &listed, &res), 0);
	assert_int_equal(listed, 3);
	assert_int_equal(res.complete, 2);
	assert_int_equal(res.failed, 1);
	assert_int_equal(res.first, 1);
	assert_int_equal(res.last, 3);
	assert_int_equal(res.oldest_kept, 4);
	assert_int_equal(res.running, 0);
	assert_int_equal(committed_findings(fx, run1), 1);

	listed = 0;
	assert_int_equal(store_prune(s, 2, false, count_seen_run, &listed, &res), 0);
	assert_int_equal(listed, 3);
	assert_int_equal(res.complete, 2);
	assert_int_equal(res.failed, 1);
	assert_int_equal(committed_findings(fx, run1), 0);
	assert_int_equal(committed_findings(fx, 3), 0);
	assert_int_equal(committed_findings(fx, 4), 1);
	db = raw_open(fx->db);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM runs"), 2);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM inputs WHERE run_id < 4"), 0);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM notices WHERE run_id < 4"), 0);
	/* Records are written once and never changed. */
	assert_int_not_equal(sqlite3_exec(db, "UPDATE pruned_runs SET content_hash = 'x'", NULL, NULL, NULL),
			     SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(db,
					  "INSERT INTO pruned_runs (id, status, started_at, pruned_at)"
					  " VALUES (4, 'failed', 'x', 'y')",
					  NULL, NULL, NULL),
			     SQLITE_OK);
	sqlite3_close(db);

	assert_int_equal(store_foreach_pruned_run(s, see_pruned, &seen), 0);
	assert_int_equal(seen.n, 3);
	assert_int_equal(seen.complete, 2);
	assert_string_equal(seen.status[1], "failed");
	assert_string_equal(seen.chain[0], chain1);
	assert_string_equal(seen.chain[2], chain3);

	/* Pruning again with nothing old enough prunes nothing. */
	assert_int_equal(store_prune(s, 2, false, NULL, NULL, &res), 0);
	assert_int_equal(res.complete + res.failed, 0);

	/* The next run links to run 5; when every earlier complete run is
	 * pruned, the link comes from pruned_runs. */
	complete_small_run(s, "k8s.privileged", 0); /* 6 */
	assert_int_equal(store_run_get(s, 6, &r6), 0);
	assert_string_equal(r6.prev_hash, chain5);
	store_run_clear(&r6);
	assert_int_equal(store_prune(s, 1, false, NULL, NULL, &res), 0);
	assert_int_equal(res.complete, 2);
	assert_int_equal(res.first, 4);
	assert_int_equal(res.last, 5);
	complete_small_run(s, "k8s.privileged", 0); /* 7 */
	free(chain5);
	chain5 = chain_of(s, 6);
	assert_int_equal(store_run_get(s, 7, &r6), 0);
	assert_string_equal(r6.prev_hash, chain5);
	store_run_clear(&r6);

	assert_int_equal(store_run_id_high_water(s, &high), 0);
	assert_int_equal(high, 7);
	free(chain1);
	free(chain3);
	free(chain5);
	store_close(s);
}

/* Nothing from a running run on is pruned, and a run whose content no
 * longer matches its hash stops the prune before anything goes. */
static void test_prune_bounds(void **state)
{
	struct fixture *fx = *state;
	struct store *s = open_store(fx);
	struct store_prune_result res;
	char sql[128];
	int64_t high = 0;
	sqlite3 *db;

	assert_int_equal(store_run_id_high_water(s, &high), 0);
	assert_int_equal(high, 0);
	assert_int_equal(store_prune(s, 3, false, NULL, NULL, &res), 0);
	assert_int_equal(res.oldest_kept, 0);
	assert_int_equal(res.complete + res.failed, 0);

	complete_small_run(s, "k8s.privileged", 0); /* 1 */
	begin_run(s);                               /* 2: left running */
	complete_small_run(s, "k8s.privileged", 0); /* 3 */
	complete_small_run(s, "k8s.privileged", 0); /* 4 */
	/* Run 2's writer is alive: the parent of this test. */
	db = raw_open(fx->db);
	snprintf(sql, sizeof(sql), "UPDATE runs SET pid = %ld WHERE id = 2", (long)getppid());
	raw_exec(db, sql);
	sqlite3_close(db);

	assert_int_equal(store_prune(s, 1, false, NULL, NULL, &res), 0);
	assert_int_equal(res.running, 2);
	assert_int_equal(res.oldest_kept, 4);
	assert_int_equal(res.complete, 1);
	assert_int_equal(res.last, 1);
	assert_int_equal(committed_findings(fx, 3), 1);

	/* Its writer gone, run 2 is pruned as failed. */
	db = raw_open(fx->db);
	snprintf(sql, sizeof(sql), "UPDATE runs SET pid = %d WHERE id = 2", IMPOSSIBLE_PID);
	raw_exec(db, sql);
	raw_exec(db, "UPDATE findings SET message = 'edited' WHERE run_id = 3");
	sqlite3_close(db);
	assert_int_equal(store_prune(s, 1, true, NULL, NULL, &res), -EBADMSG);
	assert_int_equal(res.altered, 3);
	assert_int_equal(store_prune(s, 1, false, NULL, NULL, &res), -EBADMSG);
	assert_int_equal(res.altered, 3);
	db = raw_open(fx->db);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM runs"), 3);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM pruned_runs"), 1);
	assert_int_equal(raw_int(db, "SELECT status = 'running' FROM runs WHERE id = 2"), 1);
	sqlite3_close(db);
	store_close(s);
}

/* ---- lifecycle ---- */

static void test_unfinished_run_stays_running(void **state)
{
	struct fixture *fx = *state;
	struct store *s = open_store(fx);
	struct store_run r;
	int64_t done = complete_small_run(s, "k8s.privileged", 0);
	int64_t open_run = begin_run(s), latest = 0;

	add_simple_findings(s, open_run, 10);
	assert_int_equal(store_latest_run(s, &latest), 0);
	assert_int_equal(latest, done);
	store_close(s);

	s = open_store(fx);
	assert_int_equal(store_run_get(s, open_run, &r), 0);
	assert_string_equal(r.status, "running");
	assert_int_equal(r.exit_code, -1);
	assert_null(r.finished_at);
	assert_null(r.content_hash);
	assert_null(r.chain_hash);
	assert_int_equal(r.counts[SEV_MEDIUM], 10);
	store_run_clear(&r);
	assert_int_equal(store_latest_run(s, &latest), 0);
	assert_int_equal(latest, done);
	store_close(s);
}

/* Child mode of this program (see main): a scan that is killed mid-batch.
 * It runs as a fresh exec, so that it shares no SQLite state with the test
 * and valgrind does not report the memory its sudden death leaves behind. */
static int killed_writer(const char *db)
{
	struct store *cs = NULL;
	char err[256];
	int64_t run;

	int64_t latest;

	if (store_open(db, &cs, err, sizeof(err)) || store_run_begin(cs, "assay scan", "high", &run))
		return 3;
	store_set_batch(cs, 500, 0);
	add_simple_findings(cs, run, 700);
	store_latest_run(cs, &latest); /* waits for the writer thread to write all 700 */
	kill(getpid(), SIGKILL);
	return 4;
}

static void test_killed_writer_leaves_committed_findings(void **state)
{
	struct fixture *fx = *state;
	struct store *s;
	struct store_run r;
	/* argv[0], not /proc/self/exe: under valgrind that is valgrind's tool */
	const char *self = test_program;
	int64_t latest = 0;
	int status = 0;
	pid_t child;

	assert_non_null(self);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		execl(self, self, "--killed-writer", fx->db, (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);

	s = open_store(fx);
	assert_int_equal(store_run_get(s, 1, &r), 0);
	assert_string_equal(r.status, "running");
	assert_int_equal(r.pid, child);
	assert_int_equal(r.counts[SEV_MEDIUM], 500); /* the committed batch */
	store_run_clear(&r);
	assert_int_equal(store_latest_run(s, &latest), -ENOENT);

	assert_int_equal(store_reap_stale_runs(s), 0);
	assert_int_equal(store_run_get(s, 1, &r), 0);
	assert_string_equal(r.status, "failed");
	assert_string_equal(r.error, INTERRUPTED);
	store_run_clear(&r);
	assert_int_equal(store_latest_run(s, &latest), -ENOENT);
	store_close(s);
}

static void insert_running_run(sqlite3 *db, long long id, long long pid)
{
	char sql[256];

	snprintf(sql, sizeof(sql),
		 "INSERT INTO runs (id, status, started_at, tool_version, pid)"
		 " VALUES (%lld, 'running', '2024-01-01T00:00:00Z', 'old', %lld)",
		 id, pid);
	raw_exec(db, sql);
}

static void assert_run_status(struct store *s, int64_t run, const char *status, const char *error)
{
	struct store_run r;

	assert_int_equal(store_run_get(s, run, &r), 0);
	assert_string_equal(r.status, status);
	if (error)
		assert_string_equal(r.error, error);
	else
		assert_null(r.error);
	store_run_clear(&r);
}

static void test_reap_stale_runs(void **state)
{
	struct fixture *fx = *state;
	struct store *s;
	sqlite3 *db;
	int64_t mine;
	int status;
	pid_t child = fork(); /* before any SQLite state exists to inherit */

	assert_true(child >= 0);
	if (child == 0)
		_exit(0);
	assert_int_equal(waitpid(child, &status, 0), child);
	s = open_store(fx);
	mine = begin_run(s); /* id 1, ours and active */
	db = raw_open(fx->db);

	insert_running_run(db, 10, IMPOSSIBLE_PID);  /* never existed */
	insert_running_run(db, 11, (long long)child); /* exited */
	insert_running_run(db, 12, (long long)getpid()); /* our pid, not our run */
	insert_running_run(db, 13, (long long)getppid()); /* alive */
	sqlite3_close(db);

	assert_int_equal(store_reap_stale_runs(s), 0);
	assert_run_status(s, mine, "running", NULL);
	assert_run_status(s, 10, "failed", INTERRUPTED);
	assert_run_status(s, 11, "failed", INTERRUPTED);
	assert_run_status(s, 12, "failed", INTERRUPTED);
	assert_run_status(s, 13, "running", NULL);

	/* Once finished, our run is complete and reaping leaves it alone. */
	assert_int_equal(store_run_finish(s, mine, 0), 0);
	assert_int_equal(store_reap_stale_runs(s), 0);
	assert_run_status(s, mine, "complete", NULL);
	store_close(s);
}

static void test_run_fail(void **state)
{
	struct fixture *fx = *state;
	struct store *s = open_store(fx);
	struct store_run r;
	int64_t run = begin_run(s), latest = 0;

	add_simple_findings(s, run, 3);
	assert_int_equal(store_run_fail(s, run, "cannot read image: truncated tar"), 0);
	assert_int_equal(committed_findings(fx, run), 3);

	assert_int_equal(store_run_get(s, run, &r), 0);
	assert_string_equal(r.status, "failed");
	assert_string_equal(r.error, "cannot read image: truncated tar");
	assert_string_equal(r.finished_at, EPOCH_ISO);
	assert_int_equal(r.counts[SEV_MEDIUM], 3);
	assert_null(r.content_hash);
	assert_null(r.chain_hash);
	store_run_clear(&r);

	assert_int_equal(store_latest_run(s, &latest), -ENOENT);
	/* A failed run can be neither finished nor failed again. */
	assert_int_equal(store_run_finish(s, run, 0), -EINVAL);
	assert_int_equal(store_run_fail(s, run, "again"), -EINVAL);
	assert_int_equal(store_run_fail(s, run + 50, "no such run"), -ENOENT);
	assert_run_status(s, run, "failed", "cannot read image: truncated tar");
	store_close(s);
}

static void test_sealed_run_takes_no_rows(void **state)
{
	struct fixture *fx = *state;
	struct store *s = open_store(fx);
	struct store_input in = {"file", "x", NULL, NULL};
	struct store_notice n = {"info", NULL, 0, "late"};
	char got[SHA256_HEX_LEN + 1];
	struct store_run r;
	struct finding f;
	int64_t run = complete_small_run(s, "k8s.privileged", 0);

	set_finding(&f, "k8s.privileged", SEV_HIGH, "late.yaml", 1, 1);
	assert_true(store_add_finding(s, run, &f) < 0);
	assert_true(store_add_input(s, run, &in) < 0);
	assert_true(store_add_notice(s, run, &n) < 0);
	assert_true(store_add_finding(s, run + 9, &f) < 0); /* no such run */
	f.fingerprint[0] = '\0';
	assert_int_equal(store_add_finding(s, run, &f), -EINVAL);
	store_close(s);

	s = open_store(fx);
	assert_int_equal(committed_findings(fx, run), 1);
	assert_int_equal(store_run_get(s, run, &r), 0);
	assert_int_equal(store_run_content_hash(s, run, got), 0);
	assert_string_equal(got, r.content_hash);
	store_run_clear(&r);
	store_close(s);
}

struct digest_check {
	unsigned with_digest, without;
};

static int count_digests(const struct finding *f, void *ctx)
{
	struct digest_check *c = ctx;

	if (!strcmp(f->target, "repo-a")) {
		assert_string_equal(f->target_digest, "sha256:aaaa");
		c->with_digest++;
	} else {
		assert_null(f->target_digest);
		c->without++;
	}
	return 0;
}

/* A finding without a digest of its own reads its input's, known only
 * when the walk is over; the row itself is never rewritten. */
static void test_target_digest_from_input(void **state)
{
	struct fixture *fx = *state;
	struct store *s = open_store(fx);
	struct digest_check c = {0, 0};
	struct store_input in = {"directory", "repo-a", "sha256:aaaa", NULL};
	struct store_run r;
	char got[SHA256_HEX_LEN + 1];
	struct finding f;
	int64_t run = begin_run(s);
	sqlite3 *db;

	for (unsigned i = 0; i < 6; i++) {
		set_finding(&f, "env.file-permissions", SEV_LOW, i % 2 ? "a.env" : "b.env", i + 1, 0);
		f.target = i < 4 ? "repo-a" : "repo-b";
		f.target_digest = NULL;
		assert_int_equal(store_add_finding(s, run, &f), 0);
	}
	assert_int_equal(store_add_input(s, run, &in), 0);
	assert_int_equal(store_run_finish(s, run, 0), 0);
	assert_int_equal(store_foreach_finding(s, run, count_digests, &c), 0);
	assert_int_equal(c.with_digest, 4);
	assert_int_equal(c.without, 2);
	db = raw_open(fx->db);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM findings WHERE target_digest IS NOT NULL"), 0);
	sqlite3_close(db);
	assert_int_equal(store_run_get(s, run, &r), 0);
	assert_int_equal(store_run_content_hash(s, run, got), 0);
	assert_string_equal(got, r.content_hash);
	store_run_clear(&r);
	store_close(s);
}

/* The digest of a run's findings that the store computes while writing
 * them (hash version 4) is what reading them back gives: for findings
 * with every field set, empty strings and NULLs, messages longer than the
 * writer's hashing buffer and around its size, through the writer
 * thread; and a finding another handle adds to the run makes the sealing
 * read them back rather than trust a digest that misses it. */
static void test_findings_digest_as_written(void **state)
{
	struct fixture *fx = *state;
	struct store *s = open_store(fx), *other = open_store(fx);
	struct store_run r;
	char got[SHA256_HEX_LEN + 1];
	struct finding f;
	static char long_message[4000];
	int64_t run = begin_run(s);

	memset(long_message, 'm', sizeof(long_message) - 1);
	for (unsigned i = 0; i < 3000; i++) {
		char path[32], identity[16];
		snprintf(path, sizeof(path), "dir/f%u.yaml", i % 97);
		snprintf(identity, sizeof(identity), "%u", i);
		set_finding(&f, i % 2 ? "k8s.privileged" : "secret.github-pat", (enum severity)(i % SEV_COUNT), path,
			    i, i % 7);
		f.identity = identity;
		f.evidence = i % 3 ? "ghp_…x9" : "";
		f.secret_hash = i % 3 ? "abcd" : NULL;
		f.commit = i % 5 ? NULL : "c0ffee";
		f.author = i % 5 ? NULL : "Dev <dev@example.com>";
		f.date = i % 5 ? NULL : "2026-01-01T00:00:00Z";
		f.waived = i % 11 == 0;
		f.waiver = f.waived ? "inline: test data" : NULL;
		f.layer = i % 13 ? NULL : "sha256:layer";
		f.baseline = i % 2 ? "new" : "unchanged";
		if (i % 17 == 0) /* 950 to 3990 bytes, past and around 1 KiB */
			f.message = long_message + sizeof(long_message) - 1 - (950 + (i * 13) % 3041);
		finding_fingerprint(&f);
		assert_int_equal(store_add_finding(s, run, &f), 0);
	}
	assert_int_equal(store_run_finish(s, run, 0), 0);
	assert_int_equal(store_run_get(s, run, &r), 0);
	assert_int_equal(store_run_content_hash(s, run, got), 0);
	assert_string_equal(got, r.content_hash);
	store_run_clear(&r);

	/* The other handle writes (and commits, closing) first: a row of s's
	 * that its writer thread had already written would hold s's batch
	 * open, and the other handle would wait on it until its busy timeout
	 * (seen under valgrind, once in eight runs). */
	run = begin_run(s);
	set_finding(&f, "k8s.host-pid", SEV_HIGH, "b.yaml", 2, 1);
	assert_int_equal(store_add_finding(other, run, &f), 0); /* not through s */
	store_close(other);
	set_finding(&f, "k8s.privileged", SEV_HIGH, "a.yaml", 1, 1);
	assert_int_equal(store_add_finding(s, run, &f), 0);
	assert_int_equal(store_run_finish(s, run, 0), 0);
	assert_int_equal(store_run_get(s, run, &r), 0);
	assert_int_equal(store_run_content_hash(s, run, got), 0);
	assert_string_equal(got, r.content_hash);
	assert_int_equal(committed_findings(fx, run), 2);
	store_run_clear(&r);
	store_close(s);
}

/* A row the writer thread cannot write (here, one that breaks a CHECK
 * constraint) stops the run from being sealed: finishing says why, the
 * run stays unfinished, and failing it works. */
static void test_write_error_stops_sealing(void **state)
{
	struct fixture *fx = *state;
	struct store *s = open_store(fx);
	struct store_run r;
	struct finding f;
	int64_t run = begin_run(s);

	set_finding(&f, "k8s.privileged", SEV_HIGH, "a.yaml", 1, 1);
	assert_int_equal(store_add_finding(s, run, &f), 0);
	f.baseline = "bogus"; /* baseline_state must be new or unchanged */
	store_add_finding(s, run, &f); /* queued, or refused at once */
	assert_true(store_run_finish(s, run, 0) < 0);
	assert_int_equal(store_run_get(s, run, &r), 0);
	assert_string_equal(r.status, "running");
	store_run_clear(&r);
	assert_int_equal(store_run_fail(s, run, "store write failed"), 0);
	assert_int_equal(store_run_get(s, run, &r), 0);
	assert_string_equal(r.status, "failed");
	store_run_clear(&r);
	store_close(s);
}

/* ---- iterators ---- */

struct collected {
	int64_t ids[8];
	unsigned n;
	int stop_value;
};

static int collect_run(const struct store_run *r, void *ctx)
{
	struct collected *c = ctx;

	c->ids[c->n++] = r->id;
	return c->stop_value;
}

static int check_input(const struct store_input *in, void *ctx)
{
	unsigned *n = ctx;

	assert_string_equal(in->kind, "git-worktree");
	assert_string_equal(in->locator, "repo");
	assert_string_equal(in->digest, "sha256:feed");
	assert_string_equal(in->commit, "cafe");
	(*n)++;
	return 0;
}

static int check_notice(const struct store_notice *nt, void *ctx)
{
	unsigned *n = ctx;

	assert_string_equal(nt->level, "warning");
	assert_null(nt->path);
	assert_int_equal(nt->line, 0);
	assert_string_equal(nt->message, "skipped a symlink");
	(*n)++;
	return 0;
}

static void test_iterators(void **state)
{
	struct fixture *fx = *state;
	struct store *s = open_store(fx);
	struct collected all = {.stop_value = 0}, first = {.stop_value = 42};
	unsigned inputs = 0, notices = 0;
	int64_t run1 = complete_small_run(s, "k8s.privileged", 0);
	int64_t run2 = begin_run(s);
	int64_t run3 = complete_small_run(s, "k8s.privileged", 0);

	assert_int_equal(store_foreach_run(s, collect_run, &all), 0);
	assert_int_equal(all.n, 3);
	assert_int_equal(all.ids[0], run3);
	assert_int_equal(all.ids[1], run2);
	assert_int_equal(all.ids[2], run1);

	assert_int_equal(store_foreach_run(s, collect_run, &first), 42);
	assert_int_equal(first.n, 1);
	assert_int_equal(first.ids[0], run3);

	assert_int_equal(store_foreach_input(s, run1, check_input, &inputs), 0);
	assert_int_equal(inputs, 1);
	assert_int_equal(store_foreach_notice(s, run3, check_notice, &notices), 0);
	assert_int_equal(notices, 1);
	store_close(s);
}

/* ---- reading for reports ---- */

static int64_t run_with_paths(struct store *s, const char *const *paths, bool complete)
{
	struct finding f;
	int64_t run = begin_run(s);

	for (; *paths; paths++) {
		set_finding(&f, "env.file-permissions", SEV_MEDIUM, *paths, 1, 0);
		assert_int_equal(store_add_finding(s, run, &f), 0);
	}
	if (complete)
		assert_int_equal(store_run_finish(s, run, 0), 0);
	else
		assert_int_equal(store_run_fail(s, run, "stopped"), 0);
	return run;
}

struct paths_seen {
	char text[256]; /* "path " or "path@first-run " for each finding */
};

static int see_path(const struct finding *f, void *ctx)
{
	struct paths_seen *p = ctx;
	size_t n = strlen(p->text);

	snprintf(p->text + n, sizeof(p->text) - n, "%s ", f->path);
	return 0;
}

static int see_first(const struct finding *f, const struct store_first_seen *first, void *ctx)
{
	struct paths_seen *p = ctx;
	size_t n = strlen(p->text);

	assert_string_equal(first->started_at, EPOCH_ISO);
	snprintf(p->text + n, sizeof(p->text) - n, "%s@%lld ", f->path, (long long)first->run);
	return 0;
}

static const char *diff_paths(struct store *s, int64_t from, int64_t to, enum store_diff kind,
			      struct paths_seen *p)
{
	p->text[0] = '\0';
	assert_int_equal(store_foreach_diff_finding(s, from, to, kind, see_path, p), 0);
	return p->text;
}

/* The previous complete run, new/fixed/persisting by fingerprint, and the
 * first run that held a finding: failed runs count for neither, except a
 * failed run read for itself. */
static void test_reading_for_reports(void **state)
{
	struct fixture *fx = *state;
	struct store *s = open_store(fx);
	static const char *const p1[] = {"a.env", "b.env", NULL};
	static const char *const p2[] = {"c.env", NULL};
	static const char *const p3[] = {"b.env", "c.env", "d.env", NULL};
	struct paths_seen seen;
	char want[128];
	int64_t prev = 0;
	int64_t run1 = run_with_paths(s, p1, true);
	int64_t run2 = run_with_paths(s, p2, false);
	int64_t run3 = run_with_paths(s, p3, true);

	assert_int_equal(store_previous_complete_run(s, run1, &prev), -ENOENT);
	assert_int_equal(store_previous_complete_run(s, run2, &prev), 0);
	assert_int_equal(prev, run1);
	assert_int_equal(store_previous_complete_run(s, run3, &prev), 0);
	assert_int_equal(prev, run1);

	assert_string_equal(diff_paths(s, run1, run3, STORE_DIFF_NEW, &seen), "c.env d.env ");
	assert_string_equal(diff_paths(s, run1, run3, STORE_DIFF_FIXED, &seen), "a.env ");
	assert_string_equal(diff_paths(s, run1, run3, STORE_DIFF_PERSISTING, &seen), "b.env ");
	assert_string_equal(diff_paths(s, run3, run3, STORE_DIFF_NEW, &seen), "");
	assert_int_equal(store_foreach_diff_finding(s, run1, run3, (enum store_diff)7, see_path, &seen), -EINVAL);

	seen.text[0] = '\0';
	assert_int_equal(store_foreach_finding_first_seen(s, run3, see_first, &seen), 0);
	snprintf(want, sizeof(want), "b.env@%lld c.env@%lld d.env@%lld ", (long long)run1, (long long)run3,
		 (long long)run3);
	assert_string_equal(seen.text, want);
	seen.text[0] = '\0';
	assert_int_equal(store_foreach_finding_first_seen(s, run2, see_first, &seen), 0);
	snprintf(want, sizeof(want), "c.env@%lld ", (long long)run2);
	assert_string_equal(seen.text, want);
	store_close(s);
}

/* A database at schema 5 (findings looked up by the fingerprint's text)
 * is migrated to 6 on open: every finding gets its integer key, the text
 * index goes, and diffs, first sightings and the runs' hashes read as
 * before. */
static void test_migration_from_schema_5(void **state)
{
	struct fixture *fx = *state;
	struct store *s = open_store(fx);
	static const char *const p1[] = {"a.env", "b.env", NULL};
	static const char *const p3[] = {"b.env", "c.env", NULL};
	int64_t run1 = run_with_paths(s, p1, true), run3 = run_with_paths(s, p3, true);
	char got[SHA256_HEX_LEN + 1], want[128];
	struct paths_seen seen;
	struct store_run r;
	sqlite3 *db;

	store_close(s);
	db = raw_open(fx->db);
	back_to_schema_5(db);
	sqlite3_close(db);

	s = open_store(fx); /* migrates to 6 */
	db = raw_open(fx->db);
	assert_int_equal(raw_int(db, "PRAGMA user_version"), 6);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'findings_by_fingerprint'"), 0);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM findings"), 4);
	/* the key is the fingerprint's first 15 hex digits */
	assert_int_equal(raw_int(db, "SELECT count(*) FROM findings"
				     " WHERE printf('%015x', fingerprint_key) = substr(fingerprint, 1, 15)"),
			 4);
	sqlite3_close(db);
	assert_string_equal(diff_paths(s, run1, run3, STORE_DIFF_NEW, &seen), "c.env ");
	assert_string_equal(diff_paths(s, run1, run3, STORE_DIFF_FIXED, &seen), "a.env ");
	assert_string_equal(diff_paths(s, run1, run3, STORE_DIFF_PERSISTING, &seen), "b.env ");
	seen.text[0] = '\0';
	assert_int_equal(store_foreach_finding_first_seen(s, run3, see_first, &seen), 0);
	snprintf(want, sizeof(want), "b.env@%lld c.env@%lld ", (long long)run1, (long long)run3);
	assert_string_equal(seen.text, want);
	for (int64_t run = run1; run <= run3; run++) {
		assert_int_equal(store_run_get(s, run, &r), 0);
		assert_int_equal(store_run_content_hash(s, run, got), 0);
		assert_string_equal(got, r.content_hash);
		store_run_clear(&r);
	}
	/* a run written after the migration is looked up by key too */
	assert_string_equal(diff_paths(s, run3, run_with_paths(s, p1, true), STORE_DIFF_NEW, &seen), "a.env ");
	store_close(s);
}

int main(int argc, char **argv)
{
	test_program = argv[0];
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_schema_version_on_open_and_reopen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_schema_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_non_database_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_modes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wal_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_with_many_findings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hash_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_run_is_skipped_by_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_edits_change_content_hash, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unfinished_run_stays_running, setup, teardown),
		cmocka_unit_test_setup_teardown(test_killed_writer_leaves_committed_findings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reap_stale_runs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_fail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sealed_run_takes_no_rows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_target_digest_from_input, setup, teardown),
		cmocka_unit_test_setup_teardown(test_findings_digest_as_written, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_error_stops_sealing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_iterators, setup, teardown),
		cmocka_unit_test_setup_teardown(test_image_inventory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_finding_layer_and_target_digest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hash_version_1_runs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hash_version_3_runs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migration_from_schema_4, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migration_from_schema_5, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_migration_changes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_compliance_rows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rule_counts_while_running_match_stored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_checkpoints_off_the_writer_thread, setup, teardown),
		cmocka_unit_test_setup_teardown(test_caller_row_does_not_join_the_writers_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer_waited_for_skips_checkpoint, setup, teardown),
		cmocka_unit_test_setup_teardown(test_checkpointer_follows_a_relative_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prune_keeps_the_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prune_bounds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reading_for_reports, setup, teardown),
	};

	if (argc == 3 && !strcmp(argv[1], "--killed-writer"))
		return killed_writer(argv[2]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
