/*
 * The JSON report, in the shape DESIGN.md fixes (docs/report-json.md): tool,
 * run, summary, findings, controls, plus notices. Findings are written one
 * at a time as they come from the store, so memory does not grow with
 * their number.
 */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "controls.h"
#include "report.h"
#include "report_json.h"
#include "store.h"
#include "utf8.h"
#include "util.h"

/* A JSON string, or null; bytes that are not UTF-8 are escaped, never lost. */
json_t *report_json_string(const char *s)
{
	json_t *v;
	char *clean;

	if (!s)
		return json_null();
	v = json_string(s);
	if (v)
		return v;
	clean = utf8_sanitize(s, strlen(s));
	v = json_string(clean);
	free(clean);
	return v ? v : json_string("");
}

#define jstr report_json_string

static int dump(FILE *out, const char *prefix, json_t *v)
{
	int rc = 0;

	fputs(prefix, out);
	if (json_dumpf(v, out, JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6)) < 0)
		rc = -EIO;
	json_decref(v);
	return rc;
}

static json_t *tool_object(void)
{
	json_t *o = json_object();

	json_object_set_new(o, "name", json_string("assay"));
	json_object_set_new(o, "version", json_string(ASSAY_VERSION));
	return o;
}

static int add_input(const struct store_input *in, void *ctx)
{
	json_t *o = json_object();

	json_object_set_new(o, "kind", jstr(in->kind));
	json_object_set_new(o, "locator", jstr(in->locator));
	json_object_set_new(o, "digest", jstr(in->digest));
	if (in->commit)
		json_object_set_new(o, "commit", jstr(in->commit));
	json_array_append_new(ctx, o);
	return 0;
}

static json_t *run_object(struct store *st, const struct store_run *r)
{
	json_t *o = json_object(), *inputs = json_array();

	json_object_set_new(o, "id", json_integer(r->id));
	json_object_set_new(o, "status", jstr(r->status));
	json_object_set_new(o, "started_at", jstr(r->started_at));
	json_object_set_new(o, "finished_at", jstr(r->finished_at));
	store_foreach_input(st, r->id, add_input, inputs);
	json_object_set_new(o, "inputs", inputs);
	json_object_set_new(o, "command", jstr(r->command));
	json_object_set_new(o, "fail_on", jstr(r->fail_on));
	json_object_set_new(o, "exit_code", json_integer(r->exit_code));
	if (r->error)
		json_object_set_new(o, "error", jstr(r->error));
	json_object_set_new(o, "chain_hash", jstr(r->chain_hash));
	if (r->config_path)
		json_object_set_new(o, "config", jstr(r->config_path));
	if (r->baseline)
		json_object_set_new(o, "baseline", jstr(r->baseline));
	if (r->organisation)
		json_object_set_new(o, "organisation", jstr(r->organisation));
	if (r->project)
		json_object_set_new(o, "project", jstr(r->project));
	return o;
}

static json_t *summary_object(const struct store_run *r)
{
	json_t *o = json_object();

	for (int s = SEV_COUNT - 1; s >= 0; s--)
		json_object_set_new(o, severity_name((enum severity)s), json_integer(r->counts[s]));
	json_object_set_new(o, "waived", json_integer(r->waived));
	return o;
}

struct json_ctx {
	FILE *out;
	unsigned n;
	int rc;
};

static json_t *finding_object(const struct finding *f)
{
	json_t *o = json_object();

	json_object_set_new(o, "rule", jstr(f->rule));
	json_object_set_new(o, "severity", jstr(severity_name(f->severity)));
	json_object_set_new(o, "target", jstr(f->target));
	json_object_set_new(o, "path", jstr(f->path));
	json_object_set_new(o, "line", json_integer(f->line));
	json_object_set_new(o, "column", json_integer(f->column));
	json_object_set_new(o, "message", jstr(f->message));
	json_object_set_new(o, "evidence", jstr(f->evidence));
	json_object_set_new(o, "fingerprint", jstr(f->fingerprint));
	json_object_set_new(o, "waived", json_boolean(f->waived));
	if (f->waiver)
		json_object_set_new(o, "waiver", jstr(f->waiver));
	if (f->baseline)
		json_object_set_new(o, "baseline", jstr(f->baseline));
	json_object_set_new(o, "target_digest", jstr(f->target_digest));
	if (f->secret_hash)
		json_object_set_new(o, "secret_sha256", jstr(f->secret_hash));
	if (f->layer)
		json_object_set_new(o, "layer", jstr(f->layer));
	if (f->commit) {
		json_object_set_new(o, "commit", jstr(f->commit));
		json_object_set_new(o, "author", jstr(f->author));
		json_object_set_new(o, "date", jstr(f->date));
	}
	return o;
}

static int write_finding(const struct finding *f, void *ctx)
{
	struct json_ctx *j = ctx;

	j->rc = dump(j->out, j->n++ ? ",\n    " : "\n    ", finding_object(f));
	return j->rc;
}

static int write_notice(const struct store_notice *n, void *ctx)
{
	struct json_ctx *j = ctx;
	json_t *o = json_object();

	json_object_set_new(o, "level", jstr(n->level));
	json_object_set_new(o, "path", jstr(n->path));
	json_object_set_new(o, "line", json_integer(n->line));
	json_object_set_new(o, "message", jstr(n->message));
	j->rc = dump(j->out, j->n++ ? ",\n    " : "\n    ", o);
	return j->rc;
}

