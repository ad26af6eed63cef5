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
#include "config.h"
#include "controls.h"
#include "git_checks.h"
#include "hashmap.h"
#include "history.h"
#include "readahead.h"
#include "repo.h"
#include "scanners.h"
#include "store.h"
#include "suppress.h"
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

/* The rule family each scanner's inputs make applicable, in the order of
 * scanners[]. */
static const char *const scanner_families[] = {"env", "k8s", "compose", "docker", "image", "secret"};

_Static_assert(ARRAY_LEN(scanner_families) == ARRAY_LEN(scanners), "one family per scanner");

void scan_set_source(struct scan *s, const char *path, const char *data, size_t len)
{
	s->source_path = path;
	s->source_data = path ? data : NULL;
	s->source_len = path ? len : 0;
	s->source_has_ignores = suppress_possible(s->source_data, s->source_len);
}

void scan_mark_applicable(struct scan *s, const char *family)
{
	if (scan_family_applicable(s, family) || s->n_applicable == SCAN_MAX_FAMILIES)
		return;
	s->applicable[s->n_applicable++] = family;
}

bool scan_family_applicable(const struct scan *s, const char *family)
{
	for (size_t i = 0; i < s->n_applicable; i++)
		if (strcmp(s->applicable[i], family) == 0)
			return true;
	return false;
}

static void write_finding(struct scan *s, struct finding *f)
{
	int rc = store_add_finding(s->store, s->run_id, f);

	if (rc < 0 && !s->write_error)
		s->write_error = rc;
	s->findings++;
}

/* An inline ignore without a reason still waives, and is itself reported
 * once per comment, so that an auditor sees every unexplained silence. */
static void report_bare_ignore(struct scan *s, const struct finding *waived)
{
	struct finding f = {0};
	char key[64], msg[256];
	struct buf k;

	if (!s->bare_ignores) {
		s->bare_ignores = xcalloc(1, sizeof(*s->bare_ignores));
		hashmap_init(s->bare_ignores);
	}
	buf_init(&k);
	buf_printf(&k, "%s\n%s\n%u", waived->target, waived->path, waived->line);
	if (hashmap_contains(s->bare_ignores, k.data)) {
		buf_free(&k);
		return;
	}
	hashmap_put(s->bare_ignores, k.data, NULL);
	buf_free(&k);
	snprintf(key, sizeof(key), "%s", waived->rule);
	snprintf(msg, sizeof(msg), "assay:ignore %s gives no reason: say why the finding is acceptable", key);
	f.rule = RULE_IGNORE_WITHOUT_REASON;
	f.severity = SEV_LOW;
	f.target = waived->target;
	f.path = waived->path;
	f.line = waived->line;
	f.message = msg;
	f.identity = key;
	finding_fingerprint(&f);
	write_finding(s, &f);
}

/* Waives a finding an inline comment covers; reason NULL when it gave none. */
#define INLINE_NO_REASON "inline: no reason given"

static void waive_inline(struct scan *s, struct finding *f, const char *reason, char *text, size_t textlen)
{
	if (reason)
		snprintf(text, textlen, "inline: %s", reason);
	else
		snprintf(text, textlen, "%s", INLINE_NO_REASON);
	f->waived = true;
	f->waiver = text;
	if (!reason && strcmp(f->rule, RULE_IGNORE_WITHOUT_REASON) != 0)
		report_bare_ignore(s, f);
}

static void apply_inline_ignore(struct scan *s, struct finding *f, char *text, size_t textlen)
{
	char *reason = NULL;

	if (f->waived || !f->line || !s->source_has_ignores || strcmp(s->source_path, f->path) != 0)
		return;
	if (suppress_at_line(s->source_data, s->source_len, f->line, f->rule, &reason))
		waive_inline(s, f, reason, text, textlen);
	free(reason);
}

static void apply_waiver(struct scan *s, struct finding *f)
{
	struct config_waiver *w;

	if (f->waived || !s->req->config)
		return;
	w = config_waiver_for(s->req->config, f);
	if (!w)
		return;
	f->waived = true;
	f->waiver = w->summary;
	w->matched++;
}

static void apply_baseline(struct scan *s, struct finding *f)
{
	if (s->req->baseline)
		f->baseline = hashmap_contains(s->req->baseline, f->fingerprint) ? "unchanged" : "new";
}

