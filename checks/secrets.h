/*
 * The secrets engine (PCRE2's one home): finds credentials in any text.
 * Every scanner that sees file contents uses it, through scan_find_secrets
 * and scan_report_secrets (scan.h), so that one set of rules, one
 * allowlist and one redaction policy hold everywhere.
 *
 * Rules are data (checks/secret_rules.c): id, title, severity, a regex,
 * keywords for a pre-filter, an optional entropy floor, which capture group
 * is the secret, and allowlist patterns. A secret's value never leaves the
 * engine: callers receive its position, redacted form and SHA-256.
 */
#ifndef ASSAY_SECRETS_H
#define ASSAY_SECRETS_H

#include <stdbool.h>
#include <stddef.h>

#include "finding.h"
#include "registry.h"

#define SECRETS_MAX_BYTES (10 * 1024 * 1024) /* per buffer; the rest is not scanned */
#define SECRETS_MAX_KEYWORDS 8
#define SECRETS_MIN_KEYWORD_LEN 2 /* a shorter keyword would select nearly every line */

/* A built-in or configured secret rule. `rule` comes first so that the
 * table doubles as the registry's secret.* family. */
struct secret_pattern {
	struct rule rule;
	const char *regex;       /* PCRE2 syntax */
	const char *keywords[SECRETS_MAX_KEYWORDS]; /* lower case; any one must occur; none: always run */
	unsigned secret_group;   /* capture group holding the secret; 0: the whole match */
	double min_entropy;      /* bits per character the secret must reach; 0: no floor */
	bool generic;            /* a generic assignment: yields to any specific rule on the same text */
	/* The match may span lines (a PEM block): the regex runs over the
	 * whole buffer. Other rules run only around the lines holding one of
	 * their keywords. */
	bool multiline;
	const char *allowlist;   /* regex: a secret matching it is not reported */
	const char *path_regex;  /* the rule runs only on paths matching it (.pgpass); NULL: all */
	/* A last word on a candidate (a base64 auth that must decode to
	 * user:password); NULL: accepted. */
	bool (*validate)(const char *secret, size_t len);
	/* A whole-file rule (a binary keystore): judged on the raw bytes and
	 * the path instead of a regex; regex is NULL then. */
	bool (*file_match)(const char *path, const char *data, size_t len);
};

struct secret_hit {
	const struct secret_pattern *pattern;
	size_t offset, length; /* of the secret in the buffer */
	unsigned line, column; /* 1-based */
	char hash[SHA256_HEX_LEN + 1];
	char *redacted;
	bool in_binary;        /* found in binary content: line and column are 0 */
	bool ignored;          /* an "assay:ignore RULE reason" comment covers it */
	char *ignore_reason;   /* its reason, or NULL */
};

typedef void (*secret_hit_cb)(const struct secret_hit *hit, void *ctx);

struct secrets_engine;

/* Compiles the built-in rules. */
int secrets_engine_new(struct secrets_engine **out, char *err, size_t errlen);
/* The built-in rules and `extra` ones (configured in .assay.yml), which
 * must outlive the engine. */
int secrets_engine_new_with(struct secrets_engine **out, const struct secret_pattern *extra, size_t n_extra,
			    char *err, size_t errlen);
/* Checks that a regex compiles and has at least `group` capture groups;
 * on failure says why (with the offset) in why. */
int secrets_check_regex(const char *regex, unsigned group, char *why, size_t whylen);
/* An engine for another thread: the same rules (built-in and configured),
 * with scratch space of its own. An engine and its clones may scan at the
 * same time; each one is used by one thread at a time. Free clones with
 * secrets_engine_free before the engine they came from. */
struct secrets_engine *secrets_engine_clone(const struct secrets_engine *e);
void secrets_engine_free(struct secrets_engine *e);

/* Scans data[0..len) (at most SECRETS_MAX_BYTES), calling cb once per
 * secret, in order of position. `path` lets path-specific rules apply
 * (.netrc, .pgpass, keystores). Binary content is searched through its
 * printable runs, as strings(1) shows them, and its hits have no line.
 * Returns the number of hits, or a negative code. */
int secrets_find(struct secrets_engine *e, const char *path, const char *data, size_t len, secret_hit_cb cb,
		 void *ctx);

extern const struct rule_family secret_rule_family;

#endif
