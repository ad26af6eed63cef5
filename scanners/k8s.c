/*
 * The Kubernetes manifest scanner (see k8s.h). It looks at *.yaml, *.yml
 * and *.json files and at standard input, reads at most K8S_MAX_BYTES,
 * and parses only text that names both `apiVersion` and `kind`, so that
 * the many other YAML and JSON files of a repository cost a memory search.
 * A file it parses and finds objects in is claimed: it runs the secrets
 * engine over the file's text itself, and the content scanner skips it.
 * In a git work tree, files git ignores (rendered output, vendored charts)
 * are left out, as the content scanner leaves them out.
 *
 * Files with Helm template actions are not valid manifests until rendered;
 * they are claimed, searched for secrets, and named in an info notice with
 * the command that renders them into something assay reads.
 */
#include "k8s.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "k8s_checks.h"
#include "scanners.h"
#include "utf8.h"
#include "util.h"

#define LIST_ITEMS_MAX 100000 /* objects unpacked from one List */

static bool has_manifest_extension(const char *name)
{
	static const char *const exts[] = {".yaml", ".yml", ".json"};

	for (size_t i = 0; i < ARRAY_LEN(exts); i++) {
		size_t n = strlen(name), e = strlen(exts[i]);
		if (n > e && strcasecmp(name + n - e, exts[i]) == 0)
			return true;
	}
	return false;
}

bool k8s_pod_spec(const struct k8s_object *o, const struct yaml_node **spec, const struct yaml_node **pod_metadata)
{
	static const char *const templated[] = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet",
						"ReplicationController", "Job"};
	const struct yaml_node *tmpl = NULL;

	*spec = *pod_metadata = NULL;
	if (strcmp(o->kind, "Pod") == 0) {
		*spec = yaml_map_get(o->root, "spec");
		*pod_metadata = o->metadata;
	} else if (strcmp(o->kind, "CronJob") == 0) {
		tmpl = yaml_map_get_path(o->root, "spec.jobTemplate.spec.template");
	} else if (strcmp(o->kind, "PodTemplate") == 0) {
		tmpl = yaml_map_get(o->root, "template");
	} else {
		for (size_t i = 0; i < ARRAY_LEN(templated) && !tmpl; i++)
			if (strcmp(o->kind, templated[i]) == 0)
				tmpl = yaml_map_get_path(o->root, "spec.template");
		if (!tmpl)
			return false;
	}
	if (tmpl) {
		*spec = yaml_map_get(tmpl, "spec");
		*pod_metadata = yaml_map_get(tmpl, "metadata");
	}
	return yaml_is_mapping(*spec);
}

/* Go template actions as Helm writes them: a field (.Values, $.Release),
 * a trim marker, a comment, a variable assignment, or one of the actions
 * and functions charts use. Argo's {{inputs.parameters.x}} and
 * Prometheus' {{ $labels.instance }} in valid manifests are not Helm. */
static bool helm_action_at(const char *p, const char *end)
{
	static const char *const words[] = {"include ", "template ", "if ", "else", "end", "range ", "with ",
					    "define ", "toYaml ", "tpl ", "required ", "default ", "quote ",
					    "printf ", "block ", "fail ", "lookup ", "nindent ", "indent ",
					    "toJson ", "b64enc ", "not ", "and ", "or ", "eq ", "ne "};

	if (p < end && *p == '-')
		return true;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p >= end)
		return false;
	if (*p == '.' || (*p == '/' && p + 1 < end && p[1] == '*'))
		return true;
	if (*p == '$') {
		const char *q = p + 1;
		if (q < end && *q == '.')
			return true;
		while (q < end && (*q == '_' || (*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
				   (*q >= '0' && *q <= '9')))
			q++;
		while (q < end && *q == ' ')
			q++;
		return q + 1 < end && ((q[0] == ':' && q[1] == '=') || q[0] == '=');
	}
	for (size_t i = 0; i < ARRAY_LEN(words); i++) {
		size_t n = strlen(words[i]);
		if ((size_t)(end - p) >= n && memcmp(p, words[i], n) == 0)
			return true;
	}
	return false;
}

