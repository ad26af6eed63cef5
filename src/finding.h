/*
 * The finding model (DESIGN.md "Finding"): what a check reports, how its
 * fingerprint is computed, and how secret evidence is redacted. Severity
 * names and their order live here too.
 */
#ifndef ASSAY_FINDING_H
#define ASSAY_FINDING_H

#include <stdbool.h>
#include <stddef.h>

#include "hash.h"

enum severity {
	SEV_INFO = 0,
	SEV_LOW,
	SEV_MEDIUM,
	SEV_HIGH,
	SEV_CRITICAL,
	SEV_COUNT,
	SEV_NONE = 99 /* a threshold that nothing reaches: --fail-on none */
};

const char *severity_name(enum severity s);
/* Parses "info".."critical" (and "none" when allow_none). Returns 0 or -1. */
int severity_parse(const char *s, bool allow_none, enum severity *out);

struct finding {
	const char *rule;          /* rule id */
	enum severity severity;
	const char *target;        /* input locator */
	const char *target_digest; /* input digest (tree digest, commit, image digest) */
	const char *path;          /* path inside the target; may be "" */
	unsigned line, column;     /* 1-based; 0 when the input has none */
	const char *message;
	const char *evidence;      /* already redacted; may be NULL */
	const char *secret_hash;   /* SHA-256 hex of the secret value, or NULL */
	/* The normalised matched content that identifies this finding beyond
	 * rule, target and path (for secrets: secret_hash). Not stored. */
	const char *identity;
	/* Image findings only: the digest of the layer that holds the file
	 * (NULL otherwise). Not part of the fingerprint's target. */
	const char *layer;
	/* History findings only (NULL otherwise). */
	const char *commit, *author, *date;
	bool waived;
	/* Why it is waived, for reports: "inline: REASON" or the waiver's
	 * "REASON (owner OWNER, expires DATE)"; NULL when not waived. */
	const char *waiver;
	/* With a baseline: "new" or "unchanged" (its fingerprint is in the
	 * baseline, so it does not count toward --fail-on); NULL without. */
	const char *baseline;
	char fingerprint[SHA256_HEX_LEN + 1]; /* filled by finding_fingerprint */
};

/* fingerprint = SHA-256(rule, target, path, identity): not the line number,
 * so a finding keeps its identity when lines move. */
void finding_fingerprint(struct finding *f);

/* The redacted form of a secret value: nothing for short values, at most a
 * short prefix and suffix for long ones. Newly allocated. */
char *redact_secret(const char *value, size_t len);

#endif
