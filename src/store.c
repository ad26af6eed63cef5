/*
 * The store: every run, input, finding and notice that assay records lives
 * in one SQLite database, and this file is the only one that speaks SQL
 * (DESIGN.md "Store"). It opens and migrates the database, writes a run's
 * rows in batched transactions so that a killed scan leaves its committed
 * findings under a run still marked "running", seals a finished run with a
 * SHA-256 content hash chained to the previous complete run, and reads runs
 * back for reports. The schema, the lifecycle and the exact hash
 * serialisation are documented in docs/store.md.
 */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "hash.h"
#include "hashmap.h"
#include "util.h"

#ifndef ASSAY_VERSION
#define ASSAY_VERSION "dev"
#endif

/* A batch transaction is committed after this many rows, or once it is
 * this old: few commits (each rewrites the pages of the random-keyed
 * fingerprint index the batch touched), yet a last batch small enough that
 * committing it does not hold up the end of a scan (10,000 rows did, by
 * about 15 ms on the 10,000-manifest bench), and what a killed scan found
 * is never more than a second behind in the database. */
#define STORE_BATCH_ROWS 4096
#define STORE_BATCH_SECONDS 1
#define STORE_BUSY_TIMEOUT_MS 5000
/* The WAL is copied into the database (and both synced) each time a commit
 * finds it this size (SQLite's default) or more, by the checkpointer thread
 * while a run is written (struct store_checkpointer), else by SQLite as it
 * commits: the copy and its syncs overlap the scan instead of all waiting
 * for the close. Past the second size, the WAL is made to start over (see
 * let_checkpoint_finish). */
#define STORE_WAL_CHECKPOINT_BYTES (4 << 20)
#define STORE_WAL_RESTART_BYTES (64 << 20)
/* How often a batch waiting for a checkpoint looks at the queue. */
#define STORE_CHECKPOINT_POLL_MS 1
/* Pages of a new database: a quarter of the reads, writes and WAL frames
 * of SQLite's 4 KiB for the same rows (most of a scan's store time is
 * system calls), with inserts no slower. */
#define STORE_PAGE_SIZE 16384
/* Rows waiting for the writer thread (as many again may be being written):
 * all of them are still to be written when the walk ends. Half of it is
 * what a batch may let wait for a checkpoint (let_checkpoint_finish):
 * about 20 ms of the 10,000-manifest bench's findings, a checkpoint's
 * length there. */
#define STORE_QUEUE_MAX 4096

#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)

#define STORE_INTERRUPTED_ERROR "interrupted: the process that wrote this run stopped before it finished"

/* A finding or notice on its way to the writer thread, with copies of
 * its strings. */
/* A finding's text columns and their lengths, measured once (as a row is
 * queued, or written at once) for both the content hash and the binds:
 * the writer's share of a finding was a quarter string lengths. */
enum finding_text {
	FT_RULE,
	FT_TARGET,
	FT_TARGET_DIGEST,
	FT_PATH,
	FT_MESSAGE,
	FT_EVIDENCE,
	FT_SECRET_HASH,
	FT_FINGERPRINT,
	FT_COMMIT,
	FT_AUTHOR,
	FT_DATE,
	FT_LAYER,
	FT_WAIVER,
	FT_BASELINE,
	FT_COUNT
};

struct text {
	const char *s; /* NULL for SQL NULL */
	size_t len;
};

/* Where each text is in struct finding: a pointer, but for the
 * fingerprint, which is an array. */
static const size_t text_offsets[FT_COUNT] = {
	[FT_RULE] = offsetof(struct finding, rule),
	[FT_TARGET] = offsetof(struct finding, target),
	[FT_TARGET_DIGEST] = offsetof(struct finding, target_digest),
	[FT_PATH] = offsetof(struct finding, path),
	[FT_MESSAGE] = offsetof(struct finding, message),
	[FT_EVIDENCE] = offsetof(struct finding, evidence),
	[FT_SECRET_HASH] = offsetof(struct finding, secret_hash),
	[FT_FINGERPRINT] = offsetof(struct finding, fingerprint),
	[FT_COMMIT] = offsetof(struct finding, commit),
	[FT_AUTHOR] = offsetof(struct finding, author),
	[FT_DATE] = offsetof(struct finding, date),
	[FT_LAYER] = offsetof(struct finding, layer),
	[FT_WAIVER] = offsetof(struct finding, waiver),
	[FT_BASELINE] = offsetof(struct finding, baseline),
};

static const char **text_pointer(struct finding *f, int i)
{
	return (const char **)((char *)f + text_offsets[i]);
}

static void finding_texts(const struct finding *f, struct text t[FT_COUNT])
{
	for (int i = 0; i < FT_COUNT; i++) {
		t[i].s = i == FT_FINGERPRINT ? f->fingerprint
					     : *(const char *const *)((const char *)f + text_offsets[i]);
		t[i].len = t[i].s ? strlen(t[i].s) : 0;
	}
}



struct queued_row {
	struct queued_row *next;
	int64_t run;
	bool is_notice;
	struct finding f;
	struct text t[FT_COUNT]; /* f's texts (a finding's row) */
	struct store_notice n;
	char strings[]; /* every string of f or n, NUL-terminated, back to back */
};

/* The thread that writes a run's findings and notices while the scan goes
 * on; every other store call waits until it has written everything queued
 * (store_usable), so the database sees rows in the order they were given. */
struct store_writer {
	pthread_t thread;
	bool started, stopping, busy;
	pthread_mutex_t lock;
	pthread_cond_t work;    /* the writer waits for rows */
	pthread_cond_t written; /* callers wait for it to catch up */
	bool sleeping, waited_for;
	struct queued_row *head, *tail;
	size_t queued;
	/* Rows written, for the thread that queued them to free: freeing on
	 * the thread that allocated keeps the two off malloc's locks. */
	struct queued_row *written_rows;
	int error; /* the first failed write; later rows are dropped */
};

/* The thread that copies the WAL into the database while a run is written,
 * on a connection of its own: a checkpoint waits on two fsyncs, and made by
 * the writer thread as it commits (SQLite's automatic checkpoint) it held
 * the writer up long enough for the queue to fill and the scan to wait,
 * about 100 ms on the 10,000-manifest bench. A passive checkpoint never
 * blocks the writer, which goes on appending to the WAL meanwhile. */
struct store_checkpointer {
	pthread_t thread;
	sqlite3 *db; /* its own connection, used on its thread only */
	bool started, stopping, due, busy;
	pthread_mutex_t lock;
	pthread_cond_t wake; /* the checkpointer waits for a full WAL */
	pthread_cond_t idle; /* the writer waits for a checkpoint to end */
};

/* The writer is woken when this many rows wait (or when someone waits for
 * it): one wake-up per row would cost more than the row. */
#define STORE_QUEUE_WAKE 256

struct store {
	sqlite3 *db;
	char *path;
	struct store_writer writer;
	struct store_checkpointer checkpointer;
	/* STORE_WAL_CHECKPOINT_BYTES and STORE_WAL_RESTART_BYTES in pages, and
	 * the WAL's size at the last commit */
	int64_t page_size;
	int wal_checkpoint_pages, wal_restart_pages, wal_pages;
	/* Prepared once, reused for every row. */
	sqlite3_stmt *insert_finding;
	sqlite3_stmt *insert_input;
	sqlite3_stmt *insert_notice;
	/* The write transaction that batches rows, how many it holds, and
	 * when it began. */
	bool batch_open;
	bool batch_by_writer; /* the open batch was begun on the writer thread */
	unsigned batch_rows;
	time_t batch_started;
	unsigned batch_max_rows, batch_max_seconds; /* STORE_BATCH_*, or store_set_batch's */
	/* The run this process began and has not yet finished or failed. */
	int64_t active_run;
	/* The serialisation of the active run's findings (hash version 4),
	 * hashed in the order they are written (as they are queued for the
	 * writer, account_finding), and how many there were. */
	struct sha256 findings_hash;
	uint64_t findings_written;
	/* The active run's findings per rule (struct rule_tally), counted with
	 * the hash: what store_foreach_rule_count reports for it. */
	struct hashmap rule_tally;
};

static void checkpointer_stop(struct store *s);
static void let_checkpoint_finish(struct store *s);
static int batch_commit(struct store *s);

/* True on a store's writer thread (batch_begin, let_checkpoint_finish). */
static _Thread_local bool on_writer_thread;

/*
 * Schema migrations: entry N-1 takes the database from user_version N-1 to
 * N. Entries are never edited once released; a schema change is a new entry.
 */
static const char *const store_migrations[] = {
	/* 1: runs, their inputs, findings and notices. */
	"CREATE TABLE runs ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" status TEXT NOT NULL CHECK (status IN ('running', 'complete', 'failed')),"
	" started_at TEXT NOT NULL,"
	" finished_at TEXT,"
	" tool_version TEXT NOT NULL,"
	" command TEXT,"
	" fail_on TEXT,"
	" exit_code INTEGER NOT NULL DEFAULT -1,"
	" error TEXT,"
	" pid INTEGER,"
	" content_hash TEXT,"
	" prev_hash TEXT,"
	" chain_hash TEXT);"
	"CREATE TABLE inputs ("
	" id INTEGER PRIMARY KEY,"
	" run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,"
	" kind TEXT NOT NULL,"
	" locator TEXT NOT NULL,"
	" digest TEXT,"
	" commit_sha TEXT);"
	"CREATE INDEX inputs_by_run ON inputs (run_id);"
	"CREATE TABLE findings ("
	" id INTEGER PRIMARY KEY,"
	" run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,"
	" rule TEXT NOT NULL,"
	" severity INTEGER NOT NULL CHECK (severity BETWEEN 0 AND 4),"
	" target TEXT,"
	" target_digest TEXT,"
	" path TEXT,"
	" line INTEGER NOT NULL DEFAULT 0,"
	" col INTEGER NOT NULL DEFAULT 0,"
	" message TEXT,"
	" evidence TEXT,"
	" secret_hash TEXT,"
	" fingerprint TEXT NOT NULL,"
	" commit_sha TEXT,"
	" author TEXT,"
	" authored_at TEXT,"
	" waived INTEGER NOT NULL DEFAULT 0 CHECK (waived IN (0, 1)));"
	"CREATE INDEX findings_by_run_order ON findings (run_id, severity DESC, rule, path, line, col);"
	"CREATE INDEX findings_by_fingerprint ON findings (fingerprint);"
	"CREATE TABLE notices ("
	" id INTEGER PRIMARY KEY,"
	" run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,"
	" level TEXT NOT NULL,"
	" path TEXT,"
	" line INTEGER NOT NULL DEFAULT 0,"
	" message TEXT NOT NULL);"
	"CREATE INDEX notices_by_run ON notices (run_id);"
	/* Rows may only be added to a run that is still running: a sealed run's
	 * content hash must keep describing it. */
	"CREATE TRIGGER inputs_only_while_running BEFORE INSERT ON inputs"
	" WHEN (SELECT status FROM runs WHERE id = NEW.run_id) IS NOT 'running'"
	" BEGIN SELECT RAISE(ABORT, 'run is not running'); END;"
	"CREATE TRIGGER findings_only_while_running BEFORE INSERT ON findings"
	" WHEN (SELECT status FROM runs WHERE id = NEW.run_id) IS NOT 'running'"
	" BEGIN SELECT RAISE(ABORT, 'run is not running'); END;"
	"CREATE TRIGGER notices_only_while_running BEFORE INSERT ON notices"
	" WHEN (SELECT status FROM runs WHERE id = NEW.run_id) IS NOT 'running'"
	" BEGIN SELECT RAISE(ABORT, 'run is not running'); END;",
	/* 2: container images and their package inventory; the layer of image
	 * findings; runs say how their content hash was computed. */
	"ALTER TABLE runs ADD COLUMN hash_version INTEGER NOT NULL DEFAULT 1;"
	"ALTER TABLE findings ADD COLUMN layer_digest TEXT;"
	"CREATE TABLE images ("
	" id INTEGER PRIMARY KEY,"
	" run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,"
	" target TEXT NOT NULL,"
	" source TEXT NOT NULL DEFAULT '',"
	" format TEXT,"
	" digest TEXT NOT NULL,"
	" config_digest TEXT,"
	" os TEXT,"
	" architecture TEXT);"
	"CREATE INDEX images_by_run ON images (run_id);"
	"CREATE INDEX images_by_digest ON images (digest);"
	"CREATE TABLE image_tags ("
	" image_id INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,"
	" tag TEXT NOT NULL);"
	"CREATE INDEX image_tags_by_image ON image_tags (image_id);"
	"CREATE TABLE image_layers ("
	" image_id INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,"
	" position INTEGER NOT NULL,"
	" digest TEXT NOT NULL,"
	" media_type TEXT,"
	" size INTEGER,"
	" PRIMARY KEY (image_id, position));"
	"CREATE TABLE image_packages ("
	" id INTEGER PRIMARY KEY,"
	" image_id INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,"
	" manager TEXT NOT NULL,"
	" name TEXT NOT NULL,"
	" version TEXT,"
	" architecture TEXT,"
	" layer_digest TEXT);"
	"CREATE INDEX image_packages_by_image ON image_packages (image_id);"
	"CREATE INDEX image_packages_by_name ON image_packages (name, version);"
	"CREATE TRIGGER images_only_while_running BEFORE INSERT ON images"
	" WHEN (SELECT status FROM runs WHERE id = NEW.run_id) IS NOT 'running'"
	" BEGIN SELECT RAISE(ABORT, 'run is not running'); END;"
	"CREATE TRIGGER image_tags_only_while_running BEFORE INSERT ON image_tags"
	" WHEN (SELECT r.status FROM runs r JOIN images i ON i.run_id = r.id WHERE i.id = NEW.image_id)"
	" IS NOT 'running'"
	" BEGIN SELECT RAISE(ABORT, 'run is not running'); END;"
	"CREATE TRIGGER image_layers_only_while_running BEFORE INSERT ON image_layers"
	" WHEN (SELECT r.status FROM runs r JOIN images i ON i.run_id = r.id WHERE i.id = NEW.image_id)"
	" IS NOT 'running'"
	" BEGIN SELECT RAISE(ABORT, 'run is not running'); END;"
	"CREATE TRIGGER image_packages_only_while_running BEFORE INSERT ON image_packages"
	" WHEN (SELECT r.status FROM runs r JOIN images i ON i.run_id = r.id WHERE i.id = NEW.image_id)"
	" IS NOT 'running'"
	" BEGIN SELECT RAISE(ABORT, 'run is not running'); END;",
	/* 3: compliance. What the run was configured with (config file,
	 * baseline, organisation and project), each finding's waiver and
	 * baseline state, the profiles selected and their control results,
	 * the waivers applied, and the rules switched off or re-rated. */
	"ALTER TABLE runs ADD COLUMN config_path TEXT;"
	"ALTER TABLE runs ADD COLUMN baseline TEXT;"
	"ALTER TABLE runs ADD COLUMN organisation TEXT;"
	"ALTER TABLE runs ADD COLUMN project TEXT;"
	"ALTER TABLE findings ADD COLUMN waiver TEXT;"
	"ALTER TABLE findings ADD COLUMN baseline_state TEXT"
	" CHECK (baseline_state IS NULL OR baseline_state IN ('new', 'unchanged'));"
	"CREATE TABLE run_profiles ("
	" id INTEGER PRIMARY KEY,"
	" run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,"
	" profile TEXT NOT NULL,"
	" title TEXT,"
	" version TEXT,"
	" source TEXT);"
	"CREATE INDEX run_profiles_by_run ON run_profiles (run_id);"
	"CREATE TABLE control_results ("
	" id INTEGER PRIMARY KEY,"
	" run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,"
	" profile TEXT NOT NULL,"
	" control TEXT NOT NULL,"
	" title TEXT,"
	" level TEXT,"
	" status TEXT NOT NULL"
	" CHECK (status IN ('pass', 'fail', 'waived', 'not-applicable', 'not-assessed')),"
	" findings INTEGER NOT NULL DEFAULT 0,"
	" waived INTEGER NOT NULL DEFAULT 0,"
	" rules TEXT,"
	" evidence TEXT);"
	"CREATE INDEX control_results_by_run ON control_results (run_id, profile);"
	"CREATE TABLE waivers ("
	" id INTEGER PRIMARY KEY,"
	" run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,"
	" rule TEXT NOT NULL,"
	" paths TEXT,"
	" fingerprint TEXT,"
	" reason TEXT NOT NULL,"
	" owner TEXT NOT NULL,"
	" expires TEXT NOT NULL,"
	" state TEXT NOT NULL CHECK (state IN ('active', 'expiring', 'expired')),"
	" matched INTEGER NOT NULL DEFAULT 0,"
	" source TEXT);"
	"CREATE INDEX waivers_by_run ON waivers (run_id);"
	"CREATE TABLE rule_settings ("
	" id INTEGER PRIMARY KEY,"
	" run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,"
	" rule TEXT NOT NULL,"
	" enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),"
	" severity INTEGER CHECK (severity IS NULL OR severity BETWEEN 0 AND 4),"
	" reason TEXT,"
	" source TEXT);"
	"CREATE INDEX rule_settings_by_run ON rule_settings (run_id);"
	"CREATE TRIGGER run_profiles_only_while_running BEFORE INSERT ON run_profiles"
	" WHEN (SELECT status FROM runs WHERE id = NEW.run_id) IS NOT 'running'"
	" BEGIN SELECT RAISE(ABORT, 'run is not running'); END;"
	"CREATE TRIGGER control_results_only_while_running BEFORE INSERT ON control_results"
	" WHEN (SELECT status FROM runs WHERE id = NEW.run_id) IS NOT 'running'"
	" BEGIN SELECT RAISE(ABORT, 'run is not running'); END;"
	"CREATE TRIGGER waivers_only_while_running BEFORE INSERT ON waivers"
	" WHEN (SELECT status FROM runs WHERE id = NEW.run_id) IS NOT 'running'"
	" BEGIN SELECT RAISE(ABORT, 'run is not running'); END;"
	"CREATE TRIGGER rule_settings_only_while_running BEFORE INSERT ON rule_settings"
	" WHEN (SELECT status FROM runs WHERE id = NEW.run_id) IS NOT 'running'"
	" BEGIN SELECT RAISE(ABORT, 'run is not running'); END;",
	/* 4: runs removed by `assay prune` keep their hashes here, so that the
	 * chain can be walked through them; failed runs are listed too, so that
	 * every run id ever issued is either a run or a pruned run. A record is
	 * written once, for a run that no longer exists, and never changed.
	 * Findings are indexed by run and rule. */
	"CREATE TABLE pruned_runs ("
	" id INTEGER PRIMARY KEY,"
	" status TEXT NOT NULL CHECK (status IN ('complete', 'failed')),"
	" started_at TEXT NOT NULL,"
	" finished_at TEXT,"
	" content_hash TEXT,"
	" prev_hash TEXT,"
	" chain_hash TEXT,"
	" pruned_at TEXT NOT NULL,"
	" CHECK ((status = 'complete') = (content_hash IS NOT NULL AND prev_hash IS NOT NULL"
	" AND chain_hash IS NOT NULL)));"
	"CREATE TRIGGER pruned_runs_only_for_removed_runs BEFORE INSERT ON pruned_runs"
	" WHEN EXISTS (SELECT 1 FROM runs WHERE id = NEW.id)"
	" BEGIN SELECT RAISE(ABORT, 'the run still exists'); END;"
	"CREATE TRIGGER pruned_runs_are_final BEFORE UPDATE ON pruned_runs"
	" BEGIN SELECT RAISE(ABORT, 'a pruned run record is never changed'); END;"
	/* Reports that list findings rule by rule (JUnit: per control, per
	 * rule) read them through this index instead of scanning the run. */
	"CREATE INDEX findings_by_run_rule ON findings (run_id, rule);",
	/* 5: a cheaper findings table to write, for runs of tens of thousands
	 * of findings. Reports sort a run's findings when they read them
	 * instead of keeping them sorted in an index on every insert; the rule
	 * index also holds `waived`, so that counting a run's findings rule by
	 * rule reads the index alone; a finding's target digest is stored only
	 * when it is its own (an image's), the input's being read through
	 * `inputs`, so that no row is rewritten once the walk is over; and
	 * rows may only be added to a running run by the code that began it
	 * (store_add_finding checks once per run), not by a trigger that made
	 * every insert keep a statement journal. */
	"DROP INDEX findings_by_run_order;"
	"DROP INDEX findings_by_run_rule;"
	"CREATE INDEX findings_by_run_rule ON findings (run_id, rule, waived);"
	"DROP TRIGGER findings_only_while_running;",
	/* 6: findings are looked up by fingerprint through an integer key (its
	 * first 60 bits, assay_fingerprint_key) rather than the 64-character
	 * text: an index a quarter the size, which every insert of a large
	 * run walks at a random place. Lookups compare the whole fingerprint
	 * after the key. */
	"ALTER TABLE findings ADD COLUMN fingerprint_key INTEGER;"
	"UPDATE findings SET fingerprint_key = assay_fingerprint_key(fingerprint);"
	"DROP INDEX findings_by_fingerprint;"
	"CREATE INDEX findings_by_fingerprint_key ON findings (fingerprint_key);",
};