/* Only an unwaived finding at or above the threshold that is not already
 * in the baseline fails the scan: a pull request answers for what it adds. */
static bool counts_toward_fail_on(const struct scan *s, const struct finding *f)
{
	if (f->waived || s->req->fail_on == SEV_NONE || f->severity < s->req->fail_on)
		return false;
	return !f->baseline || strcmp(f->baseline, "new") == 0;
}

void scan_emit(struct scan *s, struct finding *f)
{
	const struct config_rule_setting *setting = config_setting(s->req->config, f->rule);
	char inline_text[320];

	if (setting && !setting->enabled)
		return;
	if (setting && setting->severity >= 0)
		f->severity = (enum severity)setting->severity;
	if (!f->target)
		f->target = s->target ? s->target->locator : "";
	if (!f->path)
		f->path = "";
	if (*f->path && config_excluded(s->req->config, f->path))
		return;
	finding_fingerprint(f);
	/* a scanner that judged an inline ignore itself (the secrets engine) */
	if (f->waived && !f->waiver)
		f->waiver = "inline";
	else if (f->waived && strcmp(f->waiver, INLINE_NO_REASON) == 0)
		report_bare_ignore(s, f);
	apply_inline_ignore(s, f, inline_text, sizeof(inline_text));
	apply_waiver(s, f);
	apply_baseline(s, f);
	if (counts_toward_fail_on(s, f))
		s->failing++;
	write_finding(s, f);
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
	scan_mark_applicable(s, "secret");
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
	char msg[512], waiver[320];
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
	if (h->ignored) {
		strncat(msg, ")", sizeof(msg) - strlen(msg) - 1);
		if (h->ignore_reason)
			snprintf(waiver, sizeof(waiver), "inline: %s", h->ignore_reason);
		else
			snprintf(waiver, sizeof(waiver), "%s", INLINE_NO_REASON);
		f.waiver = waiver;
	}
	scan_emit(r->s, &f);
}

int scan_report_secrets(struct scan *s, const char *path, const char *data, size_t len, unsigned first_line)
{
	struct report_ctx r = {s, path, first_line ? first_line : 1};

	scan_mark_applicable(s, "secret");
	return secrets_find(s->secrets, path, data, len, report_hit, &r);
}

/* Git leaves the file out: it is neither in the index nor in HEAD, and the
 * ignore rules match it. */
static bool git_leaves_out(struct scan *s, const struct fs_entry *e)
{
	struct scan_target *t = s->target;
	char *repo_path;
	bool ignored;

	if (!t->repo || e->data)
		return false;
	repo_path = xasprintf("%s%s", t->repo_prefix, e->relpath);
	/* cheapest first: an index lookup, HEAD's tree, then the ignore rules
	 * (tens of microseconds a path) */
	ignored = !repo_in_index(t->repo, repo_path) && !repo_in_head(t->repo, repo_path) &&
		  repo_ignores(t->repo, repo_path);
	free(repo_path);
	return ignored;
}