/* The rule ids of a control as a list ("" stored for a manual one). */
static json_t *rules_array(const char *joined)
{
	json_t *a = json_array();
	char *copy = xstrdup(joined ? joined : ""), *save = NULL;

	for (char *tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		json_array_append_new(a, jstr(tok));
	free(copy);
	return a;
}

static int write_control(const struct store_control *c, void *ctx)
{
	struct json_ctx *j = ctx;
	json_t *o = json_object();

	json_object_set_new(o, "profile", jstr(c->profile));
	json_object_set_new(o, "id", jstr(c->id));
	json_object_set_new(o, "title", jstr(c->title));
	json_object_set_new(o, "level", jstr(c->level));
	json_object_set_new(o, "status", jstr(c->status));
	json_object_set_new(o, "findings", json_integer(c->findings));
	json_object_set_new(o, "waived", json_integer(c->waived));
	json_object_set_new(o, "rules", rules_array(c->rules));
	json_object_set_new(o, "evidence", jstr(c->evidence));
	j->rc = dump(j->out, j->n++ ? ",\n    " : "\n    ", o);
	return j->rc;
}

static int write_profile(const struct profile_summary *sum, void *ctx)
{
	struct json_ctx *j = ctx;
	json_t *o = json_object(), *counts = json_object();

	json_object_set_new(o, "id", jstr(sum->profile->id));
	json_object_set_new(o, "title", jstr(sum->profile->title));
	json_object_set_new(o, "version", jstr(sum->profile->version));
	json_object_set_new(o, "source", jstr(sum->profile->source));
	json_object_set_new(o, "controls", json_integer(sum->controls));
	json_object_set_new(o, "assessed", json_integer(sum->assessed));
	/* a percentage with one decimal, null when nothing was assessed */
	json_object_set_new(o, "score", sum->score < 0 ? json_null() : json_real((double)(long)(sum->score * 1000 + 0.5) / 10));
	for (int s = 0; s < CONTROL_STATUS_COUNT; s++)
		json_object_set_new(counts, control_status_name((enum control_status)s), json_integer(sum->counts[s]));
	json_object_set_new(o, "status_counts", counts);
	j->rc = dump(j->out, j->n++ ? ",\n    " : "\n    ", o);
	return j->rc;
}

static int write_waiver(const struct store_waiver *w, void *ctx)
{
	struct json_ctx *j = ctx;
	json_t *o = json_object();

	json_object_set_new(o, "rule", jstr(w->rule));
	if (w->paths)
		json_object_set_new(o, "paths", rules_array(w->paths));
	if (w->fingerprint)
		json_object_set_new(o, "fingerprint", jstr(w->fingerprint));
	json_object_set_new(o, "reason", jstr(w->reason));
	json_object_set_new(o, "owner", jstr(w->owner));
	json_object_set_new(o, "expires", jstr(w->expires));
	json_object_set_new(o, "state", jstr(w->state));
	json_object_set_new(o, "matched", json_integer(w->matched));
	json_object_set_new(o, "source", jstr(w->source));
	j->rc = dump(j->out, j->n++ ? ",\n    " : "\n    ", o);
	return j->rc;
}

static int write_rule_setting(const struct store_rule_setting *r, void *ctx)
{
	struct json_ctx *j = ctx;
	json_t *o = json_object();

	json_object_set_new(o, "rule", jstr(r->rule));
	json_object_set_new(o, "enabled", json_boolean(r->enabled));
	json_object_set_new(o, "severity", r->severity >= 0 ? jstr(severity_name((enum severity)r->severity)) : json_null());
	json_object_set_new(o, "reason", jstr(r->reason));
	json_object_set_new(o, "source", jstr(r->source));
	j->rc = dump(j->out, j->n++ ? ",\n    " : "\n    ", o);
	return j->rc;
}

/* Closes an array whose items an iteration dumped; the first error wins. */
static int close_array(FILE *out, const struct json_ctx *j, int rc)
{
	fputs(j->n ? "\n  ]" : "]", out);
	return rc ? rc : j->rc;
}

int report_json(struct store *st, int64_t run, FILE *out)
{
	struct json_ctx j = {.out = out};
	struct store_run r;
	int rc = store_run_get(st, run, &r);

	if (rc < 0)
		return rc;
	rc = dump(out, "{\n  \"tool\": ", tool_object());
	if (!rc)
		rc = dump(out, ",\n  \"run\": ", run_object(st, &r));
	if (!rc)
		rc = dump(out, ",\n  \"summary\": ", summary_object(&r));
	fputs(",\n  \"findings\": [", out);
	if (!rc)
		rc = store_foreach_finding(st, run, write_finding, &j);
	rc = close_array(out, &j, rc);
	fputs(",\n  \"controls\": [", out);
	j.n = 0;
	if (!rc)
		rc = store_foreach_control(st, run, NULL, write_control, &j);
	rc = close_array(out, &j, rc);
	fputs(",\n  \"profiles\": [", out);
	j.n = 0;
	if (!rc)
		rc = controls_foreach_summary(st, run, write_profile, &j);
	rc = close_array(out, &j, rc);
	fputs(",\n  \"waivers\": [", out);
	j.n = 0;
	if (!rc)
		rc = store_foreach_waiver(st, run, write_waiver, &j);
	rc = close_array(out, &j, rc);
	fputs(",\n  \"rule_settings\": [", out);
	j.n = 0;
	if (!rc)
		rc = store_foreach_rule_setting(st, run, write_rule_setting, &j);
	rc = close_array(out, &j, rc);
	fputs(",\n  \"notices\": [", out);
	j.n = 0;
	if (!rc)
		rc = store_foreach_notice(st, run, write_notice, &j);
	rc = close_array(out, &j, rc);
	fputs("\n}\n", out);
	store_run_clear(&r);
	if (!rc && ferror(out))
		rc = -EIO;
	return rc;
}
