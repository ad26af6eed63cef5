/*
 * The image.* rule family (see image_checks.h): CIS Docker Benchmark 1.6.0
 * 4.1, 4.6, 4.8, 4.10 and 5.7 judged on a built image rather than on its
 * Dockerfile. Config findings are reported at once; layer findings are
 * collected as candidates and reported when the image's last layer is
 * known, so that a secret in a file a later layer deletes is still
 * reported (it can be extracted from its layer) while a setuid binary that
 * no longer exists is not. Paths are the image's, with a leading '/';
 * findings carry the image digest and the layer digest.
 */
#include "image_checks.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "docker_shell.h"
#include "secretname.h"
#include "utf8.h"

#define R_USER_ROOT "image.user-root"
#define R_HEALTHCHECK "image.healthcheck-missing"
#define R_SECRET_ENV "image.secret-in-env"
#define R_SECRET_HISTORY "image.secret-in-history"
#define R_SECRET_LAYER "image.secret-in-layer"
#define R_SENSITIVE "image.sensitive-file"
#define R_SETUID "image.setuid-binary"
#define R_WORLD_WRITABLE "image.world-writable"
#define R_SSH "image.ssh-exposed"

static const struct rule image_rules[] = {
	{
		.id = R_USER_ROOT,
		.title = "Image runs as root",
		.severity = SEV_MEDIUM,
		.description = "The image config's User is empty, root or 0 (root:root, 0:0): every container started "
			       "from it runs as root unless the runtime overrides the user.",
		.remediation = "Rebuild with a USER instruction naming an unprivileged user (USER 10001), or run "
			       "with --user / runAsUser.",
		.references = "CIS Docker Benchmark 1.6.0 4.1\ndockle CIS-DI-0001",
	},
	{
		.id = R_HEALTHCHECK,
		.title = "Image has no health check",
		.severity = SEV_LOW,
		.description = "The image config has no Healthcheck, or its Test is NONE.",
		.remediation = "Add a HEALTHCHECK instruction to the Dockerfile, or define a probe where the image "
			       "runs (Compose healthcheck, Kubernetes liveness/readiness probes).",
		.references = "CIS Docker Benchmark 1.6.0 4.6\ndockle CIS-DI-0006",
	},
	{
		.id = R_SECRET_ENV,
		.title = "Secret in the image environment",
		.severity = SEV_HIGH,
		.description = "An Env entry of the image config has a secret-named key (PASSWORD, TOKEN, SECRET, "
			       "API_KEY...) with a literal value, or a value the secrets engine recognises. Anyone "
			       "who can pull the image reads it with docker inspect.",
		.remediation = "Remove the value from the image (ENV in the Dockerfile) and inject it at run time "
			       "from a secret store; rotate it.",
		.references = "CIS Docker Benchmark 1.6.0 4.10\ndockle CIS-DI-0010\nISO/IEC 27001:2022 A.5.17",
	},
	{
		.id = R_SECRET_HISTORY,
		.title = "Secret in the image build history",
		.severity = SEV_HIGH,
		.description = "A created_by line of the image history holds a secret: a build argument with a "
			       "secret name (recorded as |N NAME=value before a RUN), an ENV, or a value the secrets "
			       "engine recognises. docker history shows it to anyone who can pull the image.",
		.remediation = "Use RUN --mount=type=secret for build secrets, rebuild without the argument, and "
			       "rotate the secret.",
		.references = "CIS Docker Benchmark 1.6.0 4.10\nISO/IEC 27001:2022 A.5.17",
	},
	{
		.id = R_SECRET_LAYER,
		.title = "Secret in an image layer",
		.severity = SEV_HIGH,
		.description = "The secrets engine found a credential in a file of a layer. A file that a later "
			       "layer deletes or overwrites is reported too: the layer still holds it and anyone "
			       "with the image can extract it. The finding's severity is the secret rule's.",
		.remediation = "Remove the file in the same RUN that creates it (or never copy it in: see "
			       ".dockerignore and multi-stage builds), rebuild, and rotate the secret.",
		.references = "CIS Docker Benchmark 1.6.0 4.10\nISO/IEC 27001:2022 A.5.17, A.8.12",
	},
	{
		.id = R_SENSITIVE,
		.title = "Sensitive file in the image",
		.severity = SEV_HIGH,
		.description = "A layer holds a file that should not ship in an image: a private key, an .env file, "
			       ".aws/credentials, an .npmrc or .pypirc with a token or password, .git-credentials, a "
			       ".docker/config.json with registry auths, a kubeconfig with a token or client key, SSH "
			       "host private keys (medium: every container then shares them), or a .git directory "
			       "(medium: the source history). Deleted-but-extractable files are reported too.",
		.remediation = "Keep such files out of the build context (.dockerignore), use multi-stage builds "
			       "and build secrets, rebuild, and rotate any credential that was in a layer.",
		.references = "CIS Docker Benchmark 1.6.0 4.10\ndockle CIS-DI-0010\nISO/IEC 27001:2022 A.8.12, A.8.24",
	},
	{
		.id = R_SETUID,
		.title = "setuid or setgid file in the image",
		.severity = SEV_MEDIUM,
		.description = "A file of the final image has the setuid or setgid bit. Each one is listed; the "
			       "severity says how unexpected it is: low for the usual account and mount tools "
			       "(passwd, su, mount, chage, unix_chkpwd...), medium for helpers an image rarely needs "
			       "(sudo, pkexec, ssh-keysign...), high for anything else.",
		.remediation = "Remove the bits in the Dockerfile: RUN find / -xdev -perm /6000 -type f -exec chmod "
			       "a-s {} + (keep only what the application needs), or run with no-new-privileges.",
		.references = "CIS Docker Benchmark 1.6.0 4.8\ndockle CIS-DI-0008",
	},
	{
		.id = R_WORLD_WRITABLE,
		.title = "World-writable file or directory in the image",
		.severity = SEV_MEDIUM,
		.description = "A file, or a directory without the sticky bit, in the final image is writable by "
			       "every user: any process in the container can replace what another one runs or reads.",
		.remediation = "chmod o-w in the Dockerfile; give shared directories the sticky bit (chmod 1777).",
		.references = "CIS Docker Benchmark 1.6.0 4.8\nISO/IEC 27001:2022 A.8.3",
	},
	{
		.id = R_SSH,
		.title = "SSH exposed by the image",
		.severity = SEV_MEDIUM,
		.description = "The image config exposes port 22, or the final image contains an SSH server "
			       "(/usr/sbin/sshd). Containers should be entered with docker exec or kubectl exec.",
		.remediation = "Remove the SSH server and the EXPOSE 22 from the image.",
		.references = "CIS Docker Benchmark 1.6.0 5.7",
	},
};

