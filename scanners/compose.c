/*
 * The Docker Compose scanner (see compose.h). Files named like Compose
 * files are parsed whatever they hold, and a syntax error in one is an
 * assay.parse-error; other YAML is parsed only when its text mentions
 * `services`, and taken only when its shape is Compose's, so that CI
 * configurations and Helm values are left alone. A file it takes is
 * claimed: it runs the secrets engine over the text itself.
 */
#include "compose.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "compose_checks.h"
#include "scanners.h"
#include "utf8.h"
#include "util.h"

static bool has_yaml_extension(const char *name)
{
	size_t n = strlen(name);

	return (n > 4 && strcasecmp(name + n - 4, ".yml") == 0) || (n > 5 && strcasecmp(name + n - 5, ".yaml") == 0);
}

bool compose_name_matches(const char *name)
{
	return has_yaml_extension(name) &&
	       (strncasecmp(name, "compose", 7) == 0 || strncasecmp(name, "docker-compose", 14) == 0);
}

/* A top-level services mapping whose entries are services: mappings, at
 * least one with an image or a build, and no Kubernetes object keys. */
static bool has_compose_shape(const struct yaml_node *root)
{
	const struct yaml_node *services = yaml_map_get(root, "services");

	if (!yaml_is_mapping(services) || yaml_map_get(root, "apiVersion") || yaml_map_get(root, "kind"))
		return false;
	for (size_t i = 0; i < services->n_pairs; i++) {
		const struct yaml_node *svc = services->pairs[i].value;
		if (yaml_is_mapping(svc) && (yaml_map_get(svc, "image") || yaml_map_get(svc, "build")))
			return true;
	}
	return false;
}

bool compose_scan_text(struct scan *s, const char *path, const char *data, size_t len, bool named)
{
	struct yaml_reader *r = yaml_reader_new(data, len);
	const struct yaml_doc *doc;
	struct yaml_error err;
	bool found = false;
	int rc;

	if (!r)
		return false;
	while ((rc = yaml_reader_next(r, &doc, &err)) == 1) {
		struct compose_file f = {.root = doc->root, .target = s->target->locator, .path = path};
		if (!has_compose_shape(doc->root) && !(named && yaml_is_mapping(yaml_map_get(doc->root, "services"))))
			continue;
		found = true;
		for (size_t i = 0; i < doc->n_issues; i++)
			scan_parse_error(s, path, doc->issues[i].line, doc->issues[i].column, "%s",
					 doc->issues[i].message);
		f.services = yaml_map_get(doc->root, "services");
		compose_check_file(s, &f);
	}
	if (rc < 0 && (named || found || err.kind == YAML_ERROR_LIMIT)) {
		scan_parse_error(s, path, err.line, err.column, "%s", err.message);
		found = true;
	}
	yaml_reader_free(r);
	return found;
}

static int compose_scan_file(struct scan *s, void *state, const struct fs_entry *e, bool claimed)
{
	char *data = NULL, *display = NULL;
	size_t len = 0;
	bool truncated = false, named, mine = false;
	int rc;

	(void)state;
	if (claimed || !S_ISREG(e->st.st_mode))
		return 0;
	named = compose_name_matches(e->name);
	if (!named && !e->data && !has_yaml_extension(e->name))
		return 0;
	if (!s->target->file && scan_ignored_by_git(s, e))
		return 0; /* git's view of the tree, as the content scanner has it */
	rc = fs_entry_read(e, COMPOSE_MAX_BYTES, &data, &len, &truncated);
	if (rc < 0 || looks_binary(data, len) || (!named && !memmem(data, len, "services", 8)))
		goto out; /* the content scanner reports what it cannot read */
	display = utf8_sanitize(e->relpath, strlen(e->relpath));
	scan_set_source(s, display, data, len);
	if (truncated && named) {
		scan_parse_error(s, display, 0, 0, "Compose file is larger than the %d MiB cap; not checked",
				 COMPOSE_MAX_BYTES >> 20);
		mine = true;
	} else if (!truncated) {
		mine = compose_scan_text(s, display, data, len, named);
	}
	if (mine) {
		scan_digest_content(s, e->relpath, data, len);
		scan_report_secrets(s, display, data, len, 1);
	}
out:
	scan_set_source(s, NULL, NULL, 0);
	secure_free(data, len);
	free(display);
	return mine ? 1 : 0;
}

const struct scanner compose_scanner = {
	.name = "compose",
	.file = compose_scan_file,
};