/* How a run's content hash is serialised (docs/store.md): 1 for runs sealed
 * before schema 2, 2 adds findings' layer_digest and the image inventory,
 * 3 adds the run's configuration, findings' waiver and baseline state, the
 * profiles, control results, waivers and rule settings; 4 puts in place of
 * the finding records one record with their count and the SHA-256 of their
 * serialisation, which the store computes as it writes them. */
#define STORE_HASH_VERSION 4

_Static_assert(ARRAY_LEN(store_migrations) == STORE_SCHEMA_VERSION,
	       "one migration step per schema version");

static const char sql_insert_finding[] =
	"INSERT INTO findings (run_id, rule, severity, target, target_digest, path, line, col,"
	" message, evidence, secret_hash, fingerprint, commit_sha, author, authored_at, waived, layer_digest,"
	" waiver, baseline_state, fingerprint_key)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)";
static const char sql_insert_input[] =
	"INSERT INTO inputs (run_id, kind, locator, digest, commit_sha) VALUES (?1, ?2, ?3, ?4, ?5)";
static const char sql_insert_notice[] =
	"INSERT INTO notices (run_id, level, path, line, message) VALUES (?1, ?2, ?3, ?4, ?5)";

/* ---- errors ---------------------------------------------------------- */

/* Turns an SQLite result code into a negative errno-style code. */
static int sql_errno(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return 0;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_READONLY:
	case SQLITE_PERM:
	case SQLITE_AUTH:
	case SQLITE_CANTOPEN:
		return -EACCES;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return -EBADMSG;
	case SQLITE_CONSTRAINT:
	case SQLITE_MISMATCH:
	case SQLITE_RANGE:
	case SQLITE_MISUSE:
		return -EINVAL;
	case SQLITE_TOOBIG:
		return -E2BIG;
	case SQLITE_INTERRUPT:
		return -EINTR;
	default:
		return -EIO;
	}
}

__attribute__((format(printf, 3, 4))) static void set_error(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Describes a failed SQLite call during open, naming the file. */
static int open_error(struct store *s, int rc, const char *what, char *err, size_t errlen)
{
	if ((rc & 0xff) == SQLITE_NOTADB)
		set_error(err, errlen, "%s is not a SQLite database (is --db pointing at the right file?)",
			  s->path);
	else
		set_error(err, errlen, "database %s: %s: %s", s->path, what,
			  s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
	return sql_errno(rc);
}

static void writer_wait_idle(struct store_writer *w);
static void writer_start(struct store *s);
static int writer_stop(struct store *s);

/* Also waits for the writer thread to have written everything queued, so
 * that whatever the caller does next happens after it. */
static bool store_usable(struct store *s)
{
	if (!s || !s->db)
		return false;
	writer_wait_idle(&s->writer);
	return true;
}

/* ---- small SQL helpers ----------------------------------------------- */

static int exec_sql(struct store *s, const char *sql)
{
	return sql_errno(sqlite3_exec(s->db, sql, NULL, NULL, NULL));
}

static int prepare(struct store *s, const char *sql, sqlite3_stmt **st)
{
	*st = NULL;
	return sql_errno(sqlite3_prepare_v2(s->db, sql, -1, st, NULL));
}

/* Binds a string, or NULL when s is NULL. The string must outlive the step. */
static int bind_text(sqlite3_stmt *st, int idx, const char *s)
{
	return sqlite3_bind_text(st, idx, s, -1, SQLITE_STATIC);
}

/* Steps a statement that returns no rows, then makes it reusable. */
static int step_done(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	int err = rc == SQLITE_DONE ? 0 : sql_errno(rc);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE && !err)
		err = -EIO; /* a row where none was expected */
	return err;
}

/* A column's text as a new string, or NULL for SQL NULL. */
static char *column_strdup(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	return t ? xstrdup((const char *)t) : NULL;
}

static const char *column_str(sqlite3_stmt *st, int col)
{
	return (const char *)sqlite3_column_text(st, col);
}

static unsigned column_unsigned(sqlite3_stmt *st, int col)
{
	sqlite3_int64 v = sqlite3_column_int64(st, col);

	return v < 0 ? 0 : v > UINT_MAX ? UINT_MAX : (unsigned)v;
}

/* Runs a query with one int64 parameter that yields at most one integer. */
static int query_int64(struct store *s, const char *sql, int64_t param, int64_t *out)
{
	sqlite3_stmt *st;
	int rc, step;

	rc = prepare(s, sql, &st);
	if (rc)
		goto out;
	sqlite3_bind_int64(st, 1, param);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	else
		rc = step == SQLITE_DONE ? -ENOENT : sql_errno(step);
out:
	sqlite3_finalize(st);
	return rc;
}

static void now_iso8601(char out[32])
{
	format_iso8601(now_utc(), out);
}

/* ---- transactions ---------------------------------------------------- */

static int tx_begin(struct store *s)
{
	/* IMMEDIATE takes the write lock now, so a busy database is waited for
	 * (busy_timeout) instead of failing on the first write. */
	return exec_sql(s, "BEGIN IMMEDIATE");
}

static int tx_commit(struct store *s)
{
	return exec_sql(s, "COMMIT");
}

static void tx_rollback(struct store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

/* Opens the batch transaction that row writes join, unless it is open.
 * A row the caller writes itself (the writer idle) does not join a batch
 * the writer left open: that batch is committed first. Its pages may fill
 * SQLite's cache, and a row whose statement can fail half-way (a trigger)
 * then copied each page it spilled to a statement journal in a temporary
 * file: 5.7 MB after the bench's last batch, in 3 runs of 6 (strace). */
static int batch_begin(struct store *s)
{
	int rc;

	if (s->batch_open && s->batch_by_writer && !on_writer_thread) {
		rc = batch_commit(s);
		if (rc)
			return rc;
	}
	if (s->batch_open)
		return 0;
	let_checkpoint_finish(s);
	rc = tx_begin(s);
	if (rc)
		return rc;
	s->batch_by_writer = on_writer_thread;
	s->batch_open = true;
	s->batch_rows = 0;
	s->batch_started = time(NULL);
	return 0;
}

/* Commits the batch transaction, if one is open. */
static int batch_commit(struct store *s)
{
	int rc;

	if (!s->batch_open)
		return 0;
	rc = tx_commit(s);
	/* A failed COMMIT may leave the transaction open (busy) or rolled back. */
	if (!rc || sqlite3_get_autocommit(s->db)) {
		s->batch_open = false;
		s->batch_rows = 0;
	}
	return rc;
}

static void batch_rollback(struct store *s)
{
	tx_rollback(s);
	s->batch_open = false;
	s->batch_rows = 0;
}

/* Counts a written row; the batch is committed when it is full or old. */
static int batch_row_written(struct store *s)
{
	if (++s->batch_rows < s->batch_max_rows &&
	    (s->batch_rows % 256 || !s->batch_max_seconds || time(NULL) - s->batch_started < s->batch_max_seconds))
		return 0;
	return batch_commit(s);
}

void store_set_batch(struct store *s, unsigned rows, unsigned seconds)
{
	if (!store_usable(s))
		return;
	s->batch_max_rows = rows ? rows : STORE_BATCH_ROWS;
	s->batch_max_seconds = seconds;
}

void store_set_wal_limits(struct store *s, size_t checkpoint_bytes, size_t restart_bytes)
{
	if (!store_usable(s) || s->page_size <= 0)
		return;
	s->wal_checkpoint_pages = (int)((checkpoint_bytes ? checkpoint_bytes : STORE_WAL_CHECKPOINT_BYTES) /
					(size_t)s->page_size);
	s->wal_restart_pages = (int)((restart_bytes ? restart_bytes : STORE_WAL_RESTART_BYTES) / (size_t)s->page_size);
	if (s->wal_checkpoint_pages < 1)
		s->wal_checkpoint_pages = 1;
	if (s->wal_restart_pages < 1)
		s->wal_restart_pages = 1;
	if (!s->checkpointer.started)
		sqlite3_wal_autocheckpoint(s->db, s->wal_checkpoint_pages);
}

/* ---- opening and migrating ------------------------------------------- */

static bool is_directory(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* mkdir -p of the directory that holds path, new directories mode 0700. */
static int make_parent_dirs(const char *path, char *err, size_t errlen)
{
	char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	int rc = 0;

	if (!slash || slash == dir)
		goto out;
	*slash = '\0';
	for (char *p = dir + 1;; p++) {
		char c = *p;

		if (c != '/' && c != '\0')
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) < 0 && errno != EEXIST && !is_directory(dir)) {
			rc = -errno;
			set_error(err, errlen, "cannot create directory %s for database %s: %s", dir, path,
				  strerror(errno));
			goto out;
		}
		*p = c;
		if (!c)
			break;
	}
out:
	free(dir);
	return rc;
}

/* Creates the database file with mode 0600 (it holds evidence) before SQLite
 * opens it; an existing file keeps its mode and content. */
static int create_db_file(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0) {
		set_error(err, errlen, "cannot open database %s: %s", path, strerror(errno));
		return -errno;
	}
	close(fd);
	return 0;
}

static int read_user_version(struct store *s, int *version)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL);
	if (rc != SQLITE_OK)
		goto out;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*version = sqlite3_column_int(st, 0);
		rc = SQLITE_OK;
	}
out:
	sqlite3_finalize(st);
	return rc; /* an SQLite code, so that the caller can name NOTADB */
}

/* The integer findings_by_fingerprint_key indexes: the fingerprint's first
 * 15 hex digits (60 bits, so never negative). */