const struct rule_family image_rule_family = {"image", image_rules, ARRAY_LEN(image_rules), 0};

/* A layer finding waiting for the final state of its file. */
struct candidate {
	const char *rule;
	enum severity severity;
	char *path; /* in the image, without the leading '/' */
	size_t layer;
	bool final_only; /* reported only when the file is in the final image */
	char *message, *evidence, *identity;
	char hash[SHA256_HEX_LEN + 1];
	unsigned line;
};

struct image_checks {
	struct scan *s;
	const struct image_doc *d;
	struct candidate *cands;
	size_t n_cands, cap_cands;
	bool cap_reported;
	char **git_dirs; /* .git directories already listed */
	size_t n_git_dirs;
};

struct image_checks *image_checks_begin(struct scan *s, const struct image_doc *d)
{
	struct image_checks *c = xcalloc(1, sizeof(*c));

	c->s = s;
	c->d = d;
	return c;
}

/* Emits one finding about the image; path is in the image (no leading
 * '/'), or NULL for the config. */
static void emit(struct image_checks *c, const char *rule, enum severity sev, const char *path, const char *layer,
		 unsigned line, const char *identity, const char *evidence, const char *secret_hash, const char *message)
{
	const struct image_ref *img = c->d->img;
	char *full = path ? xasprintf("%s/%s", c->d->prefix, path) : xasprintf("%s%s", c->d->prefix, img->config_blob ? img->config_blob : "");
	char *clean_path = utf8_sanitize(full, strlen(full));
	char *clean_msg = utf8_sanitize(message, strlen(message));
	char *id = xasprintf("%s\n%s", c->d->label, identity);
	struct finding f = {
		.rule = rule,
		.severity = sev,
		.target_digest = img->digest,
		.path = clean_path,
		.line = line,
		.message = clean_msg,
		.evidence = evidence,
		.secret_hash = secret_hash,
		.identity = id,
		.layer = layer,
	};

	scan_emit(c->s, &f);
	free(full);
	free(clean_path);
	free(clean_msg);
	free(id);
}

