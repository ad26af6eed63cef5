/*
 * The scan driver and the context every scanner and check works in: which
 * run is being written, which input is being walked, and the three ways to
 * report something (a finding, a parse error, a notice). Scanners see the
 * store only through scan_emit and friends.
 */
#ifndef ASSAY_SCAN_H
#define ASSAY_SCAN_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "finding.h"
#include "fswalk.h"
#include "hash.h"
#include "secrets.h"

struct store;
struct repo;
struct scan;
struct git_history;
struct config;
struct profile;
struct hashmap;

/* One input named on the command line. */
struct scan_target {
	char *locator;     /* as given, normalised ("./a/" -> "a"); "<stdin>" for "-" */
	const char *kind;  /* directory | git-worktree | git-bare | file | stdin | image */
	char *root;        /* the directory walked (a file's own directory) */
	char *file;        /* the single file named, or NULL */
	struct repo *repo; /* the git work tree holding root, or NULL */
	char *repo_prefix; /* root relative to the work tree: "" or "sub/dir/" */
	bool bare;         /* the target is a bare repository */
	bool skip_walk;    /* nothing to walk: a range scan, or a bare repository */
	struct git_history *history; /* secrets found in history, when it was scanned */
	struct sha256 digest;
	char digest_hex[SHA256_HEX_LEN + 8];
	unsigned files;    /* files walked */
	char *stdin_data;  /* standard input, read whole (up to SCAN_STDIN_MAX_BYTES) */
	size_t stdin_len;
	bool stdin_truncated;
	int claimed_by;    /* the scanner that reads the target whole (image), or -1 */
	/* The repository is still being opened (on its thread) while the walk
	 * starts; the files queued meanwhile were read ahead without asking
	 * git, and are asked at their turn (target_settle_repo). */
	bool repo_pending;
	unsigned long queued, turned, unasked;
};

/* The target "-" reads standard input into memory, at most this much (no
 * scanner's own cap is larger, so a scanner that sees the whole buffer has
 * seen everything it would read from a file), and hands it to the scanners
 * as one file named "<stdin>": `helm template … | assay scan -`. */
#define SCAN_STDIN_TARGET "-"
#define SCAN_STDIN_NAME "<stdin>"
#define SCAN_STDIN_MAX_BYTES (64 * 1024 * 1024)

/* A scanner: one input kind. `file` sees every file the walk finds and
 * picks its own by name; state is what `begin` returned. It returns 1 when
 * it claimed the file (read it and ran the secrets engine over what it
 * holds), 0 when the file is not its kind, or a negative runtime error.
 * Scanners after a claim still see the file, with `claimed` set. A
 * scanner that keeps no state across files leaves begin and end NULL. */
struct scanner {
	const char *name;
	void *(*begin)(struct scan *s);
	int (*file)(struct scan *s, void *state, const struct fs_entry *e, bool claimed);
	/* After every target was walked: checks across files, then free. */
	void (*end)(struct scan *s, void *state);
	/* Optional, for a target that is one whole input rather than a tree
	 * (an image archive or OCI layout): claims_target says from the path
	 * alone whether this scanner reads it; scan_target then reads it in
	 * place of the walk (a negative return is a runtime error) and may set
	 * the target's digest_hex. */
	bool (*claims_target)(const char *path);
	int (*scan_target)(struct scan *s, void *state, const char *path);
	/* Optional: what `file` would compute from a file's bytes alone (a
	 * parse), computed ahead on a worker thread from the bytes read
	 * ahead (readahead.h), or NULL; `file` finds it with scan_prepared.
	 * prepare must touch nothing shared; release frees what it made. */
	void *(*prepare)(const struct fs_entry *e, const char *data, size_t len, bool truncated);
	void (*release)(void *prepared);
};

struct scan_request {
	char *const *targets;
	size_t n_targets;
	const char *command;
	enum severity fail_on;
	bool quiet;
	bool history;           /* --history: every commit reachable from all refs */
	const char *diff_range; /* --diff BASE or BASE..TIP: only what those commits added */
	struct config *config;  /* .assay.yml, or NULL */
	struct profile *const *profiles; /* the profiles whose controls the run judges */
	size_t n_profiles;
	/* --baseline: the fingerprints findings are compared with, and what
	 * they came from ("run 12", "file base.json"); NULL without one. */
	const struct hashmap *baseline;
	const char *baseline_name;
	/* The first target's repository, being opened meanwhile
	 * (scan_open_repo_ahead); scan_run takes it over. */
	struct repo_ahead *repo_ahead;
};

