/*
 * dotenv_dump FILE...: a test tool that parses each .env file with the
 * assay dotenv parser and prints one JSON object per file and line:
 *   {"file": ..., "entries": {KEY: VALUE, ...}, "errors": [{"line": ..,
 *    "column": .., "message": ..}], "errors_truncated": bool}
 * A key written twice keeps its last value, as dotenv loaders do. It prints
 * values in clear, so it is for measuring agreement on test corpora only and
 * is never part of ./assay. Exit status: 0, or 1 when a file could not be
 * read (the others are still printed).
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dotenv.h"
#include "utf8.h"
#include "util.h"

#define DOTENV_DUMP_MAX_FILE (256u << 20)

/* A JSON string for arbitrary bytes: as they are when they are valid
 * UTF-8, otherwise with each invalid byte written as "\xNN". */
static json_t *json_string_from_bytes(const char *s, size_t n)
{
	json_t *j;
	char *safe;

	if (utf8_valid(s, n))
		return json_stringn(s, n);
	safe = utf8_sanitize(s, n);
	j = json_string(safe);
	free(safe);
	return j;
}

static json_t *dump_entries(const struct dotenv_file *f)
{
	json_t *entries = json_object();

	for (size_t i = 0; i < f->n_entries; i++)
		json_object_set_new(entries, f->entries[i].key,
				    json_string_from_bytes(f->entries[i].value, f->entries[i].value_len));
	return entries;
}

static json_t *dump_errors(const struct dotenv_file *f)
{
	json_t *errors = json_array();

	for (size_t i = 0; i < f->n_errors; i++)
		json_array_append_new(errors, json_pack("{s:I, s:I, s:s}", "line",
							(json_int_t)f->errors[i].line, "column",
							(json_int_t)f->errors[i].column, "message",
							f->errors[i].message));
	return errors;
}

static int dump_file(const char *path)
{
	struct dotenv_file f;
	json_t *obj;
	char *data = NULL;
	size_t len = 0;
	bool truncated = false;
	int err;

	err = read_file_capped(path, DOTENV_DUMP_MAX_FILE, &data, &len, &truncated);
	if (err < 0) {
		fprintf(stderr, "dotenv_dump: %s: %s\n", path, strerror(-err));
		return -1;
	}
	if (truncated)
		fprintf(stderr, "dotenv_dump: %s: larger than %u bytes, parsed the first part\n",
			path, DOTENV_DUMP_MAX_FILE);
	dotenv_parse(data, len, &f);
	obj = json_pack("{s:o, s:o, s:o, s:b}", "file", json_string_from_bytes(path, strlen(path)),
			"entries", dump_entries(&f), "errors", dump_errors(&f), "errors_truncated",
			f.errors_truncated);
	json_dumpf(obj, stdout, JSON_COMPACT);
	fputc('\n', stdout);
	json_decref(obj);
	dotenv_free(&f);
	secure_zero(data, len);
	free(data);
	return 0;
}

int main(int argc, char **argv)
{
	int status = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: dotenv_dump FILE...\n");
		return 2;
	}
	for (int i = 1; i < argc; i++)
		if (dump_file(argv[i]) < 0)
			status = 1;
	return status;
}
