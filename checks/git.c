/*
 * The git.* rule family and the record of secrets found in history (see
 * git_checks.h). Secrets are keyed by rule and SHA-256, so one secret is
 * one finding however many commits and paths carried it.
 */
#include "git_checks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "hashmap.h"

#define R_SECRET_IN_HISTORY "git.secret-in-history"

static const struct rule git_rules[] = {
	{
		.id = R_SECRET_IN_HISTORY,
		.title = "Secret in git history but not in HEAD",
		.severity = SEV_HIGH,
		.description =
			"A secret was committed and later removed or replaced, or lives on a branch or tag other "
			"than HEAD, so the current files do not hold it, but every clone does: `git log -p` or "
			"the old blob shows it. The finding "
			"names the first commit that brought it, its author and date, and the path. It carries "
			"the severity of the kind of secret found.",
		.remediation = "Rotate the secret: removing it from the tree does not un-publish it. Rewriting "
			       "history (git filter-repo) only helps before anyone else has fetched it.",
		.references = "ISO/IEC 27001:2022 A.5.17, A.8.4\nSOC 2 CC6.1",
	},
};

const struct rule_family git_rule_family = {"git", git_rules, ARRAY_LEN(git_rules), 0};

struct git_history {
	struct hashmap secrets; /* rule "\n" hash -> struct git_secret */
};

struct git_history *git_history_new(void)
{
	struct git_history *h = xcalloc(1, sizeof(*h));

	hashmap_init(&h->secrets);
	return h;
}

static void free_secret(void *v)
{
	struct git_secret *g = v;

	free(g->path);
	free(g->redacted);
	free(g->commit);
	free(g->author);
	free(g->date);
	free(g);
}

void git_history_free(struct git_history *h)
{
	if (!h)
		return;
	hashmap_free(&h->secrets, free_secret);
	free(h);
}

static char *secret_key(const char *rule, const char *hash)
{
	return xasprintf("%s\n%s", rule, hash);
}

void git_history_record(struct git_history *h, const struct secret_hit *hit, const struct repo_blob *b,
			const char *display_path, unsigned line, unsigned column)
{
	char *key = secret_key(hit->pattern->rule.id, hit->hash);
	struct git_secret *g = hashmap_get(&h->secrets, key);

	if (!g) {
		g = xcalloc(1, sizeof(*g));
		g->pattern = hit->pattern;
		memcpy(g->hash, hit->hash, sizeof(g->hash));
		g->path = xstrdup(display_path);
		g->redacted = xstrdup(hit->redacted);
		g->commit = xstrdup(b->commit);
		g->author = xstrdup(b->author);
		g->date = xstrdup(b->date);
		g->line = line;
		g->column = column;
		hashmap_put(&h->secrets, key, g);
	}
	g->at_head |= b->at_head;
	free(key);
}

const struct git_secret *git_history_claim(struct git_history *h, const char *rule, const char *hash)
{
	char *key = secret_key(rule, hash);
	struct git_secret *g = hashmap_get(&h->secrets, key);

	free(key);
	if (g)
		g->claimed = true;
	return g;
}

struct report_ctx {
	struct scan *s;
	enum git_report_mode mode;
	struct git_secret **list;
	size_t n;
};

static void collect_unclaimed(const char *key, void *value, void *ctx)
{
	struct report_ctx *r = ctx;
	struct git_secret *g = value;

	(void)key;
	if (g->claimed || (g->at_head && r->mode == GIT_REPORT_WORKTREE))
		return;
	r->list[r->n++] = g;
}

/* Findings come out in a stable order: by path, line, rule. */
static int cmp_secrets(const void *a, const void *b)
{
	const struct git_secret *x = *(struct git_secret *const *)a, *y = *(struct git_secret *const *)b;
	int d = strcmp(x->path, y->path);

	if (d)
		return d;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return strcmp(x->pattern->rule.id, y->pattern->rule.id);
}

static void emit_secret(struct scan *s, const struct git_secret *g, enum git_report_mode mode)
{
	char msg[768];
	struct finding f = {
		.severity = g->pattern->rule.severity,
		.path = g->path,
		.line = g->line,
		.column = g->column,
		.message = msg,
		.evidence = g->redacted,
		.secret_hash = g->hash,
		.identity = g->hash,
		.commit = g->commit,
		.author = g->author,
		.date = g->date,
	};

	if (mode == GIT_REPORT_RANGE) {
		f.rule = g->pattern->rule.id;
		snprintf(msg, sizeof(msg), "%s added in commit %.12s", g->pattern->rule.title, g->commit);
	} else if (g->at_head) {
		f.rule = g->pattern->rule.id;
		snprintf(msg, sizeof(msg), "%s in clear text, still in HEAD; first committed in %.12s", g->pattern->rule.title,
			 g->commit);
	} else {
		f.rule = R_SECRET_IN_HISTORY;
		snprintf(msg, sizeof(msg),
			 "%s committed in %.12s; not in HEAD's tree but in the repository's history: rotate it",
			 g->pattern->rule.title, g->commit);
	}
	scan_emit(s, &f);
}

void git_history_report(struct scan *s, struct git_history *h, enum git_report_mode mode)
{
	struct report_ctx r = {.s = s, .mode = mode};

	r.list = xcalloc(h->secrets.count ? h->secrets.count : 1, sizeof(*r.list));
	hashmap_each(&h->secrets, collect_unclaimed, &r);
	if (r.n)
		qsort(r.list, r.n, sizeof(*r.list), cmp_secrets);
	for (size_t i = 0; i < r.n; i++)
		emit_secret(s, r.list[i], mode);
	free(r.list);
}

