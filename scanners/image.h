/*
 * The image scanner (scanners/image.c): container image archives and OCI
 * layouts, as targets of their own or met inside a walked directory. The
 * reading is in image_read.h, the whiteout bookkeeping in image_tree.h,
 * the rules in checks/image_checks.h.
 */
#ifndef ASSAY_IMAGE_H
#define ASSAY_IMAGE_H

#include "scan.h"

extern const struct scanner image_scanner;

#endif
