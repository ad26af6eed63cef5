/*
 * A plain driver for libFuzzer targets, so that `make check` replays each
 * fuzz corpus with any compiler and no fuzzing runtime. Each argument is an
 * input file, or a directory whose regular files are replayed in sorted
 * order (not recursively). Every input is passed to LLVMFuzzerTestOneInput
 * in a heap buffer of exactly its size, so the sanitizers catch any read
 * past its end. A crash is the failure signal; an unreadable argument is a
 * usage error (exit 2).
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Returns 0 after one call of the target, -1 when the file cannot be read. */
static int replay_file(const char *path)
{
	FILE *fp;
	uint8_t *data = NULL;
	long size;
	int rc = -1;

	errno = 0;
	fp = fopen(path, "rb");
	if (!fp)
		goto out_error;
	if (fseek(fp, 0, SEEK_END) != 0 || (size = ftell(fp)) < 0 || fseek(fp, 0, SEEK_SET) != 0)
		goto out_close;
	data = malloc(size ? (size_t)size : 1);
	if (!data || fread(data, 1, (size_t)size, fp) != (size_t)size)
		goto out_close;
	LLVMFuzzerTestOneInput(data, (size_t)size);
	rc = 0;
out_close:
	fclose(fp);
out_error:
	if (rc < 0)
		fprintf(stderr, "replay: %s: %s\n", path, errno ? strerror(errno) : "read error");
	free(data);
	return rc;
}

/* Replays the regular files of a directory in name order; returns the
 * number replayed or -1. */
static long replay_directory(const char *dir)
{
	struct dirent **names = NULL;
	long count = 0;
	int n = scandir(dir, &names, NULL, alphasort);

	if (n < 0) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		struct stat st;
		size_t len = strlen(dir) + strlen(names[i]->d_name) + 2;
		char *path = malloc(len);

		if (!path) {
			count = -1;
		} else {
			snprintf(path, len, "%s/%s", dir, names[i]->d_name);
			if (count >= 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode))
				count = replay_file(path) < 0 ? -1 : count + 1;
			free(path);
		}
		free(names[i]);
	}
	free(names);
	return count;
}

int main(int argc, char **argv)
{
	long total = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		struct stat st;
		long n;

		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
			return 2;
		}
		n = S_ISDIR(st.st_mode) ? replay_directory(argv[i]) : (replay_file(argv[i]) < 0 ? -1 : 1);
		if (n < 0)
			return 2;
		total += n;
	}
	printf("replayed %ld inputs\n", total);
	return 0;
}
