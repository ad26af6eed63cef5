/*
 * .assay.yml (see config.h): reading it strictly, so that a typo never
 * silently weakens a scan, and answering the scan's questions about it:
 * is this path excluded, is this rule re-rated or off, which waiver covers
 * this finding.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry.h"
#include "util.h"
#include "yaml.h"
#include "yaml_check.h"

static const char *const top_keys[] = {"organisation", "organization", "project", "profiles", "fail-on", "exclude",
				       "severity", "disable", "secret-rules", "waivers", NULL};
static const char *const waiver_keys[] = {"rule", "paths", "fingerprint", "reason", "owner", "expires", NULL};
static const char *const disable_keys[] = {"rule", "reason", NULL};
static const char *const secret_rule_keys[] = {"id", "title", "severity", "regex", "keywords", "secret-group",
					       "entropy", "allow", "description", "remediation", NULL};

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static char **dup_list(const struct yaml_node *list, size_t *n)
{
	char **out;

	*n = yaml_list_len(list);
	out = xcalloc(*n ? *n : 1, sizeof(*out));
	for (size_t i = 0; i < *n; i++)
		out[i] = xstrdup(yaml_scalar_str(yaml_list_at(list, i)));
	return out;
}

/* ---- dates ---- */

static long days_from_civil(long y, unsigned m, unsigned d)
{
	/* Howard Hinnant's days_from_civil: exact for the proleptic Gregorian calendar. */
	long era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long)doe - 719468;
}

long config_parse_date(const char *s)
{
	static const unsigned mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	unsigned y, m, d;
	int used = 0;

	if (!s || strlen(s) != 10 || sscanf(s, "%4u-%2u-%2u%n", &y, &m, &d, &used) != 3 || used != 10)
		return -1;
	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return -1;
	if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return -1;
	return days_from_civil((long)y, m, d);
}

/* ---- rules the configuration may name ---- */

static bool rule_known(const struct config *c, const char *id)
{
	if (registry_find(id))
		return true;
	for (size_t i = 0; i < c->n_secret_rules; i++)
		if (strcmp(c->secret_rules[i].rule.id, id) == 0)
			return true;
	return false;
}

static void check_rule_named(struct yaml_check *chk, const struct config *c, const struct yaml_node *n)
{
	const char *id = yaml_scalar_str(n), *hint;
	const char **ids;
	size_t count = registry_count();

	if (!id || !*id) {
		yaml_check_error(chk, n, "expected a rule id");
		return;
	}
	if (rule_known(c, id))
		return;
	ids = xcalloc(count + c->n_secret_rules + 1, sizeof(*ids));
	for (size_t i = 0; i < count; i++)
		ids[i] = registry_at(i)->id;
	for (size_t i = 0; i < c->n_secret_rules; i++)
		ids[count + i] = c->secret_rules[i].rule.id;
	hint = suggest_closest(id, ids, count + c->n_secret_rules);
	if (hint)
		yaml_check_error(chk, n, "no rule '%s' (did you mean '%s'?)", id, hint);
	else
		yaml_check_error(chk, n, "no rule '%s' ('assay rules' lists them)", id);
	free(ids);
}

static bool parse_severity_node(struct yaml_check *chk, const struct yaml_node *n, bool allow_none, enum severity *out)
{
	const char *s = yaml_scalar_str(n);

	if (s && severity_parse(s, allow_none, out) == 0)
		return true;
	yaml_check_error(chk, n, "'%s' is not a severity (info, low, medium, high, critical%s)", s ? s : "",
			 allow_none ? " or none" : "");
	return false;
}

/* ---- custom secret rules ---- */

static void parse_keywords(struct yaml_check *chk, const struct yaml_node *map, struct secret_pattern *p)
{
	const struct yaml_node *list = yaml_check_str_list(chk, map, "keywords", false);
	size_t n = yaml_list_len(list);

	if (n > SECRETS_MAX_KEYWORDS) {
		yaml_check_error(chk, list, "at most %d keywords", SECRETS_MAX_KEYWORDS);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const struct yaml_node *item = yaml_list_at(list, i);
		char *k = xstrdup(yaml_scalar_str(item));

		if (strlen(k) < SECRETS_MIN_KEYWORD_LEN)
			yaml_check_error(chk, item,
					 "keyword '%s' is shorter than %d characters: it would select nearly every line",
					 k, SECRETS_MIN_KEYWORD_LEN);

		for (char *q = k; *q; q++)
			*q = (char)tolower((unsigned char)*q);
		p->keywords[i] = k;
	}
}