/* ---- the config ------------------------------------------------------------ */

static void check_user(struct image_checks *c)
{
	const struct image_config *cfg = &c->d->img->config;
	char user[128], *msg;

	snprintf(user, sizeof(user), "%.*s", cfg->user ? (int)strcspn(cfg->user, ":") : 0, cfg->user ? cfg->user : "");
	if (*user && strcmp(user, "root") != 0 && strcmp(user, "0") != 0)
		return;
	msg = *user ? xasprintf("image %s runs as %s (config User)", c->d->label, cfg->user)
		    : xasprintf("image %s sets no user: its containers run as root", c->d->label);
	emit(c, R_USER_ROOT, *user ? SEV_HIGH : SEV_MEDIUM, NULL, NULL, 0, "user", cfg->user && *cfg->user ? cfg->user : NULL,
	     NULL, msg);
	free(msg);
}

static void check_healthcheck(struct image_checks *c)
{
	const struct image_config *cfg = &c->d->img->config;
	char *msg;

	if (cfg->has_healthcheck)
		return;
	msg = xasprintf("image %s has %s", c->d->label, cfg->healthcheck_none ? "its health check disabled (NONE)"
									     : "no health check");
	emit(c, R_HEALTHCHECK, SEV_LOW, NULL, NULL, 0, "healthcheck", NULL, NULL, msg);
	free(msg);
}

struct value_ctx {
	struct image_checks *c;
	const char *rule, *what;
	bool hit;
	size_t index;
};

static void value_hit(const struct secret_hit *h, void *ctx)
{
	struct value_ctx *v = ctx;
	char *msg = xasprintf("%s of image %s holds a secret (%s)", v->what, v->c->d->label, h->pattern->rule.title);
	char *id = xasprintf("%s\n%s", v->what, h->hash);

	emit(v->c, v->rule, SEV_HIGH, NULL, NULL, 0, id, h->redacted, h->hash, msg);
	v->hit = true;
	free(msg);
	free(id);
}

/* NAME=value: reported when the name says secret and the value is one. */
static void check_assignment(struct image_checks *c, const char *rule, const char *where, const char *name,
			     const char *value)
{
	size_t n = strlen(value);
	char hash[SHA256_HEX_LEN + 1], *redacted, *msg, *id;

	if (!n || !secret_name_is_sensitive(name) || secret_value_is_reference(value) || secret_value_is_flag(value) ||
	    secret_value_is_placeholder(value))
		return;
	sha256_hex(value, n, hash);
	redacted = redact_secret(value, n);
	msg = xasprintf("%s of image %s sets %s, a secret-named variable, to a literal value", where, c->d->label, name);
	id = xasprintf("%s\n%s\n%s", where, name, hash);
	emit(c, rule, SEV_HIGH, NULL, NULL, 0, id, redacted, hash, msg);
	free(redacted);
	free(msg);
	free(id);
}

static void check_env(struct image_checks *c)
{
	const struct image_config *cfg = &c->d->img->config;

	for (size_t i = 0; i < cfg->n_env; i++) {
		const char *eq = strchr(cfg->env[i], '=');
		char *name, *where;
		struct value_ctx v = {c, R_SECRET_ENV, NULL, false, i};
		if (!eq)
			continue;
		name = xstrndup(cfg->env[i], (size_t)(eq - cfg->env[i]));
		where = xasprintf("Env %s", name);
		v.what = where;
		scan_find_secrets(c->s, "", eq + 1, strlen(eq + 1), value_hit, &v);
		if (!v.hit)
			check_assignment(c, R_SECRET_ENV, "Env", name, eq + 1);
		free(name);
		free(where);
	}
}

/* "|2 A=1 B=2 /bin/sh -c ...": the build arguments docker records before a
 * RUN; values are not quoted, so each is the text up to the next space. */
