/*
 * Format selection and the safe writing of report files (see report.h).
 */
#include "report.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

static const struct {
	const char *name;
	const char *ext;
	enum report_format format;
} formats[] = {
	{"text", ".txt", REPORT_TEXT},
	{"txt", ".text", REPORT_TEXT},
	{"json", ".json", REPORT_JSON},
	{"sarif", ".sarif", REPORT_SARIF},
	{"pdf", ".pdf", REPORT_PDF},
	{"junit", ".xml", REPORT_JUNIT},
};

int report_format_parse(const char *name, enum report_format *out)
{
	for (size_t i = 0; i < ARRAY_LEN(formats); i++) {
		if (str_ieq(name, formats[i].name)) {
			*out = formats[i].format;
			return 0;
		}
	}
	return -1;
}

int report_format_from_path(const char *path, enum report_format *out)
{
	for (size_t i = 0; i < ARRAY_LEN(formats); i++) {
		size_t n = strlen(path), m = strlen(formats[i].ext);
		if (n > m && strcasecmp(path + n - m, formats[i].ext) == 0) {
			*out = formats[i].format;
			return 0;
		}
	}
	return -1;
}

const char *report_format_name(enum report_format f)
{
	for (size_t i = 0; i < ARRAY_LEN(formats); i++)
		if (formats[i].format == f)
			return formats[i].name;
	return "text";
}

int report_format_check(enum report_format format, char *err, size_t errlen)
{
	switch (format) {
	case REPORT_PDF:
		return report_pdf_check(err, errlen);
	case REPORT_JUNIT:
		return report_junit_check(err, errlen);
	default:
		return 0;
	}
}

int report_render(struct store *st, int64_t run, enum report_format format, FILE *out,
		  const struct report_opts *opts)
{
	switch (format) {
	case REPORT_JSON:
		return report_json(st, run, out);
	case REPORT_SARIF:
		return report_sarif(st, run, out);
	case REPORT_JUNIT:
		return report_junit(st, run, out);
	case REPORT_TEXT:
		return report_text(st, run, out, opts);
	case REPORT_PDF: {
		char err[1024];
		int rc = report_pdf(st, run, NULL, out, err, sizeof(err));
		if (rc < 0)
			fprintf(stderr, "assay: %s\n", err);
		return rc;
	}
	}
	return -EINVAL;
}

/* A path that exists and is not a regular file (a device, a FIFO, or a
 * symbolic link such as /dev/stdout) is written in place: renaming over it
 * would replace the device or the link. */
static int write_in_place(struct store *st, int64_t run, enum report_format format, const char *path,
			  const struct report_opts *opts, char *err, size_t errlen)
{
	FILE *f = fopen(path, "w");
	int rc;

	if (!f) {
		snprintf(err, errlen, "cannot write report %s: %s", path, strerror(errno));
		return -errno;
	}
	rc = report_render(st, run, format, f, opts);
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	if (rc < 0)
		snprintf(err, errlen, "cannot write report %s: %s", path, strerror(-rc));
	return rc;
}

int report_write_file(struct store *st, int64_t run, enum report_format format, const char *path,
		      const struct report_opts *opts, char *err, size_t errlen)
{
	struct stat sb;
	char *tmp;
	FILE *f;
	int rc;

	if (lstat(path, &sb) == 0 && !S_ISREG(sb.st_mode))
		return write_in_place(st, run, format, path, opts, err, errlen);
	tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	if (format == REPORT_PDF) {
		/* libharu writes the file itself; the error names what failed
		 * (a font, the disk). */
		char why[768];
		rc = report_pdf(st, run, tmp, NULL, why, sizeof(why));
		if (rc < 0) {
			snprintf(err, errlen, "cannot write report %s: %s", path, why);
			unlink(tmp);
			goto out;
		}
		goto out_rename;
	}
	f = fopen(tmp, "w");
	if (!f) {
		rc = -errno;
		snprintf(err, errlen, "cannot write report %s: %s", path, strerror(errno));
		goto out;
	}
	rc = report_render(st, run, format, f, opts);
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	if (rc < 0) {
		snprintf(err, errlen, "cannot write report %s: %s", path, strerror(-rc));
		unlink(tmp);
		goto out;
	}
out_rename:
	if (rename(tmp, path) < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot write report %s: %s", path, strerror(errno));
		unlink(tmp);
	}
out:
	free(tmp);
	return rc;
}
