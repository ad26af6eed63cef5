/*
 * The .env scanner (see env.h). It reads at most ENV_MAX_BYTES of a file,
 * never follows a link, and turns anything it cannot read or parse into an
 * assay.parse-error finding with the file and line, so that the rules that
 * need no content (permissions, tracking, backups) still run.
 */
#include "env.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "env_checks.h"
#include "repo.h"
#include "scanners.h"
#include "utf8.h"
#include "util.h"

static const char *const example_words[] = {"example", "examples", "sample", "samples", "template",
					    "tmpl", "tpl", "dist", "default", "defaults", "schema"};
static const char *const backup_words[] = {"bak", "backup", "bk", "old", "orig", "original", "save",
					   "saved", "swp", "swo", "tmp", "temp", "copy", "prev",
					   "previous", "compromised", "rej", "1", "2"};
/* Environment names that mean the same environment. */
static const char *const env_aliases[][2] = {
	{"prod", "production"}, {"prd", "production"}, {"live", "production"},
	{"stage", "staging"},   {"stg", "staging"},    {"dev", "development"},
	{"develop", "development"}, {"testing", "test"}, {"qa", "test"},
};

static bool word_in(const char *w, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(w, list[i]) == 0)
			return true;
	return false;
}

static bool is_backup_word(const char *w)
{
	size_t digits = strspn(w, "0123456789");

	if (word_in(w, backup_words, ARRAY_LEN(backup_words)))
		return true;
	if (str_starts_with(w, "backup") || str_starts_with(w, "bak"))
		return true;
	return digits >= 6 && w[digits] == '\0'; /* .env.20250101 */
}

static const char *canonical_environment(const char *w)
{
	for (size_t i = 0; i < ARRAY_LEN(env_aliases); i++)
		if (strcmp(w, env_aliases[i][0]) == 0)
			return env_aliases[i][1];
	return w;
}

/* Splits a lower-cased name into its dot-separated words (in place). */
static size_t split_dots(char *s, char **words, size_t max)
{
	size_t n = 0;

	for (char *tok = strtok(s, "."); tok && n < max; tok = strtok(NULL, "."))
		words[n++] = tok;
	return n;
}

/* Where "env" stands among the words, or -1 when the name is not an env
 * file: .env[.*], *.env, and *.env.<example or backup word>. */
static int env_word_position(char **words, size_t n, bool leading_dot)
{
	if (n == 0)
		return -1;
	if (leading_dot && strcmp(words[0], "env") == 0)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if (strcmp(words[i], "env") != 0)
			continue;
		size_t j = i + 1;
		while (j < n && (word_in(words[j], example_words, ARRAY_LEN(example_words)) || is_backup_word(words[j])))
			j++;
		if (j == n)
			return (int)i;
	}
	return -1;
}

bool env_name_classify(const char *name, enum env_file_kind *kind, char **environment)
{
	char *lower = xstrdup(name), *words[16];
	const char *env = "default";
	bool backup = false, example = false, leading_dot;
	size_t len = strlen(lower), n;
	int pos;

	for (size_t i = 0; i < len; i++)
		lower[i] = (char)tolower((unsigned char)lower[i]);
	/* Editor leftovers: "#.env#" (emacs), ".env~" */
	if (len > 2 && lower[0] == '#' && lower[len - 1] == '#') {
		memmove(lower, lower + 1, len - 2);
		lower[len -= 2] = '\0';
		backup = true;
	}
	while (len > 1 && lower[len - 1] == '~') {
		lower[--len] = '\0';
		backup = true;
	}
	leading_dot = lower[0] == '.';
	n = split_dots(lower, words, ARRAY_LEN(words));
	pos = env_word_position(words, n, leading_dot);
	if (pos < 0) {
		free(lower);
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		if ((int)i == pos)
			continue;
		if (word_in(words[i], example_words, ARRAY_LEN(example_words)))
			example = true;
		else if (is_backup_word(words[i]))
			backup = true;
		else if (strcmp(env, "default") == 0 && strcmp(words[i], "local") != 0)
			env = canonical_environment(words[i]);
	}
	*kind = example ? ENV_EXAMPLE : backup ? ENV_BACKUP : ENV_PRIMARY;
	*environment = xstrdup(env);
	free(lower);
	return true;
}

/* Vim swap files are binary by nature: no parse error for those. */
static bool is_swap_name(const char *name)
{
	return str_ends_with(name, ".swp") || str_ends_with(name, ".swo");
}

/* Example files should hold placeholders only: a real-looking secret in
 * one is env.secret-in-example, whatever kind of secret it is. */
static void report_example_secret(const struct secret_hit *h, void *ctx)
{
	struct env_doc *doc = ctx;

	env_check_example_secret(doc->scan, doc, h);
}

