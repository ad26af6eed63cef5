/*
 * The env.* rule family: permissions, git tracking and ignore status,
 * backup copies, and the hygiene of secret-named values (placeholders,
 * weak values, one value shared across environments). Values are never
 * printed: messages name the file, line and key; evidence is redacted and
 * the secret's SHA-256 is carried alongside.
 */
#include "env_checks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "secretname.h"

#define R_PERMS "env.file-permissions"
#define R_TRACKED "env.tracked-in-git"
#define R_NOT_IGNORED "env.not-ignored"
#define R_BACKUP "env.backup-file"
#define R_PLACEHOLDER "env.placeholder-secret"
#define R_WEAK "env.weak-secret"
#define R_SHARED "env.shared-secret"
#define R_EXAMPLE_SECRET "env.secret-in-example"

static const struct rule env_rules[] = {
	{
		.id = R_PERMS,
		.title = "Env file readable by group or others",
		.severity = SEV_MEDIUM,
		.description =
			"An env file (not an example) whose permission bits give any access to the group or "
			"to other users (mode & 077), so that other accounts and services on the machine can "
			"read the secrets in it. Also raised for a world-writable directory that holds env "
			"files without the sticky bit: anyone can replace them.",
		.remediation = "chmod 600 the file (chmod o-w,+t or 0700 the directory), and keep it owned by "
			       "the account that runs the application.",
		.references = "CIS Docker Benchmark 1.6.0 (file permissions)\nISO/IEC 27001:2022 A.8.3, A.5.15",
	},
	{
		.id = R_TRACKED,
		.title = "Env file tracked in git",
		.severity = SEV_HIGH,
		.description =
			"An env file (not an example) is in the git index or in the HEAD commit. Every clone, "
			"fork and CI cache then holds its secrets, and they stay in history after the file is "
			"deleted.",
		.remediation = "git rm --cached the file, add it to .gitignore, commit, and rotate every secret "
			       "it held: removing it does not remove it from history.",
		.references = "SOC 2 CC6.1\nISO/IEC 27001:2022 A.8.4, A.5.17",
	},
	{
		.id = R_NOT_IGNORED,
		.title = "Env file not covered by .gitignore",
		.severity = SEV_MEDIUM,
		.description =
			"An env file (not an example) inside a git work tree that no ignore rule covers "
			"(.gitignore, .git/info/exclude, the configured excludes file): one `git add .` away "
			"from being committed.",
		.remediation = "Add a pattern such as `.env*` followed by `!.env.example` to the repository's "
			       ".gitignore.",
		.references = "ISO/IEC 27001:2022 A.8.4",
	},
	{
		.id = R_BACKUP,
		.title = "Backup copy of an env file",
		.severity = SEV_MEDIUM,
		.description =
			"A copy such as .env.bak, .env.backup.20250101, .env.old, .env.orig, .env.save, .env~, "
			".env.swp or .env.compromised: rotation scripts and editors leave these behind, and "
			"they hold the old secrets, which are often still valid.",
		.remediation = "Delete the copy. If it held secrets that were replaced, make sure the old ones "
			       "were revoked.",
		.references = "ISO/IEC 27001:2022 A.8.10, A.5.17",
	},
	{
		.id = R_PLACEHOLDER,
		.title = "Placeholder value for a secret",
		.severity = SEV_LOW,
		.description =
			"A secret-named key (KEY, SECRET, TOKEN, PASSWORD, CREDENTIAL, PRIVATE, AUTH... as a "
			"word of the name) holds a placeholder such as changeme, your-api-key-here, xxxx, <token>, "
			"TODO or an example value, in a file that is not an example. The service either runs "
			"with a guessable secret or without the one it needs.",
		.remediation = "Set a real secret from the secret manager, or remove the key if it is unused.",
		.references = "ISO/IEC 27001:2022 A.5.17",
	},
	{
		.id = R_WEAK,
		.title = "Weak secret value",
		.severity = SEV_MEDIUM,
		.description =
			"A secret-named key whose value is shorter than 16 characters or has low entropy "
			"(fewer than 3 bits per character: repeated or predictable text). Such values are "
			"guessed or brute-forced quickly.",
		.remediation = "Generate the secret: for example `openssl rand -base64 32`, or let the secret "
			       "manager create it.",
		.references = "ISO/IEC 27001:2022 A.5.17, A.8.24",
	},
	{
		.id = R_SHARED,
		.title = "Same secret in two environments",
		.severity = SEV_MEDIUM,
		.description =
			"The same secret value (compared by SHA-256, never printed) appears in env files of two "
			"different environments, such as .env.staging and .env.production. A leak from the "
			"less protected environment then opens the other one.",
		.remediation = "Give every environment its own secret and rotate the shared one.",
		.references = "ISO/IEC 27001:2022 A.8.31, A.5.17",
	},
	{
		.id = R_EXAMPLE_SECRET,
		.title = "Real-looking secret in an example env file",
		.severity = SEV_HIGH,
		.description =
			"An example file (.env.example, .env.sample, .env.template, .env.dist) holds a value that "
			"the secrets engine recognises as a real credential rather than a placeholder. Example "
			"files are committed and copied around on purpose, so a real secret in one is published.",
		.remediation = "Replace the value with a placeholder such as your-api-key-here, and rotate the "
			       "credential: it was published with the example.",
		.references = "ISO/IEC 27001:2022 A.5.17, A.8.4\nSOC 2 CC6.1",
	},
};

