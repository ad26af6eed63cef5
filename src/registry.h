/*
 * The rule registry: every rule's metadata, gathered from the tables that
 * each check family in checks/ exports. `assay rules` and `assay explain`
 * print from here; reports take titles and remediation from here.
 */
#ifndef ASSAY_REGISTRY_H
#define ASSAY_REGISTRY_H

#include <stddef.h>

#include "finding.h"

struct rule {
	const char *id; /* family.slug */
	const char *title;
	enum severity severity;
	const char *description;
	const char *remediation;
	const char *references; /* newline-separated; may be NULL */
};

/* One table per family, defined in checks/<family>.c. A family whose rules
 * carry more than metadata (the secret patterns) embeds struct rule as the
 * first member of a larger struct and gives that struct's size as stride. */
struct rule_family {
	const char *name;
	const struct rule *rules;
	size_t count;
	size_t stride; /* 0: an array of struct rule */
};

/* Built-in rules first, then those the configuration added. */
size_t registry_count(void);
size_t registry_builtin_count(void);
/* Adds the rules a configuration defines (custom secret rules), for the
 * rest of the process; NULL removes them. The table must outlive its use. */
void registry_set_configured(const struct rule *rules, size_t count, size_t stride);
const struct rule *registry_at(size_t i);
const struct rule *registry_find(const char *id);

#endif
