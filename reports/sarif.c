/*
 * The SARIF 2.1.0 report, for GitHub code scanning and its peers: one run
 * with the driver's rules (metadata from the registry, security-severity
 * from DESIGN.md's table), results located by relative URI under
 * %SRCROOT% (an image's files by their path in the image, with the image
 * and layer as logical locations), partialFingerprints from assay's
 * fingerprint, baselineState when the run had a baseline, the scan's
 * invocation with its notices, and GitHub's limits respected (one run per
 * file; at most SARIF_MAX_RESULTS results, the cut said in the
 * notifications; far fewer rules, tags and locations than it allows).
 */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "hashmap.h"
#include "registry.h"
#include "report.h"
#include "report_json.h"
#include "store.h"
#include "utf8.h"
#include "util.h"

#ifndef ASSAY_DOCS_URI
#define ASSAY_DOCS_URI "file:///usr/local/share/doc/assay/README.md"
#endif

#define SARIF_SCHEMA "https://json.schemastore.org/sarif-2.1.0.json"
#define SARIF_MAX_RESULTS 25000
/* The base of the URIs of files inside an image: its root directory. */
#define SARIF_IMAGE_ROOT "IMAGEROOT"

#define jstr report_json_string

static json_t *text_object(const char *text)
{
	json_t *o = json_object();
	json_object_set_new(o, "text", jstr(text));
	return o;
}

const char *sarif_level(enum severity s)
{
	switch (s) {
	case SEV_CRITICAL:
	case SEV_HIGH:
		return "error";
	case SEV_MEDIUM:
		return "warning";
	default:
		return "note";
	}
}

const char *sarif_security_severity(enum severity s)
{
	static const char *const scores[SEV_COUNT] = {"0.0", "3.0", "5.5", "8.0", "9.5"};
	return (unsigned)s < SEV_COUNT ? scores[s] : "0.0";
}

static json_t *rule_help(const struct rule *r)
{
	json_t *help = json_object();
	char *text = xasprintf("%s\n\nRemediation: %s", r->description, r->remediation);
	char *markdown = xasprintf("%s\n\n**Remediation.** %s\n\n`assay explain %s`", r->description, r->remediation, r->id);

	json_object_set_new(help, "text", jstr(text));
	json_object_set_new(help, "markdown", jstr(markdown));
	free(text);
	free(markdown);
	return help;
}

/* GitHub keeps at most 20 tags a rule. */
#define SARIF_MAX_TAGS 20

/* rule id -> json array of "profile:control" strings, from the run's
 * control results: the controls each rule evidenced in this run. */
static int collect_control_tags(const struct store_control *c, void *ctx)
{
	struct hashmap *m = ctx;
	char *rules = xstrdup(c->rules ? c->rules : ""), *save = NULL;
	char *tag = xasprintf("%s:%s", c->profile, c->id);

	for (char *id = strtok_r(rules, " ", &save); id; id = strtok_r(NULL, " ", &save)) {
		json_t *list = hashmap_get(m, id);

		if (!list) {
			list = json_array();
			hashmap_put(m, id, list);
		}
		json_array_append_new(list, json_string(tag));
	}
	free(tag);
	free(rules);
	return 0;
}

static void free_tag_list(void *v)
{
	json_decref(v);
}

/* "security", the family, the frameworks the references name, and the
 * run's controls the rule evidences, within GitHub's limit. */
