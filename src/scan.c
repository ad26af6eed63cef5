/*
 * The scan driver (see scan.h): resolves the command line's targets into
 * inputs, walks each one and hands every file to every scanner, and keeps
 * the run's lifecycle in the store honest: a run is marked complete only
 * after everything was written, and failed when anything stopped it.
 */
#include "scan.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "checks.h"
#include "repo.h"
#include "scanners.h"
#include "store.h"
#include "utf8.h"
#include "util.h"

volatile sig_atomic_t scan_cancelled;

static const struct scanner *const scanners[] = {
	&env_scanner,
	&dockerfile_scanner,
	&image_scanner,
	&content_scanner, /* last: it takes what no format scanner claimed */
};

void scan_emit(struct scan *s, struct finding *f)
{
	int rc;

	if (!f->target)
		f->target = s->target ? s->target->locator : "";
	if (!f->path)
		f->path = "";
	finding_fingerprint(f);
	rc = store_add_finding(s->store, s->run_id, f);
	if (rc < 0 && !s->write_error)
		s->write_error = rc;
	s->findings++;
}

void scan_parse_error(struct scan *s, const char *path, unsigned line, unsigned column, const char *fmt, ...)
{
	struct finding f = {0};
	struct buf msg;
	va_list ap;

	buf_init(&msg);
	va_start(ap, fmt);
	buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	if (!s->req->quiet) {
		if (line)
			fprintf(stderr, "assay: %s:%u: %s\n", path, line, msg.data);
		else
			fprintf(stderr, "assay: %s: %s\n", path, msg.data);
	}
	f.rule = RULE_PARSE_ERROR;
	f.severity = SEV_LOW;
	f.path = path;
	f.line = line;
	f.column = column;
	f.message = msg.data;
	f.identity = msg.data; /* not the line: the same error keeps its identity */
	scan_emit(s, &f);
	buf_free(&msg);
}

void scan_notice(struct scan *s, const char *level, const char *path, const char *fmt, ...)
{
	struct store_notice n = {.level = level, .path = path};
	struct buf msg;
	va_list ap;
	int rc;

	buf_init(&msg);
	va_start(ap, fmt);
	buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	if (!s->req->quiet && strcmp(level, "info") != 0)
		fprintf(stderr, "assay: %s: %s%s%s\n", level, path ? path : "", path ? ": " : "", msg.data);
	n.message = msg.data;
	rc = store_add_notice(s->store, s->run_id, &n);
	if (rc < 0 && !s->write_error)
		s->write_error = rc;
	buf_free(&msg);
}

int scan_find_secrets(struct scan *s, const char *path, const char *data, size_t len, secret_hit_cb cb, void *ctx)
{
	return secrets_find(s->secrets, path, data, len, cb, ctx);
}

struct report_ctx {
	struct scan *s;
	const char *path;
	unsigned first_line;
};

static void report_hit(const struct secret_hit *h, void *ctx)
{
	struct report_ctx *r = ctx;
	char msg[512];
	struct finding f = {
		.rule = h->pattern->rule.id,
		.severity = h->pattern->rule.severity,
		.path = r->path,
		.line = r->first_line + h->line - 1,
		.column = h->line == 1 && r->first_line != 1 ? 0 : h->column,
		.message = msg,
		.evidence = h->redacted,
		.secret_hash = h->hash,
		.identity = h->hash,
		.waived = h->ignored,
	};

	snprintf(msg, sizeof(msg), "%s%s%s", h->pattern->rule.title, h->ignored ? " (ignored inline: " : "",
		 h->ignored ? (h->ignore_reason ? h->ignore_reason : "no reason given") : "");
	if (h->ignored)
		strncat(msg, ")", sizeof(msg) - strlen(msg) - 1);
	scan_emit(r->s, &f);
}

int scan_report_secrets(struct scan *s, const char *path, const char *data, size_t len, unsigned first_line)
{
	struct report_ctx r = {s, path, first_line ? first_line : 1};

	return secrets_find(s->secrets, path, data, len, report_hit, &r);
}

void scan_digest_content(struct scan *s, const char *relpath, const void *data, size_t len)
{
	char hex[SHA256_HEX_LEN + 1];

	sha256_hex(data, len, hex);
	sha256_field(&s->target->digest, "content");
	sha256_field(&s->target->digest, relpath);
	sha256_field(&s->target->digest, hex);
}