static int64_t fingerprint_key(const char *hex)
{
	int64_t key = 0;

	for (int i = 0; hex && i < 15 && hex[i]; i++) {
		int c = hex[i];
		key = key * 16 + (c >= '0' && c <= '9'   ? c - '0'
				  : c >= 'a' && c <= 'f' ? c - 'a' + 10
				  : c >= 'A' && c <= 'F' ? c - 'A' + 10
							 : 0);
	}
	return key;
}

/* The same in SQL, for migration 6. */
static void sql_fingerprint_key(sqlite3_context *c, int argc, sqlite3_value **argv)
{
	(void)argc;
	sqlite3_result_int64(c, fingerprint_key((const char *)sqlite3_value_text(argv[0])));
}

static int enable_wal(struct store *s, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	const char *mode;
	int rc;

	rc = sqlite3_prepare_v2(s->db, "PRAGMA journal_mode=WAL", -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		rc = open_error(s, rc, "cannot switch to WAL journal", err, errlen);
		goto out;
	}
	mode = column_str(st, 0);
	rc = 0;
	if (!mode || strcmp(mode, "wal") != 0) {
		set_error(err, errlen, "database %s: cannot use a WAL journal (journal mode is %s)", s->path,
			  mode ? mode : "unknown");
		rc = -ENOTSUP;
	}
out:
	sqlite3_finalize(st);
	return rc;
}

/* A new database gets STORE_PAGE_SIZE (an existing one keeps its own);
 * the WAL checkpoint threshold is set in bytes whatever the page size. */
static int configure_connection(struct store *s, char *err, size_t errlen)
{
	char pragma[128];
	int64_t page_size = 0;
	int rc;

	rc = sqlite3_create_function(s->db, "assay_fingerprint_key", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
				     sql_fingerprint_key, NULL, NULL);
	if (rc != SQLITE_OK)
		return open_error(s, rc, "cannot define assay_fingerprint_key", err, errlen);
	rc = sqlite3_exec(s->db, "PRAGMA page_size=" STRINGIFY(STORE_PAGE_SIZE), NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return open_error(s, rc, "cannot set the page size", err, errlen);
	rc = enable_wal(s, err, errlen);
	if (rc)
		return rc;
	rc = query_int64(s, "PRAGMA page_size", 0, &page_size);
	if (rc || page_size <= 0)
		return open_error(s, SQLITE_ERROR, "cannot read the page size", err, errlen);
	s->page_size = page_size;
	s->wal_checkpoint_pages = (int)(STORE_WAL_CHECKPOINT_BYTES / page_size);
	s->wal_restart_pages = (int)(STORE_WAL_RESTART_BYTES / page_size);
	snprintf(pragma, sizeof(pragma),
		 "PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=%d",
		 s->wal_checkpoint_pages);
	rc = sqlite3_exec(s->db, pragma, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return open_error(s, rc, "cannot configure the connection", err, errlen);
	return 0;
}

/* Applies every missing step in one transaction: an old database is either
 * migrated whole or left as it was (never half-way, at a version no build
 * was released with), and a new one costs one commit. The version is
 * re-read under the write lock: another process may have migrated first. */
static int migrate(struct store *s, char *err, size_t errlen)
{
	char pragma[48];
	int rc, version = 0, failed = STORE_SCHEMA_VERSION;

	rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = read_user_version(s, &version);
	for (int to = version + 1; rc == SQLITE_OK && to <= STORE_SCHEMA_VERSION; to++) {
		rc = sqlite3_exec(s->db, store_migrations[to - 1], NULL, NULL, NULL);
		failed = to;
	}
	if (rc == SQLITE_OK && version < STORE_SCHEMA_VERSION) {
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", STORE_SCHEMA_VERSION);
		rc = sqlite3_exec(s->db, pragma, NULL, NULL, NULL);
	}
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		char what[48];

		snprintf(what, sizeof(what), "migration to schema %d failed", failed);
		rc = open_error(s, rc, what, err, errlen);
		tx_rollback(s);
	}
	return rc;
}

/* Reads the schema version, refuses a newer one, and migrates an older one. */
static int check_and_migrate_schema(struct store *s, char *err, size_t errlen)
{
	int rc, version = 0;

	rc = read_user_version(s, &version);
	if (rc != SQLITE_OK)
		return open_error(s, rc, "cannot read the schema version", err, errlen);
	if (version > STORE_SCHEMA_VERSION) {
		set_error(err, errlen, "database %s was written by a newer assay (schema %d, this build knows %d)",
			  s->path, version, STORE_SCHEMA_VERSION);
		return -EPROTONOSUPPORT;
	}
	if (version < 0) {
		set_error(err, errlen, "database %s has an invalid schema version %d", s->path, version);
		return -EBADMSG;
	}
	rc = configure_connection(s, err, errlen);
	if (rc)
		return rc;
	return version < STORE_SCHEMA_VERSION ? migrate(s, err, errlen) : 0;
}

static int prepare_writers(struct store *s, char *err, size_t errlen)
{
	int rc = sqlite3_prepare_v2(s->db, sql_insert_finding, -1, &s->insert_finding, NULL);

	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(s->db, sql_insert_input, -1, &s->insert_input, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(s->db, sql_insert_notice, -1, &s->insert_notice, NULL);
	if (rc != SQLITE_OK)
		return open_error(s, rc, "cannot prepare statements", err, errlen);
	return 0;
}

/* Before SQLite's first use in the process: no allocation statistics,
 * which take a global mutex on every allocation (assay reads none). Too
 * late once SQLite is initialised, which is harmless. */
static pthread_once_t sqlite_configured = PTHREAD_ONCE_INIT;

static void configure_sqlite(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

int store_open(const char *path, struct store **out, char *err, size_t errlen)
{
	struct store *s = NULL;
	int rc;

	if (err && errlen)
		err[0] = '\0';
	if (!out || !path || !*path) {
		set_error(err, errlen, "no database path given");
		rc = -EINVAL;
		goto out;
	}
	*out = NULL;
	rc = make_parent_dirs(path, err, errlen);
	if (rc)
		goto out;
	rc = create_db_file(path, err, errlen);
	if (rc)
		goto out;
	s = xcalloc(1, sizeof(*s));
	s->path = xstrdup(path);
	s->batch_max_rows = STORE_BATCH_ROWS;
	s->batch_max_seconds = STORE_BATCH_SECONDS;
	pthread_mutex_init(&s->writer.lock, NULL);
	pthread_cond_init(&s->writer.work, NULL);
	pthread_cond_init(&s->writer.written, NULL);
	pthread_mutex_init(&s->checkpointer.lock, NULL);
	pthread_cond_init(&s->checkpointer.wake, NULL);
	pthread_cond_init(&s->checkpointer.idle, NULL);
	pthread_once(&sqlite_configured, configure_sqlite);
	/* No mutex of SQLite's own on the connection: the writer thread and
	 * the caller never use it at the same time (see store_usable), which
	 * is what SQLite's multi-thread mode asks. */
	rc = sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		rc = open_error(s, rc, "cannot open", err, errlen);
		goto out;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, STORE_BUSY_TIMEOUT_MS);
	rc = check_and_migrate_schema(s, err, errlen);
	if (rc)
		goto out;
	rc = prepare_writers(s, err, errlen);
	if (rc)
		goto out;
	*out = s;
	s = NULL;
out:
	store_close(s);
	return rc;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	writer_stop(s);
	checkpointer_stop(s);
	pthread_cond_destroy(&s->writer.work);
	pthread_cond_destroy(&s->writer.written);
	pthread_mutex_destroy(&s->writer.lock);
	pthread_cond_destroy(&s->checkpointer.wake);
	pthread_cond_destroy(&s->checkpointer.idle);
	pthread_mutex_destroy(&s->checkpointer.lock);
	if (s->db) {
		/* Rows written so far are kept; an unfinished run stays "running". */
		if (batch_commit(s) < 0)
			batch_rollback(s);
		sqlite3_finalize(s->insert_finding);
		sqlite3_finalize(s->insert_input);
		sqlite3_finalize(s->insert_notice);
		sqlite3_close_v2(s->db);
	}
	hashmap_free(&s->rule_tally, free);
	free(s->path);
	free(s);
}

/* ---- run lifecycle --------------------------------------------------- */

static bool pid_is_alive(int64_t pid)
{
	if (pid <= 0 || pid > INT_MAX)
		return false;
	return kill((pid_t)pid, 0) == 0 || errno != ESRCH;
}

/* A running run is stale when its writer is gone; our own pid on a run we
 * did not begin means an earlier process with the same pid wrote it. */
static bool run_is_stale(const struct store *s, int64_t id, int64_t pid)
{
	if (pid == (int64_t)getpid())
		return id != s->active_run;
	return !pid_is_alive(pid);
}

/* Collects the ids of stale running runs into a new array. */
static int find_stale_runs(struct store *s, int64_t **ids, size_t *count)
{
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc, step;

	*ids = NULL;
	*count = 0;
	rc = prepare(s, "SELECT id, pid FROM runs WHERE status = 'running' ORDER BY id", &st);
	if (rc)
		goto out;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		int64_t pid = sqlite3_column_type(st, 1) == SQLITE_NULL ? 0 : sqlite3_column_int64(st, 1);

		if (!run_is_stale(s, id, pid))
			continue;
		if (*count == cap) {
			cap = cap ? cap * 2 : 8;
			*ids = xrealloc(*ids, cap * sizeof(**ids));
		}
		(*ids)[(*count)++] = id;
	}
	if (step != SQLITE_DONE)
		rc = sql_errno(step);
out:
	sqlite3_finalize(st);
	return rc;
}

static int mark_runs_interrupted(struct store *s, const int64_t *ids, size_t count)
{
	sqlite3_stmt *st;
	int rc;

	rc = prepare(s, "UPDATE runs SET status = 'failed', error = ?1 WHERE id = ?2 AND status = 'running'", &st);
	for (size_t i = 0; !rc && i < count; i++) {
		bind_text(st, 1, STORE_INTERRUPTED_ERROR);
		sqlite3_bind_int64(st, 2, ids[i]);
		rc = step_done(st);
	}
	sqlite3_finalize(st);
	return rc;
}

int store_reap_stale_runs(struct store *s)
{
	int64_t *ids = NULL;
	size_t count = 0;
	int rc;

	if (!store_usable(s))
		return -EBADF;
	rc = batch_commit(s);
	if (rc)
		goto out;
	rc = tx_begin(s);
	if (rc)
		goto out;
	rc = find_stale_runs(s, &ids, &count);
	if (!rc)
		rc = mark_runs_interrupted(s, ids, count);
	if (!rc)
		rc = tx_commit(s);
out:
	if (rc)
		tx_rollback(s);
	free(ids);
	return rc;
}

int store_run_begin(struct store *s, const char *command, const char *fail_on, int64_t *run_id)
{
	sqlite3_stmt *st = NULL;
	char started[32];
	int rc;

	if (!store_usable(s))
		return -EBADF;
	if (!run_id)
		return -EINVAL;
	/* The new run row is committed on its own, visible to other processes. */
	rc = batch_commit(s);
	if (rc)
		goto out;
	rc = prepare(s,
		     "INSERT INTO runs (status, started_at, tool_version, command, fail_on, pid, hash_version)"
		     " VALUES ('running', ?1, ?2, ?3, ?4, ?5, ?6)",
		     &st);
	if (rc)
		goto out;
	now_iso8601(started);
	bind_text(st, 1, started);
	bind_text(st, 2, ASSAY_VERSION);
	bind_text(st, 3, command);
	bind_text(st, 4, fail_on);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)getpid());
	sqlite3_bind_int(st, 6, STORE_HASH_VERSION);
	rc = step_done(st);
	if (rc)
		goto out;
	*run_id = sqlite3_last_insert_rowid(s->db);
	s->active_run = *run_id;
	sha256_init(&s->findings_hash);
	s->findings_written = 0;
	hashmap_free(&s->rule_tally, free);
	writer_start(s);
out:
	sqlite3_finalize(st);
	return rc;
}

/* -ENOENT for no such run, -EINVAL when it is no longer running. */
static int require_running(struct store *s, int64_t run)
{
	int64_t running = 0;
	int rc = query_int64(s, "SELECT status = 'running' FROM runs WHERE id = ?1", run, &running);

	if (rc)
		return rc;
	return running ? 0 : -EINVAL;
}

/* Writes one row with a bound reusable statement inside the batch. */
static int batch_insert(struct store *s, sqlite3_stmt *st)
{
	int rc = step_done(st);

	if (rc)
		return rc;
	return batch_row_written(s);
}

int store_add_input(struct store *s, int64_t run, const struct store_input *in)
{
	sqlite3_stmt *st;
	int rc;

	if (!store_usable(s))
		return -EBADF;
	if (!in || !in->kind || !in->locator)
		return -EINVAL;
	rc = batch_begin(s);
	if (rc)
		return rc;
	st = s->insert_input;
	sqlite3_bind_int64(st, 1, run);
	bind_text(st, 2, in->kind);
	bind_text(st, 3, in->locator);
	bind_text(st, 4, in->digest);
	bind_text(st, 5, in->commit);
	return batch_insert(s, st);
}

static bool finding_is_valid(const struct finding *f)
{
	return f && f->rule && (unsigned)f->severity < SEV_COUNT &&
	       strnlen(f->fingerprint, sizeof(f->fingerprint)) == SHA256_HEX_LEN;
}

/* v in decimal, as "%" PRId64 writes it, without printf's cost: the writer
 * hashes four numbers for every finding. */
static void hash_int(struct sha256 *h, int64_t v)
{
	char num[24], *p = num + sizeof(num);
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

	*--p = '\0';
	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	sha256_update(h, p, (size_t)(num + sizeof(num) - p));
}

/* As sha256_field: the bytes and their NUL, or a lone NUL for NULL. */
static void hash_text(struct sha256 *h, const struct text *t)
{
	if (t->s)
		sha256_update(h, t->s, t->len + 1);
	else
		sha256_update(h, "", 1);
}

/* A finding's record in the content hash, field for field as hash_column
 * serialises the row that store_add_finding writes. */
static void hash_finding_record(struct sha256 *h, const struct finding *f, const struct text t[FT_COUNT])
{
	sha256_update(h, "finding", sizeof("finding"));
	hash_text(h, &t[FT_RULE]);
	hash_int(h, (int64_t)f->severity);
	hash_text(h, &t[FT_TARGET]);
	hash_text(h, &t[FT_TARGET_DIGEST]);
	hash_text(h, &t[FT_PATH]);
	hash_int(h, (int64_t)f->line);
	hash_int(h, (int64_t)f->column);
	hash_text(h, &t[FT_MESSAGE]);
	hash_text(h, &t[FT_EVIDENCE]);
	hash_text(h, &t[FT_SECRET_HASH]);
	hash_text(h, &t[FT_FINGERPRINT]);
	hash_text(h, &t[FT_COMMIT]);
	hash_text(h, &t[FT_AUTHOR]);
	hash_text(h, &t[FT_DATE]);
	hash_int(h, f->waived ? 1 : 0);
	hash_text(h, &t[FT_LAYER]);
	hash_text(h, &t[FT_WAIVER]);
	hash_text(h, &t[FT_BASELINE]);
}