static json_t *rule_tags(const struct rule *r, const struct hashmap *controls)
{
	json_t *tags = json_array(), *ctl = controls ? hashmap_get(controls, r->id) : NULL, *t;
	char family[32];
	size_t n = strcspn(r->id, "."), i;

	snprintf(family, sizeof(family), "%.*s", (int)(n < sizeof(family) ? n : sizeof(family) - 1), r->id);
	json_array_append_new(tags, json_string("security"));
	json_array_append_new(tags, json_string(family));
	if (r->references && strstr(r->references, "CIS"))
		json_array_append_new(tags, json_string("CIS"));
	if (r->references && strstr(r->references, "SOC 2"))
		json_array_append_new(tags, json_string("SOC2"));
	if (r->references && strstr(r->references, "27001"))
		json_array_append_new(tags, json_string("ISO27001"));
	json_array_foreach(ctl, i, t) {
		if (json_array_size(tags) >= SARIF_MAX_TAGS)
			break;
		json_array_append(tags, t);
	}
	return tags;
}

static json_t *rule_descriptor(const struct rule *r, const struct hashmap *controls)
{
	json_t *o = json_object(), *cfg = json_object(), *props = json_object();

	json_object_set_new(o, "id", jstr(r->id));
	json_object_set_new(o, "name", jstr(r->title));
	json_object_set_new(o, "shortDescription", text_object(r->title));
	json_object_set_new(o, "fullDescription", text_object(r->description));
	json_object_set_new(o, "help", rule_help(r));
	json_object_set_new(cfg, "level", json_string(sarif_level(r->severity)));
	json_object_set_new(o, "defaultConfiguration", cfg);
	json_object_set_new(props, "tags", rule_tags(r, controls));
	json_object_set_new(props, "security-severity", json_string(sarif_security_severity(r->severity)));
	json_object_set_new(props, "problem.severity", json_string(r->severity >= SEV_HIGH ? "error"
								   : r->severity == SEV_MEDIUM ? "warning"
											       : "recommendation"));
	json_object_set_new(o, "properties", props);
	return o;
}

/* Every rule of the registry, in registry order: a result's ruleIndex is
 * its rule's position here. */
static json_t *driver_object(struct store *st, int64_t run)
{
	json_t *driver = json_object(), *rules = json_array();
	struct hashmap controls;

	json_object_set_new(driver, "name", json_string("assay"));
	json_object_set_new(driver, "version", json_string(ASSAY_VERSION));
	json_object_set_new(driver, "semanticVersion", json_string(ASSAY_VERSION));
	/* the installed documentation (make install), or ASSAY_DOCS_URI */
	json_object_set_new(driver, "informationUri", json_string(ASSAY_DOCS_URI));
	hashmap_init(&controls);
	store_foreach_control(st, run, NULL, collect_control_tags, &controls);
	for (size_t i = 0; i < registry_builtin_count(); i++)
		json_array_append_new(rules, rule_descriptor(registry_at(i), &controls));
	hashmap_free(&controls, free_tag_list);
	json_object_set_new(driver, "rules", rules);
	return driver;
}

static long rule_index(const char *id)
{
	for (size_t i = 0; i < registry_builtin_count(); i++)
		if (strcmp(registry_at(i)->id, id) == 0)
			return (long)i;
	return -1;
}

/* A path inside the target as a relative URI reference: percent-encode
 * what a URI cannot hold literally. */
static char *uri_of(const char *target, const char *path)
{
	struct buf b;
	const char *p;

	buf_init(&b);
	buf_append(&b, "", 0);
	if (target && *target && strcmp(target, ".") != 0 && target[0] != '/' && !str_starts_with(target, "../")) {
		for (p = target; *p; p++)
			buf_putc(&b, *p);
		buf_putc(&b, '/');
	}
	for (p = path; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr("-._~/!$&'()*+,;=:@", c))
			buf_putc(&b, (char)c);
		else
			buf_printf(&b, "%%%02X", c);
	}
	return buf_steal(&b);
}

/* What the report knows of the run's images: the inputs that are images,
 * and each image's first tag, by digest. */
struct sarif_images {
	struct hashmap image_inputs; /* locator -> (void *)1 */
	struct hashmap tags;         /* image digest -> tag (owned) */
};

static int see_input(const struct store_input *in, void *ctx)
{
	struct sarif_images *im = ctx;

	if (strcmp(in->kind, "image") == 0)
		hashmap_put(&im->image_inputs, in->locator, (void *)1);
	return 0;
}

