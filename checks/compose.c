/*
 * The compose.* rule family (see compose_checks.h): the CIS Docker
 * Benchmark 1.6.0 container-runtime controls as a Compose file sets them.
 * Each finding names the service and points at the offending key, or at
 * the service when the key is missing. Values that Compose interpolates
 * (${VAR}) are unknown until run time and are not judged.
 *
 * Secret values never leave in clear: messages name the variable, evidence
 * is redacted, and the secret's SHA-256 is carried alongside.
 */
#include "compose_checks.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "secretname.h"
#include "util.h"

#define R_PRIVILEGED "compose.privileged"
#define R_CAP_ADD "compose.cap-add"
#define R_USER_ROOT "compose.user-root"
#define R_HOST_NETWORK "compose.host-network"
#define R_HOST_PID "compose.host-pid"
#define R_HOST_IPC "compose.host-ipc"
#define R_DOCKER_SOCKET "compose.docker-socket"
#define R_READ_ONLY "compose.read-only"
#define R_NO_NEW_PRIVILEGES "compose.no-new-privileges"
#define R_LIMITS "compose.resource-limits"
#define R_HEALTHCHECK "compose.healthcheck"
#define R_SECRET_ENV "compose.secret-in-environment"
#define R_TAG_LATEST "compose.image-tag-latest"

#define CIS "CIS Docker Benchmark 1.6.0 "