static void bind_known_text(sqlite3_stmt *st, int idx, const struct text *t)
{
	if (t->s)
		sqlite3_bind_text(st, idx, t->s, t->len <= INT_MAX ? (int)t->len : -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, idx);
}

struct rule_tally {
	unsigned unwaived, waived;
};

static void tally_rule(struct store *s, const struct finding *f)
{
	struct rule_tally *t = hashmap_get(&s->rule_tally, f->rule);

	if (!t) {
		t = xcalloc(1, sizeof(*t));
		hashmap_put(&s->rule_tally, f->rule, t);
	}
	if (f->waived)
		t->waived++;
	else
		t->unwaived++;
}

/* Findings go only to a running run: the one this handle began (known
 * without a query), or another that the store says is running. */
static int require_writable_run(struct store *s, int64_t run)
{
	return run == s->active_run ? 0 : require_running(s, run);
}

/* The active run's finding in its content hash and rule tally: as it is
 * queued for the writer (writer_push), or before it is written when no
 * writer runs (store_add_finding). */
static void account_finding(struct store *s, const struct finding *f, const struct text t[FT_COUNT])
{
	hash_finding_record(&s->findings_hash, f, t);
	s->findings_written++;
	tally_rule(s, f);
}

static int write_finding_row(struct store *s, int64_t run, const struct finding *f, const struct text t[FT_COUNT])
{
	sqlite3_stmt *st = s->insert_finding;
	int rc = batch_begin(s);

	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, run);
	bind_known_text(st, 2, &t[FT_RULE]);
	sqlite3_bind_int(st, 3, (int)f->severity);
	bind_known_text(st, 4, &t[FT_TARGET]);
	bind_known_text(st, 5, &t[FT_TARGET_DIGEST]);
	bind_known_text(st, 6, &t[FT_PATH]);
	sqlite3_bind_int64(st, 7, f->line);
	sqlite3_bind_int64(st, 8, f->column);
	bind_known_text(st, 9, &t[FT_MESSAGE]);
	bind_known_text(st, 10, &t[FT_EVIDENCE]);
	bind_known_text(st, 11, &t[FT_SECRET_HASH]);
	bind_known_text(st, 12, &t[FT_FINGERPRINT]);
	bind_known_text(st, 13, &t[FT_COMMIT]);
	bind_known_text(st, 14, &t[FT_AUTHOR]);
	bind_known_text(st, 15, &t[FT_DATE]);
	sqlite3_bind_int(st, 16, f->waived ? 1 : 0);
	bind_known_text(st, 17, &t[FT_LAYER]);
	bind_known_text(st, 18, &t[FT_WAIVER]);
	bind_known_text(st, 19, &t[FT_BASELINE]);
	sqlite3_bind_int64(st, 20, fingerprint_key(f->fingerprint));
	return batch_insert(s, st);
}

static int write_notice_row(struct store *s, int64_t run, const struct store_notice *n)
{
	sqlite3_stmt *st = s->insert_notice;
	int rc = batch_begin(s);

	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, run);
	bind_text(st, 2, n->level);
	bind_text(st, 3, n->path);
	sqlite3_bind_int64(st, 4, n->line);
	bind_text(st, 5, n->message);
	return batch_insert(s, st);
}

/* ---- the writer thread ---------------------------------------------- */

/* Writes a chain of rows taken off the queue, in order; after the first
 * error the rest are dropped. Returns the chain's last row. */
static struct queued_row *write_rows(struct store *s, struct queued_row *row, int *rc)
{
	struct queued_row *last = row;

	for (; row; row = row->next) {
		if (!*rc)
			*rc = row->is_notice ? write_notice_row(s, row->run, &row->n)
					     : write_finding_row(s, row->run, &row->f, row->t);
		last = row;
	}
	return last;
}

static void free_rows(struct queued_row *row)
{
	while (row) {
		struct queued_row *next = row->next;
		free(row);
		row = next;
	}
}

/* The rows the writer is done with, for the caller to free once it has
 * let go of the lock (held here). */
static struct queued_row *take_written_rows(struct store_writer *w)
{
	struct queued_row *rows = w->written_rows;

	w->written_rows = NULL;
	return rows;
}

/* Takes the whole queue at each turn, so that the lock is taken once per
 * chain of rows rather than once per row; the producer may queue up to
 * STORE_QUEUE_MAX more meanwhile. */
static void *writer_main(void *arg)
{
	struct store *s = arg;
	struct store_writer *w = &s->writer;
	struct queued_row *rows;

	pthread_setname_np(pthread_self(), "assay-store");
	on_writer_thread = true;
	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (!w->head && !w->stopping) {
			if (w->waited_for)
				pthread_cond_broadcast(&w->written);
			w->sleeping = true;
			pthread_cond_wait(&w->work, &w->lock);
			w->sleeping = false;
		}
		rows = w->head;
		if (!rows)
			break; /* stopping, and everything is written */
		w->head = w->tail = NULL;
		w->queued = 0;
		w->busy = true;
		if (w->waited_for)
			pthread_cond_broadcast(&w->written); /* room in the queue again */
		pthread_mutex_unlock(&w->lock);
		int rc = 0;
		struct queued_row *last = write_rows(s, rows, &rc);
		pthread_mutex_lock(&w->lock);
		last->next = w->written_rows;
		w->written_rows = rows;
		w->busy = false;
		if (rc && !w->error)
			w->error = rc;
	}
	if (w->waited_for)
		pthread_cond_broadcast(&w->written);
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/* ---- the checkpointer thread ---------------------------------------- */

static void *checkpointer_main(void *arg)
{
	struct store *s = arg;
	struct store_checkpointer *c = &s->checkpointer;

	pthread_setname_np(pthread_self(), "assay-ckpt");
	pthread_mutex_lock(&c->lock);
	for (;;) {
		while (!c->due && !c->stopping)
			pthread_cond_wait(&c->wake, &c->lock);
		if (c->stopping)
			break;
		c->due = false;
		c->busy = true;
		pthread_mutex_unlock(&c->lock);
		/* Passive: copies what no reader still needs and waits for no one;
		 * busy (another process checkpointing) or failing, it leaves the
		 * copy to the next checkpoint or the close. */
		sqlite3_wal_checkpoint_v2(c->db, "main", SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		pthread_mutex_lock(&c->lock);
		c->busy = false;
		pthread_cond_broadcast(&c->idle);
	}
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

/* Called by SQLite on the committing thread after each commit, with the
 * WAL's size in pages: a full WAL wakes the checkpointer. */
static int wal_committed(void *arg, sqlite3 *db, const char *name, int pages)
{
	struct store *s = arg;
	struct store_checkpointer *c = &s->checkpointer;

	(void)db;
	(void)name;
	s->wal_pages = pages;
	if (pages >= s->wal_checkpoint_pages) {
		pthread_mutex_lock(&c->lock);
		c->due = true;
		pthread_cond_signal(&c->wake);
		pthread_mutex_unlock(&c->lock);
	}
	return SQLITE_OK;
}

/* The checkpointer's connection. It learns that the database is in WAL
 * mode only when it first reads it (a checkpoint before that does nothing):
 * the header's schema version is the least there is to read. */
static sqlite3 *open_checkpoint_connection(const char *path)
{
	sqlite3 *db = NULL;

	if (!path || !*path)
		return NULL;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) == SQLITE_OK &&
	    sqlite3_exec(db, "PRAGMA schema_version", NULL, NULL, NULL) == SQLITE_OK)
		return db;
	sqlite3_close(db);
	return NULL;
}

/* Started with the first run's writer, kept until the store closes; while
 * it runs, a commit only wakes it (SQLite's own checkpoint on commit is
 * off). Without it (no connection or no thread), SQLite checkpoints on
 * commit as before. */
static void checkpointer_start(struct store *s)
{
	struct store_checkpointer *c = &s->checkpointer;

	if (c->started)
		return;
	/* the file SQLite opened, by its full path: the process may have
	 * changed directory since a relative path was given */
	c->db = open_checkpoint_connection(sqlite3_db_filename(s->db, "main"));
	if (!c->db)
		return;
	c->stopping = c->due = c->busy = false;
	c->started = pthread_create(&c->thread, NULL, checkpointer_main, s) == 0;
	if (!c->started) {
		sqlite3_close(c->db);
		c->db = NULL;
		return;
	}
	sqlite3_wal_hook(s->db, wal_committed, s);
}

/* Ends the thread (after the checkpoint it may be making) and gives the
 * checkpoints back to SQLite: the close copies what is left. */
static void checkpointer_stop(struct store *s)
{
	struct store_checkpointer *c = &s->checkpointer;

	if (!c->started)
		return;
	pthread_mutex_lock(&c->lock);
	c->stopping = true;
	pthread_cond_broadcast(&c->wake);
	pthread_cond_broadcast(&c->idle);
	pthread_mutex_unlock(&c->lock);
	pthread_join(c->thread, NULL);
	c->started = false;
	sqlite3_close(c->db);
	c->db = NULL;
	if (s->db)
		sqlite3_wal_autocheckpoint(s->db, s->wal_checkpoint_pages);
}

/* Waits, up to `ms` milliseconds (0: for as long as it takes), for the
 * checkpoint being made or due to end; true while one still is. */
static bool checkpoint_in_progress(struct store_checkpointer *c, long ms)
{
	bool busy;

	pthread_mutex_lock(&c->lock);
	if ((c->due || c->busy) && !c->stopping) {
		if (ms) {
			struct timespec until;

			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_nsec += ms * 1000000L;
			until.tv_sec += until.tv_nsec / 1000000000L;
			until.tv_nsec %= 1000000000L;
			pthread_cond_timedwait(&c->idle, &c->lock, &until);
		} else {
			pthread_cond_wait(&c->idle, &c->lock);
		}
	}
	busy = (c->due || c->busy) && !c->stopping;
	pthread_mutex_unlock(&c->lock);
	return busy;
}

/* Whether the writer should get on rather than wait for a checkpoint: half
 * its queue is full, or someone waits for it to catch up (the end of a
 * scan, whose drain a wait would only lengthen). */
static bool writer_is_needed(struct store_writer *w)
{
	bool needed;

	pthread_mutex_lock(&w->lock);
	needed = w->queued >= STORE_QUEUE_MAX / 2 || w->waited_for;
	pthread_mutex_unlock(&w->lock);
	return needed;
}

/* SQLite starts the WAL over, instead of appending to it, only for a write
 * transaction that begins once a checkpoint has copied all of it; and the
 * writer begins a batch as soon as it commits the last. So on the writer
 * thread a batch waits for the checkpoint being made, for as long as the
 * queue has room and no one waits for the writer: the scan goes on
 * meanwhile, and the WAL (with the file the close deletes) stays about two
 * checkpoints long. A batch the caller's own thread begins (rows it writes
 * itself) does not wait: that would hold the scan up. Past
 * STORE_WAL_RESTART_BYTES any batch waits, which bounds the WAL. */
static void let_checkpoint_finish(struct store *s)
{
	struct store_checkpointer *c = &s->checkpointer;
	bool must = s->wal_pages >= s->wal_restart_pages;

	if (!c->started || !s->wal_pages)
		return;
	s->wal_pages = 0; /* the next commit says how long the WAL is */
	if (!must && !on_writer_thread)
		return;
	while (checkpoint_in_progress(c, must ? 0 : STORE_CHECKPOINT_POLL_MS))
		if (!must && writer_is_needed(&s->writer))
			return;
}

/* ---- starting and stopping the writer ---- */

/* Started when a run begins; without a thread (it could not start), rows
 * are written on the caller's thread. */
static void writer_start(struct store *s)
{
	struct store_writer *w = &s->writer;

	if (w->started)
		return;
	checkpointer_start(s);
	w->error = 0;
	w->stopping = false;
	w->started = pthread_create(&w->thread, NULL, writer_main, s) == 0;
}

/* Writes what is queued and ends the thread; returns the first write error. */
static int writer_stop(struct store *s)
{
	struct store_writer *w = &s->writer;
	int rc;

	if (!w->started)
		return 0;
	pthread_mutex_lock(&w->lock);
	w->stopping = true;
	pthread_cond_signal(&w->work);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	w->started = false;
	free_rows(w->written_rows);
	w->written_rows = NULL;
	rc = w->error;
	w->error = 0;
	return rc;
}

static void writer_wait_idle(struct store_writer *w)
{
	struct queued_row *written;

	if (!w->started)
		return;
	pthread_mutex_lock(&w->lock);
	while (w->head || w->busy) {
		w->waited_for = true;
		pthread_cond_signal(&w->work);
		pthread_cond_wait(&w->written, &w->lock);
	}
	w->waited_for = false;
	written = take_written_rows(w);
	pthread_mutex_unlock(&w->lock);
	free_rows(written);
}

/* Hands a row of the active run to the writer, waiting while the queue is
 * full; returns an earlier write's error (the row is then dropped). A
 * finding is accounted for here, in queue order: the writer, which the
 * scan waits for once its queue is full, then only writes rows. */
static int writer_push(struct store *s, struct queued_row *row)
{
	struct store_writer *w = &s->writer;
	struct queued_row *written;
	int rc;

	pthread_mutex_lock(&w->lock);
	while (w->queued >= STORE_QUEUE_MAX && !w->error) {
		w->waited_for = true;
		pthread_cond_signal(&w->work);
		pthread_cond_wait(&w->written, &w->lock);
	}
	w->waited_for = false;
	rc = w->error;
	if (!rc) {
		if (!row->is_notice)
			account_finding(s, &row->f, row->t);
		if (w->tail)
			w->tail->next = row;
		else
			w->head = row;
		w->tail = row;
		w->queued++;
		if (w->sleeping && w->queued >= STORE_QUEUE_WAKE)
			pthread_cond_signal(&w->work);
	}
	written = take_written_rows(w);
	pthread_mutex_unlock(&w->lock);
	free_rows(written);
	if (rc)
		free(row);
	return rc;
}

/* Copies of the strings a row points at, packed after it. */
struct packer {
	char *next;
};

static size_t packed_len(const char *str)
{
	return str ? strlen(str) + 1 : 0;
}

static const char *pack(struct packer *p, const char *str)
{
	char *copy = p->next;
	size_t n = packed_len(str);

	if (!str)
		return NULL;
	memcpy(copy, str, n);
	p->next += n;
	return copy;
}

/* The finding with copies of its texts, measured once for the writer; row
 * memory is not zeroed where it is then written (this runs for every
 * finding, on the scanning thread). */
static struct queued_row *queued_finding(int64_t run, const struct finding *f)
{
	struct queued_row *row;
	struct text t[FT_COUNT];
	size_t total = 0;
	char *next;

	finding_texts(f, t);
	for (int i = 0; i < FT_COUNT; i++)
		if (i != FT_FINGERPRINT && t[i].s)
			total += t[i].len + 1;
	row = xmalloc(sizeof(*row) + total);
	row->f = *f;
	row->f.identity = NULL; /* not stored */
	next = row->strings;
	for (int i = 0; i < FT_COUNT; i++) {
		if (i == FT_FINGERPRINT) {
			t[i].s = row->f.fingerprint;
			continue;
		}
		if (t[i].s) {
			t[i].s = memcpy(next, t[i].s, t[i].len + 1);
			next += t[i].len + 1;
		}
		*text_pointer(&row->f, i) = t[i].s;
	}
	memcpy(row->t, t, sizeof(t));
	row->next = NULL;
	row->run = run;
	row->is_notice = false;
	memset(&row->n, 0, sizeof(row->n));
	return row;
}