/* The first "{{" in [p, end): memchr for its first byte, which is rare in
 * YAML. glibc's memmem goes a byte at a time for a two-byte needle (1.8 ns
 * a byte here, against 0.04 for memchr), and every manifest is searched
 * to its end. */
static const char *find_double_brace(const char *p, const char *end)
{
	const char *open;

	while (p < end && (open = memchr(p, '{', (size_t)(end - p)))) {
		if (open + 1 < end && open[1] == '{')
			return open;
		p = open + 1;
	}
	return NULL;
}

bool k8s_has_helm_actions(const char *data, size_t len, unsigned *line)
{
	const char *p = data, *end = data + len, *open;

	while ((open = find_double_brace(p, end))) {
		if (helm_action_at(open + 2, end)) {
			*line = 1;
			for (const char *q = data; q < open; q++)
				*line += *q == '\n';
			return true;
		}
		p = open + 2;
	}
	return false;
}

/* The cheap test before parsing: both words occur somewhere. */
static bool mentions_object_keys(const char *data, size_t len)
{
	return memmem(data, len, "apiVersion", 10) && memmem(data, len, "kind", 4);
}

struct k8s_file {
	struct scan *s;
	struct k8s_checks *checks;
	const char *path;
	unsigned objects;
};

static void object_from_node(struct k8s_file *f, const struct yaml_node *root, const char *api_version,
			     const char *kind)
{
	struct k8s_object o = {
		.root = root,
		.metadata = yaml_map_get(root, "metadata"),
		.api_version = api_version,
		.kind = kind,
		.target = f->s->target->locator,
		.path = f->path,
		.line = root->line,
		.column = root->column,
	};
	const char *name = yaml_map_get_str(o.metadata, "name");

	o.name = name ? name : "";
	o.namespace = yaml_map_get_str(o.metadata, "namespace");
	if (o.namespace && !*o.namespace)
		o.namespace = NULL;
	f->objects++;
	k8s_check_object(f->s, f->checks, &o);
}

/* A List (kind List, or FooList) holds its objects under items; items of
 * a FooList may leave out their own kind and apiVersion. */
static void unpack_list(struct k8s_file *f, const struct yaml_node *root, const char *api_version, const char *kind)
{
	const struct yaml_node *items = yaml_map_get(root, "items");
	size_t n = yaml_is_sequence(items) ? items->n_items : 0;
	char *item_kind = strcmp(kind, "List") != 0 ? xstrndup(kind, strlen(kind) - 4) : NULL;

	if (n > LIST_ITEMS_MAX) {
		scan_parse_error(f->s, f->path, root->line, root->column,
				 "%s holds %zu items; only the first %d are checked (list item cap)", kind, n,
				 LIST_ITEMS_MAX);
		n = LIST_ITEMS_MAX;
	}
	for (size_t i = 0; i < n; i++) {
		const struct yaml_node *it = items->items[i];
		const char *ik = yaml_map_get_str(it, "kind"), *iv = yaml_map_get_str(it, "apiVersion");
		if (!yaml_is_mapping(it))
			continue;
		ik = ik ? ik : item_kind;
		iv = iv ? iv : api_version;
		if (ik && iv && strcmp(ik, "List") != 0)
			object_from_node(f, it, iv, ik);
	}
	free(item_kind);
}

static bool is_list_kind(const char *kind, const struct yaml_node *root)
{
	size_t n = strlen(kind);

	return yaml_is_sequence(yaml_map_get(root, "items")) &&
	       (strcmp(kind, "List") == 0 || (n > 4 && strcmp(kind + n - 4, "List") == 0));
}

