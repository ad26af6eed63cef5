/*
 * The Kubernetes manifest scanner: finds the objects in YAML and JSON
 * files (and standard input), one document at a time, unpacks `List`s,
 * and hands each object to checks/k8s.c. A document is an object when it
 * is a mapping with `apiVersion` and `kind`; other YAML is left alone.
 */
#ifndef ASSAY_K8S_H
#define ASSAY_K8S_H

#include <stdbool.h>

#include "yaml.h"

/* Larger manifests are not parsed (an assay.parse-error says so). */
#define K8S_MAX_BYTES (16 * 1024 * 1024)

struct scan;
struct k8s_checks;

/* One Kubernetes object, valid while its document is. */
struct k8s_object {
	const struct yaml_node *root;     /* the object's mapping */
	const struct yaml_node *metadata; /* may be NULL */
	const char *api_version, *kind;
	const char *name;      /* "" when unset */
	const char *namespace; /* NULL when unset */
	const char *target;    /* the input's locator */
	const char *path;      /* display path of the file */
	unsigned line, column; /* where the object starts */
};

/* Where a workload kind keeps its pod spec and the pod template's
 * metadata; false for kinds that run no pods. */
bool k8s_pod_spec(const struct k8s_object *o, const struct yaml_node **spec, const struct yaml_node **pod_metadata);

/* Parses every document of a buffer and checks each object in it with
 * checks; returns how many objects were checked (a reported parse error
 * counts as one, so that the file is claimed). The scanner's core, and
 * the fuzz target's entry point. */
unsigned k8s_scan_text(struct scan *s, struct k8s_checks *checks, const char *path, const char *data, size_t len);

/* True when the text holds Helm template actions ({{ .Values.x }},
 * {{- include ... }}, template comments), with the line of the first. */
bool k8s_has_helm_actions(const char *data, size_t len, unsigned *line);

#endif