static struct queued_row *queued_notice(int64_t run, const struct store_notice *n)
{
	struct queued_row *row = xcalloc(1, sizeof(*row) + packed_len(n->level) + packed_len(n->path) +
						    packed_len(n->message));
	struct packer p = {row->strings};

	row->run = run;
	row->is_notice = true;
	row->n = *n;
	row->n.level = pack(&p, n->level);
	row->n.path = pack(&p, n->path);
	row->n.message = pack(&p, n->message);
	return row;
}

/* Rows of the run this handle began go through the writer thread; others
 * (and all rows when it is not running) are written at once. */
static bool goes_through_writer(const struct store *s, int64_t run)
{
	return s->writer.started && run == s->active_run;
}

int store_add_finding(struct store *s, int64_t run, const struct finding *f)
{
	struct text t[FT_COUNT];
	int rc;

	if (!s || !s->db)
		return -EBADF;
	if (!finding_is_valid(f))
		return -EINVAL;
	if (goes_through_writer(s, run))
		return writer_push(s, queued_finding(run, f));
	writer_wait_idle(&s->writer);
	rc = require_writable_run(s, run);
	if (rc)
		return rc;
	finding_texts(f, t);
	if (run == s->active_run)
		account_finding(s, f, t);
	return write_finding_row(s, run, f, t);
}

int store_add_notice(struct store *s, int64_t run, const struct store_notice *n)
{
	if (!s || !s->db)
		return -EBADF;
	if (!n || !n->level || !n->message)
		return -EINVAL;
	if (goes_through_writer(s, run))
		return writer_push(s, queued_notice(run, n));
	writer_wait_idle(&s->writer);
	return write_notice_row(s, run, n);
}

/* ---- content hash and chain ------------------------------------------ */

/* Adds one column as a hash field: NULL as a lone NUL, integers in decimal,
 * anything else as its text. */
static void hash_column(struct sha256 *h, sqlite3_stmt *st, int col)
{
	char num[32];

	switch (sqlite3_column_type(st, col)) {
	case SQLITE_NULL:
		sha256_field(h, NULL);
		break;
	case SQLITE_INTEGER:
		snprintf(num, sizeof(num), "%" PRId64, (int64_t)sqlite3_column_int64(st, col));
		sha256_field(h, num);
		break;
	default:
		sha256_field(h, column_str(st, col));
		break;
	}
}

/* Hashes every row of a query bound to the run, each preceded by its tag.
 * Sets *rows to the number of rows hashed. */
static int hash_records(struct store *s, struct sha256 *h, const char *tag, const char *sql, int64_t run,
			unsigned *rows)
{
	sqlite3_stmt *st;
	int rc, step, cols;

	*rows = 0;
	rc = prepare(s, sql, &st);
	if (rc)
		goto out;
	sqlite3_bind_int64(st, 1, run);
	cols = sqlite3_column_count(st);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		sha256_field(h, tag);
		for (int c = 0; c < cols; c++)
			hash_column(h, st, c);
		(*rows)++;
	}
	if (step != SQLITE_DONE)
		rc = sql_errno(step);
out:
	sqlite3_finalize(st);
	return rc;
}

/*
 * The canonical serialisation of a run (docs/store.md, "Content hash"):
 * the run row, then its inputs, findings and notices, each in id order,
 * each row as its tag and then its fields, every field NUL-terminated.
 * Changing anything here invalidates every recorded hash.
 */
struct hash_record {
	const char *tag, *sql;
};

/* The findings' part of a version 4 serialisation: their count and the
 * SHA-256 of their records, as version 3 would have written them. */
struct findings_digest {
	uint64_t count;
	char hex[SHA256_HEX_LEN + 1];
};

static const char sql_hash_findings[] =
	"SELECT rule, severity, target, target_digest, path, line, col, message, evidence,"
	" secret_hash, fingerprint, commit_sha, author, authored_at, waived, layer_digest,"
	" waiver, baseline_state FROM findings WHERE run_id = ?1 ORDER BY id";

static int digest_findings_from_rows(struct store *s, int64_t run, struct findings_digest *d)
{
	struct sha256 h;
	unsigned rows;
	int rc;

	sha256_init(&h);
	rc = hash_records(s, &h, "finding", sql_hash_findings, run, &rows);
	if (rc)
		return rc;
	d->count = rows;
	sha256_final_hex(&h, d->hex);
	return 0;
}

static void hash_findings_digest(struct sha256 *h, const struct findings_digest *d)
{
	sha256_field(h, "findings");
	hash_int(h, (int64_t)d->count);
	sha256_field(h, d->hex);
}

/* `findings`, when given, is the digest of the run's findings computed as
 * they were written (version 4); otherwise they are read back. */
static int run_content_hash_with(struct store *s, int64_t run, const struct findings_digest *findings,
				 char out[SHA256_HEX_LEN + 1])
{
	static const struct hash_record records_v1[] = {
		{"run", "SELECT id, started_at, finished_at, tool_version, command, fail_on, exit_code"
			" FROM runs WHERE id = ?1"},
		{"input", "SELECT kind, locator, digest, commit_sha FROM inputs WHERE run_id = ?1 ORDER BY id"},
		{"finding", "SELECT rule, severity, target, target_digest, path, line, col, message, evidence,"
			    " secret_hash, fingerprint, commit_sha, author, authored_at, waived"
			    " FROM findings WHERE run_id = ?1 ORDER BY id"},
		{"notice", "SELECT level, path, line, message FROM notices WHERE run_id = ?1 ORDER BY id"},
	};
	static const struct hash_record records_v2[] = {
		{"run", "SELECT id, started_at, finished_at, tool_version, command, fail_on, exit_code"
			" FROM runs WHERE id = ?1"},
		{"input", "SELECT kind, locator, digest, commit_sha FROM inputs WHERE run_id = ?1 ORDER BY id"},
		{"finding", "SELECT rule, severity, target, target_digest, path, line, col, message, evidence,"
			    " secret_hash, fingerprint, commit_sha, author, authored_at, waived, layer_digest"
			    " FROM findings WHERE run_id = ?1 ORDER BY id"},
		{"notice", "SELECT level, path, line, message FROM notices WHERE run_id = ?1 ORDER BY id"},
		{"image", "SELECT target, source, format, digest, config_digest, os, architecture"
			  " FROM images WHERE run_id = ?1 ORDER BY id"},
		{"image_tag", "SELECT i.digest, t.tag FROM image_tags t JOIN images i ON i.id = t.image_id"
			      " WHERE i.run_id = ?1 ORDER BY i.id, t.rowid"},
		{"image_layer", "SELECT i.digest, l.position, l.digest, l.media_type, l.size"
				" FROM image_layers l JOIN images i ON i.id = l.image_id"
				" WHERE i.run_id = ?1 ORDER BY i.id, l.position"},
		{"image_package", "SELECT i.digest, p.manager, p.name, p.version, p.architecture, p.layer_digest"
				  " FROM image_packages p JOIN images i ON i.id = p.image_id"
				  " WHERE i.run_id = ?1 ORDER BY i.id, p.id"},
	};
	static const struct hash_record records_v3[] = {
		{"run", "SELECT id, started_at, finished_at, tool_version, command, fail_on, exit_code,"
			" config_path, baseline, organisation, project FROM runs WHERE id = ?1"},
		{"input", "SELECT kind, locator, digest, commit_sha FROM inputs WHERE run_id = ?1 ORDER BY id"},
		/* version 4: replaced by their count and digest */
		{"finding", sql_hash_findings},
		{"notice", "SELECT level, path, line, message FROM notices WHERE run_id = ?1 ORDER BY id"},
		{"image", "SELECT target, source, format, digest, config_digest, os, architecture"
			  " FROM images WHERE run_id = ?1 ORDER BY id"},
		{"image_tag", "SELECT i.digest, t.tag FROM image_tags t JOIN images i ON i.id = t.image_id"
			      " WHERE i.run_id = ?1 ORDER BY i.id, t.rowid"},
		{"image_layer", "SELECT i.digest, l.position, l.digest, l.media_type, l.size"
				" FROM image_layers l JOIN images i ON i.id = l.image_id"
				" WHERE i.run_id = ?1 ORDER BY i.id, l.position"},
		{"image_package", "SELECT i.digest, p.manager, p.name, p.version, p.architecture, p.layer_digest"
				  " FROM image_packages p JOIN images i ON i.id = p.image_id"
				  " WHERE i.run_id = ?1 ORDER BY i.id, p.id"},
		{"profile", "SELECT profile, title, version, source FROM run_profiles WHERE run_id = ?1 ORDER BY id"},
		{"control", "SELECT profile, control, title, level, status, findings, waived, rules, evidence"
			    " FROM control_results WHERE run_id = ?1 ORDER BY id"},
		{"waiver", "SELECT rule, paths, fingerprint, reason, owner, expires, state, matched, source"
			   " FROM waivers WHERE run_id = ?1 ORDER BY id"},
		{"rule_setting", "SELECT rule, enabled, severity, reason, source FROM rule_settings"
				 " WHERE run_id = ?1 ORDER BY id"},
	};
	const struct hash_record *records = records_v3;
	size_t n_records = ARRAY_LEN(records_v3);
	struct findings_digest read_back;
	struct sha256 h;
	unsigned rows;
	int64_t version = 1;
	int rc = 0;

	rc = query_int64(s, "SELECT hash_version FROM runs WHERE id = ?1", run, &version);
	if (rc)
		goto out;
	if (version == 1) {
		records = records_v1;
		n_records = ARRAY_LEN(records_v1);
	} else if (version == 2) {
		records = records_v2;
		n_records = ARRAY_LEN(records_v2);
	} else if (version != 3 && version != STORE_HASH_VERSION) {
		rc = -EPROTONOSUPPORT;
		goto out;
	}
	sha256_init(&h);
	for (size_t i = 0; i < n_records; i++) {
		if (version == 4 && strcmp(records[i].tag, "finding") == 0) {
			if (!findings) {
				rc = digest_findings_from_rows(s, run, &read_back);
				if (rc)
					goto out;
				findings = &read_back;
			}
			hash_findings_digest(&h, findings);
			continue;
		}
		rc = hash_records(s, &h, records[i].tag, records[i].sql, run, &rows);
		if (rc)
			goto out;
		if (i == 0 && rows == 0) {
			rc = -ENOENT;
			goto out;
		}
	}
	sha256_final_hex(&h, out);
out:
	return rc;
}

static int run_content_hash(struct store *s, int64_t run, char out[SHA256_HEX_LEN + 1])
{
	return run_content_hash_with(s, run, NULL, out);
}

/* The digest of the findings this handle wrote to `run`, when they are all
 * of the run's findings (a write that failed, or findings another handle
 * added, make it read them back instead). */
static int written_findings_digest(struct store *s, int64_t run, struct findings_digest *d, bool *usable)
{
	int64_t stored = 0;
	struct sha256 copy;
	int rc;

	*usable = false;
	if (run != s->active_run)
		return 0;
	rc = query_int64(s, "SELECT count(*) FROM findings WHERE run_id = ?1", run, &stored);
	if (rc || (uint64_t)stored != s->findings_written)
		return rc;
	copy = s->findings_hash;
	sha256_final_hex(&copy, d->hex);
	d->count = s->findings_written;
	*usable = true;
	return 0;
}

int store_run_content_hash(struct store *s, int64_t run, char out[SHA256_HEX_LEN + 1])
{
	bool own_tx = false;
	int rc;

	if (!store_usable(s))
		return -EBADF;
	if (!out)
		return -EINVAL;
	/* A read transaction gives all four queries the same snapshot. */
	if (sqlite3_get_autocommit(s->db)) {
		rc = exec_sql(s, "BEGIN");
		if (rc)
			goto out;
		own_tx = true;
	}
	rc = run_content_hash(s, run, out);
out:
	if (own_tx)
		tx_rollback(s);
	return rc;
}

/* The chain hash of the newest complete run before `run`, kept or pruned,
 * or 64 zeros. */
static int previous_chain_hash(struct store *s, int64_t run, char out[SHA256_HEX_LEN + 1])
{
	sqlite3_stmt *st;
	const char *prev;
	int rc, step;

	memset(out, '0', SHA256_HEX_LEN);
	out[SHA256_HEX_LEN] = '\0';
	/* The previous complete run may have been pruned: its hashes are kept. */
	rc = prepare(s,
		     "SELECT chain_hash FROM (SELECT id, chain_hash FROM runs WHERE status = 'complete' AND id < ?1"
		     " UNION ALL SELECT id, chain_hash FROM pruned_runs WHERE status = 'complete' AND id < ?1)"
		     " ORDER BY id DESC LIMIT 1",
		     &st);
	if (rc)
		goto out;
	sqlite3_bind_int64(st, 1, run);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		prev = column_str(st, 0);
		if (!prev || strlen(prev) != SHA256_HEX_LEN) {
			rc = -EBADMSG; /* a complete run without a chain hash was edited */
			goto out;
		}
		memcpy(out, prev, SHA256_HEX_LEN);
	} else if (step != SQLITE_DONE) {
		rc = sql_errno(step);
	}
out:
	sqlite3_finalize(st);
	return rc;
}

/* chain = SHA-256 of the 128 hex characters prev || content. */
static void chain_hash(const char *prev, const char *content, char out[SHA256_HEX_LEN + 1])
{
	struct sha256 h;

	sha256_init(&h);
	sha256_update(&h, prev, SHA256_HEX_LEN);
	sha256_update(&h, content, SHA256_HEX_LEN);
	sha256_final_hex(&h, out);
}

static int record_finish_time(struct store *s, int64_t run, int exit_code)
{
	sqlite3_stmt *st;
	char finished[32];
	int rc;

	rc = prepare(s, "UPDATE runs SET finished_at = ?1, exit_code = ?2 WHERE id = ?3", &st);
	if (rc)
		goto out;
	now_iso8601(finished);
	bind_text(st, 1, finished);
	sqlite3_bind_int(st, 2, exit_code);
	sqlite3_bind_int64(st, 3, run);
	rc = step_done(st);
out:
	sqlite3_finalize(st);
	return rc;
}

static int record_hashes(struct store *s, int64_t run, const char *content, const char *prev, const char *chain)
{
	sqlite3_stmt *st;
	int rc;

	rc = prepare(s,
		     "UPDATE runs SET status = 'complete', content_hash = ?1, prev_hash = ?2, chain_hash = ?3"
		     " WHERE id = ?4",
		     &st);
	if (rc)
		goto out;
	bind_text(st, 1, content);
	bind_text(st, 2, prev);
	bind_text(st, 3, chain);
	sqlite3_bind_int64(st, 4, run);
	rc = step_done(st);
out:
	sqlite3_finalize(st);
	return rc;
}

/* Run has ended, one way or the other: it is no longer ours to protect. */
static void forget_active_run(struct store *s, int64_t run)
{
	if (s->active_run == run) {
		s->active_run = 0;
		hashmap_free(&s->rule_tally, free);
	}
}