static void parse_secret_numbers(struct yaml_check *chk, const struct yaml_node *map, struct secret_pattern *p)
{
	const struct yaml_node *group = yaml_map_get(map, "secret-group"), *entropy = yaml_map_get(map, "entropy");
	long long g = 0;
	char *end = NULL;

	if (group && (!yaml_scalar_int(group, &g) || g < 0 || g > 20))
		yaml_check_error(chk, group, "'secret-group' must be a capture group number from 0 to 20");
	p->secret_group = (unsigned)g;
	if (entropy) {
		const char *s = yaml_scalar_str(entropy);
		double v = s ? strtod(s, &end) : -1;

		if (!s || *end || v < 0 || v > 8)
			yaml_check_error(chk, entropy, "'entropy' must be a number of bits per character from 0 to 8");
		else
			p->min_entropy = v;
	}
}

static void parse_secret_regexes(struct yaml_check *chk, const struct yaml_node *map, struct secret_pattern *p)
{
	char why[300];
	const char *allow;

	p->regex = dup_or_null(yaml_check_str(chk, map, "regex", true));
	if (p->regex && secrets_check_regex(p->regex, p->secret_group, why, sizeof(why)) < 0)
		yaml_check_error(chk, yaml_map_get(map, "regex"), "bad regex: %s", why);
	allow = yaml_check_str(chk, map, "allow", false);
	if (allow && secrets_check_regex(allow, 0, why, sizeof(why)) < 0)
		yaml_check_error(chk, yaml_map_get(map, "allow"), "bad allow regex: %s", why);
	p->allowlist = dup_or_null(allow);
}

static void parse_secret_rule(struct yaml_check *chk, struct config *c, const struct yaml_node *n,
			      struct secret_pattern *p)
{
	const struct yaml_node *sev;
	const char *id;

	if (!yaml_is_mapping(n)) {
		yaml_check_error(chk, n, "each secret rule is a mapping with id, title, severity and regex");
		return;
	}
	if (!yaml_check_keys(chk, n, secret_rule_keys))
		return;
	id = yaml_check_str(chk, n, "id", true);
	if (id && (!str_starts_with(id, CONFIG_SECRET_RULE_PREFIX) || !id[strlen(CONFIG_SECRET_RULE_PREFIX)]))
		yaml_check_error(chk, yaml_map_get(n, "id"), "a configured secret rule is named %sSLUG, not '%s'",
				 CONFIG_SECRET_RULE_PREFIX, id);
	for (const char *q = id; q && *q && !chk->failed; q++)
		if (!(islower((unsigned char)*q) || isdigit((unsigned char)*q) || *q == '-' || *q == '.'))
			yaml_check_error(chk, yaml_map_get(n, "id"), "rule ids are lower case letters, digits and '-'");
	if (id && rule_known(c, id))
		yaml_check_error(chk, yaml_map_get(n, "id"), "rule '%s' is defined twice", id);
	p->rule.id = dup_or_null(id);
	p->rule.title = dup_or_null(yaml_check_str(chk, n, "title", true));
	p->rule.description = dup_or_null(yaml_check_str(chk, n, "description", false));
	p->rule.remediation = dup_or_null(yaml_check_str(chk, n, "remediation", false));
	if (!p->rule.description)
		p->rule.description = xstrdup("A secret rule defined in the project's configuration.");
	if (!p->rule.remediation)
		p->rule.remediation = xstrdup("Remove the secret from the file, rotate it, and load it from a "
					      "secret store at run time.");
	p->rule.severity = SEV_HIGH;
	sev = yaml_map_get(n, "severity");
	if (sev)
		parse_severity_node(chk, sev, false, (enum severity *)&p->rule.severity);
	parse_keywords(chk, n, p);
	parse_secret_numbers(chk, n, p);
	parse_secret_regexes(chk, n, p);
}