const struct rule_family env_rule_family = {"env", env_rules, ARRAY_LEN(env_rules), 0};

/* One secret value seen in a primary env file, for env.shared-secret. */
struct secret_seen {
	char hash[SHA256_HEX_LEN + 1];
	char *target, *path, *key, *environment;
	unsigned line, column;
};

struct env_checks {
	struct secret_seen *seen;
	size_t n_seen, cap_seen;
	char **dirs_reported; /* target + "\n" + dir, for the directory check */
	size_t n_dirs;
};

struct env_checks *env_checks_begin(void)
{
	return xcalloc(1, sizeof(struct env_checks));
}

static void emit(struct scan *s, const struct env_doc *doc, const char *rule, unsigned line, unsigned column,
		 const char *message, const char *evidence, const char *secret_hash, const char *identity)
{
	const struct rule *r = registry_find(rule);
	struct finding f = {
		.rule = rule,
		.severity = r ? r->severity : SEV_MEDIUM,
		.target = doc->target,
		.path = doc->path,
		.line = line,
		.column = column,
		.message = message,
		.evidence = evidence,
		.secret_hash = secret_hash,
		.identity = identity,
	};
	scan_emit(s, &f);
}

static const char *who_can(mode_t mode)
{
	if ((mode & 070) && (mode & 007))
		return "group and others";
	return (mode & 070) ? "the group" : "others";
}

static void check_permissions(struct scan *s, const struct env_doc *doc)
{
	char msg[512], ev[32];

	if (doc->kind == ENV_EXAMPLE || !(doc->mode & 077))
		return;
	snprintf(msg, sizeof(msg), "%s has mode %04o: %s can %s it; set it to 0600", doc->path, (unsigned)doc->mode,
		 who_can(doc->mode), (doc->mode & 022) ? "read or change" : "read");
	snprintf(ev, sizeof(ev), "mode %04o", (unsigned)doc->mode);
	emit(s, doc, R_PERMS, 0, 0, msg, ev, NULL, "file-mode");
}

static bool dir_already_reported(struct env_checks *c, const char *target, const char *dir)
{
	char *key = xasprintf("%s\n%s", target, dir);

	for (size_t i = 0; i < c->n_dirs; i++) {
		if (strcmp(c->dirs_reported[i], key) == 0) {
			free(key);
			return true;
		}
	}
	c->dirs_reported = xrealloc(c->dirs_reported, (c->n_dirs + 1) * sizeof(char *));
	c->dirs_reported[c->n_dirs++] = key;
	return false;
}

