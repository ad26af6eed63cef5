/*
 * The k8s.* rules (CIS Kubernetes Benchmark section 5, and hardening
 * beyond it) over the objects scanners/k8s.c finds. Rules about one object
 * run in k8s_check_object; rules across objects (RBAC roles and the
 * bindings that grant them, service accounts, network policies and Pod
 * Security Admission per namespace) keep a small summary of what they need
 * and report at k8s_checks_end, so memory follows the number of objects,
 * not their size.
 */
#ifndef ASSAY_K8S_CHECKS_H
#define ASSAY_K8S_CHECKS_H

#include "k8s.h"
#include "scan.h"

struct k8s_checks;

struct k8s_checks *k8s_checks_begin(void);
void k8s_check_object(struct scan *s, struct k8s_checks *c, const struct k8s_object *o);
/* Raises the checks across objects, then frees the state. */
void k8s_checks_end(struct scan *s, struct k8s_checks *c);

#endif
