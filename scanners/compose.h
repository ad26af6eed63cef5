/*
 * The Docker Compose scanner: recognises Compose files by name
 * (compose*.y*ml, docker-compose*.y*ml) or by shape (any YAML whose top
 * level has a `services:` mapping of services with an image or a build),
 * and hands each one to checks/compose.c.
 */
#ifndef ASSAY_COMPOSE_H
#define ASSAY_COMPOSE_H

#include <stdbool.h>

#include "yaml.h"

#define COMPOSE_MAX_BYTES (4 * 1024 * 1024)

struct scan;

/* One Compose document, valid while its document is. */
struct compose_file {
	const struct yaml_node *root;
	const struct yaml_node *services; /* a mapping: service name -> service */
	const char *target, *path;
};

/* Parses a buffer and checks every Compose document in it; true when one
 * was Compose (or the file is named as one, whose errors are then
 * reported). The scanner's core, and the fuzz target's entry point. */
bool compose_scan_text(struct scan *s, const char *path, const char *data, size_t len, bool named);

/* True for compose.yaml, compose.override.yml, docker-compose.prod.yaml... */
bool compose_name_matches(const char *name);

#endif