static int see_image(const struct store_image *img, int64_t image_id, void *ctx)
{
	struct sarif_images *im = ctx;

	(void)image_id;
	if (img->n_tags && !hashmap_contains(&im->tags, img->digest))
		hashmap_put(&im->tags, img->digest, xstrdup(img->tags[0]));
	return 0;
}

/* A finding about an image: a file in one of its layers, its config, or
 * anything found in an input that is an image. */
static bool is_image_finding(const struct sarif_images *im, const struct finding *f)
{
	return f->layer || str_starts_with(f->rule, "image.") || hashmap_contains(&im->image_inputs, f->target);
}

/* The image and, for a file in it, the layer, as logical locations:
 * name is the digest; the fully qualified name says where the image is
 * (its tag, else the archive) the way assay writes paths in archives. */
static json_t *image_logical_locations(const struct sarif_images *im, const struct finding *f, const char *archive)
{
	json_t *locs = json_array(), *image = json_object();
	const char *digest = f->target_digest ? f->target_digest : "unknown";
	const char *tag = hashmap_get(&im->tags, digest);
	char *fqn = xasprintf("%s@%s", tag ? tag : archive, digest);

	json_object_set_new(image, "name", jstr(digest));
	json_object_set_new(image, "fullyQualifiedName", jstr(fqn));
	json_object_set_new(image, "kind", json_string("image"));
	json_array_append_new(locs, image);
	if (f->layer) {
		json_t *layer = json_object();
		char *layer_fqn = xasprintf("%s!%s", fqn, f->layer);

		json_object_set_new(layer, "name", jstr(f->layer));
		json_object_set_new(layer, "fullyQualifiedName", jstr(layer_fqn));
		json_object_set_new(layer, "kind", json_string("layer"));
		json_array_append_new(locs, layer);
		free(layer_fqn);
	}
	free(fqn);
	return locs;
}

static json_t *location_of(const struct sarif_images *im, const struct finding *f)
{
	json_t *loc = json_object(), *phys = json_object(), *art = json_object();
	const char *bang = f->layer ? strrchr(f->path, '!') : NULL;
	char *uri, *archive;

	if (f->layer) {
		/* A file in a layer: its path in the image, under the image's
		 * root. An image found inside a walked directory has its
		 * archive's path before a '!'. */
		const char *in_image = bang ? bang + 1 : f->path;

		while (*in_image == '/')
			in_image++;
		uri = uri_of(NULL, *in_image ? in_image : ".");
		json_object_set_new(art, "uri", jstr(uri));
		json_object_set_new(art, "uriBaseId", json_string(SARIF_IMAGE_ROOT));
	} else {
		uri = uri_of(f->target, *f->path ? f->path : ".");
		json_object_set_new(art, "uri", jstr(uri));
		json_object_set_new(art, "uriBaseId", json_string("%SRCROOT%"));
	}
	json_object_set_new(phys, "artifactLocation", art);
	/* A finding about a whole file (line 0) points at its first line, the
	 * minimal whole-artifact region SARIF consumers expect. */
	json_t *region = json_object();
	json_object_set_new(region, "startLine", json_integer(f->line ? f->line : 1));
	if (f->line && f->column)
		json_object_set_new(region, "startColumn", json_integer(f->column));
	json_object_set_new(phys, "region", region);
	json_object_set_new(loc, "physicalLocation", phys);
	if (is_image_finding(im, f)) {
		if (!bang)
			archive = xstrdup(f->target);
		else if (!*f->target || strcmp(f->target, ".") == 0)
			archive = xstrndup(f->path, (size_t)(bang - f->path));
		else
			archive = xasprintf("%s/%.*s", f->target, (int)(bang - f->path), f->path);
		json_object_set_new(loc, "logicalLocations", image_logical_locations(im, f, archive));
		free(archive);
	}
	free(uri);
	return loc;
}