static void parse_secret_rules(struct yaml_check *chk, struct config *c, const struct yaml_node *list)
{
	if (!yaml_is_sequence(list)) {
		yaml_check_error(chk, list, "'secret-rules' must be a list");
		return;
	}
	c->secret_rules = xcalloc(list->n_items ? list->n_items : 1, sizeof(*c->secret_rules));
	for (size_t i = 0; i < list->n_items && !chk->failed; i++) {
		parse_secret_rule(chk, c, list->items[i], &c->secret_rules[i]);
		c->n_secret_rules = i + 1;
	}
}

/* ---- rule settings ---- */

static struct config_rule_setting *setting_for(struct config *c, const char *rule, unsigned line)
{
	for (size_t i = 0; i < c->n_settings; i++)
		if (strcmp(c->settings[i].rule, rule) == 0)
			return &c->settings[i];
	c->settings = xrealloc(c->settings, (c->n_settings + 1) * sizeof(*c->settings));
	c->settings[c->n_settings] = (struct config_rule_setting){.rule = xstrdup(rule), .enabled = true,
								   .severity = -1, .line = line};
	return &c->settings[c->n_settings++];
}

static void parse_severities(struct yaml_check *chk, struct config *c, const struct yaml_node *map)
{
	if (!yaml_is_mapping(map)) {
		yaml_check_error(chk, map, "'severity' maps rule ids to severities (k8s.liveness-probe: low)");
		return;
	}
	for (size_t i = 0; i < map->n_pairs && !chk->failed; i++) {
		enum severity sev;

		check_rule_named(chk, c, map->pairs[i].key);
		if (!chk->failed && parse_severity_node(chk, map->pairs[i].value, false, &sev))
			setting_for(c, yaml_scalar_str(map->pairs[i].key), map->pairs[i].key->line)->severity = (int)sev;
	}
}

static void parse_disable_item(struct yaml_check *chk, struct config *c, const struct yaml_node *n)
{
	const struct yaml_node *rule = n;
	const char *reason = NULL;
	struct config_rule_setting *s;

	if (yaml_is_mapping(n)) {
		if (!yaml_check_keys(chk, n, disable_keys))
			return;
		yaml_check_str(chk, n, "rule", true);
		rule = yaml_map_get(n, "rule");
		reason = yaml_check_str(chk, n, "reason", false);
	} else if (!yaml_scalar_str(n)) {
		yaml_check_error(chk, n, "'disable' lists rule ids, or mappings with rule and reason");
	}
	if (chk->failed)
		return;
	check_rule_named(chk, c, rule);
	if (chk->failed)
		return;
	s = setting_for(c, yaml_scalar_str(rule), rule->line);
	s->enabled = false;
	free(s->reason);
	s->reason = dup_or_null(reason);
}

static void parse_disable(struct yaml_check *chk, struct config *c, const struct yaml_node *list)
{
	if (yaml_is_scalar(list)) {
		parse_disable_item(chk, c, list);
		return;
	}
	if (!yaml_is_sequence(list)) {
		yaml_check_error(chk, list, "'disable' must be a list of rule ids");
		return;
	}
	for (size_t i = 0; i < list->n_items && !chk->failed; i++)
		parse_disable_item(chk, c, list->items[i]);
}

/* ---- waivers ---- */

static void waiver_summary(struct config_waiver *w)
{
	w->summary = xasprintf("%s (owner %s, expires %s)", w->reason, w->owner, w->expires);
}

static void parse_waiver(struct yaml_check *chk, struct config *c, const struct yaml_node *n, struct config_waiver *w)
{
	const struct yaml_node *paths;

	w->line = n->line;
	if (!yaml_is_mapping(n)) {
		yaml_check_error(chk, n, "each waiver is a mapping with rule, paths or fingerprint, reason, owner and "
					 "expires");
		return;
	}
	if (!yaml_check_keys(chk, n, waiver_keys))
		return;
	w->rule = dup_or_null(yaml_check_str(chk, n, "rule", true));
	if (w->rule)
		check_rule_named(chk, c, yaml_map_get(n, "rule"));
	paths = yaml_check_str_list(chk, n, "paths", false);
	w->fingerprint = dup_or_null(yaml_check_str(chk, n, "fingerprint", false));
	if (!chk->failed && !paths == !w->fingerprint)
		yaml_check_error(chk, n, "a waiver names either 'paths' (globs) or a 'fingerprint', exactly one");
	if (paths)
		w->paths = dup_list(paths, &w->n_paths);
	w->reason = dup_or_null(yaml_check_str(chk, n, "reason", true));
	w->owner = dup_or_null(yaml_check_str(chk, n, "owner", true));
	w->expires = dup_or_null(yaml_check_str(chk, n, "expires", true));
	w->expires_day = config_parse_date(w->expires);
	if (w->expires && w->expires_day < 0)
		yaml_check_error(chk, yaml_map_get(n, "expires"), "'expires' must be a date YYYY-MM-DD, not '%s'",
				 w->expires);
	if (!chk->failed)
		waiver_summary(w);
}

