/*
 * UTF-8 validation and display-safe conversion. Paths and content from
 * scanned inputs may hold any bytes; every string that reaches the store or
 * a report goes through utf8_sanitize first.
 */
#ifndef ASSAY_UTF8_H
#define ASSAY_UTF8_H

#include <stdbool.h>
#include <stddef.h>

bool utf8_valid(const char *s, size_t n);
/* A newly allocated copy where each byte that is not part of valid UTF-8,
 * and each control character other than tab, is written as "\xNN". */
char *utf8_sanitize(const char *s, size_t n);

#endif