/* "./a//b/" -> "a//b", "" -> "." : how the input is named in reports. */
static char *normalise_locator(const char *arg)
{
	size_t n;

	while (arg[0] == '.' && arg[1] == '/' && arg[2])
		for (arg += 2; *arg == '/' && arg[1];)
			arg++;
	n = strlen(arg);
	while (n > 1 && arg[n - 1] == '/')
		n--;
	return n ? xstrndup(arg, n) : xstrdup(".");
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

static int stat_target(const char *arg, struct stat *st, char *err, size_t errlen)
{
	if (stat(arg, st) < 0) {
		snprintf(err, errlen, "cannot scan '%s': %s", arg, strerror(errno));
		return -errno;
	}
	if (!S_ISDIR(st->st_mode) && !S_ISREG(st->st_mode)) {
		snprintf(err, errlen, "cannot scan '%s': not a directory or a regular file", arg);
		return -EINVAL;
	}
	return 0;
}

int scan_check_targets(const struct scan_request *req, char *err, size_t errlen)
{
	struct stat st;

	for (size_t i = 0; i < req->n_targets; i++) {
		int rc = stat_target(req->targets[i], &st, err, errlen);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Where root sits inside the work tree, "" or "sub/dir/"; NULL when it is
 * not inside it after all (a root inside .git, say). */
static char *repo_prefix_of(const struct repo *r, const char *root)
{
	char real[PATH_MAX];
	const char *wd = repo_workdir(r);
	size_t n = strlen(wd);

	if (!realpath(root, real))
		return NULL;
	if (strcmp(real, wd) == 0)
		return xstrdup("");
	if (strncmp(real, wd, n) != 0 || real[n] != '/')
		return NULL;
	if (str_starts_with(real + n + 1, ".git/") || strcmp(real + n + 1, ".git") == 0)
		return NULL;
	return xasprintf("%s/", real + n + 1);
}

static void target_attach_repo(struct scan *s, struct scan_target *t)
{
	char err[512] = "";
	int rc = repo_open_worktree(t->root, &t->repo, err, sizeof(err));

	if (rc == -ENOENT)
		return;
	if (rc < 0) {
		scan_notice(s, "warning", t->locator, "%s; git checks skipped", err);
		return;
	}
	t->repo_prefix = repo_prefix_of(t->repo, t->root);
	if (!t->repo_prefix) {
		repo_close(t->repo);
		t->repo = NULL;
		return;
	}
	if (!t->file)
		t->kind = "git-worktree";
}

/* The scanner that reads this target whole, or -1 for a walk. */
static int target_claimed_by(const char *arg)
{
	for (size_t i = 0; i < ARRAY_LEN(scanners); i++)
		if (scanners[i]->claims_target && scanners[i]->claims_target(arg))
			return (int)i;
	return -1;
}

static void target_open(struct scan *s, struct scan_target *t, const char *arg)
{
	struct stat st;

	memset(t, 0, sizeof(*t));
	t->locator = normalise_locator(arg);
	sha256_init(&t->digest);
	t->claimed_by = target_claimed_by(arg);
	if (t->claimed_by >= 0) {
		t->kind = "image";
		t->root = xstrdup(arg);
		return;
	}
	if (stat(arg, &st) == 0 && S_ISREG(st.st_mode)) {
		t->kind = "file";
		t->file = xstrdup(arg);
		t->root = dir_of(arg);
	} else {
		t->kind = "directory";
		t->root = xstrdup(arg);
	}
	target_attach_repo(s, t);
}

static void target_close(struct scan_target *t)
{
	repo_close(t->repo);
	free(t->locator);
	free(t->root);
	free(t->file);
	free(t->repo_prefix);
	memset(t, 0, sizeof(*t));
}

struct walk_ctx {
	struct scan *s;
	void **states;
};

static int walk_file(const struct fs_entry *e, void *ctx)
{
	struct walk_ctx *w = ctx;
	struct scan *s = w->s;
	char meta[64];

	s->target->files++;
	snprintf(meta, sizeof(meta), "%o %lld", (unsigned)(e->st.st_mode & 07777), (long long)e->st.st_size);
	sha256_field(&s->target->digest, "file");
	sha256_field(&s->target->digest, e->relpath);
	sha256_field(&s->target->digest, meta);
	bool claimed = false;

	for (size_t i = 0; i < ARRAY_LEN(scanners); i++) {
		int rc = scanners[i]->file(s, w->states[i], e, claimed);
		if (rc < 0)
			return rc;
		claimed |= rc > 0;
	}
	return s->write_error;
}

static void walk_problem(const char *relpath, const char *message, void *ctx)
{
	struct walk_ctx *w = ctx;
	char *display = utf8_sanitize(relpath, strlen(relpath));

	scan_notice(w->s, "warning", *display ? display : w->s->target->locator, "%s", message);
	free(display);
}

static bool walk_cancelled(void *ctx)
{
	(void)ctx;
	return scan_cancelled != 0;
}

/* Walks one target; its input row is written later (record_inputs), once
 * the checks across files have added their findings to it too. */
static int scan_target_walk(struct scan *s, struct scan_target *t, void **states)
{
	struct fswalk_ops ops = {.file = walk_file, .problem = walk_problem, .cancelled = walk_cancelled};
	struct walk_ctx w = {s, states};
	int rc;

	if (t->claimed_by >= 0) {
		rc = scanners[t->claimed_by]->scan_target(s, states[t->claimed_by], t->root);
		if (!rc && scan_cancelled)
			rc = -EINTR;
	} else {
		rc = t->file ? fswalk_file(t->file, &ops, &w) : fswalk(t->root, &ops, &w);
	}
	if (rc < 0 && rc != -EINTR && rc != s->write_error)
		scan_notice(s, "error", t->locator, "cannot %s: %s", t->claimed_by >= 0 ? "read" : "walk", strerror(-rc));
	if (!t->digest_hex[0]) {
		strcpy(t->digest_hex, "sha256:");
		sha256_final_hex(&t->digest, t->digest_hex + 7);
	}
	return rc == -EINTR ? rc : 0;
}

static void record_inputs(struct scan *s, struct scan_target *targets, size_t n)
{
	for (size_t i = 0; i < n && !s->write_error; i++) {
		struct scan_target *t = &targets[i];
		struct store_input in = {
			.kind = t->kind,
			.locator = t->locator,
			.digest = t->digest_hex,
			.commit = t->repo ? repo_head_commit(t->repo) : NULL,
		};
		int rc = store_add_input(s->store, s->run_id, &in);
		if (rc == 0)
			rc = store_set_target_digest(s->store, s->run_id, t->locator, t->digest_hex);
		if (rc < 0)
			s->write_error = rc;
	}
}

static bool fails_threshold(const struct store_run *r, enum severity fail_on)
{
	for (int sev = SEV_COUNT - 1; sev >= 0; sev--)
		if ((enum severity)sev >= fail_on && fail_on != SEV_NONE && r->counts[sev])
			return true;
	return false;
}

static int scan_verdict(struct scan *s, int *exit_code)
{
	struct store_run r;
	int rc = store_run_get(s->store, s->run_id, &r);

	if (rc < 0)
		return rc;
	*exit_code = fails_threshold(&r, s->req->fail_on) ? 1 : 0;
	store_run_clear(&r);
	return 0;
}

int scan_run(struct store *st, const struct scan_request *req, int64_t *run_id, int *exit_code, char *err,
	     size_t errlen)
{
	struct scan s = {.store = st, .req = req};
	void *states[ARRAY_LEN(scanners)];
	struct scan_target *targets = xcalloc(req->n_targets, sizeof(*targets));
	size_t opened = 0;
	int rc = 0;

	*exit_code = 3;
	rc = secrets_engine_new(&s.secrets, err, errlen);
	if (rc < 0)
		goto out;
	rc = store_run_begin(st, req->command, severity_name(req->fail_on), &s.run_id);
	if (rc < 0) {
		snprintf(err, errlen, "cannot start a run in the store (%s)", strerror(-rc));
		goto out;
	}
	*run_id = s.run_id;
	for (size_t i = 0; i < ARRAY_LEN(scanners); i++)
		states[i] = scanners[i]->begin(&s);
	for (; opened < req->n_targets && rc == 0 && !s.write_error; opened++) {
		target_open(&s, &targets[opened], req->targets[opened]);
		s.target = &targets[opened];
		rc = scan_target_walk(&s, &targets[opened], states);
		s.target = NULL;
	}
	for (size_t i = 0; i < ARRAY_LEN(scanners); i++)
		scanners[i]->end(&s, states[i]);
	record_inputs(&s, targets, opened);
	if (rc == -EINTR || scan_cancelled) {
		snprintf(err, errlen, "scan interrupted; run %lld marked failed", (long long)s.run_id);
		store_run_fail(st, s.run_id, "interrupted by a signal");
		rc = -EINTR;
		goto out;
	}
	if (!s.write_error)
		s.write_error = scan_verdict(&s, exit_code);
	if (s.write_error) {
		snprintf(err, errlen, "cannot write run %lld to the store (%s); run marked failed",
			 (long long)s.run_id, strerror(-s.write_error));
		store_run_fail(st, s.run_id, "store write failed");
		*exit_code = 3;
		rc = s.write_error;
		goto out;
	}
	rc = store_run_finish(st, s.run_id, *exit_code);
	if (rc < 0) {
		snprintf(err, errlen, "cannot complete run %lld (%s)", (long long)s.run_id, strerror(-rc));
		*exit_code = 3;
	}
out:
	for (size_t i = 0; i < opened; i++)
		target_close(&targets[i]);
	free(targets);
	secrets_engine_free(s.secrets);
	return rc;
}
