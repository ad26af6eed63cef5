/*
 * The store: the one place that speaks SQL (DESIGN.md "Store"). A scan opens
 * a run (status "running"), adds its inputs, findings and notices, and then
 * finishes it ("complete", with its content hash chained to the previous
 * complete run) or fails it. Reports read runs back through the iterators
 * below and never see SQL.
 */
#ifndef ASSAY_STORE_H
#define ASSAY_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "finding.h"

#define STORE_SCHEMA_VERSION 6

struct store;

struct store_run {
	int64_t id;
	char *status; /* running | complete | failed */
	char *started_at, *finished_at; /* ISO 8601 UTC; finished_at may be NULL */
	char *tool_version;
	char *command;   /* the command line, as run */
	char *fail_on;   /* severity name or "none" */
	int exit_code;   /* -1 while running */
	char *error;     /* why a run failed; NULL otherwise */
	char *content_hash, *prev_hash, *chain_hash; /* NULL until complete */
	int64_t pid;
	unsigned counts[SEV_COUNT]; /* unwaived findings by severity */
	unsigned waived;            /* waived findings */
	unsigned inputs;            /* number of inputs */
	/* Schema 3: how the run was configured (each may be NULL). */
	char *config_path;  /* the .assay.yml read */
	char *baseline;     /* what findings were compared with: "run 12", "file x.json" */
	char *organisation; /* for report covers, from the config */
	char *project;
};

struct store_input {
	const char *kind;    /* directory | file | git-worktree | ... */
	const char *locator; /* as given on the command line, normalised */
	const char *digest;  /* sha256:<hex> over what was scanned */
	const char *commit;  /* HEAD commit for git inputs, else NULL */
};

struct store_notice {
	const char *level; /* info | warning | error */
	const char *path;  /* may be NULL */
	unsigned line;
	const char *message;
};

/* Opens (creating parent directories and the file as needed) and migrates
 * to STORE_SCHEMA_VERSION. A database written by a newer assay is refused.
 * On failure returns a negative code and writes a one-line reason to err. */
int store_open(const char *path, struct store **out, char *err, size_t errlen);
void store_close(struct store *s);

/* Marks runs left "running" by a process that no longer exists as
 * "failed" ("interrupted"), so a killed run never reads as complete. */
int store_reap_stale_runs(struct store *s);

int store_run_begin(struct store *s, const char *command, const char *fail_on, int64_t *run_id);
int store_add_input(struct store *s, int64_t run, const struct store_input *in);
/* Findings are written in batched transactions; the fingerprint must have
 * been computed. Strings are copied. */
int store_add_finding(struct store *s, int64_t run, const struct finding *f);
int store_add_notice(struct store *s, int64_t run, const struct store_notice *n);
/* Findings and notices of the run this handle began are written by a
 * thread of the store's while the scan goes on, in the order given: a
 * write that fails is reported by a later store_add_* call and by
 * store_run_finish, which then refuses to seal the run. Every other store
 * call first waits for what is queued to be written. Rows are committed in
 * batches of `rows`, or every `seconds` (0: no time limit); the defaults
 * (4,096 rows or one second) suit scans, tests set their own. */
void store_set_batch(struct store *s, unsigned rows, unsigned seconds);
/* While a run is written, a thread of the store's copies the WAL into the
 * database (a checkpoint) whenever a commit finds it `checkpoint_bytes`
 * long, so that neither the writer nor the close waits on it; a batch then
 * waits for the checkpoint to end, while the queue has room (always, once
 * the WAL is `restart_bytes` long), so that the WAL starts over rather than
 * grow. 0 keeps a default (4 MiB, 64 MiB); tests set small ones. */
void store_set_wal_limits(struct store *s, size_t checkpoint_bytes, size_t restart_bytes);
/* Commits outstanding findings, computes the content hash over the run
 * (run row, inputs, findings, notices in id order) and the chain hash
 * SHA-256(prev_chain_hash || content_hash), and marks the run complete. A
 * finding written without a target digest reads back with its input's
 * (the input whose locator is its target), which is known only once the
 * walk is over. */
int store_run_finish(struct store *s, int64_t run, int exit_code);
/* Commits what was written and marks the run failed with a reason. */
int store_run_fail(struct store *s, int64_t run, const char *error);
/* Recomputes the content hash of a run from its rows as stored now (the
 * canonical serialisation in docs/store.md); `assay verify` compares it with
 * the recorded content_hash. -ENOENT when there is no such run. */
int store_run_content_hash(struct store *s, int64_t run, char out[SHA256_HEX_LEN + 1]);

/* The newest complete run, or -ENOENT. */
int store_latest_run(struct store *s, int64_t *run_id);
/* Fills *out (free with store_run_clear), or -ENOENT. */
int store_run_get(struct store *s, int64_t run_id, struct store_run *out);
void store_run_clear(struct store_run *r);

/* ---- compliance (schema 3) -------------------------------------------- */

