/*
 * The document model's share of bench/k8s.sh: reads every regular file of
 * a directory (sorted, not recursive) and builds every document with
 * src/yaml.c, touching each node, with nothing checked and nothing
 * stored. Set against bench/yaml_events.c it is the cost of the model
 * over a bare libyaml event loop.
 *
 * usage: yaml_model DIR
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"
#include "yaml.h"

static size_t count_nodes(const struct yaml_node *n)
{
	size_t c = 1;

	for (size_t i = 0; n->kind == YAML_NODE_SEQUENCE && i < n->n_items; i++)
		c += count_nodes(n->items[i]);
	for (size_t i = 0; n->kind == YAML_NODE_MAPPING && i < n->n_pairs; i++)
		c += count_nodes(n->pairs[i].key) + count_nodes(n->pairs[i].value);
	return c;
}

int main(int argc, char **argv)
{
	struct dirent **names;
	long files = 0, docs = 0, errors = 0;
	size_t nodes = 0;
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
		char path[4096], *data = NULL;
		struct stat st;
		size_t len = 0;
		bool truncated;

		snprintf(path, sizeof(path), "%s/%s", argv[1], names[i]->d_name);
		free(names[i]);
		if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) &&
		    read_file_capped(path, 16 << 20, &data, &len, &truncated) == 0) {
			struct yaml_reader *r = yaml_reader_new(data, len);
			const struct yaml_doc *doc;
			struct yaml_error err;
			int rc;

			while ((rc = yaml_reader_next(r, &doc, &err)) == 1) {
				docs++;
				if (doc->root)
					nodes += count_nodes(doc->root);
			}
			errors += rc < 0;
			yaml_reader_free(r);
			files++;
		}
		free(data);
	}
	free(names);
	printf("%ld files, %ld documents, %zu nodes, %ld errors\n", files, docs, nodes, errors);
	return 0;
}