static void parse_waivers(struct yaml_check *chk, struct config *c, const struct yaml_node *list)
{
	if (!yaml_is_sequence(list)) {
		yaml_check_error(chk, list, "'waivers' must be a list");
		return;
	}
	c->waivers = xcalloc(list->n_items ? list->n_items : 1, sizeof(*c->waivers));
	for (size_t i = 0; i < list->n_items && !chk->failed; i++) {
		parse_waiver(chk, c, list->items[i], &c->waivers[i]);
		c->n_waivers = i + 1;
	}
}

/* ---- the file ---- */

static void parse_list_key(struct yaml_check *chk, const struct yaml_node *root, const char *key, char ***out,
			   size_t *n)
{
	const struct yaml_node *list = yaml_check_str_list(chk, root, key, false);

	if (list && !chk->failed)
		*out = dup_list(list, n);
}

static void parse_root(struct yaml_check *chk, struct config *c, const struct yaml_node *root)
{
	const struct yaml_node *n;
	const char *org;

	if (!yaml_check_keys(chk, root, top_keys))
		return;
	org = yaml_check_str(chk, root, "organisation", false);
	c->organisation = dup_or_null(org ? org : yaml_check_str(chk, root, "organization", false));
	c->project = dup_or_null(yaml_check_str(chk, root, "project", false));
	parse_list_key(chk, root, "profiles", &c->profiles, &c->n_profiles);
	parse_list_key(chk, root, "exclude", &c->exclude, &c->n_exclude);
	if ((n = yaml_map_get(root, "fail-on")) && !chk->failed)
		c->has_fail_on = parse_severity_node(chk, n, true, &c->fail_on);
	/* secret rules first: the other sections may name them */
	if ((n = yaml_map_get(root, "secret-rules")) && !yaml_is_null(n) && !chk->failed)
		parse_secret_rules(chk, c, n);
	if ((n = yaml_map_get(root, "severity")) && !yaml_is_null(n) && !chk->failed)
		parse_severities(chk, c, n);
	if ((n = yaml_map_get(root, "disable")) && !yaml_is_null(n) && !chk->failed)
		parse_disable(chk, c, n);
	if ((n = yaml_map_get(root, "waivers")) && !yaml_is_null(n) && !chk->failed)
		parse_waivers(chk, c, n);
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? xstrndup(path, (size_t)(slash - path) + (slash == path)) : xstrdup(".");
}

/* Only blank lines and comments. */
static bool config_is_empty(const char *data, size_t len)
{
	bool in_comment = false;

	for (size_t i = 0; i < len; i++) {
		if (data[i] == '\n')
			in_comment = false;
		else if (data[i] == '#')
			in_comment = true;
		else if (!in_comment && !isspace((unsigned char)data[i]))
			return false;
	}
	return true;
}

int config_parse(const char *file, const char *data, size_t len, struct config **out, char *err, size_t errlen)
{
	struct yaml_reader *r = yaml_reader_new(data, len);
	struct config *c = xcalloc(1, sizeof(*c));
	struct yaml_check chk;
	const struct yaml_node *root;
	const struct yaml_doc *next;
	struct yaml_error yerr;

	yaml_check_init(&chk, file);
	c->path = xstrdup(file);
	c->dir = dir_of(file);
	if (config_is_empty(data, len)) {
		yaml_reader_free(r);
		*out = c;
		return 0; /* an empty (or all-comment) file configures nothing */
	}
	root = yaml_check_single_mapping(&chk, r);
	if (root)
		parse_root(&chk, c, root);
	if (!chk.failed && yaml_reader_next(r, &next, &yerr) != 0)
		yaml_check_error(&chk, NULL, "the configuration is one YAML document; found more after the first");
	yaml_reader_free(r);
	if (chk.failed) {
		snprintf(err, errlen, "%s", chk.message);
		config_free(c);
		*out = NULL;
		return -EINVAL;
	}
	*out = c;
	return 0;
}

