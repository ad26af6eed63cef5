/*
 * Baselines (see baseline.h): from a stored run, through the store, or
 * from a JSON report another machine wrote (CI keeps the main branch's
 * report as an artifact and hands it to the pull request's scan).
 */
#include "baseline.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store.h"
#include "util.h"

#define BASELINE_MAX_BYTES (512 * 1024 * 1024)

static int add_fingerprint(const char *fp, void *ctx)
{
	hashmap_put(ctx, fp, NULL);
	return 0;
}

static int from_run(struct store *st, int64_t run, struct hashmap *set, char **name, char *err, size_t errlen)
{
	struct store_run r;
	int rc = store_run_get(st, run, &r);

	if (rc < 0) {
		snprintf(err, errlen, "--baseline: no run %lld in the store", (long long)run);
		return rc;
	}
	if (strcmp(r.status, "complete") != 0) {
		snprintf(err, errlen, "--baseline: run %lld is %s, not complete", (long long)run, r.status);
		store_run_clear(&r);
		return -EINVAL;
	}
	store_run_clear(&r);
	rc = store_foreach_fingerprint(st, run, add_fingerprint, set);
	if (rc < 0) {
		snprintf(err, errlen, "--baseline: cannot read run %lld (%s)", (long long)run, strerror(-rc));
		return rc;
	}
	*name = xasprintf("run %lld", (long long)run);
	return 0;
}

static int from_json(const char *path, struct hashmap *set, char **name, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *root, *findings, *f;
	struct stat st;
	size_t i;

	if (stat(path, &st) < 0) {
		snprintf(err, errlen, "%s: --baseline: %s (give previous, a run id or a JSON report)", path,
			 strerror(errno));
		return -errno;
	}
	if (st.st_size > BASELINE_MAX_BYTES) {
		snprintf(err, errlen, "%s: --baseline: larger than the %d MiB cap", path, BASELINE_MAX_BYTES >> 20);
		return -EFBIG;
	}
	root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		snprintf(err, errlen, "%s:%d:%d: --baseline: %s", path, jerr.line, jerr.column, jerr.text);
		return -EINVAL;
	}
	findings = json_object_get(root, "findings");
	if (!json_is_array(findings) || !json_is_object(json_object_get(root, "tool"))) {
		snprintf(err, errlen, "%s: --baseline: not an assay JSON report (no tool and findings)", path);
		json_decref(root);
		return -EINVAL;
	}
	json_array_foreach(findings, i, f) {
		const char *fp = json_string_value(json_object_get(f, "fingerprint"));

		if (!fp) {
			snprintf(err, errlen, "%s: --baseline: finding %zu has no fingerprint", path, i);
			json_decref(root);
			return -EINVAL;
		}
		hashmap_put(set, fp, NULL);
	}
	json_decref(root);
	*name = xasprintf("file %s", path);
	return 0;
}

int baseline_load(struct store *st, const char *spec, struct hashmap *set, char **name, char *err, size_t errlen)
{
	char *end = NULL;
	long long id;
	int64_t latest;

	*name = NULL;
	if (strcmp(spec, "previous") == 0) {
		if (store_latest_run(st, &latest) < 0) {
			snprintf(err, errlen, "--baseline previous: the store holds no complete run yet");
			return -ENOENT;
		}
		return from_run(st, latest, set, name, err, errlen);
	}
	id = strtoll(spec, &end, 10);
	if (*spec && !*end && id > 0)
		return from_run(st, id, set, name, err, errlen);
	return from_json(spec, set, name, err, errlen);
}
