/*
 * The baseline for bench/k8s.sh: reads every regular file of a directory
 * (sorted, not recursive) and runs a bare libyaml event loop over it,
 * counting events, with nothing built and nothing checked. assay's scan of
 * the same files is measured against this. Built without src/ on the
 * include path (src/yaml.h shadows libyaml's header).
 *
 * usage: yaml_events DIR
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

static long count_events(const unsigned char *data, size_t len, long *errors)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	long n = 0;

	if (!yaml_parser_initialize(&parser))
		return 0;
	yaml_parser_set_input_string(&parser, data, len);
	for (;;) {
		if (!yaml_parser_parse(&parser, &ev)) {
			(*errors)++;
			break;
		}
		n++;
		if (ev.type == YAML_STREAM_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	return n;
}

static unsigned char *read_whole(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	unsigned char *data = NULL;
	long size;

	if (!fp)
		return NULL;
	if (fseek(fp, 0, SEEK_END) == 0 && (size = ftell(fp)) >= 0 && fseek(fp, 0, SEEK_SET) == 0) {
		data = malloc((size_t)size + 1);
		if (data && fread(data, 1, (size_t)size, fp) != (size_t)size) {
			free(data);
			data = NULL;
		}
		*len = (size_t)size;
	}
	fclose(fp);
	return data;
}

int main(int argc, char **argv)
{
	struct dirent **names;
	long events = 0, errors = 0, files = 0;
	int n;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	n = scandir(argv[1], &names, NULL, alphasort);
	if (n < 0) {
		perror(argv[1]);
		return 2;
	}
	for (int i = 0; i < n; i++) {
		char path[4096];
		struct stat st;
		size_t len = 0;
		unsigned char *data;

		snprintf(path, sizeof(path), "%s/%s", argv[1], names[i]->d_name);
		free(names[i]);
		if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode) || !(data = read_whole(path, &len)))
			continue;
		events += count_events(data, len, &errors);
		files++;
		free(data);
	}
	free(names);
	printf("%ld files, %ld events, %ld errors\n", files, events, errors);
	return 0;
}