static void check_directory(struct scan *s, struct env_checks *c, const struct env_doc *doc)
{
	struct env_doc dir = *doc;
	char msg[512], ev[32];

	/* World-writable without the sticky bit: anyone may swap the file. */
	if (doc->kind == ENV_EXAMPLE || !(doc->dir_mode & 002) || (doc->dir_mode & 01000))
		return;
	if (dir_already_reported(c, doc->target, doc->dir_path))
		return;
	dir.path = doc->dir_path;
	snprintf(msg, sizeof(msg),
		 "directory %s holds env files and is world-writable (mode %04o): anyone can replace them",
		 doc->dir_path, (unsigned)doc->dir_mode);
	snprintf(ev, sizeof(ev), "mode %04o", (unsigned)doc->dir_mode);
	emit(s, &dir, R_PERMS, 0, 0, msg, ev, NULL, "directory-mode");
}

static void check_git(struct scan *s, const struct env_doc *doc)
{
	char msg[512];

	if (doc->kind == ENV_EXAMPLE || !doc->in_worktree)
		return;
	if (doc->in_index || doc->in_head) {
		snprintf(msg, sizeof(msg), "%s is tracked in git (%s): every clone holds its secrets", doc->path,
			 doc->in_index && doc->in_head ? "in the index and in HEAD"
			 : doc->in_index              ? "staged in the index"
						      : "in HEAD");
		emit(s, doc, R_TRACKED, 0, 0, msg, doc->in_head ? "in HEAD" : "in the index", NULL, "tracked");
	}
	if (!doc->ignored) {
		snprintf(msg, sizeof(msg), "%s is not covered by .gitignore", doc->path);
		emit(s, doc, R_NOT_IGNORED, 0, 0, msg, NULL, NULL, "not-ignored");
	}
}

static void check_backup(struct scan *s, const struct env_doc *doc)
{
	char msg[512];

	if (doc->kind != ENV_BACKUP)
		return;
	snprintf(msg, sizeof(msg), "%s is a backup copy of an env file; delete it", doc->path);
	emit(s, doc, R_BACKUP, 0, 0, msg, NULL, NULL, "backup");
}

/* identity of a value finding: the key and the value's hash, so that the
 * finding survives line moves but a changed value is a new finding. */
static void value_identity(const char *key, const char *hash, char *out, size_t n)
{
	snprintf(out, n, "%s\n%s", key, hash);
}

static void remember_secret(struct env_checks *c, const struct env_doc *doc, const struct dotenv_entry *e,
			    const char *hash)
{
	struct secret_seen *r;

	if (c->n_seen == c->cap_seen) {
		c->cap_seen = c->cap_seen ? c->cap_seen * 2 : 16;
		c->seen = xrealloc(c->seen, c->cap_seen * sizeof(*c->seen));
	}
	r = &c->seen[c->n_seen++];
	memcpy(r->hash, hash, sizeof(r->hash));
	r->target = xstrdup(doc->target);
	r->path = xstrdup(doc->path);
	r->key = xstrdup(e->key);
	r->environment = xstrdup(doc->environment);
	r->line = e->line;
	r->column = e->column;
}

static void check_entry(struct scan *s, struct env_checks *c, const struct env_doc *doc,
			const struct dotenv_entry *e)
{
	char hash[SHA256_HEX_LEN + 1], identity[512], msg[512];
	const char *weakness;
	char *redacted;

	if (!e->value_len || !secret_name_is_sensitive(e->key))
		return;
	if (secret_value_is_reference(e->value) || secret_value_is_flag(e->value))
		return;
	sha256_hex(e->value, e->value_len, hash);
	value_identity(e->key, hash, identity, sizeof(identity));
	redacted = redact_secret(e->value, e->value_len);
	if (secret_value_is_placeholder(e->value)) {
		snprintf(msg, sizeof(msg), "%s holds a placeholder instead of a secret", e->key);
		emit(s, doc, R_PLACEHOLDER, e->line, e->column, msg, redacted, hash, identity);
		goto out;
	}
	weakness = secret_value_weakness(e->value, e->value_len);
	if (weakness) {
		snprintf(msg, sizeof(msg), "%s holds a weak secret: %s", e->key, weakness);
		emit(s, doc, R_WEAK, e->line, e->column, msg, redacted, hash, identity);
	}
	if (doc->kind == ENV_PRIMARY)
		remember_secret(c, doc, e, hash);
out:
	free(redacted);
}