static const struct rule compose_rules[] = {
	{R_PRIVILEGED, "Privileged service", SEV_HIGH,
	 "A service sets privileged: true: the container gets every device and capability of the host, so "
	 "root in it is root on the host. High, not critical: an attacker first needs code execution in the "
	 "container.",
	 "Remove privileged: true and add only the capability the service needs (cap_add).",
	 CIS "5.5\nISO/IEC 27001:2022 A.8.9"},
	{R_CAP_ADD, "Service adds capabilities", SEV_MEDIUM,
	 "cap_add gives the container capabilities beyond Docker's default set; SYS_ADMIN, SYS_PTRACE, "
	 "NET_ADMIN or ALL come close to privileged. Medium: the message names them.",
	 "Remove cap_add, or keep one capability the service provably needs; add cap_drop: [ALL].",
	 CIS "5.4\nISO/IEC 27001:2022 A.8.9"},
	{R_USER_ROOT, "Service runs as root", SEV_MEDIUM,
	 "user is root or 0, or unset, so the service runs as the image's user, which is root unless the "
	 "image says otherwise. Medium: root in a container is one escape away from root on the host.",
	 "Set user: to a non-root UID:GID (and build the image with a USER).", CIS "4.1\nISO/IEC 27001:2022 A.8.9"},
	{R_HOST_NETWORK, "Service shares the host's network", SEV_HIGH,
	 "network_mode: host puts the container on the host's interfaces: it reaches every local service, can "
	 "listen on any port and bypasses Docker's network isolation. High.",
	 "Use a Compose network and publish the ports the service needs.", CIS "5.10\nISO/IEC 27001:2022 A.8.20"},
	{R_HOST_PID, "Service shares the host's process namespace", SEV_HIGH,
	 "pid: host lets the container see, and as root signal or trace, every process of the host. High.",
	 "Remove pid: host.", CIS "5.16\nISO/IEC 27001:2022 A.8.9"},
	{R_HOST_IPC, "Service shares the host's IPC namespace", SEV_MEDIUM,
	 "ipc: host shares the host's System V shared memory and semaphores with the container. Medium: less "
	 "direct than sharing processes or the network.",
	 "Remove ipc: host (use shareable IPC between services if they need it).",
	 CIS "5.17\nISO/IEC 27001:2022 A.8.9"},
	{R_DOCKER_SOCKET, "Service mounts the container runtime socket", SEV_HIGH,
	 "A volume mounts /var/run/docker.sock (or containerd's, CRI-O's or Podman's socket): the container "
	 "can start a privileged container and so owns the host, without any other flaw. High, as privileged; "
	 "read-only mounts are reported too, since the socket API is not made read-only by the mount.",
	 "Remove the mount; if a tool needs the Docker API, put an authorising proxy that allows only the "
	 "calls it needs in front of the socket.",
	 CIS "5.32\nISO/IEC 27001:2022 A.8.9"},
	{R_READ_ONLY, "Writable root filesystem", SEV_LOW,
	 "read_only is not true: an attacker in the container can replace its binaries and drop tools.",
	 "Set read_only: true and mount tmpfs or volumes where the service writes.",
	 CIS "5.13\nISO/IEC 27001:2022 A.8.9"},
	{R_NO_NEW_PRIVILEGES, "New privileges not blocked", SEV_MEDIUM,
	 "security_opt does not include no-new-privileges:true, so setuid binaries and file capabilities in "
	 "the image can raise a process's privileges. Medium: it needs such a binary in the image.",
	 "Add security_opt: [\"no-new-privileges:true\"].", CIS "5.26\nISO/IEC 27001:2022 A.8.9"},
	{R_LIMITS, "No memory, CPU or PIDs limit", SEV_LOW,
	 "The service sets no memory limit (mem_limit, deploy.resources.limits.memory), CPU limit (cpus, "
	 "deploy.resources.limits.cpus) or PIDs limit (pids_limit, deploy.resources.limits.pids): one "
	 "runaway or attacked container (a fork bomb) can starve the host. Low: it is about availability.",
	 "Set deploy.resources.limits.memory, .cpus and .pids.", CIS "5.11, 5.12, 5.29\nISO/IEC 27001:2022 A.8.6"},
	{R_HEALTHCHECK, "No healthcheck", SEV_LOW,
	 "The service defines no healthcheck (or disables it): a hung service keeps running and dependants "
	 "start before it is ready. Low, and an image's own HEALTHCHECK satisfies the control even though "
	 "this file cannot show it.",
	 "Add a healthcheck: with a test that fails when the service cannot serve.",
	 CIS "4.6, 5.27\nISO/IEC 27001:2022 A.8.6"},
	{R_SECRET_ENV, "Literal secret in environment", SEV_HIGH,
	 "environment: sets a secret-named variable (PASSWORD, TOKEN, API_KEY...) to a literal value in the "
	 "Compose file, so the secret is in git, in `docker inspect` and in every child process. High: it is "
	 "a committed credential. ${VAR} references, flags, placeholders and *_FILE variables are not "
	 "reported.",
	 "Use Compose secrets: (mounted under /run/secrets) with a *_FILE variable, or an env_file kept out "
	 "of git; rotate the committed value.",
	 CIS "4.10\nISO/IEC 27001:2022 A.5.17\nSOC 2 CC6.1"},
	{R_TAG_LATEST, "Image without a tag or with :latest", SEV_MEDIUM,
	 "image: has no tag and no digest, or the tag latest: each pull may run different code, and what ran "
	 "cannot be told afterwards. Services that build their image are not reported.",
	 "Use a version tag, or better a digest (image@sha256:...).", CIS "5.28\nISO/IEC 27001:2022 A.8.32"},
};

const struct rule_family compose_rule_family = {"compose", compose_rules, ARRAY_LEN(compose_rules), 0};

struct service {
	struct scan *s;
	const struct compose_file *f;
	const char *name;
	const struct yaml_node *key, *node; /* the service's name key and its mapping */
};

static void emit_finding(const struct service *svc, const char *rule, const struct yaml_node *at,
			 const char *message, const char *evidence, const char *secret_hash, const char *identity)
{
	const struct rule *r = registry_find(rule);
	struct finding f = {
		.rule = rule,
		.severity = r ? r->severity : SEV_MEDIUM,
		.target = svc->f->target,
		.path = svc->f->path,
		.line = at ? at->line : svc->key->line,
		.column = at ? at->column : svc->key->column,
		.message = message,
		.evidence = evidence,
		.secret_hash = secret_hash,
		.identity = identity,
	};
	scan_emit(svc->s, &f);
}

