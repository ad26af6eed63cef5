/*
 * The configuration file, .assay.yml (DESIGN.md "Config"): found at the
 * scan root or named by --config. It selects profiles, sets the fail-on
 * threshold, excludes paths, re-rates or switches off rules, adds secret
 * rules, and waives findings with a reason, an owner and an expiry date.
 * Every error names file:line:col; unknown keys get a did-you-mean.
 */
#ifndef ASSAY_CONFIG_H
#define ASSAY_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "finding.h"
#include "secrets.h"

#define CONFIG_FILE_NAME ".assay.yml"
#define CONFIG_MAX_BYTES (1024 * 1024)
#define CONFIG_EXPIRING_DAYS 30
/* Configured secret rules are named secret.custom-SLUG, so that they never
 * collide with a built-in rule, today's or tomorrow's. */
#define CONFIG_SECRET_RULE_PREFIX "secret.custom-"

enum waiver_state { WAIVER_ACTIVE, WAIVER_EXPIRING, WAIVER_EXPIRED };

struct config_waiver {
	char *rule;
	char **paths; /* globs over the finding's path; * crosses '/' */
	size_t n_paths;
	char *fingerprint;
	char *reason, *owner, *expires; /* expires: YYYY-MM-DD, the last day it holds */
	long expires_day;               /* days since 1970-01-01 */
	unsigned line;
	enum waiver_state state; /* set by config_date_waivers */
	unsigned matched;        /* findings it waived in this run */
	char *summary;           /* "REASON (owner O, expires D)", the finding's waiver text */
};

struct config_rule_setting {
	char *rule;
	bool enabled;
	int severity; /* enum severity, or -1 */
	char *reason;
	unsigned line;
};

struct config {
	char *path; /* as found or named */
	char *dir;  /* its directory, for relative profile paths */
	char *organisation, *project;
	char **profiles;
	size_t n_profiles;
	bool has_fail_on;
	enum severity fail_on;
	char **exclude;
	size_t n_exclude;
	struct config_rule_setting *settings;
	size_t n_settings;
	struct config_waiver *waivers;
	size_t n_waivers;
	/* Configured secret rules, ready for the secrets engine and the
	 * registry (their strings are owned here). */
	struct secret_pattern *secret_rules;
	size_t n_secret_rules;
};

/* Parses configuration text; `file` names it in messages. -EINVAL with
 * "file:line:col: what" in err. */
int config_parse(const char *file, const char *data, size_t len, struct config **out, char *err, size_t errlen);
/* Reads and parses a file; -ENOENT when it does not exist. */
int config_load(const char *path, struct config **out, char *err, size_t errlen);
void config_free(struct config *c);

/* Sets each waiver's state against `today` (days since the epoch). */
void config_date_waivers(struct config *c, long today);
/* Days since 1970-01-01 of a YYYY-MM-DD date; -1 when malformed. */
long config_parse_date(const char *s);

/* The setting for a rule, or NULL. */
const struct config_rule_setting *config_setting(const struct config *c, const char *rule);
/* True when a path (relative to the scan root) matches an exclude glob,
 * or lies under a directory that does. */
bool config_excluded(const struct config *c, const char *relpath);
/* The first unexpired waiver covering the finding, or NULL. */
struct config_waiver *config_waiver_for(const struct config *c, const struct finding *f);

#endif