void env_check_example_secret(struct scan *s, const struct env_doc *doc, const struct secret_hit *h)
{
	char msg[512];

	snprintf(msg, sizeof(msg), "example file holds what looks like a real secret (%s)%s",
		 h->pattern->rule.title, h->ignored ? "; ignored inline" : "");
	struct finding f = {
		.rule = R_EXAMPLE_SECRET,
		.severity = SEV_HIGH,
		.target = doc->target,
		.path = doc->path,
		.line = h->line,
		.column = h->column,
		.message = msg,
		.evidence = h->redacted,
		.secret_hash = h->hash,
		.identity = h->hash,
		.waived = h->ignored,
	};
	scan_emit(s, &f);
}

void env_check_file(struct scan *s, struct env_checks *c, const struct env_doc *doc)
{
	check_permissions(s, doc);
	check_directory(s, c, doc);
	check_git(s, doc);
	check_backup(s, doc);
	if (!doc->parsed || doc->kind == ENV_EXAMPLE)
		return;
	for (size_t i = 0; i < doc->parsed->n_entries; i++)
		check_entry(s, c, doc, &doc->parsed->entries[i]);
}

static int cmp_seen(const void *a, const void *b)
{
	const struct secret_seen *x = a, *y = b;
	int d = strcmp(x->hash, y->hash);

	if (d)
		return d;
	d = strcmp(x->target, y->target);
	if (d)
		return d;
	d = strcmp(x->path, y->path);
	return d ? d : (x->line > y->line) - (x->line < y->line);
}

/* Reports each occurrence in a group of equal values that spans at least
 * two environments, naming one occurrence from another environment. */
static void report_shared_group(struct scan *s, struct secret_seen *g, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct secret_seen *other = NULL;
		char msg[768], ev[40], identity[512];
		struct env_doc doc = {.target = g[i].target, .path = g[i].path};

		for (size_t j = 0; j < n && !other; j++)
			if (strcmp(g[j].environment, g[i].environment) != 0)
				other = &g[j];
		if (!other)
			return; /* the whole group is one environment */
		snprintf(msg, sizeof(msg), "%s (%s) has the same value as %s in %s line %u (%s)", g[i].key,
			 g[i].environment, other->key, other->path, other->line, other->environment);
		snprintf(ev, sizeof(ev), "sha256:%.12s", g[i].hash);
		value_identity(g[i].key, g[i].hash, identity, sizeof(identity));
		emit(s, &doc, R_SHARED, g[i].line, g[i].column, msg, ev, g[i].hash, identity);
	}
}

void env_checks_end(struct scan *s, struct env_checks *c)
{
	size_t i, j;

	if (c->n_seen)
		qsort(c->seen, c->n_seen, sizeof(*c->seen), cmp_seen);
	for (i = 0; i < c->n_seen; i = j) {
		for (j = i + 1; j < c->n_seen && strcmp(c->seen[j].hash, c->seen[i].hash) == 0; j++)
			;
		if (j - i > 1)
			report_shared_group(s, &c->seen[i], j - i);
	}
	for (i = 0; i < c->n_seen; i++) {
		free(c->seen[i].target);
		free(c->seen[i].path);
		free(c->seen[i].key);
		free(c->seen[i].environment);
	}
	for (i = 0; i < c->n_dirs; i++)
		free(c->dirs_reported[i]);
	free(c->dirs_reported);
	free(c->seen);
	free(c);
}