int config_load(const char *path, struct config **out, char *err, size_t errlen)
{
	char *data = NULL;
	size_t len = 0;
	bool truncated = false;
	int rc = read_file_capped(path, CONFIG_MAX_BYTES, &data, &len, &truncated);

	*out = NULL;
	if (rc < 0) {
		snprintf(err, errlen, "%s: cannot read the configuration: %s", path, strerror(-rc));
		return rc;
	}
	if (truncated) {
		snprintf(err, errlen, "%s: the configuration is larger than the %d MiB cap", path,
			 CONFIG_MAX_BYTES >> 20);
		free(data);
		return -EFBIG;
	}
	rc = config_parse(path, data, len, out, err, errlen);
	free(data);
	return rc;
}

static void free_list(char **list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

static void free_secret_rule(struct secret_pattern *p)
{
	free((char *)p->rule.id);
	free((char *)p->rule.title);
	free((char *)p->rule.description);
	free((char *)p->rule.remediation);
	free((char *)p->regex);
	free((char *)p->allowlist);
	for (size_t k = 0; k < SECRETS_MAX_KEYWORDS; k++)
		free((char *)p->keywords[k]);
}

void config_free(struct config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_waivers; i++) {
		struct config_waiver *w = &c->waivers[i];

		free(w->rule);
		free_list(w->paths, w->n_paths);
		free(w->fingerprint);
		free(w->reason);
		free(w->owner);
		free(w->expires);
		free(w->summary);
	}
	free(c->waivers);
	for (size_t i = 0; i < c->n_settings; i++) {
		free(c->settings[i].rule);
		free(c->settings[i].reason);
	}
	free(c->settings);
	for (size_t i = 0; i < c->n_secret_rules; i++)
		free_secret_rule(&c->secret_rules[i]);
	free(c->secret_rules);
	free_list(c->profiles, c->n_profiles);
	free_list(c->exclude, c->n_exclude);
	free(c->organisation);
	free(c->project);
	free(c->path);
	free(c->dir);
	free(c);
}

/* ---- questions the scan asks ---- */

void config_date_waivers(struct config *c, long today)
{
	for (size_t i = 0; c && i < c->n_waivers; i++) {
		struct config_waiver *w = &c->waivers[i];

		if (w->expires_day < today)
			w->state = WAIVER_EXPIRED;
		else if (w->expires_day - today <= CONFIG_EXPIRING_DAYS)
			w->state = WAIVER_EXPIRING;
		else
			w->state = WAIVER_ACTIVE;
	}
}

const struct config_rule_setting *config_setting(const struct config *c, const char *rule)
{
	for (size_t i = 0; c && i < c->n_settings; i++)
		if (strcmp(c->settings[i].rule, rule) == 0)
			return &c->settings[i];
	return NULL;
}

bool config_excluded(const struct config *c, const char *relpath)
{
	for (size_t i = 0; c && i < c->n_exclude; i++) {
		const char *pat = c->exclude[i];
		size_t plen = strlen(pat);

		if (fnmatch(pat, relpath, 0) == 0)
			return true;
		/* "vendor" or "vendor/" excludes everything below vendor */
		while (plen && pat[plen - 1] == '/')
			plen--;
		if (plen && strncmp(relpath, pat, plen) == 0 && relpath[plen] == '/' && !strpbrk(pat, "*?["))
			return true;
	}
	return false;
}

static bool waiver_covers(const struct config_waiver *w, const struct finding *f)
{
	if (strcmp(w->rule, f->rule) != 0)
		return false;
	if (w->fingerprint)
		return strcmp(w->fingerprint, f->fingerprint) == 0;
	for (size_t i = 0; i < w->n_paths; i++)
		if (f->path && fnmatch(w->paths[i], f->path, 0) == 0)
			return true;
	return false;
}

struct config_waiver *config_waiver_for(const struct config *c, const struct finding *f)
{
	for (size_t i = 0; c && i < c->n_waivers; i++)
		if (c->waivers[i].state != WAIVER_EXPIRED && waiver_covers(&c->waivers[i], f))
			return &c->waivers[i];
	return NULL;
}