#define SCAN_MAX_FAMILIES 16

struct scan {
	struct store *store;
	int64_t run_id;
	const struct scan_request *req;
	struct scan_target *target; /* the one being walked */
	unsigned findings;
	unsigned failing; /* findings that count toward --fail-on */
	int write_error; /* first failure to write to the store */
	struct secrets_engine *secrets;
	/* The file a scanner is reading, so that scan_emit can honour an
	 * inline assay:ignore comment on a finding's line. */
	const char *source_path, *source_data;
	size_t source_len;
	bool source_has_ignores; /* it holds an assay:ignore comment somewhere */
	/* Rule families whose rules had something to look at (control status). */
	const char *applicable[SCAN_MAX_FAMILIES];
	size_t n_applicable;
	struct hashmap *bare_ignores; /* path:line of ignores without a reason, reported once */
	/* What the scanners' prepare made for the file whose turn it is. */
	void *const *prepared;
	struct repo_ahead *repo_ahead; /* the request's, until a target takes it */
};

/* What `sc`'s prepare made of the file whose turn it is, or NULL (not
 * read ahead, or nothing to prepare). */
void *scan_prepared(const struct scan *s, const struct scanner *sc);

/* Applies the configuration (rules off, severity overrides, excluded
 * paths), sets target and fingerprint, applies inline ignores, waivers and
 * the baseline, and writes the finding. */
void scan_emit(struct scan *s, struct finding *f);
/* The file whose findings are being emitted, for inline ignores; NULL
 * clears it. The data must stay alive until it is cleared. */
void scan_set_source(struct scan *s, const char *path, const char *data, size_t len);
/* Rules of `family` ("k8s", "secret") had an input of their kind to look
 * at, so their controls are assessed rather than not applicable. */
void scan_mark_applicable(struct scan *s, const char *family);
bool scan_family_applicable(const struct scan *s, const char *family);
/* An assay.parse-error finding for a file (line/column 0 when unknown),
 * also said on stderr unless --quiet. */
void scan_parse_error(struct scan *s, const char *path, unsigned line, unsigned column, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* Something the user should know that is not a finding (a skipped link, a
 * cap reached). level: info | warning | error. */
void scan_notice(struct scan *s, const char *level, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Runs the secrets engine over content (a whole file, a decoded value, a
 * file in an image layer). scan_find_secrets hands each hit to cb, for
 * scanners whose own rule reports it (k8s.secret-manifest,
 * image.secret-in-layer); scan_report_secrets reports each hit under its
 * secret.* rule at path, `first_line` being the file line where data
 * starts (1 for a whole file). Both return the number of hits. */
int scan_find_secrets(struct scan *s, const char *path, const char *data, size_t len, secret_hit_cb cb, void *ctx);
int scan_report_secrets(struct scan *s, const char *path, const char *data, size_t len, unsigned first_line);

/* True when the target is a git work tree and the file is neither tracked
 * nor left untracked but unignored: git's view of the tree leaves it out
 * (node_modules, build output). */
bool scan_ignored_by_git(struct scan *s, const struct fs_entry *e);

/* Adds a file's content to the input's digest. */
void scan_digest_content(struct scan *s, const char *relpath, const void *data, size_t len);

/* Stops the scan at the next file (set from a signal handler). */
extern volatile sig_atomic_t scan_cancelled;

/* Checks that every target exists and can be scanned: a usage error (exit
 * 2) otherwise, with the reason in err. */
int scan_check_targets(const struct scan_request *req, char *err, size_t errlen);
/* Starts opening the repository that scanning the directory `target` will
 * look for, so that it overlaps the store's opening; NULL for any other
 * target (standard input, a file, an image) or without a thread. */
struct repo_ahead *scan_open_repo_ahead(const char *target);
/* For a request that never reached scan_run. */
void scan_repo_ahead_free(struct repo_ahead *a);
/* Writes one run: begins it, walks each target with every scanner, and
 * finishes it (complete, or failed on a runtime error). *exit_code is the
 * fail-on verdict (0 or 1), or 3 when the run failed. */
int scan_run(struct store *st, const struct scan_request *req, int64_t *run_id, int *exit_code, char *err,
	     size_t errlen);

#endif