int store_run_finish(struct store *s, int64_t run, int exit_code)
{
	char content[SHA256_HEX_LEN + 1], prev[SHA256_HEX_LEN + 1], chain[SHA256_HEX_LEN + 1];
	struct findings_digest written;
	bool use_written = false;
	int rc;

	if (!store_usable(s))
		return -EBADF;
	rc = writer_stop(s);
	if (rc)
		return rc;
	/* Findings are committed first, so that a failure to seal keeps them. */
	rc = batch_commit(s);
	if (rc)
		return rc;
	rc = tx_begin(s);
	if (rc)
		return rc;
	rc = require_running(s, run);
	if (rc)
		goto out;
	rc = record_finish_time(s, run, exit_code);
	if (rc)
		goto out;
	rc = written_findings_digest(s, run, &written, &use_written);
	if (rc)
		goto out;
	rc = run_content_hash_with(s, run, use_written ? &written : NULL, content);
	if (rc)
		goto out;
	rc = previous_chain_hash(s, run, prev);
	if (rc)
		goto out;
	chain_hash(prev, content, chain);
	rc = record_hashes(s, run, content, prev, chain);
	if (rc)
		goto out;
	rc = tx_commit(s);
out:
	if (rc)
		tx_rollback(s);
	else
		forget_active_run(s, run);
	return rc;
}

int store_run_fail(struct store *s, int64_t run, const char *error)
{
	sqlite3_stmt *st = NULL;
	char finished[32];
	int rc;

	if (!store_usable(s))
		return -EBADF;
	writer_stop(s); /* what it could not write is lost with the run */
	/* Keep what was written if possible; a batch that cannot be committed
	 * (disk full) must not stop the run from being marked failed. */
	if (batch_commit(s) < 0)
		batch_rollback(s);
	rc = prepare(s,
		     "UPDATE runs SET status = 'failed', error = ?1, finished_at = ?2"
		     " WHERE id = ?3 AND status = 'running'",
		     &st);
	if (rc)
		goto out;
	now_iso8601(finished);
	bind_text(st, 1, error ? error : "unspecified error");
	bind_text(st, 2, finished);
	sqlite3_bind_int64(st, 3, run);
	rc = step_done(st);
	if (!rc && sqlite3_changes(s->db) == 0)
		rc = require_running(s, run) == -ENOENT ? -ENOENT : -EINVAL;
out:
	sqlite3_finalize(st);
	if (!rc)
		forget_active_run(s, run);
	return rc;
}

/* ---- reading runs ---------------------------------------------------- */

int store_latest_run(struct store *s, int64_t *run_id)
{
	if (!store_usable(s))
		return -EBADF;
	if (!run_id)
		return -EINVAL;
	return query_int64(s,
			   "SELECT id FROM runs WHERE status = 'complete' ORDER BY id DESC LIMIT 1",
			   0, run_id);
}

static int read_run_row(struct store *s, int64_t run_id, struct store_run *out)
{
	sqlite3_stmt *st;
	int rc, step;

	rc = prepare(s,
		     "SELECT id, status, started_at, finished_at, tool_version, command, fail_on, exit_code,"
		     " error, content_hash, prev_hash, chain_hash, pid,"
		     " (SELECT count(*) FROM inputs WHERE run_id = runs.id),"
		     " config_path, baseline, organisation, project"
		     " FROM runs WHERE id = ?1",
		     &st);
	if (rc)
		goto out;
	sqlite3_bind_int64(st, 1, run_id);
	step = sqlite3_step(st);
	if (step != SQLITE_ROW) {
		rc = step == SQLITE_DONE ? -ENOENT : sql_errno(step);
		goto out;
	}
	out->id = sqlite3_column_int64(st, 0);
	out->status = column_strdup(st, 1);
	out->started_at = column_strdup(st, 2);
	out->finished_at = column_strdup(st, 3);
	out->tool_version = column_strdup(st, 4);
	out->command = column_strdup(st, 5);
	out->fail_on = column_strdup(st, 6);
	out->exit_code = sqlite3_column_int(st, 7);
	out->error = column_strdup(st, 8);
	out->content_hash = column_strdup(st, 9);
	out->prev_hash = column_strdup(st, 10);
	out->chain_hash = column_strdup(st, 11);
	out->pid = sqlite3_column_int64(st, 12);
	out->inputs = column_unsigned(st, 13);
	out->config_path = column_strdup(st, 14);
	out->baseline = column_strdup(st, 15);
	out->organisation = column_strdup(st, 16);
	out->project = column_strdup(st, 17);
out:
	sqlite3_finalize(st);
	return rc;
}

static int count_findings(struct store *s, int64_t run_id, struct store_run *out)
{
	sqlite3_stmt *st;
	int rc, step;

	rc = prepare(s, "SELECT severity, waived, count(*) FROM findings WHERE run_id = ?1 GROUP BY severity, waived",
		     &st);
	if (rc)
		goto out;
	sqlite3_bind_int64(st, 1, run_id);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t sev = sqlite3_column_int64(st, 0);
		unsigned n = column_unsigned(st, 2);

		if (sqlite3_column_int(st, 1))
			out->waived += n;
		else if (sev >= 0 && sev < SEV_COUNT)
			out->counts[sev] += n;
	}
	if (step != SQLITE_DONE)
		rc = sql_errno(step);
out:
	sqlite3_finalize(st);
	return rc;
}

int store_run_get(struct store *s, int64_t run_id, struct store_run *out)
{
	int rc;

	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (!store_usable(s))
		return -EBADF;
	rc = read_run_row(s, run_id, out);
	if (!rc)
		rc = count_findings(s, run_id, out);
	if (rc)
		store_run_clear(out);
	return rc;
}

void store_run_clear(struct store_run *r)
{
	if (!r)
		return;
	free(r->status);
	free(r->started_at);
	free(r->finished_at);
	free(r->tool_version);
	free(r->command);
	free(r->fail_on);
	free(r->error);
	free(r->content_hash);
	free(r->prev_hash);
	free(r->chain_hash);
	free(r->config_path);
	free(r->baseline);
	free(r->organisation);
	free(r->project);
	memset(r, 0, sizeof(*r));
}

/* ---- iterators ------------------------------------------------------- */

/* Finishes an iteration: the callback's nonzero value, or the step error. */
static int iteration_result(int cb_rc, int step)
{
	if (cb_rc)
		return cb_rc;
	return step == SQLITE_DONE ? 0 : sql_errno(step);
}

int store_foreach_run(struct store *s, store_run_cb cb, void *ctx)
{
	sqlite3_stmt *st;
	int rc, step = SQLITE_DONE, cb_rc = 0;

	if (!store_usable(s))
		return -EBADF;
	if (!cb)
		return -EINVAL;
	rc = prepare(s, "SELECT id FROM runs ORDER BY id DESC", &st);
	if (rc)
		goto out;
	while (!cb_rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_run r;

		rc = store_run_get(s, sqlite3_column_int64(st, 0), &r);
		if (rc)
			goto out;
		cb_rc = cb(&r, ctx);
		store_run_clear(&r);
	}
	rc = iteration_result(cb_rc, step);
out:
	sqlite3_finalize(st);
	return rc;
}

int store_foreach_input(struct store *s, int64_t run, store_input_cb cb, void *ctx)
{
	sqlite3_stmt *st;
	int rc, step = SQLITE_DONE, cb_rc = 0;

	if (!store_usable(s))
		return -EBADF;
	if (!cb)
		return -EINVAL;
	rc = prepare(s, "SELECT kind, locator, digest, commit_sha FROM inputs WHERE run_id = ?1 ORDER BY id", &st);
	if (rc)
		goto out;
	sqlite3_bind_int64(st, 1, run);
	while (!cb_rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_input in = {
			.kind = column_str(st, 0),
			.locator = column_str(st, 1),
			.digest = column_str(st, 2),
			.commit = column_str(st, 3),
		};
		cb_rc = cb(&in, ctx);
	}
	rc = iteration_result(cb_rc, step);
out:
	sqlite3_finalize(st);
	return rc;
}

/* The columns a finding is read from, in finding_from_row's order, from
 * `findings f`. A finding without a target digest of its own has its
 * input's (schema 5 stores it only once, on the input). */
#define FINDING_COLUMNS                                                                                        \
	"f.rule, f.severity, f.target,"                                                                        \
	" coalesce(f.target_digest, (SELECT i.digest FROM inputs i WHERE i.run_id = f.run_id"                 \
	" AND i.locator = f.target ORDER BY i.id LIMIT 1)),"                                                   \
	" f.path, f.line, f.col, f.message, f.evidence, f.secret_hash, f.fingerprint, f.commit_sha, f.author," \
	" f.authored_at, f.waived, f.layer_digest, f.waiver, f.baseline_state"
#define FINDING_ORDER " ORDER BY f.severity DESC, f.rule, f.path, f.line, f.col, f.id"

/* Fills a finding from a row of the query in store_foreach_finding; its
 * strings point into the row. */
static void finding_from_row(sqlite3_stmt *st, struct finding *f)
{
	const char *fp;
	int64_t sev = sqlite3_column_int64(st, 1);

	memset(f, 0, sizeof(*f));
	f->rule = column_str(st, 0);
	f->severity = sev >= 0 && sev < SEV_COUNT ? (enum severity)sev : SEV_INFO;
	f->target = column_str(st, 2);
	f->target_digest = column_str(st, 3);
	f->path = column_str(st, 4);
	f->line = column_unsigned(st, 5);
	f->column = column_unsigned(st, 6);
	f->message = column_str(st, 7);
	f->evidence = column_str(st, 8);
	f->secret_hash = column_str(st, 9);
	fp = column_str(st, 10);
	snprintf(f->fingerprint, sizeof(f->fingerprint), "%s", fp ? fp : "");
	f->commit = column_str(st, 11);
	f->author = column_str(st, 12);
	f->date = column_str(st, 13);
	f->waived = sqlite3_column_int(st, 14) != 0;
	f->layer = column_str(st, 15);
	f->waiver = column_str(st, 16);
	f->baseline = column_str(st, 17);
	f->identity = NULL; /* not stored */
}

int store_foreach_finding(struct store *s, int64_t run, store_finding_cb cb, void *ctx)
{
	sqlite3_stmt *st;
	int rc, step = SQLITE_DONE, cb_rc = 0;

	if (!store_usable(s))
		return -EBADF;
	if (!cb)
		return -EINVAL;
	rc = prepare(s, "SELECT " FINDING_COLUMNS " FROM findings f WHERE f.run_id = ?1" FINDING_ORDER, &st);
	if (rc)
		goto out;
	sqlite3_bind_int64(st, 1, run);
	while (!cb_rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
		struct finding f;

		finding_from_row(st, &f);
		cb_rc = cb(&f, ctx);
	}
	rc = iteration_result(cb_rc, step);
out:
	sqlite3_finalize(st);
	return rc;
}

int store_foreach_finding_of_rule(struct store *s, int64_t run, const char *rule, store_finding_cb cb, void *ctx)
{
	sqlite3_stmt *st;
	int rc, step = SQLITE_DONE, cb_rc = 0;

	if (!store_usable(s))
		return -EBADF;
	if (!cb || !rule)
		return -EINVAL;
	rc = prepare(s,
		     "SELECT " FINDING_COLUMNS " FROM findings f INDEXED BY findings_by_run_rule"
		     " WHERE f.run_id = ?1 AND f.rule = ?2 ORDER BY f.severity DESC, f.path, f.line, f.col, f.id",
		     &st);
	if (rc)
		goto out;
	sqlite3_bind_int64(st, 1, run);
	bind_text(st, 2, rule);
	while (!cb_rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
		struct finding f;

		finding_from_row(st, &f);
		cb_rc = cb(&f, ctx);
	}
	rc = iteration_result(cb_rc, step);
out:
	sqlite3_finalize(st);
	return rc;
}

int store_foreach_notice(struct store *s, int64_t run, store_notice_cb cb, void *ctx)
{
	sqlite3_stmt *st;
	int rc, step = SQLITE_DONE, cb_rc = 0;

	if (!store_usable(s))
		return -EBADF;
	if (!cb)
		return -EINVAL;
	rc = prepare(s, "SELECT level, path, line, message FROM notices WHERE run_id = ?1 ORDER BY id", &st);
	if (rc)
		goto out;
	sqlite3_bind_int64(st, 1, run);
	while (!cb_rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_notice n = {
			.level = column_str(st, 0),
			.path = column_str(st, 1),
			.line = column_unsigned(st, 2),
			.message = column_str(st, 3),
		};
		cb_rc = cb(&n, ctx);
	}
	rc = iteration_result(cb_rc, step);
out:
	sqlite3_finalize(st);
	return rc;
}

/* ---- compliance: configuration, profiles, controls, waivers ----------- */

/* Runs one INSERT/UPDATE for a running run inside the batch transaction:
 * `bind` binds the statement's parameters from `row`. The run's state is
 * checked first so that a refused row leaves no transaction open. */
static int write_row(struct store *s, int64_t run, const char *sql, void (*bind)(sqlite3_stmt *, const void *),
		     const void *row)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = require_running(s, run);
	if (rc)
		goto out;
	rc = batch_begin(s);
	if (rc)
		goto out;
	rc = prepare(s, sql, &st);
	if (rc)
		goto out;
	bind(st, row);
	rc = step_done(st);
	if (!rc)
		rc = batch_row_written(s);
out:
	sqlite3_finalize(st);
	return rc;
}

struct run_context_row {
	int64_t run;
	const struct store_run_context *c;
};

static void bind_run_context(sqlite3_stmt *st, const void *row)
{
	const struct run_context_row *r = row;

	bind_text(st, 1, r->c->config_path);
	bind_text(st, 2, r->c->baseline);
	bind_text(st, 3, r->c->organisation);
	bind_text(st, 4, r->c->project);
	sqlite3_bind_int64(st, 5, r->run);
}

int store_run_set_context(struct store *s, int64_t run, const struct store_run_context *c)
{
	struct run_context_row row = {run, c};

	if (!store_usable(s))
		return -EBADF;
	if (!c)
		return -EINVAL;
	return write_row(s, run,
			 "UPDATE runs SET config_path = ?1, baseline = ?2, organisation = ?3, project = ?4"
			 " WHERE id = ?5",
			 bind_run_context, &row);
}

struct profile_row {
	int64_t run;
	const struct store_profile *p;
};

static void bind_profile(sqlite3_stmt *st, const void *row)
{
	const struct profile_row *r = row;

	sqlite3_bind_int64(st, 1, r->run);
	bind_text(st, 2, r->p->id);
	bind_text(st, 3, r->p->title);
	bind_text(st, 4, r->p->version);
	bind_text(st, 5, r->p->source);
}

int store_add_profile(struct store *s, int64_t run, const struct store_profile *p)
{
	struct profile_row row = {run, p};

	if (!store_usable(s))
		return -EBADF;
	if (!p || !p->id)
		return -EINVAL;
	return write_row(s, run, "INSERT INTO run_profiles (run_id, profile, title, version, source) VALUES (?1, ?2, ?3, ?4, ?5)",
			 bind_profile, &row);
}

struct control_row {
	int64_t run;
	const struct store_control *c;
};

static void bind_control(sqlite3_stmt *st, const void *row)
{
	const struct control_row *r = row;

	sqlite3_bind_int64(st, 1, r->run);
	bind_text(st, 2, r->c->profile);
	bind_text(st, 3, r->c->id);
	bind_text(st, 4, r->c->title);
	bind_text(st, 5, r->c->level);
	bind_text(st, 6, r->c->status);
	sqlite3_bind_int64(st, 7, r->c->findings);
	sqlite3_bind_int64(st, 8, r->c->waived);
	bind_text(st, 9, r->c->rules ? r->c->rules : "");
	bind_text(st, 10, r->c->evidence);
}

