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
};

const struct rule_family assay_rule_family = {"assay", assay_rules, ARRAY_LEN(assay_rules), 0};