struct sarif_ctx {
	FILE *out;
	struct sarif_images images;
	bool any_image_file; /* a result located under SARIF_IMAGE_ROOT */
	unsigned n;
	unsigned dropped;
	int rc;
};

static json_t *result_object(const struct sarif_images *im, const struct finding *f)
{
	json_t *r = json_object(), *locs = json_array(), *fps = json_object(), *props = json_object();
	long idx = rule_index(f->rule);
	char *text = f->evidence && *f->evidence ? xasprintf("%s [%s]", f->message, f->evidence) : xstrdup(f->message);

	json_object_set_new(r, "ruleId", jstr(f->rule));
	if (idx >= 0)
		json_object_set_new(r, "ruleIndex", json_integer(idx));
	json_object_set_new(r, "level", json_string(sarif_level(f->severity)));
	json_object_set_new(r, "message", text_object(text));
	json_array_append_new(locs, location_of(im, f));
	json_object_set_new(r, "locations", locs);
	json_object_set_new(fps, "assayFingerprint/v1", jstr(f->fingerprint));
	json_object_set_new(r, "partialFingerprints", fps);
	/* With a baseline, whether the finding is new or was there before;
	 * the store holds nothing else (SARIF's "updated" and "absent" would
	 * need a fixed finding's row). */
	if (f->baseline && (strcmp(f->baseline, "new") == 0 || strcmp(f->baseline, "unchanged") == 0))
		json_object_set_new(r, "baselineState", json_string(f->baseline));
	if (f->waived) {
		json_t *sup = json_array(), *s = json_object();
		json_object_set_new(s, "kind", json_string("inSource"));
		json_array_append_new(sup, s);
		json_object_set_new(r, "suppressions", sup);
	}
	json_object_set_new(props, "severity", json_string(severity_name(f->severity)));
	if (f->secret_hash)
		json_object_set_new(props, "secretSha256", jstr(f->secret_hash));
	if (f->commit) {
		json_object_set_new(props, "commit", jstr(f->commit));
		json_object_set_new(props, "author", jstr(f->author));
		json_object_set_new(props, "date", jstr(f->date));
	}
	json_object_set_new(r, "properties", props);
	free(text);
	return r;
}

static int write_result(const struct finding *f, void *ctx)
{
	struct sarif_ctx *c = ctx;
	json_t *r;

	if (c->n >= SARIF_MAX_RESULTS) {
		c->dropped++;
		return 0;
	}
	r = result_object(&c->images, f);
	if (f->layer)
		c->any_image_file = true;
	fputs(c->n++ ? ",\n        " : "\n        ", c->out);
	if (json_dumpf(r, c->out, JSON_PRESERVE_ORDER | JSON_COMPACT) < 0)
		c->rc = -EIO;
	json_decref(r);
	return c->rc;
}

static json_t *notification(const char *level, const char *text, const char *path)
{
	json_t *n = json_object();

	json_object_set_new(n, "level", json_string(strcmp(level, "info") == 0 ? "note" : level));
	json_object_set_new(n, "message", text_object(text));
	if (path) {
		json_t *locs = json_array(), *loc = json_object(), *phys = json_object(), *art = json_object();
		json_object_set_new(art, "uri", jstr(path));
		json_object_set_new(phys, "artifactLocation", art);
		json_object_set_new(loc, "physicalLocation", phys);
		json_array_append_new(locs, loc);
		json_object_set_new(n, "locations", locs);
	}
	return n;
}

static int add_notice(const struct store_notice *sn, void *ctx)
{
	json_array_append_new(ctx, notification(sn->level, sn->message, sn->path));
	return 0;
}