int store_add_control(struct store *s, int64_t run, const struct store_control *c)
{
	struct control_row row = {run, c};

	if (!store_usable(s))
		return -EBADF;
	if (!c || !c->profile || !c->id || !c->status)
		return -EINVAL;
	return write_row(s, run,
			 "INSERT INTO control_results (run_id, profile, control, title, level, status, findings,"
			 " waived, rules, evidence) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
			 bind_control, &row);
}

struct waiver_row {
	int64_t run;
	const struct store_waiver *w;
};

static void bind_waiver(sqlite3_stmt *st, const void *row)
{
	const struct waiver_row *r = row;

	sqlite3_bind_int64(st, 1, r->run);
	bind_text(st, 2, r->w->rule);
	bind_text(st, 3, r->w->paths);
	bind_text(st, 4, r->w->fingerprint);
	bind_text(st, 5, r->w->reason);
	bind_text(st, 6, r->w->owner);
	bind_text(st, 7, r->w->expires);
	bind_text(st, 8, r->w->state);
	sqlite3_bind_int64(st, 9, r->w->matched);
	bind_text(st, 10, r->w->source);
}

int store_add_waiver(struct store *s, int64_t run, const struct store_waiver *w)
{
	struct waiver_row row = {run, w};

	if (!store_usable(s))
		return -EBADF;
	if (!w || !w->rule || !w->reason || !w->owner || !w->expires || !w->state)
		return -EINVAL;
	return write_row(s, run,
			 "INSERT INTO waivers (run_id, rule, paths, fingerprint, reason, owner, expires, state,"
			 " matched, source) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
			 bind_waiver, &row);
}

struct rule_setting_row {
	int64_t run;
	const struct store_rule_setting *r;
};

static void bind_rule_setting(sqlite3_stmt *st, const void *row)
{
	const struct rule_setting_row *r = row;

	sqlite3_bind_int64(st, 1, r->run);
	bind_text(st, 2, r->r->rule);
	sqlite3_bind_int(st, 3, r->r->enabled ? 1 : 0);
	if (r->r->severity >= 0 && r->r->severity < SEV_COUNT)
		sqlite3_bind_int(st, 4, r->r->severity);
	else
		sqlite3_bind_null(st, 4);
	bind_text(st, 5, r->r->reason);
	bind_text(st, 6, r->r->source);
}

int store_add_rule_setting(struct store *s, int64_t run, const struct store_rule_setting *r)
{
	struct rule_setting_row row = {run, r};

	if (!store_usable(s))
		return -EBADF;
	if (!r || !r->rule)
		return -EINVAL;
	return write_row(s, run,
			 "INSERT INTO rule_settings (run_id, rule, enabled, severity, reason, source)"
			 " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
			 bind_rule_setting, &row);
}

struct tally_entry {
	const char *rule;
	const struct rule_tally *t;
};

static void collect_tally(const char *rule, void *value, void *ctx)
{
	struct tally_entry **next = ctx;

	(*next)->rule = rule;
	(*next)->t = value;
	(*next)++;
}

static int compare_tally_rules(const void *a, const void *b)
{
	return strcmp(((const struct tally_entry *)a)->rule, ((const struct tally_entry *)b)->rule);
}

/* The active run's counts as its rows were written: the same answer as the
 * query over them, without reading back tens of thousands of rows while
 * the scan waits to close the run. */
static int foreach_tallied_rule(struct store *s, store_rule_count_cb cb, void *ctx)
{
	size_t n = s->rule_tally.count;
	struct tally_entry *entries = xcalloc(n ? n : 1, sizeof(*entries)), *next = entries;
	int cb_rc = 0;

	hashmap_each(&s->rule_tally, collect_tally, &next);
	qsort(entries, n, sizeof(*entries), compare_tally_rules);
	for (size_t i = 0; i < n && !cb_rc; i++)
		cb_rc = cb(entries[i].rule, entries[i].t->unwaived, entries[i].t->waived, ctx);
	free(entries);
	return cb_rc;
}

int store_foreach_rule_count(struct store *s, int64_t run, store_rule_count_cb cb, void *ctx)
{
	sqlite3_stmt *st;
	int rc, step = SQLITE_DONE, cb_rc = 0;

	if (!store_usable(s))
		return -EBADF;
	if (!cb)
		return -EINVAL;
	if (run == s->active_run)
		return foreach_tallied_rule(s, cb, ctx);
	rc = batch_commit(s);
	if (rc)
		return rc;
	rc = prepare(s,
		     "SELECT rule, sum(waived = 0), sum(waived = 1) FROM findings WHERE run_id = ?1"
		     " GROUP BY rule ORDER BY rule",
		     &st);
	if (rc)
		goto out;
	sqlite3_bind_int64(st, 1, run);
	while (!cb_rc && (step = sqlite3_step(st)) == SQLITE_ROW)
		cb_rc = cb(column_str(st, 0), column_unsigned(st, 1), column_unsigned(st, 2), ctx);
	rc = iteration_result(cb_rc, step);
out:
	sqlite3_finalize(st);
	return rc;
}

/* Runs a SELECT bound to the run (and, when given, a second text
 * parameter), handing each row to `each`. */
static int foreach_row(struct store *s, const char *sql, int64_t run, const char *param,
		       int (*each)(sqlite3_stmt *st, void *cb, void *ctx), void *cb, void *ctx)
{
	sqlite3_stmt *st;
	int rc, step = SQLITE_DONE, cb_rc = 0;

	if (!store_usable(s))
		return -EBADF;
	if (!cb)
		return -EINVAL;
	rc = prepare(s, sql, &st);
	if (rc)
		goto out;
	sqlite3_bind_int64(st, 1, run);
	if (param)
		bind_text(st, 2, param);
	while (!cb_rc && (step = sqlite3_step(st)) == SQLITE_ROW)
		cb_rc = each(st, cb, ctx);
	rc = iteration_result(cb_rc, step);
out:
	sqlite3_finalize(st);
	return rc;
}

static int each_profile(sqlite3_stmt *st, void *cb, void *ctx)
{
	struct store_profile p = {
		.id = column_str(st, 0),
		.title = column_str(st, 1),
		.version = column_str(st, 2),
		.source = column_str(st, 3),
	};
	return ((store_profile_cb)cb)(&p, ctx);
}

int store_foreach_profile(struct store *s, int64_t run, store_profile_cb cb, void *ctx)
{
	return foreach_row(s, "SELECT profile, title, version, source FROM run_profiles WHERE run_id = ?1 ORDER BY id",
			   run, NULL, each_profile, (void *)cb, ctx);
}

static int each_control(sqlite3_stmt *st, void *cb, void *ctx)
{
	struct store_control c = {
		.profile = column_str(st, 0),
		.id = column_str(st, 1),
		.title = column_str(st, 2),
		.level = column_str(st, 3),
		.status = column_str(st, 4),
		.findings = column_unsigned(st, 5),
		.waived = column_unsigned(st, 6),
		.rules = column_str(st, 7),
		.evidence = column_str(st, 8),
	};
	return ((store_control_cb)cb)(&c, ctx);
}

int store_foreach_control(struct store *s, int64_t run, const char *profile, store_control_cb cb, void *ctx)
{
	static const char all[] = "SELECT profile, control, title, level, status, findings, waived, rules, evidence"
				  " FROM control_results WHERE run_id = ?1 ORDER BY id";
	static const char one[] = "SELECT profile, control, title, level, status, findings, waived, rules, evidence"
				  " FROM control_results WHERE run_id = ?1 AND profile = ?2 ORDER BY id";

	return foreach_row(s, profile ? one : all, run, profile, each_control, (void *)cb, ctx);
}

static int each_waiver(sqlite3_stmt *st, void *cb, void *ctx)
{
	struct store_waiver w = {
		.rule = column_str(st, 0),
		.paths = column_str(st, 1),
		.fingerprint = column_str(st, 2),
		.reason = column_str(st, 3),
		.owner = column_str(st, 4),
		.expires = column_str(st, 5),
		.state = column_str(st, 6),
		.matched = column_unsigned(st, 7),
		.source = column_str(st, 8),
	};
	return ((store_waiver_cb)cb)(&w, ctx);
}

int store_foreach_waiver(struct store *s, int64_t run, store_waiver_cb cb, void *ctx)
{
	return foreach_row(s,
			   "SELECT rule, paths, fingerprint, reason, owner, expires, state, matched, source"
			   " FROM waivers WHERE run_id = ?1 ORDER BY id",
			   run, NULL, each_waiver, (void *)cb, ctx);
}

static int each_rule_setting(sqlite3_stmt *st, void *cb, void *ctx)
{
	struct store_rule_setting r = {
		.rule = column_str(st, 0),
		.enabled = sqlite3_column_int(st, 1) != 0,
		.severity = sqlite3_column_type(st, 2) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 2),
		.reason = column_str(st, 3),
		.source = column_str(st, 4),
	};
	return ((store_rule_setting_cb)cb)(&r, ctx);
}

int store_foreach_rule_setting(struct store *s, int64_t run, store_rule_setting_cb cb, void *ctx)
{
	return foreach_row(s, "SELECT rule, enabled, severity, reason, source FROM rule_settings WHERE run_id = ?1 ORDER BY id",
			   run, NULL, each_rule_setting, (void *)cb, ctx);
}

static int each_fingerprint(sqlite3_stmt *st, void *cb, void *ctx)
{
	return ((store_fingerprint_cb)cb)(column_str(st, 0), ctx);
}

int store_foreach_fingerprint(struct store *s, int64_t run, store_fingerprint_cb cb, void *ctx)
{
	return foreach_row(s, "SELECT DISTINCT fingerprint FROM findings WHERE run_id = ?1", run, NULL,
			   each_fingerprint, (void *)cb, ctx);
}

/* ---- container images ------------------------------------------------ */

static int insert_image_row(struct store *s, int64_t run, const struct store_image *img, int64_t *image_id)
{
	sqlite3_stmt *st;
	int rc;

	rc = prepare(s,
		     "INSERT INTO images (run_id, target, source, format, digest, config_digest, os, architecture)"
		     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
		     &st);
	if (rc)
		goto out;
	sqlite3_bind_int64(st, 1, run);
	bind_text(st, 2, img->target);
	bind_text(st, 3, img->source ? img->source : "");
	bind_text(st, 4, img->format);
	bind_text(st, 5, img->digest);
	bind_text(st, 6, img->config_digest);
	bind_text(st, 7, img->os);
	bind_text(st, 8, img->architecture);
	rc = step_done(st);
	if (!rc)
		*image_id = sqlite3_last_insert_rowid(s->db);
out:
	sqlite3_finalize(st);
	return rc;
}

static int insert_image_tags(struct store *s, int64_t image_id, const struct store_image *img)
{
	sqlite3_stmt *st;
	int rc;

	rc = prepare(s, "INSERT INTO image_tags (image_id, tag) VALUES (?1, ?2)", &st);
	for (size_t i = 0; !rc && i < img->n_tags; i++) {
		sqlite3_bind_int64(st, 1, image_id);
		bind_text(st, 2, img->tags[i]);
		rc = step_done(st);
	}
	sqlite3_finalize(st);
	return rc;
}

static int insert_image_layers(struct store *s, int64_t image_id, const struct store_image *img)
{
	sqlite3_stmt *st;
	int rc;

	rc = prepare(s, "INSERT INTO image_layers (image_id, position, digest, media_type, size)"
			" VALUES (?1, ?2, ?3, ?4, ?5)",
		     &st);
	for (size_t i = 0; !rc && i < img->n_layers; i++) {
		sqlite3_bind_int64(st, 1, image_id);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)i);
		bind_text(st, 3, img->layers[i].digest);
		bind_text(st, 4, img->layers[i].media_type);
		if (img->layers[i].size >= 0)
			sqlite3_bind_int64(st, 5, img->layers[i].size);
		else
			sqlite3_bind_null(st, 5);
		rc = step_done(st);
	}
	sqlite3_finalize(st);
	return rc;
}

int store_add_image(struct store *s, int64_t run, const struct store_image *img, int64_t *image_id)
{
	int rc;

	if (!store_usable(s))
		return -EBADF;
	if (!img || !img->target || !img->digest || !image_id)
		return -EINVAL;
	for (size_t i = 0; i < img->n_layers; i++)
		if (!img->layers[i].digest)
			return -EINVAL;
	rc = batch_begin(s);
	if (!rc)
		rc = insert_image_row(s, run, img, image_id);
	if (!rc)
		rc = insert_image_tags(s, *image_id, img);
	if (!rc)
		rc = insert_image_layers(s, *image_id, img);
	if (!rc)
		rc = batch_row_written(s);
	return rc;
}

int store_add_image_package(struct store *s, int64_t image_id, const struct store_package *p)
{
	sqlite3_stmt *st;
	int rc;

	if (!store_usable(s))
		return -EBADF;
	if (!p || !p->manager || !p->name)
		return -EINVAL;
	rc = batch_begin(s);
	if (rc)
		return rc;
	rc = prepare(s,
		     "INSERT INTO image_packages (image_id, manager, name, version, architecture, layer_digest)"
		     " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
		     &st);
	if (rc)
		goto out;
	sqlite3_bind_int64(st, 1, image_id);
	bind_text(st, 2, p->manager);
	bind_text(st, 3, p->name);
	bind_text(st, 4, p->version);
	bind_text(st, 5, p->architecture);
	bind_text(st, 6, p->layer_digest);
	rc = step_done(st);
	if (!rc)
		rc = batch_row_written(s);
out:
	sqlite3_finalize(st);
	return rc;
}

/* Reads an image's tags and layers into arrays that live until freed. */
static int read_image_parts(struct store *s, int64_t image_id, char ***tags, size_t *n_tags,
			    struct store_image_layer **layers, size_t *n_layers)
{
	sqlite3_stmt *st = NULL;
	int rc, step;

	rc = prepare(s, "SELECT tag FROM image_tags WHERE image_id = ?1 ORDER BY rowid", &st);
	if (rc)
		goto out;
	sqlite3_bind_int64(st, 1, image_id);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		*tags = xrealloc(*tags, (*n_tags + 1) * sizeof(char *));
		(*tags)[(*n_tags)++] = column_strdup(st, 0);
	}
	rc = step == SQLITE_DONE ? 0 : sql_errno(step);
	sqlite3_finalize(st);
	st = NULL;
	if (rc)
		goto out;
	rc = prepare(s, "SELECT digest, media_type, coalesce(size, -1) FROM image_layers WHERE image_id = ?1"
			" ORDER BY position",
		     &st);
	if (rc)
		goto out;
	sqlite3_bind_int64(st, 1, image_id);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		*layers = xrealloc(*layers, (*n_layers + 1) * sizeof(**layers));
		(*layers)[*n_layers].digest = column_strdup(st, 0);
		(*layers)[*n_layers].media_type = column_strdup(st, 1);
		(*layers)[*n_layers].size = sqlite3_column_int64(st, 2);
		(*n_layers)++;
	}
	rc = step == SQLITE_DONE ? 0 : sql_errno(step);
out:
	sqlite3_finalize(st);
	return rc;
}

