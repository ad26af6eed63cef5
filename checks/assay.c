/*
 * The assay.* family: findings about the scan itself rather than about the
 * scanned inputs, such as input files that could not be parsed. A file that
 * assay could not read is a gap in the evidence, so it is reported as a
 * finding (and counted against controls) instead of being skipped silently.
 */
#include "checks.h"

static const struct rule assay_rules[] = {
	{
		.id = RULE_PARSE_ERROR,
		.title = "Input could not be parsed",
		.severity = SEV_LOW,
		.description =
			"A file that assay recognised as an input (an env file, a manifest, a Dockerfile, an "
			"image archive) could not be read or parsed, in whole or in part: a syntax error, a "
			"file over the size cap, binary content where text was expected, or a read error. "
			"The parts that could not be parsed were not checked, so the scan's evidence has a gap "
			"there.",
		.remediation =
			"Fix the syntax at the line given, or make the file readable. If the file is not meant "
			"to be an input of this kind, rename it or exclude its path.",
		.references = NULL,
	},
	{
		.id = RULE_WAIVER_EXPIRED,
		.title = "Waiver has expired",
		.severity = SEV_LOW,
		.description =
			"A waiver in the configuration passed its expiry date. It no longer suppresses the "
			"findings it covered, which now count again, and the risk it accepted has to be "
			"looked at again by its owner.",
		.remediation =
			"Fix the findings the waiver covered, or, if the risk is still accepted, renew the "
			"waiver with a new expiry date and the owner's reason for keeping it.",
		.references = NULL,
	},
	{
		.id = RULE_IGNORE_WITHOUT_REASON,
		.title = "Inline suppression without a reason",
		.severity = SEV_LOW,
		.description =
			"An `assay:ignore RULE` comment suppresses a finding but says nothing about why. "
			"The finding is still waived, but an auditor cannot tell an accepted risk from a "
			"silenced one.",
		.remediation =
			"Add the reason after the rule id: `# assay:ignore RULE-ID test fixture, not a real "
			"key`, or use a waiver in .assay.yml with an owner and an expiry date.",
		.references = NULL,
	},
};

const struct rule_family assay_rule_family = {"assay", assay_rules, ARRAY_LEN(assay_rules), 0};
