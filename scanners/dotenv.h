/*
 * The dotenv parser: turns the bytes of a .env file into entries (key,
 * value, position) and syntax errors with their line. It never rejects a
 * file outright; malformed lines become errors and parsing goes on.
 */
#ifndef ASSAY_DOTENV_H
#define ASSAY_DOTENV_H

#include <stdbool.h>
#include <stddef.h>

#define DOTENV_MAX_ERRORS 100

struct dotenv_entry {
	char *key;
	char *value;      /* NUL-terminated, unescaped; may contain newlines */
	size_t value_len;
	unsigned line;    /* 1-based line of the key */
	unsigned column;  /* 1-based column of the key */
	unsigned value_line, value_column; /* where the value starts */
	char quote;       /* 0 (unquoted), '\'', '"' or '`' */
	bool exported;    /* written as "export KEY=..." */
};

struct dotenv_error {
	unsigned line, column;
	char message[160];
};

struct dotenv_file {
	struct dotenv_entry *entries;
	size_t n_entries;
	struct dotenv_error *errors;
	size_t n_errors;
	bool errors_truncated; /* more than DOTENV_MAX_ERRORS */
};

/* Parses buf[0..len). Returns 0; on success *out owns its memory. */
int dotenv_parse(const char *buf, size_t len, struct dotenv_file *out);
/* Frees everything, zeroing values first. */
void dotenv_free(struct dotenv_file *f);

#endif