static void free_image_parts(char **tags, size_t n_tags, struct store_image_layer *layers, size_t n_layers)
{
	for (size_t i = 0; i < n_tags; i++)
		free(tags[i]);
	free(tags);
	for (size_t i = 0; i < n_layers; i++) {
		free((char *)layers[i].digest);
		free((char *)layers[i].media_type);
	}
	free(layers);
}

int store_foreach_image(struct store *s, int64_t run, store_image_cb cb, void *ctx)
{
	sqlite3_stmt *st;
	int rc, step = SQLITE_DONE, cb_rc = 0;

	if (!store_usable(s))
		return -EBADF;
	if (!cb)
		return -EINVAL;
	rc = prepare(s,
		     "SELECT id, target, source, format, digest, config_digest, os, architecture"
		     " FROM images WHERE run_id = ?1 ORDER BY id",
		     &st);
	if (rc)
		goto out;
	sqlite3_bind_int64(st, 1, run);
	while (!cb_rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
		char **tags = NULL;
		struct store_image_layer *layers = NULL;
		size_t n_tags = 0, n_layers = 0;
		int64_t id = sqlite3_column_int64(st, 0);

		rc = read_image_parts(s, id, &tags, &n_tags, &layers, &n_layers);
		if (!rc) {
			struct store_image img = {
				.target = column_str(st, 1),
				.source = column_str(st, 2),
				.format = column_str(st, 3),
				.digest = column_str(st, 4),
				.config_digest = column_str(st, 5),
				.os = column_str(st, 6),
				.architecture = column_str(st, 7),
				.tags = (const char *const *)tags,
				.n_tags = n_tags,
				.layers = layers,
				.n_layers = n_layers,
			};
			cb_rc = cb(&img, id, ctx);
		}
		free_image_parts(tags, n_tags, layers, n_layers);
		if (rc)
			goto out;
	}
	rc = iteration_result(cb_rc, step);
out:
	sqlite3_finalize(st);
	return rc;
}

int store_foreach_image_package(struct store *s, int64_t image_id, store_package_cb cb, void *ctx)
{
	sqlite3_stmt *st;
	int rc, step = SQLITE_DONE, cb_rc = 0;

	if (!store_usable(s))
		return -EBADF;
	if (!cb)
		return -EINVAL;
	rc = prepare(s,
		     "SELECT manager, name, version, architecture, layer_digest FROM image_packages"
		     " WHERE image_id = ?1 ORDER BY name, version, id",
		     &st);
	if (rc)
		goto out;
	sqlite3_bind_int64(st, 1, image_id);
	while (!cb_rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_package p = {
			.manager = column_str(st, 0),
			.name = column_str(st, 1),
			.version = column_str(st, 2),
			.architecture = column_str(st, 3),
			.layer_digest = column_str(st, 4),
		};
		cb_rc = cb(&p, ctx);
	}
	rc = iteration_result(cb_rc, step);
out:
	sqlite3_finalize(st);
	return rc;
}

/* ---- pruning --------------------------------------------------------- */

/* The oldest complete run that a prune keeping `keep` runs keeps: the
 * keep-th newest, or the oldest when there are fewer; 0 when none. */
static int oldest_kept_run(struct store *s, unsigned keep, int64_t *out)
{
	int rc = query_int64(s,
			     "SELECT min(id) FROM (SELECT id FROM runs WHERE status = 'complete'"
			     " ORDER BY id DESC LIMIT ?1)",
			     keep, out);

	return rc == -ENOENT ? 0 : rc;
}

/* The oldest running run whose writer is alive, or 0. Runs whose writer is
 * gone do not count: a real prune marks them failed first. */
static int oldest_live_running_run(struct store *s, int64_t *out)
{
	sqlite3_stmt *st;
	int rc, step;

	*out = 0;
	rc = prepare(s, "SELECT id, pid FROM runs WHERE status = 'running' ORDER BY id", &st);
	if (rc)
		goto out;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		int64_t pid = sqlite3_column_type(st, 1) == SQLITE_NULL ? 0 : sqlite3_column_int64(st, 1);

		if (!run_is_stale(s, id, pid)) {
			*out = id;
			break;
		}
	}
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		rc = sql_errno(step);
out:
	sqlite3_finalize(st);
	return rc;
}

/* The ids of the runs below `cutoff`, oldest first, into a new array. */
static int runs_below(struct store *s, int64_t cutoff, int64_t **ids, size_t *n)
{
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc, step;

	*ids = NULL;
	*n = 0;
	rc = prepare(s, "SELECT id FROM runs WHERE id < ?1 ORDER BY id", &st);
	if (rc)
		goto out;
	sqlite3_bind_int64(st, 1, cutoff);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*ids = xrealloc(*ids, cap * sizeof(**ids));
		}
		(*ids)[(*n)++] = sqlite3_column_int64(st, 0);
	}
	if (step != SQLITE_DONE)
		rc = sql_errno(step);
out:
	sqlite3_finalize(st);
	return rc;
}

/* A complete run whose rows no longer give its recorded hash: pruning it
 * would erase the evidence that it was altered. */
static int check_sealed_content(struct store *s, int64_t run, bool *intact)
{
	char recomputed[SHA256_HEX_LEN + 1];
	char *recorded = NULL;
	sqlite3_stmt *st;
	int rc;

	*intact = false;
	rc = prepare(s, "SELECT content_hash FROM runs WHERE id = ?1 AND status = 'complete'", &st);
	if (rc)
		goto out;
	sqlite3_bind_int64(st, 1, run);
	if (sqlite3_step(st) != SQLITE_ROW) {
		*intact = true; /* not complete: nothing sealed */
		goto out;
	}
	recorded = column_strdup(st, 0);
	rc = run_content_hash(s, run, recomputed);
	if (rc == -EPROTONOSUPPORT || rc == -ENOENT)
		rc = 0; /* unverifiable: counts as altered */
	else if (rc)
		goto out;
	*intact = recorded && strcmp(recorded, recomputed) == 0;
out:
	free(recorded);
	sqlite3_finalize(st);
	return rc;
}

/* Moves one run to pruned_runs: its row (and by cascade everything it
 * holds) is deleted, then its record written. */
static int prune_one(struct store *s, const struct store_run *r, const char *pruned_at)
{
	sqlite3_stmt *st = NULL;
	bool complete = strcmp(r->status, "complete") == 0;
	int rc;

	rc = prepare(s, "DELETE FROM runs WHERE id = ?1", &st);
	if (rc)
		goto out;
	sqlite3_bind_int64(st, 1, r->id);
	rc = step_done(st);
	sqlite3_finalize(st);
	st = NULL;
	if (rc)
		goto out;
	rc = prepare(s,
		     "INSERT INTO pruned_runs (id, status, started_at, finished_at, content_hash, prev_hash,"
		     " chain_hash, pruned_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
		     &st);
	if (rc)
		goto out;
	sqlite3_bind_int64(st, 1, r->id);
	bind_text(st, 2, complete ? "complete" : "failed");
	bind_text(st, 3, r->started_at);
	bind_text(st, 4, r->finished_at);
	bind_text(st, 5, complete ? r->content_hash : NULL);
	bind_text(st, 6, complete ? r->prev_hash : NULL);
	bind_text(st, 7, complete ? r->chain_hash : NULL);
	bind_text(st, 8, pruned_at);
	rc = step_done(st);
out:
	sqlite3_finalize(st);
	return rc;
}

/* Where the prune stops: the oldest kept complete run, or the oldest live
 * running run when that is older. */
static int prune_cutoff(struct store *s, unsigned keep, struct store_prune_result *out, int64_t *cutoff)
{
	int rc;

	rc = oldest_kept_run(s, keep, &out->oldest_kept);
	if (!rc)
		rc = oldest_live_running_run(s, &out->running);
	if (rc)
		return rc;
	*cutoff = out->oldest_kept; /* 0: no complete run, nothing goes */
	if (out->running && out->running < *cutoff)
		*cutoff = out->running;
	else
		out->running = 0; /* newer than what is kept anyway: it bounds nothing */
	return 0;
}

int store_prune(struct store *s, unsigned keep, bool dry_run, store_run_cb cb, void *ctx,
		struct store_prune_result *out)
{
	int64_t *ids = NULL, cutoff = 0;
	size_t n = 0;
	char now[32];
	int rc;

	if (!store_usable(s))
		return -EBADF;
	if (!out || keep == 0)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	rc = batch_commit(s);
	if (rc)
		return rc;
	/* One transaction: a reader sees the runs either all there or all
	 * pruned with their records, never half-way. */
	rc = dry_run ? exec_sql(s, "BEGIN") : tx_begin(s);
	if (rc)
		return rc;
	rc = prune_cutoff(s, keep, out, &cutoff);
	if (!rc && cutoff)
		rc = runs_below(s, cutoff, &ids, &n);
	if (rc)
		goto out;
	/* Every sealed run is checked before anything goes. */
	for (size_t i = 0; i < n; i++) {
		bool intact;

		rc = check_sealed_content(s, ids[i], &intact);
		if (rc)
			goto out;
		if (!intact) {
			out->altered = ids[i];
			rc = -EBADMSG;
			goto out;
		}
	}
	now_iso8601(now);
	for (size_t i = 0; i < n; i++) {
		struct store_run r;

		rc = store_run_get(s, ids[i], &r);
		if (rc)
			goto out;
		if (strcmp(r.status, "complete") == 0)
			out->complete++;
		else
			out->failed++; /* failed, or running with its writer gone */
		if (!out->first)
			out->first = r.id;
		out->last = r.id;
		rc = cb ? cb(&r, ctx) : 0;
		if (!rc && !dry_run)
			rc = prune_one(s, &r, now);
		store_run_clear(&r);
		if (rc)
			goto out;
	}
	if (!dry_run)
		rc = tx_commit(s);
out:
	if (rc || dry_run)
		tx_rollback(s);
	free(ids);
	return rc;
}

int store_foreach_pruned_run(struct store *s, store_pruned_run_cb cb, void *ctx)
{
	sqlite3_stmt *st;
	int rc, step = SQLITE_DONE, cb_rc = 0;

	if (!store_usable(s))
		return -EBADF;
	if (!cb)
		return -EINVAL;
	rc = prepare(s,
		     "SELECT id, status, started_at, finished_at, content_hash, prev_hash, chain_hash, pruned_at"
		     " FROM pruned_runs ORDER BY id",
		     &st);
	if (rc)
		goto out;
	while (!cb_rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_pruned_run p = {
			.id = sqlite3_column_int64(st, 0),
			.status = column_str(st, 1),
			.started_at = column_str(st, 2),
			.finished_at = column_str(st, 3),
			.content_hash = column_str(st, 4),
			.prev_hash = column_str(st, 5),
			.chain_hash = column_str(st, 6),
			.pruned_at = column_str(st, 7),
		};
		cb_rc = cb(&p, ctx);
	}
	rc = iteration_result(cb_rc, step);
out:
	sqlite3_finalize(st);
	return rc;
}

int store_run_id_high_water(struct store *s, int64_t *out)
{
	if (!store_usable(s))
		return -EBADF;
	if (!out)
		return -EINVAL;
	/* sqlite_sequence remembers the highest id AUTOINCREMENT handed out,
	 * even once that run is deleted; the other two cover a database whose
	 * sequence row was removed. */
	return query_int64(s,
			   "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'runs'), 0),"
			   " coalesce((SELECT max(id) FROM runs), 0), coalesce((SELECT max(id) FROM pruned_runs), 0))",
			   0, out);
}

/* ---- reading for reports ------------------------------------------------ */



int store_previous_complete_run(struct store *s, int64_t run, int64_t *prev)
{
	if (!store_usable(s))
		return -EBADF;
	if (!prev)
		return -EINVAL;
	return query_int64(s,
			   "SELECT id FROM runs WHERE status = 'complete' AND id < ?1 ORDER BY id DESC LIMIT 1",
			   run, prev);
}

int store_foreach_diff_finding(struct store *s, int64_t from, int64_t to, enum store_diff kind,
			       store_finding_cb cb, void *ctx)
{
	/* ?1 is the run whose findings are listed, ?2 the run they are looked
	 * up in; the lookup goes through findings_by_fingerprint_key. */
#define SAME_FINDING_IN_RUN_2                                                                                \
	" (SELECT 1 FROM findings o WHERE o.fingerprint_key = f.fingerprint_key"                             \
	" AND o.fingerprint = f.fingerprint AND o.run_id = ?2)"
	static const char absent[] = "SELECT " FINDING_COLUMNS " FROM findings f WHERE f.run_id = ?1 AND NOT EXISTS"
				     SAME_FINDING_IN_RUN_2 FINDING_ORDER;
	static const char present[] = "SELECT " FINDING_COLUMNS " FROM findings f WHERE f.run_id = ?1 AND EXISTS"
				      SAME_FINDING_IN_RUN_2 FINDING_ORDER;
#undef SAME_FINDING_IN_RUN_2
	sqlite3_stmt *st;
	int rc, step = SQLITE_DONE, cb_rc = 0;

	if (!store_usable(s))
		return -EBADF;
	if (!cb || (kind != STORE_DIFF_NEW && kind != STORE_DIFF_FIXED && kind != STORE_DIFF_PERSISTING))
		return -EINVAL;
	rc = prepare(s, kind == STORE_DIFF_PERSISTING ? present : absent, &st);
	if (rc)
		goto out;
	sqlite3_bind_int64(st, 1, kind == STORE_DIFF_FIXED ? from : to);
	sqlite3_bind_int64(st, 2, kind == STORE_DIFF_FIXED ? to : from);
	while (!cb_rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
		struct finding f;

		finding_from_row(st, &f);
		cb_rc = cb(&f, ctx);
	}
	rc = iteration_result(cb_rc, step);
out:
	sqlite3_finalize(st);
	return rc;
}

int store_foreach_finding_first_seen(struct store *s, int64_t run, store_finding_seen_cb cb, void *ctx)
{
	/* The earliest run holding the fingerprint: a complete run, or this
	 * one (which may be a failed run being inspected). Two lookups per
	 * finding through findings_by_fingerprint_key and the runs' key; rows
	 * still stream in store_foreach_finding's order. */
#define FIRST_RUN                                                                                            \
	"(SELECT min(g.run_id) FROM findings g JOIN runs r ON r.id = g.run_id"                               \
	" WHERE g.fingerprint_key = f.fingerprint_key AND g.fingerprint = f.fingerprint"                     \
	" AND (r.status = 'complete' OR g.run_id = f.run_id))"
	static const char sql[] = "SELECT " FINDING_COLUMNS ", " FIRST_RUN ","
				  " (SELECT started_at FROM runs WHERE id = " FIRST_RUN ")"
				  " FROM findings f WHERE f.run_id = ?1" FINDING_ORDER;
#undef FIRST_RUN
	sqlite3_stmt *st;
	int rc, step = SQLITE_DONE, cb_rc = 0;

	if (!store_usable(s))
		return -EBADF;
	if (!cb)
		return -EINVAL;
	rc = prepare(s, sql, &st);
	if (rc)
		goto out;
	sqlite3_bind_int64(st, 1, run);
	while (!cb_rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
		struct finding f;
		struct store_first_seen first = {
			.run = sqlite3_column_int64(st, 18),
			.started_at = column_str(st, 19),
		};

		finding_from_row(st, &f);
		cb_rc = cb(&f, &first, ctx);
	}
	rc = iteration_result(cb_rc, step);
out:
	sqlite3_finalize(st);
	return rc;
}
