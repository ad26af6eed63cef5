/*
 * The .env scanner: recognises env files by name (primary, example, backup
 * copy), gathers what the checks need to know about each (mode, the mode
 * of its directory, git tracking and ignore status, parsed entries), and
 * hands that document to checks/env.c.
 */
#ifndef ASSAY_ENV_H
#define ASSAY_ENV_H

#include <stdbool.h>
#include <sys/types.h>

#include "dotenv.h"

#define ENV_MAX_BYTES (1024 * 1024)

enum env_file_kind {
	ENV_PRIMARY, /* .env, .env.production, prod.env */
	ENV_EXAMPLE, /* .env.example, .env.sample, .env.template, .env.dist */
	ENV_BACKUP,  /* .env.bak, .env.backup.20250101, .env~, .env.swp */
};

struct scan;

struct env_doc {
	struct scan *scan;
	const char *target;   /* the input's locator */
	const char *path;     /* display path, relative to the target */
	const char *dir_path; /* display path of its directory ("." for the root) */
	enum env_file_kind kind;
	const char *environment; /* "production", "staging", "default" */
	mode_t mode, dir_mode;   /* permission bits */
	bool in_worktree;        /* inside a git work tree */
	bool in_index, in_head, ignored;
	const struct dotenv_file *parsed; /* NULL when the content was not parsed */
};

/* True when `name` (a file's last path component) is an env file; sets its
 * kind and a newly allocated environment name. */
bool env_name_classify(const char *name, enum env_file_kind *kind, char **environment);

#endif
