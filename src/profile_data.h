/*
 * The built-in profiles' YAML text, compiled in from the YAML files in profiles/ by
 * scripts/embed-profiles.sh (see the Makefile).
 */
#ifndef ASSAY_PROFILE_DATA_H
#define ASSAY_PROFILE_DATA_H

#include <stddef.h>

struct profile_data {
	const char *id;
	const char *text;
	size_t len;
};

extern const struct profile_data profile_data[];
extern const size_t profile_data_count;

#endif