static void scan_document(struct k8s_file *f, const struct yaml_doc *doc)
{
	const char *api_version, *kind;

	if (!yaml_is_mapping(doc->root))
		return;
	api_version = yaml_map_get_str(doc->root, "apiVersion");
	kind = yaml_map_get_str(doc->root, "kind");
	if (!api_version || !kind || !*kind)
		return;
	for (size_t i = 0; i < doc->n_issues; i++)
		scan_parse_error(f->s, f->path, doc->issues[i].line, doc->issues[i].column, "%s",
				 doc->issues[i].message);
	if (doc->issues_dropped)
		scan_parse_error(f->s, f->path, doc->line, 0, "%zu more issues in this document are not reported",
				 doc->issues_dropped);
	if (is_list_kind(kind, doc->root))
		unpack_list(f, doc->root, api_version, kind);
	else
		object_from_node(f, doc->root, api_version, kind);
}

/* A line that starts (after indentation, a list dash, or JSON's brace and
 * quote) with the key: the file meant to be a manifest even if it does not
 * parse, so its syntax error is worth reporting. */
static bool has_key_line(const char *data, size_t len, const char *key)
{
	size_t klen = strlen(key);
	const char *p = data, *end = data + len, *hit;

	while ((hit = memmem(p, (size_t)(end - p), key, klen))) {
		const char *b = hit;
		while (b > data && strchr(" \t-{\"", b[-1]))
			b--;
		const char *a = hit + klen;
		if (a < end && *a == '"')
			a++;
		if ((b == data || b[-1] == '\n') && a < end && *a == ':')
			return true;
		p = hit + klen;
	}
	return false;
}

/* Documents from a reader, or from a stream parsed ahead. */
struct doc_source {
	struct yaml_reader *reader;
	const struct yaml_stream *stream;
	size_t next;
};

static int next_document(struct doc_source *src, const struct yaml_doc **doc, struct yaml_error *err)
{
	if (src->reader)
		return yaml_reader_next(src->reader, doc, err);
	if (src->next < yaml_stream_count(src->stream)) {
		*doc = yaml_stream_doc(src->stream, src->next++);
		return 1;
	}
	return yaml_stream_error(src->stream, err);
}

/* Errors stop the file: reported when the file was meant as a manifest or
 * a cap was hit (a hostile file is worth a word even if it is nothing
 * else). */
static unsigned scan_documents(struct scan *s, struct k8s_checks *checks, const char *path, const char *data,
			       size_t len, struct doc_source *src)
{
	struct k8s_file f = {.s = s, .checks = checks, .path = path};
	const struct yaml_doc *doc;
	struct yaml_error err;
	int rc;

	while ((rc = next_document(src, &doc, &err)) == 1)
		scan_document(&f, doc);
	if (rc < 0 && (f.objects || err.kind == YAML_ERROR_LIMIT ||
		       (has_key_line(data, len, "apiVersion") && has_key_line(data, len, "kind")))) {
		scan_parse_error(s, path, err.line, err.column, "%s%s", err.message,
				 f.objects ? "; the objects before it were checked" : "");
		f.objects += f.objects == 0; /* claimed: the error is reported */
	}
	return f.objects;
}

unsigned k8s_scan_text(struct scan *s, struct k8s_checks *checks, const char *path, const char *data, size_t len)
{
	struct doc_source src = {.reader = yaml_reader_new(data, len)};
	unsigned objects;

	if (!src.reader)
		return 0;
	objects = scan_documents(s, checks, path, data, len, &src);
	yaml_reader_free(src.reader);
	return objects;
}

/* ---- parsed ahead: a likely manifest's YAML, parsed before its turn ---- */

/* What one file's documents may hold when parsed ahead: about twice what
 * a model of its size takes. A file whose model is larger is parsed in
 * its turn, one document at a time, so that the files read ahead hold at
 * most a bounded multiple of the read-ahead budget. */
static size_t ahead_model_budget(size_t len)
{
	return 16 * len + 64 * 1024;
}

struct k8s_ahead {
	struct yaml_stream *stream;
	size_t len; /* of the text parsed */
};

