/*
 * The content scanner: every regular file that no format scanner claimed
 * goes through the secrets engine, whatever its name or kind. In a git work
 * tree it follows git's view of the tree: tracked files and untracked files
 * that are not ignored (node_modules and build output stay out). Binary
 * files are searched too: the engine looks at their printable runs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "repo.h"
#include "scanners.h"
#include "utf8.h"
#include "util.h"

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
	scan_report_secrets(s, display, data, len, 1);
out:
	secure_free(data, len);
	free(display);
	return 1;
}

const struct scanner content_scanner = {
	.name = "content",
	.file = content_scan_file,
};