static void scan_content_secrets(struct scan *s, struct env_doc *doc, const char *data, size_t len)
{
	if (doc->kind == ENV_EXAMPLE)
		scan_find_secrets(s, doc->path, data, len, report_example_secret, doc);
	else if (!doc->ignored)
		scan_report_secrets(s, doc->path, data, len, 1);
}

/* Reads and parses the file; the text stays in *data_out (NULL when
 * unreadable) so that the checks after can honour inline ignores. */
static void parse_content(struct scan *s, const struct fs_entry *e, struct env_doc *doc,
			  struct dotenv_file *parsed, bool *have_parsed, char **data_out, size_t *len_out)
{
	const char *display = doc->path;
	enum env_file_kind kind = doc->kind;
	char *data = NULL;
	size_t len = 0;
	bool truncated = false;
	int rc;

	*have_parsed = false;
	*data_out = NULL;
	*len_out = 0;
	rc = fs_entry_read(e, ENV_MAX_BYTES, &data, &len, &truncated);
	if (rc < 0) {
		scan_parse_error(s, display, 0, 0, "cannot read env file: %s", strerror(-rc));
		return;
	}
	scan_digest_content(s, e->relpath, data, len);
	if (truncated) {
		scan_parse_error(s, display, 0, 0,
				 "env file is larger than the %d MiB cap (%lld bytes); its entries were not checked",
				 ENV_MAX_BYTES / (1024 * 1024), (long long)e->st.st_size);
	} else if (looks_binary(data, len)) {
		if (kind == ENV_BACKUP && is_swap_name(e->name))
			scan_notice(s, "info", display, "editor swap file; contents not parsed");
		else
			scan_parse_error(s, display, 0, 0, "binary content in an env file; not parsed");
	} else {
		scan_set_source(s, display, data, len);
		scan_content_secrets(s, doc, data, len);
		dotenv_parse(data, len, parsed);
		*have_parsed = true;
		for (size_t i = 0; i < parsed->n_errors; i++)
			scan_parse_error(s, display, parsed->errors[i].line, parsed->errors[i].column, "%s",
					 parsed->errors[i].message);
		if (parsed->errors_truncated)
			scan_parse_error(s, display, 0, 0, "more than %d syntax errors; the rest are not reported",
					 DOTENV_MAX_ERRORS);
	}
	*data_out = data;
	*len_out = len;
}

static void git_status(struct scan *s, const struct fs_entry *e, struct env_doc *doc)
{
	struct scan_target *t = s->target;
	char *repo_path;

	if (!t->repo)
		return;
	repo_path = xasprintf("%s%s", t->repo_prefix, e->relpath);
	doc->in_worktree = true;
	repo_tracking(t->repo, repo_path, &doc->in_index, &doc->in_head);
	doc->ignored = repo_ignores(t->repo, repo_path);
	free(repo_path);
}

static int env_scan_file(struct scan *s, void *state, const struct fs_entry *e, bool claimed)
{
	struct env_doc doc = {0};
	struct dotenv_file parsed = {0};
	char *environment = NULL, *display, *dir_display, *data = NULL;
	size_t len = 0;
	bool have_parsed = false;

	if (claimed || !env_name_classify(e->name, &doc.kind, &environment))
		return 0;
	display = utf8_sanitize(e->relpath, strlen(e->relpath));
	dir_display = *e->dir_relpath ? utf8_sanitize(e->dir_relpath, strlen(e->dir_relpath)) : xstrdup(".");
	if (!S_ISREG(e->st.st_mode)) {
		scan_notice(s, "warning", display, "named like an env file but not a regular file; skipped");
		goto out;
	}
	doc.scan = s;
	doc.target = s->target->locator;
	doc.path = display;
	doc.dir_path = dir_display;
	doc.environment = environment;
	doc.mode = e->st.st_mode & 07777;
	doc.dir_mode = e->dir_st->st_mode & 07777;
	git_status(s, e, &doc);
	parse_content(s, e, &doc, &parsed, &have_parsed, &data, &len);
	doc.parsed = have_parsed ? &parsed : NULL;
	env_check_file(s, state, &doc);
	scan_set_source(s, NULL, NULL, 0);
	secure_free(data, len);
	claimed = true;
out:
	dotenv_free(&parsed);
	free(environment);
	free(display);
	free(dir_display);
	return claimed ? 1 : 0;
}

static void *env_scan_begin(struct scan *s)
{
	(void)s;
	return env_checks_begin();
}

static void env_scan_end(struct scan *s, void *state)
{
	env_checks_end(s, state);
}

const struct scanner env_scanner = {
	.name = "env",
	.begin = env_scan_begin,
	.file = env_scan_file,
	.end = env_scan_end,
};
