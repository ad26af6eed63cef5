/*
 * The Dockerfile scanner: claims Dockerfile, Containerfile, *.Dockerfile
 * and Dockerfile.* files, reads at most DOCKERFILE_MAX_BYTES of each (never
 * through a link), runs the secrets engine over the text, parses it, turns
 * every syntax error into an assay.parse-error finding with its line, and
 * hands the parsed file to the docker.* checks.
 */
#include "dockerfile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "docker_checks.h"
#include "scanners.h"
#include "utf8.h"
#include "util.h"

/* Names that look like Dockerfiles but are documentation or leftovers. */
static bool is_not_a_dockerfile(const char *name)
{
	static const char *const exts[] = {".md", ".rst", ".txt", ".swp", ".orig", ".rej", ".bak", ".dockerignore"};

	for (size_t i = 0; i < ARRAY_LEN(exts); i++)
		if (str_ends_with(name, exts[i]))
			return true;
	return false;
}

static void report_parse_errors(struct scan *s, const char *display, const struct dockerfile *df)
{
	for (size_t i = 0; i < df->n_errors; i++) {
		char *msg = utf8_sanitize(df->errors[i].message, strlen(df->errors[i].message));
		scan_parse_error(s, display, df->errors[i].line, df->errors[i].column, "%s", msg);
		free(msg);
	}
	if (df->errors_truncated)
		scan_parse_error(s, display, 0, 0, "more than %d syntax errors; the rest are not reported",
				 DOCKERFILE_MAX_ERRORS);
}

static void parse_and_check(struct scan *s, const struct fs_entry *e, const char *display, const char *data,
			    size_t len)
{
	struct dockerfile df;

	scan_report_secrets(s, display, data, len, 1);
	dockerfile_parse(data, len, &df);
	report_parse_errors(s, display, &df);
	struct docker_doc doc = {.path = display, .fs_path = e->path, .name = e->name, .df = &df};
	docker_check_file(s, &doc);
	dockerfile_free(&df);
}

static int dockerfile_scan_file(struct scan *s, void *state, const struct fs_entry *e, bool claimed)
{
	char *data = NULL, *display;
	size_t len = 0;
	bool truncated = false;
	int rc;

	(void)state;
	if (claimed || !dockerfile_name_matches(e->name) || is_not_a_dockerfile(e->name))
		return 0;
	display = utf8_sanitize(e->relpath, strlen(e->relpath));
	if (!S_ISREG(e->st.st_mode)) {
		scan_notice(s, "warning", display, "named like a Dockerfile but not a regular file; skipped");
		free(display);
		return 0;
	}
	rc = read_file_capped(e->path, DOCKERFILE_MAX_BYTES, &data, &len, &truncated);
	if (rc < 0) {
		scan_parse_error(s, display, 0, 0, "cannot read Dockerfile: %s", strerror(-rc));
		goto out;
	}
	scan_digest_content(s, e->relpath, data, len);
	scan_set_source(s, display, data, len);
	if (truncated)
		scan_parse_error(s, display, 0, 0, "Dockerfile is larger than the %d MiB cap; it was not checked",
				 DOCKERFILE_MAX_BYTES >> 20);
	else if (looks_binary(data, len))
		scan_parse_error(s, display, 0, 0, "binary content in a Dockerfile; not parsed");
	else
		parse_and_check(s, e, display, data, len);
out:
	scan_set_source(s, NULL, NULL, 0);
	secure_free(data, len);
	free(display);
	return 1;
}

const struct scanner dockerfile_scanner = {
	.name = "dockerfile",
	.file = dockerfile_scan_file,
};