/* A finding about the service at node `at` (the service's key when NULL);
 * its identity is the service and `what`, never the line. */
static void emit(const struct service *svc, const char *rule, const struct yaml_node *at, const char *what,
		 const char *evidence, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void emit(const struct service *svc, const char *rule, const struct yaml_node *at, const char *what,
		 const char *evidence, const char *fmt, ...)
{
	struct buf msg;
	char *identity = xasprintf("service %s\n%s", svc->name, what);
	va_list ap;

	buf_init(&msg);
	buf_printf(&msg, "service %s: ", svc->name);
	va_start(ap, fmt);
	buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	emit_finding(svc, rule, at, msg.data, evidence, NULL, identity);
	buf_free(&msg);
	free(identity);
}

static const struct yaml_pair *find(const struct service *svc, const char *key)
{
	const struct yaml_pair *p = yaml_map_find(svc->node, key);

	return p && !yaml_is_null(p->value) ? p : NULL;
}

/* A value Compose fills in from the environment: unknown here. */
static bool is_interpolated(const struct yaml_node *n)
{
	const char *v = yaml_scalar_str(n);

	return v && strchr(v, '$');
}

static bool is_true(const struct yaml_node *n)
{
	bool v;

	return yaml_scalar_bool(n, &v) && v;
}

static void check_privileged(const struct service *svc)
{
	const struct yaml_pair *p = find(svc, "privileged");

	if (p && is_true(p->value))
		emit(svc, R_PRIVILEGED, p->key, "privileged", "privileged: true",
		     "privileged: true: root in the container is root on the host");
}

static void check_cap_add(const struct service *svc)
{
	const struct yaml_pair *p = find(svc, "cap_add");
	struct buf caps;

	if (!p || !yaml_is_sequence(p->value) || p->value->n_items == 0)
		return;
	buf_init(&caps);
	for (size_t i = 0; i < p->value->n_items; i++) {
		const char *c = yaml_scalar_str(p->value->items[i]);
		buf_printf(&caps, "%s%s", i ? ", " : "", c ? c : "?");
	}
	emit(svc, R_CAP_ADD, p->key, caps.data, caps.data, "cap_add adds %s", caps.data);
	buf_free(&caps);
}

static void check_user(const struct service *svc)
{
	const struct yaml_pair *p = find(svc, "user");
	const char *user = p ? yaml_scalar_str(p->value) : NULL;
	char name[64];
	size_t n;

	if (!p) {
		emit(svc, R_USER_ROOT, NULL, "user", NULL,
		     "no user: set, so it runs as the image's user (root unless the image sets one)");
		return;
	}
	if (!user || is_interpolated(p->value))
		return;
	n = strcspn(user, ":");
	snprintf(name, sizeof(name), "%.*s", (int)(n < 63 ? n : 63), user);
	if (strcmp(name, "root") == 0 || strcmp(name, "0") == 0)
		emit(svc, R_USER_ROOT, p->key, "user", user, "user: %s runs it as root", user);
}

static void check_namespace(const struct service *svc, const char *key, const char *rule, const char *what)
{
	const struct yaml_pair *p = find(svc, key);
	const char *v = p ? yaml_scalar_str(p->value) : NULL;
	char ev[64];

	if (!v || strcmp(v, "host") != 0)
		return;
	snprintf(ev, sizeof(ev), "%s: host", key);
	emit(svc, rule, p->key, key, ev, "%s: host shares %s", key, what);
}

static bool is_runtime_socket(const char *path)
{
	static const char *const sockets[] = {"/var/run/docker.sock", "/run/docker.sock",
					      "/var/run/containerd/containerd.sock", "/run/containerd/containerd.sock",
					      "/var/run/crio/crio.sock", "/run/podman/podman.sock",
					      "/var/run/podman/podman.sock"};

	for (size_t i = 0; i < ARRAY_LEN(sockets); i++)
		if (strcmp(path, sockets[i]) == 0)
			return true;
	return false;
}

/* The host side of a volume: "src:dst[:mode]" or {type: bind, source: src}. */
static void volume_source(const struct yaml_node *v, char *out, size_t n)
{
	const char *s = yaml_scalar_str(v);

	out[0] = '\0';
	if (s) {
		size_t len = strcspn(s, ":");
		if (strchr(s, ':'))
			snprintf(out, n, "%.*s", (int)(len < n - 1 ? len : n - 1), s);
		return;
	}
	s = yaml_map_get_str(v, "source");
	if (s)
		snprintf(out, n, "%s", s);
}

static void check_volumes(const struct service *svc)
{
	const struct yaml_pair *p = find(svc, "volumes");
	char src[512], ev[560];

	for (size_t i = 0; p && yaml_is_sequence(p->value) && i < p->value->n_items; i++) {
		const struct yaml_node *v = p->value->items[i];
		volume_source(v, src, sizeof(src));
		if (!*src || !is_runtime_socket(src))
			continue;
		snprintf(ev, sizeof(ev), "volume: %s", src);
		emit(svc, R_DOCKER_SOCKET, v, src, ev, "mounts the container runtime socket %s: control of the host",
		     src);
	}
}

static void check_read_only(const struct service *svc)
{
	const struct yaml_pair *p = find(svc, "read_only");

	if (p && (is_true(p->value) || is_interpolated(p->value)))
		return;
	emit(svc, R_READ_ONLY, p ? p->key : NULL, "read_only", NULL, "read_only is not true: its root filesystem is writable");
}

static bool blocks_new_privileges(const char *opt)
{
	static const char *const forms[] = {"no-new-privileges", "no-new-privileges:true", "no-new-privileges=true"};

	for (size_t i = 0; i < ARRAY_LEN(forms); i++)
		if (strcmp(opt, forms[i]) == 0)
			return true;
	return false;
}

static void check_no_new_privileges(const struct service *svc)
{
	const struct yaml_pair *p = find(svc, "security_opt");

	for (size_t i = 0; p && yaml_is_sequence(p->value) && i < p->value->n_items; i++) {
		const char *opt = yaml_scalar_str(p->value->items[i]);
		if (opt && blocks_new_privileges(opt))
			return;
	}
	emit(svc, R_NO_NEW_PRIVILEGES, p ? p->key : NULL, "no-new-privileges", NULL,
	     "security_opt does not set no-new-privileges:true");
}

static bool set(const struct yaml_node *n)
{
	return n && !yaml_is_null(n);
}

static void check_limits(const struct service *svc)
{
	const struct yaml_node *limits = yaml_map_get_path(svc->node, "deploy.resources.limits");
	bool memory = set(yaml_map_get(svc->node, "mem_limit")) || set(yaml_map_get(limits, "memory"));
	bool cpu = set(yaml_map_get(svc->node, "cpus")) || set(yaml_map_get(svc->node, "cpu_quota")) ||
		   set(yaml_map_get(limits, "cpus"));
	bool pids = set(yaml_map_get(svc->node, "pids_limit")) || set(yaml_map_get(limits, "pids"));
	const char *absent[3];
	size_t n = 0;
	char missing[64];

	if (!memory)
		absent[n++] = "memory";
	if (!cpu)
		absent[n++] = "CPU";
	if (!pids)
		absent[n++] = "PIDs";
	if (n == 0)
		return;
	snprintf(missing, sizeof(missing), "%s%s%s%s%s", absent[0], n > 1 ? (n > 2 ? ", " : " or ") : "",
		 n > 1 ? absent[1] : "", n > 2 ? " or " : "", n > 2 ? absent[2] : "");
	emit(svc, R_LIMITS, NULL, "limits", NULL, "no %s limit", missing);
}

static void check_healthcheck(const struct service *svc)
{
	const struct yaml_pair *p = find(svc, "healthcheck");
	const struct yaml_node *test = p ? yaml_map_get(p->value, "test") : NULL;
	const char *first = yaml_is_sequence(test) && test->n_items ? yaml_scalar_str(test->items[0]) : NULL;
	bool disabled = p && (is_true(yaml_map_get(p->value, "disable")) || (first && strcmp(first, "NONE") == 0));

	if (p && !disabled)
		return;
	emit(svc, R_HEALTHCHECK, p ? p->key : NULL, "healthcheck", NULL,
	     disabled ? "healthcheck is disabled" : "no healthcheck (unless the image defines one)");
}

static void report_env_secret(const struct service *svc, const struct yaml_node *at, const char *name,
			      const char *value, size_t len)
{
	char hash[SHA256_HEX_LEN + 1], *redacted, *identity, *msg;

	if (!value || !*value || !secret_name_is_sensitive(name) || secret_value_is_reference(value) ||
	    secret_value_is_flag(value) || secret_value_is_placeholder(value))
		return;
	sha256_hex(value, len, hash);
	redacted = redact_secret(value, len);
	identity = xasprintf("service %s\n%s\n%s", svc->name, name, hash);
	msg = xasprintf("service %s: environment sets %s to a literal secret", svc->name, name);
	emit_finding(svc, R_SECRET_ENV, at, msg, redacted, hash, identity);
	free(redacted);
	free(identity);
	free(msg);
}

static void check_environment(const struct service *svc)
{
	const struct yaml_pair *p = find(svc, "environment");
	const struct yaml_node *env = p ? p->value : NULL;

	for (size_t i = 0; yaml_is_mapping(env) && i < env->n_pairs; i++) {
		const char *name = yaml_scalar_str(env->pairs[i].key), *value = yaml_scalar_str(env->pairs[i].value);
		if (name && value)
			report_env_secret(svc, env->pairs[i].key, name, value, env->pairs[i].value->len);
	}
	for (size_t i = 0; yaml_is_sequence(env) && i < env->n_items; i++) {
		const char *item = yaml_scalar_str(env->items[i]), *eq;
		char *name;
		if (!item || !(eq = strchr(item, '=')))
			continue; /* "NAME" alone passes the variable through */
		name = xstrndup(item, (size_t)(eq - item));
		report_env_secret(svc, env->items[i], name, eq + 1, env->items[i]->len - (size_t)(eq + 1 - item));
		free(name);
	}
}

static void check_image(const struct service *svc)
{
	const struct yaml_pair *p = find(svc, "image");
	const char *image = p ? yaml_scalar_str(p->value) : NULL, *slash, *colon;
	char ev[300];

	if (!image || !*image || find(svc, "build") || is_interpolated(p->value) || strchr(image, '@'))
		return;
	slash = strrchr(image, '/');
	colon = strrchr(image, ':');
	if (colon && (!slash || colon > slash) && strcmp(colon + 1, "latest") != 0)
		return;
	snprintf(ev, sizeof(ev), "image: %.280s", image);
	emit(svc, R_TAG_LATEST, p->key, image, ev, "image %s %s", image,
	     colon && (!slash || colon > slash) ? "uses the latest tag" : "has no tag (it means latest)");
}

static void check_service(struct service *svc)
{
	check_privileged(svc);
	check_cap_add(svc);
	check_user(svc);
	check_namespace(svc, "network_mode", R_HOST_NETWORK, "the host's network");
	check_namespace(svc, "pid", R_HOST_PID, "the host's processes");
	check_namespace(svc, "ipc", R_HOST_IPC, "the host's IPC namespace");
	check_volumes(svc);
	check_read_only(svc);
	check_no_new_privileges(svc);
	check_limits(svc);
	check_healthcheck(svc);
	check_environment(svc);
	check_image(svc);
}

void compose_check_file(struct scan *s, const struct compose_file *f)
{
	for (size_t i = 0; yaml_is_mapping(f->services) && i < f->services->n_pairs; i++) {
		const struct yaml_pair *p = &f->services->pairs[i];
		struct service svc = {.s = s, .f = f, .name = yaml_scalar_str(p->key), .key = p->key, .node = p->value};
		if (svc.name && yaml_is_mapping(p->value))
			check_service(&svc);
	}
}
