/*
 * What the JSON-writing reports (json.c, sarif.c) share: a JSON string from
 * any C string, with bytes that are not UTF-8 escaped rather than lost.
 * Only report files include this header, and with it jansson's.
 */
#ifndef ASSAY_REPORT_JSON_H
#define ASSAY_REPORT_JSON_H

#include <jansson.h>

/* A JSON string, or null for NULL. */
json_t *report_json_string(const char *s);

#endif
