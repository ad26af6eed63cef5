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
#include "git_checks.h"
#include "history.h"
#include "repo.h"
#include "scanners.h"
#include "store.h"
#include "utf8.h"
#include "util.h"

volatile sig_atomic_t scan_cancelled;

static const struct scanner *const scanners[] = {
	&env_scanner,
	&k8s_scanner,
	&compose_scanner,
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
		.line = h->in_binary ? 0 : r->first_line + h->line - 1,
		.column = h->in_binary || (h->line == 1 && r->first_line != 1) ? 0 : h->column,
		.message = msg,
		.evidence = h->redacted,
		.secret_hash = h->hash,
		.identity = h->hash,
		.waived = h->ignored,
	};

	const struct git_secret *g = r->s->target && r->s->target->history
					     ? git_history_claim(r->s->target->history, h->pattern->rule.id, h->hash)
					     : NULL;

	if (g) {
		f.commit = g->commit;
		f.author = g->author;
		f.date = g->date;
	}
	snprintf(msg, sizeof(msg), "%s %s%s%s", h->pattern->rule.title, h->in_binary ? "in binary content" : "in clear text",
		 h->ignored ? " (ignored inline: " : "",
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

bool scan_ignored_by_git(struct scan *s, const struct fs_entry *e)
{
	struct scan_target *t = s->target;
	bool in_index, in_head, ignored;
	char *repo_path;

	if (!t->repo || e->data)
		return false;
	repo_path = xasprintf("%s%s", t->repo_prefix, e->relpath);
	repo_tracking(t->repo, repo_path, &in_index, &in_head);
	ignored = !in_index && !in_head && repo_ignores(t->repo, repo_path);
	free(repo_path);
	return ignored;
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

/* --history and --diff need a repository, and --diff a range in it. */
static int check_git_target(const struct scan_request *req, const char *path, char *err, size_t errlen)
{
	const char *option = req->diff_range ? "--diff" : "--history";
	struct repo *r = NULL;
	char why[256] = "";
	char *dir = NULL;
	struct stat st;
	int rc;

	if (stat(path, &st) == 0 && !S_ISDIR(st.st_mode))
		path = dir = dir_of(path);
	rc = repo_open(path, &r, why, sizeof(why));
	if (rc < 0)
		snprintf(err, errlen, "%s needs a git repository, and '%s' is not in one", option, path);
	else if (req->diff_range)
		rc = repo_check_range(r, req->diff_range, err, errlen);
	repo_close(r);
	free(dir);
	return rc < 0 ? -EINVAL : 0;
}

static bool is_stdin_target(const char *arg)
{
	return strcmp(arg, SCAN_STDIN_TARGET) == 0;
}

int scan_check_targets(const struct scan_request *req, char *err, size_t errlen)
{
	struct stat st;
	bool stdin_seen = false;

	for (size_t i = 0; i < req->n_targets; i++) {
		int rc;
		if (is_stdin_target(req->targets[i])) {
			if (stdin_seen) {
				snprintf(err, errlen, "standard input ('-') can be named only once");
				return -EINVAL;
			}
			stdin_seen = true;
			continue;
		}
		rc = stat_target(req->targets[i], &st, err, errlen);
		if (rc < 0)
			return rc;
		if ((req->history || req->diff_range) && check_git_target(req, req->targets[i], err, errlen) < 0)
			return -EINVAL;
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

/* A bare repository is a target of its own when it is the directory
 * named; a directory inside one (or inside .git) is walked as plain files. */
static bool is_the_bare_repository(const struct repo *r, const char *root)
{
	char real[PATH_MAX];

	return repo_is_bare(r) && realpath(root, real) && strcmp(real, repo_gitdir(r)) == 0;
}

static void target_attach_repo(struct scan *s, struct scan_target *t)
{
	char err[512] = "";
	int rc = repo_open(t->root, &t->repo, err, sizeof(err));

	if (rc == -ENOENT)
		return;
	if (rc < 0) {
		scan_notice(s, "warning", t->locator, "%s; git checks skipped", err);
		return;
	}
	if (repo_is_bare(t->repo)) {
		t->bare = !t->file && is_the_bare_repository(t->repo, t->root);
		if (t->bare) {
			t->kind = "git-bare";
			return;
		}
		repo_close(t->repo);
		t->repo = NULL;
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

/* Reads standard input whole, up to SCAN_STDIN_MAX_BYTES; what it could
 * not read is said in a notice, and the scan goes on with what it has. */
static void target_read_stdin(struct scan *s, struct scan_target *t)
{
	struct buf b;
	char chunk[65536];
	size_t n;

	buf_init(&b);
	buf_append(&b, "", 0);
	while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0) {
		if (b.len + n > SCAN_STDIN_MAX_BYTES) {
			buf_append(&b, chunk, SCAN_STDIN_MAX_BYTES - b.len);
			t->stdin_truncated = true;
			break;
		}
		buf_append(&b, chunk, n);
	}
	if (ferror(stdin))
		scan_notice(s, "error", t->locator, "cannot read standard input: %s; scanned what was read",
			    strerror(errno));
	if (t->stdin_truncated)
		scan_notice(s, "warning", t->locator, "standard input is larger than the %d MiB cap; only the first "
			    "%d MiB were scanned", SCAN_STDIN_MAX_BYTES >> 20, SCAN_STDIN_MAX_BYTES >> 20);
	t->stdin_len = b.len;
	t->stdin_data = buf_steal(&b);
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
	sha256_init(&t->digest);
	t->claimed_by = -1;
	if (is_stdin_target(arg)) {
		t->locator = xstrdup(SCAN_STDIN_NAME);
		t->kind = "stdin";
		target_read_stdin(s, t);
		return;
	}
	t->locator = normalise_locator(arg);
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
	git_history_free(t->history);
	repo_close(t->repo);
	free(t->locator);
	free(t->root);
	free(t->file);
	free(t->repo_prefix);
	if (t->stdin_data)
		secure_zero(t->stdin_data, t->stdin_len);
	free(t->stdin_data);
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
		rc = history_scan(s, t);
		if (rc == 0 && t->stdin_data)
			rc = fswalk_buffer(SCAN_STDIN_NAME, t->stdin_data, t->stdin_len, t->stdin_truncated, &ops, &w);
		else if (rc == 0 && !t->skip_walk)
			rc = t->file ? fswalk_file(t->file, &ops, &w) : fswalk(t->root, &ops, &w);
	}
	if (rc < 0 && rc != -EINTR && rc != s->write_error && rc != -EINVAL)
		scan_notice(s, "error", t->locator, "cannot %s: %s", t->claimed_by >= 0 ? "read" : "walk", strerror(-rc));
	if (scan_cancelled)
		rc = -EINTR;
	if (rc == 0)
		history_report(s, t);
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
		states[i] = scanners[i]->begin ? scanners[i]->begin(&s) : NULL;
	for (; opened < req->n_targets && rc == 0 && !s.write_error; opened++) {
		target_open(&s, &targets[opened], req->targets[opened]);
		s.target = &targets[opened];
		rc = scan_target_walk(&s, &targets[opened], states);
		s.target = NULL;
	}
	for (size_t i = 0; i < ARRAY_LEN(scanners); i++)
		if (scanners[i]->end)
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
