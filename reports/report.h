/*
 * Reports render one stored run (DESIGN.md "Reports"). They read the
 * store and the rule registry only; they never call a scanner, so any past
 * run re-renders the same way.
 */
#ifndef ASSAY_REPORT_H
#define ASSAY_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "finding.h"

struct store;

enum report_format {
	REPORT_TEXT,
	REPORT_JSON,
	REPORT_SARIF,
	REPORT_JUNIT,
	REPORT_PDF,
};

struct report_opts {
	bool color; /* ANSI colour in the text report */
};

/* "text"/"txt", "json", "sarif", "junit", "pdf". Returns 0 or -1. */
int report_format_parse(const char *name, enum report_format *out);
/* From a file name's extension (.txt, .json, .sarif, .xml, .pdf); -1 when it says nothing. */
int report_format_from_path(const char *path, enum report_format *out);
const char *report_format_name(enum report_format f);

/* 0 when reports in this format can be written here, or a one-line reason
 * (a PDF's fonts or libharu, JUnit's libxml2): a command checks its outputs
 * before a long scan rather than after it. */
int report_format_check(enum report_format format, char *err, size_t errlen);
int report_render(struct store *st, int64_t run, enum report_format format, FILE *out,
		  const struct report_opts *opts);
/* Renders to a temporary file beside `path` and renames it into place, so
 * that a half-written report never appears under its name. */
int report_write_file(struct store *st, int64_t run, enum report_format format, const char *path,
		      const struct report_opts *opts, char *err, size_t errlen);

int report_text(struct store *st, int64_t run, FILE *out, const struct report_opts *opts);
int report_json(struct store *st, int64_t run, FILE *out);
int report_sarif(struct store *st, int64_t run, FILE *out);
/* JUnit XML (reports/junit.c, docs/report-junit.md). */
int report_junit(struct store *st, int64_t run, FILE *out);
/* 0 when JUnit reports can be written (libxml2 loads), or why not. */
int report_junit_check(char *err, size_t errlen);
/* The PDF audit report (reports/pdf.c), written to path, or to out when
 * path is NULL; err gets a one-line reason on failure (a missing font is
 * named). report_pdf_check looks for the fonts and loads libharu, so that a
 * scan can refuse -o x.pdf before it starts rather than after. */
int report_pdf(struct store *st, int64_t run, const char *path, FILE *out, char *err, size_t errlen);
int report_pdf_check(char *err, size_t errlen);
/* DESIGN.md's severity mapping: SARIF level and security-severity. */
const char *sarif_level(enum severity s);
const char *sarif_security_severity(enum severity s);

#endif