static void check_build_args(struct image_checks *c, const char *line, const char *where)
{
	char *end;
	long n;

	if (line[0] != '|')
		return;
	n = strtol(line + 1, &end, 10);
	for (long i = 0; i < n && i < 1000 && *end; i++) {
		while (*end == ' ')
			end++;
		size_t len = strcspn(end, " ");
		char *word = xstrndup(end, len), *eq = strchr(word, '=');
		if (eq) {
			*eq = '\0';
			check_assignment(c, R_SECRET_HISTORY, where, word, eq + 1);
		}
		free(word);
		end += len;
	}
}

/* "#(nop)  ENV A=1" and "ENV A=1 # buildkit" record ENV instructions. */
static void check_history_env(struct image_checks *c, const char *line, const char *where)
{
	const char *env = strstr(line, "ENV ");
	struct sh_script sc;

	if (!env || (env != line && !strstr(line, "#(nop)")))
		return;
	sh_split(env + 4, &sc);
	for (size_t i = 0; sc.n_cmds && i < sc.cmds[0].n_assigns; i++) {
		char *name = xstrdup(sc.cmds[0].assigns[i]), *eq = strchr(name, '=');
		*eq = '\0';
		check_assignment(c, R_SECRET_HISTORY, where, name, eq + 1);
		free(name);
	}
	sh_free(&sc);
}

static void check_history(struct image_checks *c)
{
	const struct image_config *cfg = &c->d->img->config;

	for (size_t i = 0; i < cfg->n_history; i++) {
		char *where = xasprintf("history entry %zu", i + 1);
		struct value_ctx v = {c, R_SECRET_HISTORY, where, false, i};
		scan_find_secrets(c->s, "", cfg->history[i], strlen(cfg->history[i]), value_hit, &v);
		if (!v.hit) {
			check_build_args(c, cfg->history[i], where);
			check_history_env(c, cfg->history[i], where);
		}
		free(where);
	}
}

static void check_ports(struct image_checks *c)
{
	const struct image_config *cfg = &c->d->img->config;

	for (size_t i = 0; i < cfg->n_ports; i++) {
		if (strcmp(cfg->ports[i], "22") == 0 || str_starts_with(cfg->ports[i], "22/")) {
			char *msg = xasprintf("image %s exposes the SSH port (%s)", c->d->label, cfg->ports[i]);
			emit(c, R_SSH, SEV_MEDIUM, NULL, NULL, 0, "port 22", cfg->ports[i], NULL, msg);
			free(msg);
			return;
		}
	}
}

void image_check_config(struct image_checks *c)
{
	if (!c->d->img->config.parsed)
		return;
	check_user(c);
	check_healthcheck(c);
	check_env(c);
	check_history(c);
	check_ports(c);
}

/* ---- layer entries ---------------------------------------------------------- */

static void add_candidate(struct image_checks *c, const char *rule, enum severity sev, const struct image_entry *e,
			  size_t layer, bool final_only, const char *identity, const char *evidence, const char *hash,
			  unsigned line, const char *fmt, ...) __attribute__((format(printf, 11, 12)));

static void add_candidate(struct image_checks *c, const char *rule, enum severity sev, const struct image_entry *e,
			  size_t layer, bool final_only, const char *identity, const char *evidence, const char *hash,
			  unsigned line, const char *fmt, ...)
{
	struct candidate *k;
	struct buf msg;
	va_list ap;

	if (c->n_cands >= IMAGE_MAX_CANDIDATES) {
		if (!c->cap_reported)
			scan_notice(c->s, "warning", c->d->prefix, "more than %d layer findings in image %s; the rest are "
				    "not reported", IMAGE_MAX_CANDIDATES, c->d->label);
		c->cap_reported = true;
		return;
	}
	if (c->n_cands == c->cap_cands) {
		c->cap_cands = c->cap_cands ? c->cap_cands * 2 : 64;
		c->cands = xrealloc(c->cands, c->cap_cands * sizeof(*c->cands));
	}
	k = &c->cands[c->n_cands++];
	memset(k, 0, sizeof(*k));
	buf_init(&msg);
	va_start(ap, fmt);
	buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	k->rule = rule;
	k->severity = sev;
	k->path = xstrdup(e->path);
	k->layer = layer;
	k->final_only = final_only;
	k->message = buf_steal(&msg);
	k->evidence = evidence ? xstrdup(evidence) : NULL;
	k->identity = xstrdup(identity);
	if (hash)
		snprintf(k->hash, sizeof(k->hash), "%s", hash);
	k->line = line;
}