bool scan_ignored_by_git(struct scan *s, const struct fs_entry *e)
{
	/* read ahead in a walk of a directory: git was asked already (by
	 * ahead_wanted, or at its turn when the repository was still opening) */
	if (e->ahead && !s->target->file)
		return false;
	return git_leaves_out(s, e);
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
	if (rc == -ELIBACC)
		snprintf(err, errlen, "%s: %s", option, why);
	else if (rc < 0)
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
	int rc = repo_open_via(&s->repo_ahead, t->root, &t->repo, err, sizeof(err));

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

/* A git directory (HEAD and objects/ at its top): perhaps a bare
 * repository, which is not walked at all. */
static bool may_be_git_dir(const char *dir)
{
	char *head = xasprintf("%s/HEAD", dir), *objects = xasprintf("%s/objects", dir);
	struct stat st;
	bool yes = stat(head, &st) == 0 && stat(objects, &st) == 0;

	free(head);
	free(objects);
	return yes;
}

/* A directory whose repository is being opened on its own thread is walked
 * at once, and the repository taken at the first file's turn: opening it
 * (libgit2's start-up, the index) takes longer than the rest of a scan's
 * start. Not for --history or --diff, which need it before the walk, nor
 * for what may be a bare repository. */
static bool can_walk_before_repo(const struct scan *s, const struct scan_target *t)
{
	return !t->file && !s->req->history && !s->req->diff_range && repo_ahead_is_for(s->repo_ahead, t->root) &&
	       !may_be_git_dir(t->root);
}

/* Takes the repository a walk started without: the files queued so far
 * were read ahead without asking git, and are asked at their turn. */
static void target_settle_repo(struct scan *s, struct scan_target *t)
{
	if (!t->repo_pending)
		return;
	t->repo_pending = false;
	t->unasked = t->queued;
	target_attach_repo(s, t);
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
	if (can_walk_before_repo(s, t))
		t->repo_pending = true;
	else
		target_attach_repo(s, t);
}

/* Directories only: a file target may be an image tarball, whose probe
 * (target_claimed_by) reads the archive, and is not worth reading twice;
 * a directory's probe is two stat calls. */
struct repo_ahead *scan_open_repo_ahead(const char *target)
{
	struct stat st;

	if (is_stdin_target(target) || stat(target, &st) != 0 || !S_ISDIR(st.st_mode) ||
	    target_claimed_by(target) >= 0)
		return NULL;
	return repo_open_ahead(target);
}

void scan_repo_ahead_free(struct repo_ahead *a)
{
	repo_ahead_free(a);
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

void *scan_prepared(const struct scan *s, const struct scanner *sc)
{
	if (!s->prepared)
		return NULL;
	for (size_t i = 0; i < ARRAY_LEN(scanners); i++)
		if (scanners[i] == sc)
			return s->prepared[i];
	return NULL;
}

static int walk_file(const struct fs_entry *e, void *ctx)
{
	struct walk_ctx *w = ctx;
	struct scan *s = w->s;
	char meta[64];

	if (config_excluded(s->req->config, e->relpath))
		return 0; /* excluded by .assay.yml: not read, not part of the digest */
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
		if (rc > 0)
			scan_mark_applicable(s, scanner_families[i]);
		claimed |= rc > 0;
	}
	return s->write_error;
}

/* ---- reading ahead (readahead.h) ---- */

/* Worth reading ahead: a file some scanner will read, which is one that
 * is neither excluded nor left out by git (the env scanner reads ignored
 * .env files itself). A file read ahead is thereby known to be in git's
 * view, and scan_ignored_by_git does not ask again. */
static bool ahead_wanted(const struct fs_entry *e, void *ctx)
{
	struct walk_ctx *w = ctx;
	struct scan *s = w->s;

	if (config_excluded(s->req->config, e->relpath))
		return false;
	if (s->target->repo_pending)
		return true; /* git is asked at its turn */
	return s->target->file || !scan_ignored_by_git(s, e);
}

/* One slot per scanner; runs on a worker thread. */
static void *ahead_prepare(const struct fs_entry *e, const struct fs_ahead *content, void *ctx)
{
	void **prepared = NULL;

	(void)ctx;
	for (size_t i = 0; i < ARRAY_LEN(scanners); i++) {
		void *p = scanners[i]->prepare ? scanners[i]->prepare(e, content->data, content->len,
								       content->truncated)
					       : NULL;
		if (p && !prepared)
			prepared = xcalloc(ARRAY_LEN(scanners), sizeof(*prepared));
		if (p)
			prepared[i] = p;
	}
	return prepared;
}

static void ahead_release(void *p, void *ctx)
{
	void **prepared = p;

	(void)ctx;
	for (size_t i = 0; i < ARRAY_LEN(scanners); i++)
		if (prepared[i])
			scanners[i]->release(prepared[i]);
	free(prepared);
}

static int ahead_turn(const struct fs_entry *e, void *prepared, void *ctx)
{
	struct walk_ctx *w = ctx;
	struct scan_target *t = w->s->target;
	struct fs_entry unread;
	int rc;

	target_settle_repo(w->s, t);
	if (t->turned++ < t->unasked && e->ahead && git_leaves_out(w->s, e)) {
		/* read ahead before git was asked, and left out by git: its turn
		 * is that of a file not read ahead */
		unread = *e;
		unread.ahead = NULL;
		e = &unread;
		prepared = NULL;
	}
	w->s->prepared = prepared;
	rc = walk_file(e, ctx);
	w->s->prepared = NULL;
	return rc;
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

/* fswalk's callbacks when reading ahead: through the read-ahead queue. */
struct ahead_walk {
	struct readahead *ra;
	struct walk_ctx *w;
};

static int queue_file(const struct fs_entry *e, void *ctx)
{
	struct ahead_walk *aw = ctx;

	aw->w->s->target->queued++;
	return readahead_file(aw->ra, e);
}

static void queue_problem(const char *relpath, const char *message, void *ctx)
{
	readahead_problem(((struct ahead_walk *)ctx)->ra, relpath, message);
}

/* The walk of a directory or a file, the files read (and prepared) ahead
 * of their turn. */
static int walk_reading_ahead(struct scan_target *t, struct walk_ctx *w)
{
	static const struct readahead_ops ra_ops = {
		.wanted = ahead_wanted,
		.prepare = ahead_prepare,
		.release = ahead_release,
		.file = ahead_turn,
		.problem = walk_problem,
	};
	const struct fswalk_ops ops = {.file = queue_file, .problem = queue_problem, .cancelled = walk_cancelled};
	struct ahead_walk aw = {readahead_new(&ra_ops, w), w};
	int rc, turns;

	rc = t->file ? fswalk_file(t->file, &ops, &aw) : fswalk(t->root, &ops, &aw);
	turns = readahead_finish(aw.ra, rc == 0 && !scan_cancelled);
	readahead_free(aw.ra);
	return rc ? rc : turns;
}

/* Walks one target; its input row is written later (record_inputs), once
 * the checks across files have added their findings to it too. */
static int scan_target_walk(struct scan *s, struct scan_target *t, void **states)
{
	struct fswalk_ops ops = {.file = walk_file, .problem = walk_problem, .cancelled = walk_cancelled};
	struct walk_ctx w = {s, states};
	int rc;

	if (t->claimed_by >= 0) {
		scan_mark_applicable(s, scanner_families[t->claimed_by]);
		rc = scanners[t->claimed_by]->scan_target(s, states[t->claimed_by], t->root);
		if (!rc && scan_cancelled)
			rc = -EINTR;
	} else {
		if (s->req->history && t->repo)
			scan_mark_applicable(s, "git");
		rc = history_scan(s, t);
		if (rc == 0 && t->stdin_data)
			rc = fswalk_buffer(SCAN_STDIN_NAME, t->stdin_data, t->stdin_len, t->stdin_truncated, &ops, &w);
		else if (rc == 0 && !t->skip_walk)
			rc = walk_reading_ahead(t, &w);
		target_settle_repo(s, t); /* a walk that gave no file a turn */
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
		if (rc < 0)
			s->write_error = rc;
	}
}

/* ---- what the configuration and profiles add to the run ---- */

/* A path as given, relative to the target when it lies inside it
 * ("repo/.assay.yml" in target "repo" is ".assay.yml"). */
static const char *path_in_target(const char *path, const char *target)
{
	size_t n = strlen(target);

	if (n && strcmp(target, ".") != 0 && strncmp(path, target, n) == 0 && path[n] == '/')
		return path + n + 1;
	return path;
}

/* An expired waiver suppresses nothing any more, and says so. */
static void report_expired_waivers(struct scan *s, const struct scan_target *first)
{
	const struct config *c = s->req->config;

	for (size_t i = 0; c && i < c->n_waivers; i++) {
		const struct config_waiver *w = &c->waivers[i];
		struct finding f = {0};
		char msg[512], identity[256];

		if (w->state != WAIVER_EXPIRED)
			continue;
		snprintf(msg, sizeof(msg), "waiver for %s (owner %s) expired on %s: its findings count again", w->rule,
			 w->owner, w->expires);
		snprintf(identity, sizeof(identity), "%s %s %s", w->rule, w->fingerprint ? w->fingerprint : "paths",
			 w->expires);
		f.rule = RULE_WAIVER_EXPIRED;
		f.severity = SEV_LOW;
		f.target = first ? first->locator : "";
		f.path = path_in_target(c->path, f.target);
		f.line = w->line;
		f.message = msg;
		f.identity = identity;
		scan_emit(s, &f);
	}
}

static const char *const waiver_state_names[] = {"active", "expiring", "expired"};

static int record_waivers(struct scan *s)
{
	const struct config *c = s->req->config;
	int rc = 0;

	for (size_t i = 0; c && i < c->n_waivers && rc == 0; i++) {
		const struct config_waiver *w = &c->waivers[i];
		struct buf paths, source;
		struct store_waiver sw = {
			.rule = w->rule,
			.fingerprint = w->fingerprint,
			.reason = w->reason,
			.owner = w->owner,
			.expires = w->expires,
			.state = waiver_state_names[w->state],
			.matched = w->matched,
		};

		buf_init(&paths);
		buf_init(&source);
		for (size_t p = 0; p < w->n_paths; p++)
			buf_printf(&paths, "%s%s", p ? " " : "", w->paths[p]);
		buf_printf(&source, "%s:%u", c->path, w->line);
		sw.paths = w->n_paths ? paths.data : NULL;
		sw.source = source.data;
		rc = store_add_waiver(s->store, s->run_id, &sw);
		buf_free(&paths);
		buf_free(&source);
	}
	return rc;
}

static int record_rule_settings(struct scan *s)
{
	const struct config *c = s->req->config;
	int rc = 0;

	for (size_t i = 0; c && i < c->n_settings && rc == 0; i++) {
		const struct config_rule_setting *cs = &c->settings[i];
		char source[600];
		struct store_rule_setting rs = {cs->rule, cs->enabled, cs->severity, cs->reason, source};

		snprintf(source, sizeof(source), "%s:%u", c->path, cs->line);
		rc = store_add_rule_setting(s->store, s->run_id, &rs);
	}
	return rc;
}

static bool rule_applicable(const char *rule, void *ctx)
{
	const struct scan *s = ctx;
	char family[32];
	size_t n = strcspn(rule, ".");

	if (n >= sizeof(family))
		return false;
	memcpy(family, rule, n);
	family[n] = '\0';
	/* the scan itself (parse errors, waivers) is always there to look at */
	return strcmp(family, "assay") == 0 || scan_family_applicable(s, family);
}

static bool rule_disabled(const char *rule, void *ctx)
{
	const struct scan *s = ctx;
	const struct config_rule_setting *cs = config_setting(s->req->config, rule);

	return cs && !cs->enabled;
}

static int record_compliance(struct scan *s)
{
	const struct config *c = s->req->config;
	struct store_run_context ctx = {
		.config_path = c ? c->path : NULL,
		.baseline = s->req->baseline_name,
		.organisation = c ? c->organisation : NULL,
		.project = c ? c->project : NULL,
	};
	struct control_facts facts = {rule_applicable, rule_disabled, s};
	int rc = store_run_set_context(s->store, s->run_id, &ctx);

	if (rc == 0)
		rc = record_waivers(s);
	if (rc == 0)
		rc = record_rule_settings(s);
	if (rc == 0)
		rc = controls_record(s->store, s->run_id, s->req->profiles, s->req->n_profiles, &facts);
	return rc;
}

int scan_run(struct store *st, const struct scan_request *req, int64_t *run_id, int *exit_code, char *err,
	     size_t errlen)
{
	struct scan s = {.store = st, .req = req, .repo_ahead = req->repo_ahead};
	void *states[ARRAY_LEN(scanners)];
	struct scan_target *targets = xcalloc(req->n_targets, sizeof(*targets));
	size_t opened = 0;
	int rc = 0;

	*exit_code = 3;
	if (req->config)
		config_date_waivers(req->config, (long)(now_utc() / 86400));
	rc = req->config ? secrets_engine_new_with(&s.secrets, req->config->secret_rules, req->config->n_secret_rules,
						   err, errlen)
			 : secrets_engine_new(&s.secrets, err, errlen);
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
	report_expired_waivers(&s, opened ? &targets[0] : NULL);
	record_inputs(&s, targets, opened);
	if (rc == -EINTR || scan_cancelled) {
		snprintf(err, errlen, "scan interrupted; run %lld marked failed", (long long)s.run_id);
		store_run_fail(st, s.run_id, "interrupted by a signal");
		rc = -EINTR;
		goto out;
	}
	if (!s.write_error)
		s.write_error = record_compliance(&s);
	*exit_code = s.failing ? 1 : 0;
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
		snprintf(err, errlen, "cannot complete run %lld (%s); run marked failed", (long long)s.run_id,
			 strerror(-rc));
		store_run_fail(st, s.run_id, "store write failed");
		*exit_code = 3;
	}
out:
	for (size_t i = 0; i < opened; i++)
		target_close(&targets[i]);
	free(targets);
	repo_ahead_free(s.repo_ahead);
	secrets_engine_free(s.secrets);
	if (s.bare_ignores) {
		hashmap_free(s.bare_ignores, NULL);
		free(s.bare_ignores);
	}
	return rc;
}
