/*
 * The docker.* rules over a parsed Dockerfile (scanners/dockerfile.h): CIS
 * Docker Benchmark 1.6.0 section 4 and the build hygiene that hadolint and
 * dockle users expect. Every finding points at the instruction's line.
 */
#ifndef ASSAY_DOCKER_CHECKS_H
#define ASSAY_DOCKER_CHECKS_H

#include "dockerfile.h"
#include "scan.h"

struct docker_doc {
	const char *path;    /* display path, relative to the target */
	const char *fs_path; /* where the file is, to find the .dockerignore beside it */
	const char *name;    /* its file name */
	const struct dockerfile *df;
};

void docker_check_file(struct scan *s, const struct docker_doc *doc);

/* The patterns a .dockerignore should exclude, and whether `ignore` (its
 * text) excludes each: fills *missing with the ones it does not, comma
 * separated (newly allocated; empty when all are excluded). */
void docker_ignore_gaps(const char *ignore, size_t len, char **missing);

#endif