struct layer_hit_ctx {
	struct image_checks *c;
	const struct image_entry *e;
	size_t layer;
	bool binary;
};

static void layer_hit(const struct secret_hit *h, void *ctx)
{
	struct layer_hit_ctx *l = ctx;
	char *id = xasprintf("%s\n%s", h->pattern->rule.id, h->hash);

	add_candidate(l->c, R_SECRET_LAYER, h->pattern->rule.severity, l->e, l->layer, false, id, h->redacted, h->hash,
		      l->binary ? 0 : h->line, "%s in /%s", h->pattern->rule.title, l->e->path);
	free(id);
}

/* Keeps runs of at least 8 printable bytes, one per line, in place: how a
 * binary file's embedded strings are searched. */
static size_t printable_runs(char *data, size_t len)
{
	size_t out = 0, start = 0;

	for (size_t i = 0; i <= len; i++) {
		unsigned char ch = i < len ? (unsigned char)data[i] : 0;
		if ((ch >= 0x20 && ch < 0x7f) || ch == '\t')
			continue;
		if (i - start >= 8) {
			memmove(data + out, data + start, i - start);
			out += i - start;
			data[out++] = '\n';
		}
		start = i + 1;
	}
	return out;
}

static void check_content_secrets(struct image_checks *c, const struct image_entry *e, size_t layer,
				  const char *data, size_t len)
{
	struct layer_hit_ctx l = {c, e, layer, false};
	char *copy;

	if (!len)
		return;
	if (!looks_binary(data, len)) {
		scan_find_secrets(c->s, e->path, data, len, layer_hit, &l);
		return;
	}
	/* ELF and other binaries: only their strings, as strings(1) would. */
	copy = xmalloc(len);
	memcpy(copy, data, len);
	len = printable_runs(copy, len);
	l.binary = true;
	scan_find_secrets(c->s, e->path, copy, len, layer_hit, &l);
	secure_zero(copy, len);
	free(copy);
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

static bool path_ends_with(const char *path, const char *tail)
{
	size_t n = strlen(path), t = strlen(tail);
	return n >= t && strcmp(path + n - t, tail) == 0 && (n == t || path[n - t - 1] == '/');
}

static bool has(const char *data, size_t len, const char *needle)
{
	return data && memmem(data, len, needle, strlen(needle)) != NULL;
}

/* _authToken=, _auth= or _password= with a literal value, not ${VAR}. */
static bool npmrc_has_token(const char *data, size_t len)
{
	static const char *const keys[] = {"_authToken=", "_auth=", "_password="};

	for (size_t k = 0; data && k < ARRAY_LEN(keys); k++) {
		size_t n = strlen(keys[k]);
		for (const char *p = data; (p = memmem(p, len - (size_t)(p - data), keys[k], n));) {
			p += n;
			while ((size_t)(p - data) < len && (*p == ' ' || *p == '"'))
				p++;
			if ((size_t)(p - data) < len && *p != '$' && *p != '\n' && *p != '\r')
				return true;
		}
	}
	return false;
}

/* What kind of sensitive file this is, or NULL; *sev is set. */
static const char *sensitive_kind(const char *path, const char *data, size_t len, enum severity *sev)
{
	const char *b = base_name(path);

	*sev = SEV_HIGH;
	if (str_starts_with(path, "etc/ssh/ssh_host_") && str_ends_with(path, "_key")) {
		*sev = SEV_MEDIUM;
		return "an SSH host private key (every container of the image shares it)";
	}
	if (strcmp(b, "id_rsa") == 0 || strcmp(b, "id_dsa") == 0 || strcmp(b, "id_ecdsa") == 0 ||
	    strcmp(b, "id_ed25519") == 0)
		return "an SSH private key";
	if ((str_ends_with(b, ".pem") || str_ends_with(b, ".key")) && has(data, len, "PRIVATE KEY-----"))
		return "a private key";
	if (str_ends_with(b, ".p12") || str_ends_with(b, ".pfx"))
		return "a PKCS#12 key store";
	if (strcmp(b, ".env") == 0 || (str_starts_with(b, ".env.") && !str_icontains(b, "example") &&
				       !str_icontains(b, "sample") && !str_icontains(b, "template") &&
				       !str_ends_with(b, ".dist")))
		return "an .env file";
	if (path_ends_with(path, ".aws/credentials"))
		return "AWS credentials";
	if (strcmp(b, ".git-credentials") == 0)
		return "git credentials";
	if (strcmp(b, ".npmrc") == 0 && npmrc_has_token(data, len))
		return "an .npmrc with a registry token";
	if (strcmp(b, ".pypirc") == 0 && has(data, len, "password"))
		return "a .pypirc with a password";
	if (strcmp(b, ".netrc") == 0 && has(data, len, "password"))
		return "a .netrc with a password";
	if (path_ends_with(path, ".docker/config.json") && has(data, len, "\"auths\"") && has(data, len, "\"auth\""))
		return "a Docker config with registry credentials";
	if ((path_ends_with(path, ".kube/config") || has(data, len, "kind: Config")) && has(data, len, "clusters:") &&
	    (has(data, len, "token:") || has(data, len, "client-key-data:") || has(data, len, "password:")))
		return "a kubeconfig with credentials";
	return NULL;
}

/* The .git directory an entry is in or is, if any: "app/.git". */
static bool git_dir_of(const char *path, char *out, size_t n)
{
	const char *p = path;

	for (;;) {
		const char *g = strstr(p, ".git");
		if (!g)
			return false;
		bool starts = g == path || g[-1] == '/';
		bool ends = g[4] == '\0' || g[4] == '/';
		if (starts && ends) {
			snprintf(out, n, "%.*s", (int)(g - path + 4), path);
			return true;
		}
		p = g + 4;
	}
}

static void check_git_dir(struct image_checks *c, const struct image_entry *e, size_t layer)
{
	char dir[4096];

	if (!git_dir_of(e->path, dir, sizeof(dir)))
		return;
	for (size_t i = 0; i < c->n_git_dirs; i++)
		if (strcmp(c->git_dirs[i], dir) == 0)
			return;
	c->git_dirs = xrealloc(c->git_dirs, (c->n_git_dirs + 1) * sizeof(char *));
	c->git_dirs[c->n_git_dirs++] = xstrdup(dir);
	struct image_entry d = *e;
	d.path = dir;
	add_candidate(c, R_SENSITIVE, SEV_MEDIUM, &d, layer, false, "git directory", NULL, NULL, 0,
		      "a .git directory (/%s) is in the image: the source history ships with it", dir);
}

static void mode_string(unsigned mode, char out[16])
{
	snprintf(out, 16, "mode %04o", mode & 07777);
}

enum severity image_setuid_severity(const char *path)
{
	static const char *const expected[] = {
		"usr/bin/passwd", "bin/passwd", "usr/bin/chsh", "usr/bin/chfn", "usr/bin/gpasswd", "usr/bin/newgrp",
		"bin/su", "usr/bin/su", "bin/mount", "usr/bin/mount", "bin/umount", "usr/bin/umount", "usr/bin/chage",
		"usr/bin/expiry", "usr/bin/wall", "usr/bin/write", "usr/bin/bsd-write", "usr/bin/ssh-agent",
		"sbin/unix_chkpwd", "usr/sbin/unix_chkpwd", "usr/sbin/pam_extrausers_chkpwd", "bin/ping",
		"usr/bin/ping", "usr/bin/dotlockfile", "usr/bin/crontab", "usr/bin/mail-lock", "usr/bin/mail-unlock",
		"usr/bin/mail-touchlock", "usr/bin/at", "usr/sbin/postdrop", "usr/sbin/postqueue",
	};
	static const char *const unusual[] = {
		"usr/bin/sudo", "usr/bin/pkexec", "usr/lib/openssh/ssh-keysign", "usr/libexec/openssh/ssh-keysign",
		"usr/lib/dbus-1.0/dbus-daemon-launch-helper", "usr/bin/newuidmap", "usr/bin/newgidmap",
		"usr/lib/policykit-1/polkit-agent-helper-1", "usr/bin/fusermount", "usr/bin/fusermount3",
		"bin/fusermount", "usr/sbin/exim4", "usr/bin/Xorg",
	};

	for (size_t i = 0; i < ARRAY_LEN(expected); i++)
		if (strcmp(path, expected[i]) == 0)
			return SEV_LOW;
	for (size_t i = 0; i < ARRAY_LEN(unusual); i++)
		if (strcmp(path, unusual[i]) == 0)
			return SEV_MEDIUM;
	return SEV_HIGH;
}

static void check_modes(struct image_checks *c, const struct image_entry *e, size_t layer)
{
	char ev[16];

	mode_string(e->mode, ev);
	if (e->type == IMAGE_FILE && (e->mode & 06000))
		add_candidate(c, R_SETUID, image_setuid_severity(e->path), e, layer, true, "setuid", ev, NULL, 0,
			      "/%s is %s%s%s (%s)", e->path, (e->mode & 04000) ? "setuid" : "",
			      (e->mode & 06000) == 06000 ? " and " : "", (e->mode & 02000) ? "setgid" : "", ev);
	if ((e->type == IMAGE_FILE || e->type == IMAGE_DIR) && (e->mode & 0002) &&
	    !(e->type == IMAGE_DIR && (e->mode & 01000)))
		add_candidate(c, R_WORLD_WRITABLE, SEV_MEDIUM, e, layer, true, "world-writable", ev, NULL, 0,
			      "%s /%s is writable by every user%s (%s)", e->type == IMAGE_DIR ? "directory" : "file", e->path,
			      e->type == IMAGE_DIR ? " and has no sticky bit" : "", ev);
	if (e->type == IMAGE_FILE && (strcmp(e->path, "usr/sbin/sshd") == 0 || strcmp(e->path, "sbin/sshd") == 0))
		add_candidate(c, R_SSH, SEV_MEDIUM, e, layer, true, "sshd", NULL, NULL, 0,
			      "the image contains an SSH server (/%s)", e->path);
}

void image_check_entry(struct image_checks *c, const struct image_entry *e, size_t layer, const char *data,
		       size_t len)
{
	enum severity sev;
	const char *kind;

	if (e->whiteout || e->opaque || e->escapes)
		return;
	check_modes(c, e, layer);
	check_git_dir(c, e, layer);
	if (e->type != IMAGE_FILE)
		return;
	kind = sensitive_kind(e->path, data, len, &sev);
	if (kind)
		add_candidate(c, R_SENSITIVE, sev, e, layer, false, kind, NULL, NULL, 0, "/%s is %s", e->path, kind);
	if (data)
		check_content_secrets(c, e, layer, data, len);
}

/* ---- the end of the image ------------------------------------------------------ */

static void report_candidate(struct image_checks *c, const struct candidate *k, enum image_file_state st, size_t by)
{
	const struct image_ref *img = c->d->img;
	const char *layer = img->layers[k->layer].digest;
	char *msg;

	if (st == IMAGE_FILE_PRESENT)
		msg = xasprintf("%s (layer %zu, %s)", k->message, k->layer + 1, layer);
	else
		msg = xasprintf("%s (layer %zu, %s); %s by layer %zu but still extractable from layer %zu", k->message,
				k->layer + 1, layer, st == IMAGE_FILE_DELETED ? "deleted" : "overwritten", by + 1,
				k->layer + 1);
	char *id = xasprintf("%s\n%s\n%s", k->identity, k->path, layer);
	emit(c, k->rule, k->severity, k->path, layer, k->line, id, k->evidence, k->hash[0] ? k->hash : NULL, msg);
	free(id);
	free(msg);
}

void image_checks_end(struct image_checks *c, image_state_fn state, void *tree)
{
	for (size_t i = 0; i < c->n_cands; i++) {
		struct candidate *k = &c->cands[i];
		size_t by = k->layer;
		enum image_file_state st = state ? state(tree, k->path, k->layer, &by) : IMAGE_FILE_PRESENT;

		if (!(k->final_only && st != IMAGE_FILE_PRESENT))
			report_candidate(c, k, st, by);
		free(k->path);
		free(k->message);
		free(k->evidence);
		free(k->identity);
	}
	for (size_t i = 0; i < c->n_git_dirs; i++)
		free(c->git_dirs[i]);
	free(c->git_dirs);
	free(c->cands);
	free(c);
}