static json_t *invocation_object(struct store *st, const struct store_run *r, const struct sarif_ctx *c)
{
	json_t *inv = json_object(), *notes = json_array();

	json_object_set_new(inv, "executionSuccessful", json_boolean(strcmp(r->status, "complete") == 0));
	json_object_set_new(inv, "exitCode", json_integer(r->exit_code));
	json_object_set_new(inv, "commandLine", jstr(r->command));
	json_object_set_new(inv, "startTimeUtc", jstr(r->started_at));
	if (r->finished_at)
		json_object_set_new(inv, "endTimeUtc", jstr(r->finished_at));
	store_foreach_notice(st, r->id, add_notice, notes);
	if (c->dropped) {
		char *text = xasprintf("%u results left out: GitHub code scanning accepts at most %d per run; the JSON "
				       "report and `assay report --run %lld` have them all",
				       c->dropped, SARIF_MAX_RESULTS, (long long)r->id);
		json_array_append_new(notes, notification("warning", text, NULL));
		free(text);
	}
	json_object_set_new(inv, "toolExecutionNotifications", notes);
	return inv;
}

/* Results are streamed first, into the file, so that memory does not grow
 * with their number; the invocation, which must say how many were cut, is
 * written after them (SARIF does not fix the order of a run's members). */
int report_sarif(struct store *st, int64_t run, FILE *out)
{
	struct sarif_ctx c = {.out = out};
	struct store_run r;
	json_t *driver, *invs;
	int rc = store_run_get(st, run, &r);

	if (rc < 0)
		return rc;
	hashmap_init(&c.images.image_inputs);
	hashmap_init(&c.images.tags);
	rc = store_foreach_input(st, run, see_input, &c.images);
	if (!rc)
		rc = store_foreach_image(st, run, see_image, &c.images);
	if (rc)
		goto out;
	fprintf(out, "{\n  \"$schema\": \"%s\",\n  \"version\": \"2.1.0\",\n  \"runs\": [\n    {\n      \"tool\": {\"driver\": ",
		SARIF_SCHEMA);
	driver = driver_object(st, run);
	json_dumpf(driver, out, JSON_PRESERVE_ORDER | JSON_COMPACT);
	json_decref(driver);
	fputs("},\n      \"automationDetails\": ", out);
	{
		json_t *ad = json_object();
		char *id = xasprintf("assay/run-%lld", (long long)run);
		json_object_set_new(ad, "id", jstr(id));
		json_dumpf(ad, out, JSON_COMPACT);
		json_decref(ad);
		free(id);
	}
	fputs(",\n      \"columnKind\": \"utf16CodeUnits\",\n      \"results\": [", out);
	rc = store_foreach_finding(st, run, write_result, &c);
	fputs(c.n ? "\n      ],\n      \"invocations\": " : "],\n      \"invocations\": ", out);
	invs = json_array();
	json_array_append_new(invs, invocation_object(st, &r, &c));
	json_dumpf(invs, out, JSON_PRESERVE_ORDER | JSON_COMPACT);
	json_decref(invs);
	if (c.any_image_file) {
		json_t *bases = json_object(), *root = json_object();

		json_object_set_new(root, "description",
				    text_object("the root directory of the image that the result's logical "
						"location names, as its layers build it"));
		json_object_set_new(bases, SARIF_IMAGE_ROOT, root);
		fputs(",\n      \"originalUriBaseIds\": ", out);
		json_dumpf(bases, out, JSON_PRESERVE_ORDER | JSON_COMPACT);
		json_decref(bases);
	}
	fputs("\n    }\n  ]\n}\n", out);
	if (c.dropped)
		fprintf(stderr, "assay: SARIF report holds the first %d of %u results (GitHub's limit)\n", SARIF_MAX_RESULTS,
			c.n + c.dropped);
out:
	hashmap_free(&c.images.image_inputs, NULL);
	hashmap_free(&c.images.tags, free);
	store_run_clear(&r);
	if (rc == 0 && (c.rc || ferror(out)))
		rc = -EIO;
	return rc;
}