/* What a run was configured with; set while it is running. */
struct store_run_context {
	const char *config_path, *baseline, *organisation, *project;
};
int store_run_set_context(struct store *s, int64_t run, const struct store_run_context *c);

/* A profile selected for the run, in selection order. */
struct store_profile {
	const char *id, *title, *version;
	const char *source; /* "built-in" or the file it was read from */
};

/* One control's result in a run (DESIGN.md "Profiles"). status is pass,
 * fail, waived, not-applicable or not-assessed. */
struct store_control {
	const char *profile, *id, *title, *level;
	const char *status;
	unsigned findings; /* unwaived findings of its rules */
	unsigned waived;   /* waived findings of its rules */
	const char *rules; /* its rule ids, space-separated; "" when manual */
	const char *evidence;
};

/* A waiver from the configuration, as applied in the run. state is active,
 * expiring (within 30 days of the run) or expired (no longer suppresses). */
struct store_waiver {
	const char *rule;
	const char *paths;       /* path globs, space-separated; NULL with a fingerprint */
	const char *fingerprint; /* NULL with paths */
	const char *reason, *owner, *expires; /* expires: YYYY-MM-DD */
	const char *state;
	unsigned matched; /* findings it waived (0 when expired) */
	const char *source; /* file:line of the waiver */
};

/* A rule switched off, or given another severity, by the configuration. */
struct store_rule_setting {
	const char *rule;
	bool enabled;
	int severity; /* enum severity, or -1 when not overridden */
	const char *reason; /* may be NULL */
	const char *source; /* file:line */
};

int store_add_profile(struct store *s, int64_t run, const struct store_profile *p);
int store_add_control(struct store *s, int64_t run, const struct store_control *c);
int store_add_waiver(struct store *s, int64_t run, const struct store_waiver *w);
int store_add_rule_setting(struct store *s, int64_t run, const struct store_rule_setting *r);

/* Per-rule counts of a run's findings, for control status: cb is called
 * once per rule that has findings, in rule order, with its unwaived and
 * waived counts. Every finding written counts: the run this handle began
 * is counted as its rows are written, any other run from its rows. */
typedef int (*store_rule_count_cb)(const char *rule, unsigned unwaived, unsigned waived, void *ctx);
int store_foreach_rule_count(struct store *s, int64_t run, store_rule_count_cb cb, void *ctx);

typedef int (*store_profile_cb)(const struct store_profile *p, void *ctx);
typedef int (*store_control_cb)(const struct store_control *c, void *ctx);
typedef int (*store_waiver_cb)(const struct store_waiver *w, void *ctx);
typedef int (*store_rule_setting_cb)(const struct store_rule_setting *r, void *ctx);
/* In the order they were recorded. profile NULL: every profile's controls. */
int store_foreach_profile(struct store *s, int64_t run, store_profile_cb cb, void *ctx);
int store_foreach_control(struct store *s, int64_t run, const char *profile, store_control_cb cb, void *ctx);
int store_foreach_waiver(struct store *s, int64_t run, store_waiver_cb cb, void *ctx);
int store_foreach_rule_setting(struct store *s, int64_t run, store_rule_setting_cb cb, void *ctx);

/* The fingerprints of a run's findings, for a baseline. */
typedef int (*store_fingerprint_cb)(const char *fingerprint, void *ctx);
int store_foreach_fingerprint(struct store *s, int64_t run, store_fingerprint_cb cb, void *ctx);

/* ---- container images (schema 2) ---------------------------------------- */

struct store_image_layer {
	const char *digest;     /* descriptor digest, or the diff_id for docker-archive layers */
	const char *media_type; /* NULL when the archive does not say */
	int64_t size;           /* declared size; -1 when unknown */
};

/* One image a run scanned: what it is, and the layers it is made of. */
struct store_image {
	const char *target;        /* the input's locator */
	const char *source;        /* where the image sits inside the target ("" when it is the target) */
	const char *format;        /* docker-archive | oci-layout */
	const char *digest;        /* manifest digest, else the config digest (docker's image id) */
	const char *config_digest;
	const char *os, *architecture; /* "linux", "amd64" or "arm64/v8" */
	const char *const *tags;
	size_t n_tags;
	const struct store_image_layer *layers;
	size_t n_layers;
};

/* An installed package read from the image's package database. */
struct store_package {
	const char *manager; /* dpkg | apk */
	const char *name, *version, *architecture;
	const char *layer_digest; /* the layer whose database lists it */
};

/* Records an image with its tags and layers; *image_id names it for
 * store_add_image_package. Like findings, only while the run is running. */
int store_add_image(struct store *s, int64_t run, const struct store_image *img, int64_t *image_id);
int store_add_image_package(struct store *s, int64_t image_id, const struct store_package *p);

