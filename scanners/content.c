/*
 * The content scanner: every regular file that no format scanner claimed
 * goes through the secrets engine, whatever its name or kind. In a git work
 * tree it follows git's view of the tree: tracked files and untracked files
 * that are not ignored (node_modules and build output stay out). Binary
 * files are searched through their printable runs, as strings(1) would
 * show them, so that a key embedded in an archive or a binary is found.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "repo.h"
#include "scanners.h"
#include "utf8.h"
#include "util.h"

#define PRINTABLE_RUN_MIN 8

/* Keeps runs of at least PRINTABLE_RUN_MIN printable bytes, one per line,
 * in place. Line numbers of a binary file mean little; findings in one are
 * reported without a line. */
static size_t printable_runs(char *data, size_t len)
{
	size_t out = 0, run_start = 0;

	for (size_t i = 0; i <= len; i++) {
		unsigned char c = i < len ? (unsigned char)data[i] : 0;
		bool printable = (c >= 0x20 && c < 0x7f) || c == '\t';
		if (printable)
			continue;
		if (i - run_start >= PRINTABLE_RUN_MIN) {
			memmove(data + out, data + run_start, i - run_start);
			out += i - run_start;
			data[out++] = '\n';
		}
		run_start = i + 1;
	}
	return out;
}

static void binary_hit(const struct secret_hit *h, void *ctx)
{
	struct scan *s = ((void **)ctx)[0];
	const char *path = ((void **)ctx)[1];
	char msg[512];
	struct finding f = {
		.rule = h->pattern->rule.id,
		.severity = h->pattern->rule.severity,
		.path = path,
		.message = msg,
		.evidence = h->redacted,
		.secret_hash = h->hash,
		.identity = h->hash,
	};

	snprintf(msg, sizeof(msg), "%s (in binary content)", h->pattern->rule.title);
	scan_emit(s, &f);
}

static int content_scan_file(struct scan *s, void *state, const struct fs_entry *e, bool claimed)
{
	char *data = NULL, *display;
	size_t len = 0;
	bool truncated = false;
	int rc;

	(void)state;
	if (claimed || !S_ISREG(e->st.st_mode) || e->st.st_size == 0 || scan_ignored_by_git(s, e))
		return 0;
	display = utf8_sanitize(e->relpath, strlen(e->relpath));
	rc = fs_entry_read(e, SECRETS_MAX_BYTES, &data, &len, &truncated);
	if (rc < 0) {
		scan_notice(s, "warning", display, "cannot read: %s; not searched for secrets", strerror(-rc));
		goto out;
	}
	scan_digest_content(s, e->relpath, data, len);
	if (truncated)
		scan_notice(s, "info", display, "larger than %d MiB; only the first %d MiB searched for secrets",
			    SECRETS_MAX_BYTES >> 20, SECRETS_MAX_BYTES >> 20);
	if (looks_binary(data, len)) {
		void *ctx[2] = {s, display};
		len = printable_runs(data, len);
		scan_find_secrets(s, display, data, len, binary_hit, ctx);
	} else {
		scan_report_secrets(s, display, data, len, 1);
	}
out:
	if (data)
		secure_zero(data, len);
	free(data);
	free(display);
	return 1;
}

static void *content_begin(struct scan *s)
{
	(void)s;
	return NULL;
}

static void content_end(struct scan *s, void *state)
{
	(void)s;
	(void)state;
}

const struct scanner content_scanner = {
	.name = "content",
	.begin = content_begin,
	.file = content_scan_file,
	.end = content_end,
};