/* The tests k8s_scan_file makes before parsing, on the same bytes. */
static void *k8s_prepare(const struct fs_entry *e, const char *data, size_t len, bool truncated)
{
	struct k8s_ahead *a;
	unsigned line;

	if (truncated || len > K8S_MAX_BYTES || !S_ISREG(e->st.st_mode) || !has_manifest_extension(e->name))
		return NULL;
	if (looks_binary(data, len) || !mentions_object_keys(data, len) || k8s_has_helm_actions(data, len, &line))
		return NULL;
	a = xcalloc(1, sizeof(*a));
	a->stream = yaml_stream_parse(data, len, ahead_model_budget(len));
	a->len = len;
	if (!yaml_stream_complete(a->stream)) {
		yaml_stream_free(a->stream);
		free(a);
		return NULL;
	}
	return a;
}

static void k8s_release(void *prepared)
{
	struct k8s_ahead *a = prepared;

	yaml_stream_free(a->stream);
	free(a);
}

/* The documents parsed ahead from the bytes fs_entry_read handed out as
 * `data` (the bytes read ahead; k8s_prepare took only files read whole),
 * or NULL. k8s_prepare found those bytes to be text naming apiVersion and
 * kind, with no Helm template actions. */
static const struct k8s_ahead *parsed_ahead(struct scan *s, const struct fs_entry *e, size_t len)
{
	const struct k8s_ahead *a = scan_prepared(s, &k8s_scanner);

	return a && e->ahead && a->len == len ? a : NULL;
}

/* The documents parsed ahead, else a parse now. */
static unsigned scan_manifest(struct scan *s, struct k8s_checks *checks, const struct fs_entry *e,
			      const char *path, const char *data, size_t len)
{
	const struct k8s_ahead *a = parsed_ahead(s, e, len);
	struct doc_source src = {0};

	if (!a)
		return k8s_scan_text(s, checks, path, data, len);
	src.stream = a->stream;
	return scan_documents(s, checks, path, data, len, &src);
}

static void report_helm_template(struct scan *s, const char *path, unsigned line)
{
	scan_notice(s, "info", path,
		    "Helm template syntax (line %u); not scanned as Kubernetes manifests. Render the chart and "
		    "pipe it in: helm template RELEASE CHART | assay scan -",
		    line);
}

static int k8s_scan_file(struct scan *s, void *state, const struct fs_entry *e, bool claimed)
{
	char *data = NULL, *display = NULL;
	size_t len = 0;
	bool truncated = false, mine = false, ahead;
	unsigned helm_line;
	int rc;

	if (claimed || !S_ISREG(e->st.st_mode) || (!e->data && !has_manifest_extension(e->name)))
		return 0;
	/* git's view of the tree, as the content scanner has it; a file named
	 * on the command line is read whatever git thinks of it */
	if (!s->target->file && scan_ignored_by_git(s, e))
		return 0;
	rc = fs_entry_read(e, K8S_MAX_BYTES, &data, &len, &truncated);
	if (rc < 0)
		goto out;
	ahead = parsed_ahead(s, e, len) != NULL; /* what the checks below would find is known */
	if (!ahead && looks_binary(data, len))
		goto out; /* the content scanner says what it cannot read */
	display = utf8_sanitize(e->relpath, strlen(e->relpath));
	scan_set_source(s, display, data, len);
	if (ahead) {
		mine = scan_manifest(s, state, e, display, data, len) > 0;
	} else if (k8s_has_helm_actions(data, len, &helm_line) && memmem(data, len, "kind", 4)) {
		report_helm_template(s, display, helm_line);
		mine = true;
	} else if (!mentions_object_keys(data, len)) {
		goto out;
	} else if (truncated) {
		scan_parse_error(s, display, 0, 0,
				 "manifest is larger than the %d MiB cap (%lld bytes); its objects were not checked",
				 K8S_MAX_BYTES >> 20, (long long)e->st.st_size);
		mine = true;
	} else {
		mine = scan_manifest(s, state, e, display, data, len) > 0;
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

static void *k8s_scan_begin(struct scan *s)
{
	(void)s;
	return k8s_checks_begin();
}

static void k8s_scan_end(struct scan *s, void *state)
{
	k8s_checks_end(s, state);
}

const struct scanner k8s_scanner = {
	.name = "k8s",
	.begin = k8s_scan_begin,
	.file = k8s_scan_file,
	.end = k8s_scan_end,
	.prepare = k8s_prepare,
	.release = k8s_release,
};
