/*
 * The scanner table: every input kind's scanner, in the order they see
 * each file.
 */
#ifndef ASSAY_SCANNERS_H
#define ASSAY_SCANNERS_H

#include "scan.h"

extern const struct scanner env_scanner;
extern const struct scanner k8s_scanner;
extern const struct scanner compose_scanner;
extern const struct scanner dockerfile_scanner;
extern const struct scanner image_scanner;
/* Last: secrets in every file no format scanner claimed. */
extern const struct scanner content_scanner;

#endif
