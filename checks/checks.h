/*
 * What the check families export to the core: their rule tables (for the
 * registry) and the rule ids the core itself raises.
 */
#ifndef ASSAY_CHECKS_H
#define ASSAY_CHECKS_H

#include "registry.h"
#include "util.h"

#define RULE_PARSE_ERROR "assay.parse-error"
#define RULE_WAIVER_EXPIRED "assay.waiver-expired"
#define RULE_IGNORE_WITHOUT_REASON "assay.ignore-without-reason"

extern const struct rule_family assay_rule_family;
extern const struct rule_family env_rule_family;
extern const struct rule_family git_rule_family;
extern const struct rule_family k8s_rule_family;
extern const struct rule_family compose_rule_family;
extern const struct rule_family docker_rule_family;
extern const struct rule_family image_rule_family;

#endif
