/*
 * The Dockerfile scanner and its parser. The parser turns the text of a
 * Dockerfile (or Containerfile) into instructions with their line numbers:
 * parser directives (escape), line continuations, comments, exec (JSON) and
 * shell forms, flags (--from, --mount, --checksum...), heredocs (RUN <<EOF),
 * and build stages (FROM ... AS name) with ARG substitution in FROM. It never
 * stops at an error: each one is recorded with its line and the rest is
 * parsed. The scanner hands the parsed file to checks/docker.c.
 */
#ifndef ASSAY_DOCKERFILE_H
#define ASSAY_DOCKERFILE_H

#include <stdbool.h>
#include <stddef.h>

#define DOCKERFILE_MAX_BYTES (1024 * 1024) /* a larger file is not parsed */
#define DOCKERFILE_MAX_INSTRUCTIONS 20000
#define DOCKERFILE_MAX_ERRORS 50
#define DOCKERFILE_MAX_STAGES 256

/* One instruction. Strings are NUL-terminated and owned by the file. */
struct df_instr {
	char *keyword;     /* upper case: FROM, RUN, COPY... */
	char *args;        /* the arguments after the flags, continuations joined */
	char **flags;      /* "--from=build" as written, in order */
	size_t n_flags;
	bool json;         /* exec form: argv holds the JSON array's strings */
	char **argv;
	size_t argc;
	char *heredoc;     /* the bodies of its heredocs, one after another, or NULL */
	unsigned line;     /* where the instruction starts (1-based) */
	unsigned end_line; /* its last line, heredoc bodies included */
	int stage;         /* index of its build stage; -1 before the first FROM */
};

/* One build stage, from its FROM to the next one. */
struct df_stage {
	char *image;     /* the base image after ARG substitution ("ubuntu:22.04", "builder", "scratch") */
	char *name;      /* the AS name in lower case, or NULL */
	int parent;      /* the stage it builds on (FROM an earlier stage's name), or -1 */
	bool unresolved; /* the image names a build argument that has no value */
	size_t from;     /* index of its FROM instruction */
};

struct df_error {
	unsigned line, column;
	char message[200];
};

struct dockerfile {
	struct df_instr *instrs;
	size_t n_instrs;
	struct df_stage *stages;
	size_t n_stages;
	struct df_error *errors;
	size_t n_errors;
	bool errors_truncated;
	char escape; /* '\\' or '`' */
};

/* Parses data[0..len). Always fills *out (free it with dockerfile_free);
 * returns 0, or -EFBIG when the input is over DOCKERFILE_MAX_BYTES (nothing
 * parsed then). */
int dockerfile_parse(const char *data, size_t len, struct dockerfile *out);
void dockerfile_free(struct dockerfile *df);

/* Dockerfile, Containerfile, *.Dockerfile, Dockerfile.*, *.dockerfile. */
bool dockerfile_name_matches(const char *name);

/* The value of flag `name` ("from") of an instruction, or NULL; a flag
 * given without a value yields "". */
const char *df_flag(const struct df_instr *in, const char *name);

/* Whether the stage at index i ends up in the image the file builds: the
 * last stage and the stages it is built on. */
bool df_stage_in_final(const struct dockerfile *df, int i);

#endif