typedef int (*store_image_cb)(const struct store_image *img, int64_t image_id, void *ctx);
typedef int (*store_package_cb)(const struct store_package *p, void *ctx);
/* The run's images in the order they were recorded, with tags and layers. */
int store_foreach_image(struct store *s, int64_t run, store_image_cb cb, void *ctx);
/* An image's packages, ordered by name and version. */
int store_foreach_image_package(struct store *s, int64_t image_id, store_package_cb cb, void *ctx);

/* Iterators stop early and return the callback's value when it is nonzero.
 * Pointers passed to callbacks are valid only during the call. */
typedef int (*store_run_cb)(const struct store_run *r, void *ctx);
typedef int (*store_input_cb)(const struct store_input *in, void *ctx);
typedef int (*store_finding_cb)(const struct finding *f, void *ctx);
typedef int (*store_notice_cb)(const struct store_notice *n, void *ctx);

/* All runs, newest first. */
int store_foreach_run(struct store *s, store_run_cb cb, void *ctx);
int store_foreach_input(struct store *s, int64_t run, store_input_cb cb, void *ctx);
/* Findings ordered by severity (critical first), rule, path, line, column. */
int store_foreach_finding(struct store *s, int64_t run, store_finding_cb cb, void *ctx);
/* The findings of one rule, in the same order, read through an index on
 * (run, rule): a report can list them rule by rule, or control by control,
 * without holding a run's findings in memory. */
int store_foreach_finding_of_rule(struct store *s, int64_t run, const char *rule, store_finding_cb cb, void *ctx);
int store_foreach_notice(struct store *s, int64_t run, store_notice_cb cb, void *ctx);

/* ---- pruning (schema 4) ------------------------------------------------ */

/* A run that `assay prune` removed: its hashes are kept so that the chain
 * can still be walked through it (docs/store.md "Pruning"); its content is
 * gone. Failed runs are recorded too, without hashes, so that every run id
 * ever issued is accounted for. */
struct store_pruned_run {
	int64_t id;
	const char *status; /* complete | failed */
	const char *started_at, *finished_at;
	const char *content_hash, *prev_hash, *chain_hash; /* NULL for failed runs */
	const char *pruned_at;
};

struct store_prune_result {
	unsigned complete, failed; /* runs pruned (or, dry, that would be) */
	int64_t first, last;       /* lowest and highest id pruned; 0 when none */
	int64_t oldest_kept;       /* the oldest complete run kept; 0 when there is none */
	int64_t running;           /* a running run that bounds the prune (nothing from it on goes); 0 if none */
	int64_t altered;           /* -EBADMSG: the run whose content no longer matches its hash */
};

/* Deletes every run older than the oldest of the newest `keep` complete
 * runs (keep >= 1), with all their rows, except that nothing from the
 * oldest running run on is touched. Each pruned run's id, status, times and
 * hashes go to pruned_runs in the same transaction. A complete run whose
 * content no longer matches its hash is not pruned (that would erase the
 * evidence): the prune stops with -EBADMSG and out->altered names it.
 * cb, when not NULL, sees each run before it goes. With dry_run nothing
 * changes. */
int store_prune(struct store *s, unsigned keep, bool dry_run, store_run_cb cb, void *ctx,
		struct store_prune_result *out);
typedef int (*store_pruned_run_cb)(const struct store_pruned_run *p, void *ctx);
/* Pruned runs, oldest first. */
int store_foreach_pruned_run(struct store *s, store_pruned_run_cb cb, void *ctx);
/* The highest run id ever issued (ids are never reused), 0 when none:
 * every id up to it is either a run or a pruned run unless rows were
 * removed behind assay's back. */
int store_run_id_high_water(struct store *s, int64_t *out);

/* ---- reading for reports -------------------------------------------------- */

/* The newest complete run before `run`, or -ENOENT. */
int store_previous_complete_run(struct store *s, int64_t run, int64_t *prev);

/* Two runs compared by fingerprint (`assay diff`, the PDF's changes): NEW
 * are the findings of `to` whose fingerprint `from` does not hold, FIXED
 * the findings of `from` whose fingerprint `to` does not hold, PERSISTING
 * the findings of `to` whose fingerprint `from` holds. Streamed in
 * store_foreach_finding's order; nothing is collected in memory. */
enum store_diff {
	STORE_DIFF_NEW,
	STORE_DIFF_FIXED,
	STORE_DIFF_PERSISTING,
};
int store_foreach_diff_finding(struct store *s, int64_t from, int64_t to, enum store_diff kind,
			       store_finding_cb cb, void *ctx);

/* When a finding was first seen: the earliest run holding its fingerprint
 * among the complete runs and the run being read. */
struct store_first_seen {
	int64_t run;
	const char *started_at; /* that run's start, ISO 8601 UTC */
};
typedef int (*store_finding_seen_cb)(const struct finding *f, const struct store_first_seen *first, void *ctx);
/* store_foreach_finding, with each finding's first sighting. */
int store_foreach_finding_first_seen(struct store *s, int64_t run, store_finding_seen_cb cb, void *ctx);

#endif
