/*
 * The docker.* rule family: what a Dockerfile says about the image it builds
 * (CIS Docker Benchmark 1.6.0 section 4: the user, base image pinning,
 * HEALTHCHECK, package index updates, ADD, secrets in the build) and the
 * build hygiene that hadolint and dockle users expect (package caches,
 * sudo, curl | sh, deprecated or fragile instructions). Each finding points
 * at its instruction's line; its identity is the instruction's text, so it
 * survives moved lines. Values are judged by checks/secretname.h and the
 * secrets engine; they are never printed.
 */
#include "docker_checks.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "checks.h"
#include "docker_shell.h"
#include "secretname.h"
#include "utf8.h"

#define R_USER_ROOT "docker.user-root"
#define R_BASE_UNPINNED "docker.base-unpinned"
#define R_HEALTHCHECK "docker.healthcheck-missing"
#define R_UPDATE_ALONE "docker.update-alone"
#define R_ADD "docker.add-instead-of-copy"
#define R_SECRET "docker.secret-in-build"
#define R_CURL_SH "docker.curl-pipe-shell"
#define R_SUDO "docker.sudo"
#define R_APT_CACHE "docker.apt-cache"
#define R_CONTEXT "docker.copy-context-unfiltered"
#define R_EXPOSE_SSH "docker.expose-ssh"
#define R_APK_CACHE "docker.apk-cache"
#define R_YUM_CACHE "docker.yum-cache"
#define R_PIP_CACHE "docker.pip-cache"
#define R_RECOMMENDS "docker.apt-install-recommends"
#define R_UPGRADE "docker.apt-upgrade"
#define R_MAINTAINER "docker.maintainer-deprecated"
#define R_WORKDIR "docker.workdir-relative"
#define R_MULTIPLE "docker.multiple-cmd"
#define R_SHELL_FORM "docker.cmd-shell-form"

#define DOCKERIGNORE_MAX_BYTES (256 * 1024)

static const struct rule docker_rules[] = {
	{
		.id = R_USER_ROOT,
		.title = "Image runs as root",
		.severity = SEV_MEDIUM,
		.description =
			"The final build stage (with the stages it is built on) sets no USER, so the container "
			"runs as root unless the base image says otherwise; or its last USER is root or 0 (high). "
			"A process that is root in the container is root on the host once it escapes. Base images "
			"whose tag says nonroot or rootless are trusted to set a user.",
		.remediation = "Create an unprivileged user (RUN useradd -r -u 10001 app) and end the final stage "
			       "with USER app (or USER 10001).",
		.references = "CIS Docker Benchmark 1.6.0 4.1\nhadolint DL3002\ndockle CIS-DI-0001",
	},
	{
		.id = R_BASE_UNPINNED,
		.title = "Base image not pinned by digest",
		.severity = SEV_MEDIUM,
		.description =
			"A FROM names an image by tag only, so each build may get different content. With "
			"latest or no tag at all (which means latest) the base can change under the build at any "
			"time (high); a version tag can still be moved by whoever controls the registry (low). "
			"A base image given by a build argument without a default is medium: the build decides. "
			"FROM scratch and FROM an earlier stage are not images.",
		.remediation = "Pin the base by digest: FROM debian:12.5@sha256:<digest> (docker buildx imagetools "
			       "inspect shows it), and update it on purpose, for example with Renovate or Dependabot.",
		.references = "CIS Docker Benchmark 1.6.0 4.2, 5.28\nhadolint DL3006, DL3007\nISO/IEC 27001:2022 A.5.21",
	},
	{
		.id = R_HEALTHCHECK,
		.title = "No HEALTHCHECK in the image",
		.severity = SEV_LOW,
		.description =
			"The final build stage (with the stages it is built on) has no HEALTHCHECK instruction, "
			"or disables the inherited one with HEALTHCHECK NONE, so the engine cannot tell a hung "
			"container from a working one.",
		.remediation = "Add HEALTHCHECK CMD followed by a cheap probe of the service, for example "
			       "HEALTHCHECK --interval=30s CMD wget -qO- http://localhost:8080/health || exit 1.",
		.references = "CIS Docker Benchmark 1.6.0 4.6\ndockle CIS-DI-0006",
	},
	{
		.id = R_UPDATE_ALONE,
		.title = "Package index update in a RUN of its own",
		.severity = SEV_MEDIUM,
		.description =
			"A RUN updates the package index (apt-get update, apk update, yum makecache...) without "
			"installing anything in the same instruction. The build cache keeps that layer, so a "
			"later RUN installs from a stale index: old, unpatched packages, or failures.",
		.remediation = "Update and install in one RUN: RUN apt-get update && apt-get install -y "
			       "--no-install-recommends pkg && rm -rf /var/lib/apt/lists/*.",
		.references = "CIS Docker Benchmark 1.6.0 4.7\nhadolint DL3009\ndockle CIS-DI-0007",
	},
	{
		.id = R_ADD,
		.title = "ADD used where COPY would do",
		.severity = SEV_LOW,
		.description =
			"ADD fetches URLs and unpacks local archives, which COPY does not. ADD of local files "
			"that are not archives should be COPY (low). ADD of a URL without --checksum downloads "
			"content that nothing verifies into the image (medium). ADD of a local tar archive, "
			"which ADD unpacks, is its legitimate use and is not reported.",
		.remediation = "Use COPY for local files. For remote files, download with curl in a RUN and check "
			       "a SHA-256, or use ADD --checksum=sha256:<digest> URL.",
		.references = "CIS Docker Benchmark 1.6.0 4.9\nhadolint DL3020\ndockle CIS-DI-0009",
	},
	{
		.id = R_SECRET,
		.title = "Secret in the build",
		.severity = SEV_HIGH,
		.description =
			"An ENV or ARG whose name says it holds a secret (PASSWORD, TOKEN, SECRET, API_KEY...) "
			"or whose value the secrets engine recognises, or a secret passed on a RUN command line "
			"(NAME=value, --password=value, curl -u user:password). ENV values are stored in the "
			"image config; ARG values and RUN command lines are stored in the image history; both "
			"ship with every copy of the image. A secret-named ARG without a value, or an ENV that "
			"copies one, is medium: the value given with --build-arg ends up in the history.",
		.remediation = "Pass build secrets with RUN --mount=type=secret (BuildKit) and runtime secrets "
			       "through the orchestrator's secret store; rotate any secret that was built into an "
			       "image.",
		.references = "CIS Docker Benchmark 1.6.0 4.10\ndockle CIS-DI-0010\nBuildKit check SecretsUsedInArgOrEnv\n"
			      "ISO/IEC 27001:2022 A.5.17",
	},
	{
		.id = R_CURL_SH,
		.title = "Remote script piped into a shell",
		.severity = SEV_HIGH,
		.description =
			"A RUN downloads a script with curl or wget and runs it at once (curl ... | sh, bash "
			"<(curl ...), sh -c \"$(curl ...)\"). Whoever controls the server, or the network path "
			"to it, runs code in the build, and nothing records what was run.",
		.remediation = "Download to a file, verify its checksum or signature, then run it; better, "
			       "install from a package repository.",
		.references = "CIS Docker Benchmark 1.6.0 4.11\nhadolint DL4006 (pipes)\nISO/IEC 27001:2022 A.8.19",
	},
	{
		.id = R_SUDO,
		.title = "sudo in a RUN instruction",
		.severity = SEV_MEDIUM,
		.description =
			"A RUN uses sudo. Builds run as root until a USER says otherwise, so sudo is not needed; "
			"having it installed and configured in the image gives any process that gets a shell in "
			"the container a way back to root.",
		.remediation = "Drop sudo: run the step before the USER instruction, or switch with USER root and "
			       "back. Do not install sudo in the image.",
		.references = "CIS Docker Benchmark 1.6.0 4.1\nhadolint DL3004\nISO/IEC 27001:2022 A.8.18",
	},
	{
		.id = R_APT_CACHE,
		.title = "apt package lists left in the image",
		.severity = SEV_LOW,
		.description =
			"A RUN in a stage that ends up in the image runs apt-get update without removing "
			"/var/lib/apt/lists in the same instruction: tens of megabytes of stale index ship in the "
			"layer and mislead later scans. RUN instructions with a cache mount are not reported.",
		.remediation = "End the RUN with && rm -rf /var/lib/apt/lists/*, or use RUN --mount=type=cache.",
		.references = "CIS Docker Benchmark 1.6.0 4.3\nhadolint DL3009",
	},
	{
		.id = R_CONTEXT,
		.title = "Whole build context copied without a filtering .dockerignore",
		.severity = SEV_MEDIUM,
		.description =
			"COPY or ADD takes the whole build context (. or *) while the .dockerignore beside the "
			"Dockerfile (or Dockerfile.dockerignore) is missing or does not exclude .git, .env files "
			"and private keys (id_rsa, *.key). Whatever sits in the developer's directory, secrets "
			"included, is then baked into a layer.",
		.remediation = "Add a .dockerignore with at least .git, .env*, *.key, id_rsa* (and the rest of "
			       "what the image does not need), or copy only the paths the image needs.",
		.references = "CIS Docker Benchmark 1.6.0 4.10\nISO/IEC 27001:2022 A.8.12",
	},
	{
		.id = R_EXPOSE_SSH,
		.title = "SSH port exposed",
		.severity = SEV_MEDIUM,
		.description = "EXPOSE lists port 22: the image is meant to run an SSH server, which CIS advises "
			       "against; use docker exec or kubectl exec to get into a container.",
		.remediation = "Remove port 22 from EXPOSE and the SSH server from the image.",
		.references = "CIS Docker Benchmark 1.6.0 5.7\nhadolint DL3011 (valid ports)",
	},
	{
		.id = R_APK_CACHE,
		.title = "apk cache left in the image",
		.severity = SEV_LOW,
		.description = "apk add without --no-cache (and without removing /var/cache/apk in the same RUN) "
			       "in a stage that ends up in the image leaves the package index in the layer.",
		.remediation = "Use apk add --no-cache.",
		.references = "CIS Docker Benchmark 1.6.0 4.3\nhadolint DL3019",
	},
	{
		.id = R_YUM_CACHE,
		.title = "yum/dnf/zypper cache left in the image",
		.severity = SEV_LOW,
		.description = "yum, dnf, microdnf or zypper installs packages without cleaning its cache "
			       "(yum clean all, dnf clean all, zypper clean, or removing /var/cache/yum or "
			       "/var/cache/dnf) in the same RUN, in a stage that ends up in the image.",
		.remediation = "End the RUN with && yum clean all && rm -rf /var/cache/yum (dnf and zypper alike).",
		.references = "CIS Docker Benchmark 1.6.0 4.3\nhadolint DL3032, DL3036, DL3040",
	},
	{
		.id = R_PIP_CACHE,
		.title = "pip install without --no-cache-dir",
		.severity = SEV_LOW,
		.description = "pip install keeps downloaded wheels in ~/.cache/pip, which then ships in the "
			       "layer, when neither --no-cache-dir nor PIP_NO_CACHE_DIR is given, in a stage that "
			       "ends up in the image.",
		.remediation = "Use pip install --no-cache-dir, or set ENV PIP_NO_CACHE_DIR=1.",
		.references = "CIS Docker Benchmark 1.6.0 4.3\nhadolint DL3042",
	},
	{
		.id = R_RECOMMENDS,
		.title = "apt-get install without --no-install-recommends",
		.severity = SEV_LOW,
		.description = "apt-get install also installs recommended packages unless told otherwise: more "
			       "software, more vulnerabilities, more size, none of it asked for.",
		.remediation = "Use apt-get install -y --no-install-recommends.",
		.references = "CIS Docker Benchmark 1.6.0 4.3\nhadolint DL3015",
	},
	{
		.id = R_UPGRADE,
		.title = "Distribution upgrade in the build",
		.severity = SEV_INFO,
		.description = "apt-get upgrade, dist-upgrade or full-upgrade in a RUN: the image's content then "
			       "depends on the day of the build, and the cached layer keeps the upgrade of the day it "
			       "was first built. Rebuilding from an updated base image is the reproducible way.",
		.remediation = "Rebuild from a newer base image (pinned by digest) instead, or install the "
			       "specific packages that need a fix.",
		.references = "CIS Docker Benchmark 1.6.0 4.7\ndockerfilelint apt-get-upgrade",
	},
	{
		.id = R_MAINTAINER,
		.title = "MAINTAINER is deprecated",
		.severity = SEV_INFO,
		.description = "MAINTAINER was deprecated in Docker 1.13; tools read the maintainer from labels.",
		.remediation = "Use LABEL org.opencontainers.image.authors=\"name <email>\".",
		.references = "hadolint DL4000",
	},
	{
		.id = R_WORKDIR,
		.title = "Relative WORKDIR",
		.severity = SEV_LOW,
		.description = "WORKDIR with a relative path depends on every WORKDIR before it, including the "
			       "base image's: the directory the later instructions run in is not what it reads.",
		.remediation = "Give WORKDIR an absolute path, such as WORKDIR /app.",
		.references = "hadolint DL3000",
	},
	{
		.id = R_MULTIPLE,
		.title = "More than one CMD, ENTRYPOINT or HEALTHCHECK in a stage",
		.severity = SEV_LOW,
		.description = "Only the last CMD, ENTRYPOINT or HEALTHCHECK of a stage takes effect; an earlier "
			       "one is dead code that readers take for what the image does.",
		.remediation = "Keep one of each per stage.",
		.references = "hadolint DL4003, DL4004, DL3012",
	},
	{
		.id = R_SHELL_FORM,
		.title = "CMD or ENTRYPOINT in shell form",
		.severity = SEV_LOW,
		.description = "In the image's final stage, CMD or ENTRYPOINT is written in shell form, so the "
			       "process runs under /bin/sh -c: it is not PID 1, does not receive SIGTERM, and the "
			       "container is killed after the stop timeout instead of shutting down cleanly.",
		.remediation = "Use the exec form: CMD [\"executable\", \"arg\"].",
		.references = "hadolint DL3025",
	},
};

const struct rule_family docker_rule_family = {"docker", docker_rules, ARRAY_LEN(docker_rules), 0};

struct docker_ctx {
	struct scan *s;
	const struct docker_doc *doc;
	const struct dockerfile *df;
	bool ignore_loaded;
	char *ignore_missing; /* NULL: no .dockerignore; "": it excludes everything checked */
};

static void emit(struct docker_ctx *c, const char *rule, enum severity sev, const struct df_instr *in,
		 const char *identity, const char *evidence, const char *secret_hash, const char *fmt, ...)
	__attribute__((format(printf, 8, 9)));

static void emit(struct docker_ctx *c, const char *rule, enum severity sev, const struct df_instr *in,
		 const char *identity, const char *evidence, const char *secret_hash, const char *fmt, ...)
{
	struct buf msg;
	char *clean_msg, *clean_id;
	va_list ap;

	buf_init(&msg);
	va_start(ap, fmt);
	buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	clean_msg = utf8_sanitize(msg.data, msg.len);
	clean_id = utf8_sanitize(identity, strlen(identity));
	struct finding f = {
		.rule = rule,
		.severity = sev,
		.path = c->doc->path,
		.line = in ? in->line : 0,
		.column = in ? 1 : 0,
		.message = clean_msg,
		.evidence = evidence,
		.secret_hash = secret_hash,
		.identity = clean_id,
	};
	scan_emit(c->s, &f);
	buf_free(&msg);
	free(clean_msg);
	free(clean_id);
}

/* "RUN apt-get update": what identifies an instruction, whatever its line. */
static char *instr_identity(const struct df_instr *in)
{
	return xasprintf("%s %.400s", in->keyword, in->args);
}

/* A short quotation of an instruction for messages. */
static char *quote(const struct df_instr *in)
{
	size_t n = strlen(in->args);
	return xasprintf("%s %.60s%s", in->keyword, in->args, n > 60 ? "..." : "");
}

/* ---- FROM ---------------------------------------------------------------- */

static bool image_has_digest(const char *image)
{
	return strchr(image, '@') != NULL;
}

/* The tag of an image reference, or NULL: the part after ':' in the last
 * path component (a registry port is before a '/'). */
static const char *image_tag(const char *image)
{
	const char *slash = strrchr(image, '/'), *last = slash ? slash + 1 : image;
	const char *colon = strchr(last, ':');

	return colon ? colon + 1 : NULL;
}

static void check_base(struct docker_ctx *c, const struct df_instr *in)
{
	const struct df_stage *st;
	const char *tag;
	char *id;

	if (in->stage < 0 || c->df->stages[in->stage].from != (size_t)(in - c->df->instrs))
		return;
	st = &c->df->stages[in->stage];
	if (st->parent >= 0 || str_ieq(st->image, "scratch") || image_has_digest(st->image))
		return;
	id = xasprintf("FROM %s", st->image);
	tag = image_tag(st->image);
	if (st->unresolved)
		emit(c, R_BASE_UNPINNED, SEV_MEDIUM, in, id, NULL, NULL,
		     "base image '%s' comes from a build argument without a value; pin it by digest", in->args);
	else if (!tag || !*tag)
		emit(c, R_BASE_UNPINNED, SEV_HIGH, in, id, NULL, NULL,
		     "base image '%s' has no tag (latest) and no digest: any build may get a different base",
		     st->image);
	else if (strcmp(tag, "latest") == 0)
		emit(c, R_BASE_UNPINNED, SEV_HIGH, in, id, NULL, NULL,
		     "base image '%s' uses the latest tag and no digest: any build may get a different base",
		     st->image);
	else
		emit(c, R_BASE_UNPINNED, SEV_LOW, in, id, NULL, NULL,
		     "base image '%s' is pinned by tag only; add its digest (@sha256:...)", st->image);
	free(id);
}

/* ---- RUN ----------------------------------------------------------------- */

/* What one RUN does, gathered over its commands. */
struct run_facts {
	bool apt_update, apt_install, apt_lists_removed, apt_no_recommends_missing, apt_upgrade;
	bool apk_update, apk_add, apk_no_cache_missing, apk_cache_removed;
	bool yum_install, yum_clean, yum_makecache;
	bool pip_no_cache_missing, pip_env_no_cache;
	bool curl_pipe, sudo;
	char upgrade_word[24];
};

static const char *const apt_value_opts[] = {"-o", "-c", "-t", "--target-release", NULL};

static bool is_shell(const char *w)
{
	static const char *const shells[] = {"sh", "bash", "zsh", "dash", "ksh", "ash", "fish",
					     "python", "python3", "perl", "ruby", "node", "php"};
	const char *b = sh_basename(w);

	for (size_t i = 0; i < ARRAY_LEN(shells); i++)
		if (strcmp(b, shells[i]) == 0)
			return true;
	return false;
}

static bool is_downloader(const char *w)
{
	const char *b = sh_basename(w);
	return strcmp(b, "curl") == 0 || strcmp(b, "wget") == 0;
}

static bool mentions(const struct sh_cmd *cmd, const char *needle)
{
	for (size_t i = 1; i < cmd->n_words; i++)
		if (strstr(cmd->words[i], needle))
			return true;
	return false;
}

static void apt_facts(struct run_facts *f, const struct sh_cmd *cmd)
{
	const char *sub = sh_subcommand(cmd, apt_value_opts);

	if (!sub)
		return;
	if (strcmp(sub, "update") == 0)
		f->apt_update = true;
	if (strcmp(sub, "install") == 0) {
		f->apt_install = true;
		if (!sh_has_word(cmd, "--no-install-recommends") && !mentions(cmd, "Install-Recommends=false") &&
		    !mentions(cmd, "Install-Recommends=0") && !mentions(cmd, "Install-Recommends \"false\""))
			f->apt_no_recommends_missing = true;
	}
	if (strcmp(sub, "upgrade") == 0 || strcmp(sub, "dist-upgrade") == 0 || strcmp(sub, "full-upgrade") == 0) {
		f->apt_install = true; /* it fetches packages after an update as much as install does */
		f->apt_upgrade = true;
		snprintf(f->upgrade_word, sizeof(f->upgrade_word), "%s", sub);
	}
}

static void apk_facts(struct run_facts *f, const struct sh_cmd *cmd)
{
	const char *sub = sh_subcommand(cmd, NULL);

	if (!sub)
		return;
	if (strcmp(sub, "update") == 0)
		f->apk_update = true;
	if (strcmp(sub, "add") == 0) {
		f->apk_add = true;
		if (!sh_has_word(cmd, "--no-cache"))
			f->apk_no_cache_missing = true;
	}
}

static void yum_facts(struct run_facts *f, const struct sh_cmd *cmd)
{
	const char *sub = sh_subcommand(cmd, NULL);

	if (!sub)
		return;
	if (strcmp(sub, "install") == 0 || strcmp(sub, "in") == 0 || strcmp(sub, "groupinstall") == 0 ||
	    strcmp(sub, "update") == 0 || strcmp(sub, "upgrade") == 0)
		f->yum_install = true;
	if (strcmp(sub, "makecache") == 0 || strcmp(sub, "refresh") == 0 || strcmp(sub, "ref") == 0)
		f->yum_makecache = true;
	if (strcmp(sub, "clean") == 0 || strcmp(sub, "cc") == 0)
		f->yum_clean = true;
}

static bool is_pip_install(const struct sh_cmd *cmd)
{
	const char *b = sh_basename(cmd->words[0]);
	size_t i = 1;

	if (str_starts_with(b, "python") && cmd->n_words > 2 && strcmp(cmd->words[1], "-m") == 0 &&
	    str_starts_with(cmd->words[2], "pip"))
		i = 3;
	else if (!(strcmp(b, "pip") == 0 || str_starts_with(b, "pip3") || str_starts_with(b, "pip2")))
		return false;
	for (; i < cmd->n_words; i++)
		if (cmd->words[i][0] != '-')
			return strcmp(cmd->words[i], "install") == 0;
	return false;
}

static bool assigns_no_pip_cache(const struct sh_cmd *cmd)
{
	for (size_t i = 0; i < cmd->n_assigns; i++)
		if (str_starts_with(cmd->assigns[i], "PIP_NO_CACHE_DIR="))
			return true;
	return false;
}

static void command_facts(struct run_facts *f, const struct sh_script *sc, size_t i)
{
	const struct sh_cmd *cmd = &sc->cmds[i];
	const char *b;

	if (cmd->sudo)
		f->sudo = true;
	if (!cmd->n_words)
		return;
	b = sh_basename(cmd->words[0]);
	if (strcmp(b, "apt-get") == 0 || strcmp(b, "apt") == 0 || strcmp(b, "aptitude") == 0)
		apt_facts(f, cmd);
	else if (strcmp(b, "apk") == 0)
		apk_facts(f, cmd);
	else if (strcmp(b, "yum") == 0 || strcmp(b, "dnf") == 0 || strcmp(b, "microdnf") == 0 ||
		 strcmp(b, "zypper") == 0)
		yum_facts(f, cmd);
	else if (strcmp(b, "rm") == 0) {
		if (mentions(cmd, "/var/lib/apt/lists"))
			f->apt_lists_removed = true;
		if (mentions(cmd, "/var/cache/apk"))
			f->apk_cache_removed = true;
		if (mentions(cmd, "/var/cache/yum") || mentions(cmd, "/var/cache/dnf") || mentions(cmd, "/var/cache/zypp"))
			f->yum_clean = true;
	}
	if (is_pip_install(cmd) && !sh_has_word(cmd, "--no-cache-dir") && !assigns_no_pip_cache(cmd))
		f->pip_no_cache_missing = true;
	if (assigns_no_pip_cache(cmd))
		f->pip_env_no_cache = true;
	/* curl URL | sh, and sh <(curl URL) or sh -c "$(curl URL)", where the
	 * download is the command right after the shell. */
	if (is_shell(cmd->words[0]) && cmd->piped && i > 0 && sc->cmds[i - 1].n_words &&
	    is_downloader(sc->cmds[i - 1].words[0]))
		f->curl_pipe = true;
	if (is_downloader(cmd->words[0]) && i > 0 && !cmd->piped && sc->cmds[i - 1].n_words &&
	    is_shell(sc->cmds[i - 1].words[0]) &&
	    (sc->cmds[i - 1].n_words == 1 || strcmp(sc->cmds[i - 1].words[sc->cmds[i - 1].n_words - 1], "-c") == 0))
		f->curl_pipe = true;
}

/* The text a RUN runs: its shell-form arguments or exec-form words, and its
 * heredoc bodies. */
static char *run_text(const struct df_instr *in)
{
	struct buf b;

	buf_init(&b);
	if (in->json) {
		for (size_t i = 0; i < in->argc; i++) {
			buf_puts(&b, in->argv[i]);
			buf_putc(&b, i + 1 < in->argc ? ' ' : '\n');
		}
	} else {
		buf_puts(&b, in->args);
		buf_putc(&b, '\n');
	}
	if (in->heredoc)
		buf_puts(&b, in->heredoc);
	return buf_steal(&b);
}

static bool has_cache_mount(const struct df_instr *in)
{
	for (size_t i = 0; i < in->n_flags; i++)
		if (str_starts_with(in->flags[i], "--mount=") && strstr(in->flags[i], "type=cache"))
			return true;
	return false;
}

/* ENV PIP_NO_CACHE_DIR in a stage of the chain the RUN belongs to. */
static bool stage_disables_pip_cache(const struct dockerfile *df, int stage)
{
	for (size_t i = 0; i < df->n_instrs; i++) {
		const struct df_instr *in = &df->instrs[i];
		if (strcmp(in->keyword, "ENV") != 0 || in->stage < 0 || !strstr(in->args, "PIP_NO_CACHE_DIR"))
			continue;
		for (int s = stage; s >= 0; s = df->stages[s].parent)
			if (s == in->stage)
				return true;
	}
	return false;
}

/* A value that a RUN command line passes for a secret. */
static void report_run_secret(struct docker_ctx *c, const struct df_instr *in, const char *what, const char *value)
{
	char hash[SHA256_HEX_LEN + 1], *id, *redacted;
	size_t n = strlen(value);

	if (!n || secret_value_is_reference(value) || secret_value_is_placeholder(value) || secret_value_is_flag(value))
		return;
	sha256_hex(value, n, hash);
	redacted = redact_secret(value, n);
	id = xasprintf("RUN %s %s", what, hash);
	emit(c, R_SECRET, SEV_HIGH, in, id, redacted, hash,
	     "RUN passes a secret on its command line (%s): the command line is kept in the image history", what);
	free(id);
	free(redacted);
}

static void check_run_secrets(struct docker_ctx *c, const struct df_instr *in, const struct sh_script *sc)
{
	for (size_t i = 0; i < sc->n_cmds; i++) {
		const struct sh_cmd *cmd = &sc->cmds[i];
		for (size_t k = 0; k < cmd->n_assigns; k++) {
			char *name = xstrdup(cmd->assigns[k]);
			char *eq = strchr(name, '=');
			*eq = '\0';
			if (secret_name_is_sensitive(name))
				report_run_secret(c, in, name, eq + 1);
			free(name);
		}
		for (size_t k = 1; k < cmd->n_words; k++) {
			const char *w = cmd->words[k];
			if (w[0] == '-' && w[1] == '-' && strchr(w, '=')) {
				char *name = xstrndup(w + 2, (size_t)(strchr(w, '=') - w - 2));
				if (secret_name_is_sensitive(name))
					report_run_secret(c, in, name, strchr(w, '=') + 1);
				free(name);
			} else if (w[0] == '-' && w[1] == '-' && secret_name_is_sensitive(w + 2) && k + 1 < cmd->n_words) {
				report_run_secret(c, in, w + 2, cmd->words[k + 1]);
			} else if ((strcmp(w, "-u") == 0 || strcmp(w, "--user") == 0) && k + 1 < cmd->n_words &&
				   is_downloader(cmd->words[0]) && strchr(cmd->words[k + 1], ':')) {
				report_run_secret(c, in, "curl -u password", strchr(cmd->words[k + 1], ':') + 1);
			}
		}
	}
}

static void check_run(struct docker_ctx *c, const struct df_instr *in)
{
	struct run_facts f = {0};
	struct sh_script sc;
	char *text = run_text(in), *id = instr_identity(in), *q = quote(in);
	bool final = in->stage >= 0 && df_stage_in_final(c->df, in->stage);
	bool cached = has_cache_mount(in);

	sh_split(text, &sc);
	for (size_t i = 0; i < sc.n_cmds; i++)
		command_facts(&f, &sc, i);
	if ((f.apt_update && !f.apt_install) || (f.apk_update && !f.apk_add) || (f.yum_makecache && !f.yum_install))
		emit(c, R_UPDATE_ALONE, SEV_MEDIUM, in, id, NULL, NULL,
		     "%s updates the package index without installing in the same RUN: later RUNs may install "
		     "from a stale cached index",
		     q);
	if (final && !cached && f.apt_update && !f.apt_lists_removed)
		emit(c, R_APT_CACHE, SEV_LOW, in, id, NULL, NULL,
		     "%s leaves /var/lib/apt/lists in the layer; end it with rm -rf /var/lib/apt/lists/*", q);
	if (final && !cached && f.apk_no_cache_missing && !f.apk_cache_removed)
		emit(c, R_APK_CACHE, SEV_LOW, in, id, NULL, NULL, "%s runs apk add without --no-cache", q);
	if (final && !cached && f.yum_install && !f.yum_clean)
		emit(c, R_YUM_CACHE, SEV_LOW, in, id, NULL, NULL, "%s installs packages without cleaning the cache", q);
	if (final && !cached && f.pip_no_cache_missing && !f.pip_env_no_cache &&
	    !stage_disables_pip_cache(c->df, in->stage))
		emit(c, R_PIP_CACHE, SEV_LOW, in, id, NULL, NULL, "%s runs pip install without --no-cache-dir", q);
	if (f.apt_no_recommends_missing)
		emit(c, R_RECOMMENDS, SEV_LOW, in, id, NULL, NULL, "%s installs without --no-install-recommends", q);
	if (f.apt_upgrade)
		emit(c, R_UPGRADE, SEV_INFO, in, id, NULL, NULL, "%s runs apt-get %s in the build", q, f.upgrade_word);
	if (f.curl_pipe)
		emit(c, R_CURL_SH, SEV_HIGH, in, id, NULL, NULL, "%s runs a downloaded script without verifying it", q);
	if (f.sudo)
		emit(c, R_SUDO, SEV_MEDIUM, in, id, NULL, NULL, "%s uses sudo", q);
	check_run_secrets(c, in, &sc);
	sh_free(&sc);
	free(text);
	free(id);
	free(q);
}

/* ---- ADD and COPY -------------------------------------------------------- */

static bool is_url(const char *s)
{
	return str_starts_with(s, "http://") || str_starts_with(s, "https://") || str_starts_with(s, "ftp://");
}

static bool is_local_archive(const char *s)
{
	static const char *const exts[] = {".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tbz", ".tar.xz",
					   ".txz", ".tar.zst", ".tar.lz", ".tar.lzma", ".tlz", ".tar.Z"};

	for (size_t i = 0; i < ARRAY_LEN(exts); i++)
		if (str_ends_with(s, exts[i]))
			return true;
	return false;
}

/* The sources of COPY/ADD: every word but the last. */
static size_t copy_sources(const struct df_instr *in, struct sh_script *sc, char ***srcs)
{
	if (in->json) {
		*srcs = in->argv;
		return in->argc ? in->argc - 1 : 0;
	}
	sh_split(in->args, sc);
	if (!sc->n_cmds) {
		*srcs = NULL;
		return 0;
	}
	/* COPY src dest: the "command" is the first source. */
	*srcs = sc->cmds[0].words;
	return sc->cmds[0].n_words ? sc->cmds[0].n_words - 1 : 0;
}

static void check_add(struct docker_ctx *c, const struct df_instr *in)
{
	struct sh_script sc = {0};
	char **srcs, *id = instr_identity(in);
	size_t n = copy_sources(in, &sc, &srcs);
	bool local = false, url = false;

	for (size_t i = 0; i < n; i++) {
		if (str_starts_with(srcs[i], "<<"))
			continue; /* a heredoc */
		if (is_url(srcs[i]))
			url = true;
		else if (!is_local_archive(srcs[i]) && !str_starts_with(srcs[i], "git@"))
			local = true;
	}
	if (url && !df_flag(in, "checksum"))
		emit(c, R_ADD, SEV_MEDIUM, in, id, NULL, NULL,
		     "ADD downloads a URL without --checksum: nothing verifies what goes into the image");
	else if (local)
		emit(c, R_ADD, SEV_LOW, in, id, NULL, NULL, "ADD of local files: use COPY");
	sh_free(&sc);
	free(id);
}

/* One pattern of a .dockerignore against a path, segment by segment, with
 * ** for any number of segments; a pattern naming a directory matches what
 * is below it. */
static bool ignore_match(const char *pat, const char *path)
{
	const char *ps = strchr(pat, '/'), *ts = strchr(path, '/');
	size_t pn = ps ? (size_t)(ps - pat) : strlen(pat), tn = ts ? (size_t)(ts - path) : strlen(path);
	char pseg[256], tseg[256];

	if (!*pat)
		return true; /* the pattern is exhausted: it named a parent directory */
	if (pn == 2 && pat[0] == '*' && pat[1] == '*') {
		const char *rest = ps ? ps + 1 : "";
		if (ignore_match(rest, path))
			return true;
		return *path && ignore_match(pat, ts ? ts + 1 : "");
	}
	if (!*path || pn >= sizeof(pseg) || tn >= sizeof(tseg))
		return false;
	memcpy(pseg, pat, pn);
	pseg[pn] = '\0';
	memcpy(tseg, path, tn);
	tseg[tn] = '\0';
	if (fnmatch(pseg, tseg, 0) != 0)
		return false;
	return ignore_match(ps ? ps + 1 : "", ts ? ts + 1 : "");
}

/* Whether the .dockerignore text excludes path: the last matching line
 * decides, a leading ! re-includes. */
static bool ignore_excludes(const char *text, size_t len, const char *path)
{
	bool excluded = false;
	size_t i = 0;

	while (i < len) {
		size_t e = i;
		while (e < len && text[e] != '\n')
			e++;
		char line[512];
		size_t n = e - i < sizeof(line) - 1 ? e - i : sizeof(line) - 1;
		memcpy(line, text + i, n);
		line[n] = '\0';
		i = e + 1;
		char *p = line;
		while (*p == ' ' || *p == '\t')
			p++;
		for (size_t k = strlen(p); k && (p[k - 1] == ' ' || p[k - 1] == '\t' || p[k - 1] == '\r'); k--)
			p[k - 1] = '\0';
		if (!*p || *p == '#')
			continue;
		bool negate = *p == '!';
		if (negate)
			p++;
		while (*p == '/')
			p++;
		if (str_starts_with(p, "./"))
			p += 2;
		if (*p && ignore_match(p, path))
			excluded = !negate;
	}
	return excluded;
}

void docker_ignore_gaps(const char *ignore, size_t len, char **missing)
{
	static const struct {
		const char *label, *paths[3];
	} wanted[] = {
		{".git", {".git", NULL}},
		{".env*", {".env", ".env.production", NULL}},
		{"private keys (id_rsa, *.key)", {"id_rsa", "server.key", NULL}},
	};
	struct buf b;

	buf_init(&b);
	buf_puts(&b, "");
	for (size_t i = 0; i < ARRAY_LEN(wanted); i++) {
		bool all = true;
		for (size_t k = 0; wanted[i].paths[k]; k++)
			all = all && ignore_excludes(ignore, len, wanted[i].paths[k]);
		if (!all) {
			if (b.len)
				buf_puts(&b, ", ");
			buf_puts(&b, wanted[i].label);
		}
	}
	*missing = buf_steal(&b);
}

/* Reads Dockerfile.dockerignore or .dockerignore beside the Dockerfile. */
static void load_dockerignore(struct docker_ctx *c)
{
	const char *slash = strrchr(c->doc->fs_path, '/');
	char *dir = slash ? xstrndup(c->doc->fs_path, (size_t)(slash - c->doc->fs_path + 1)) : xstrdup("");
	char *candidates[2] = {xasprintf("%s%s.dockerignore", dir, c->doc->name), xasprintf("%s.dockerignore", dir)};

	c->ignore_loaded = true;
	for (size_t i = 0; i < 2 && !c->ignore_missing; i++) {
		struct stat st;
		char *data = NULL;
		size_t len = 0;
		bool truncated = false;

		if (lstat(candidates[i], &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		if (read_file_capped(candidates[i], DOCKERIGNORE_MAX_BYTES, &data, &len, &truncated) == 0)
			docker_ignore_gaps(data, len, &c->ignore_missing);
		free(data);
	}
	free(candidates[0]);
	free(candidates[1]);
	free(dir);
}

static bool copies_whole_context(const struct df_instr *in)
{
	struct sh_script sc = {0};
	char **srcs;
	size_t n;
	bool whole = false;

	if (df_flag(in, "from"))
		return false;
	n = copy_sources(in, &sc, &srcs);
	for (size_t i = 0; i < n; i++)
		if (strcmp(srcs[i], ".") == 0 || strcmp(srcs[i], "./") == 0 || strcmp(srcs[i], "*") == 0 ||
		    strcmp(srcs[i], "./*") == 0 || strcmp(srcs[i], "./.") == 0)
			whole = true;
	sh_free(&sc);
	return whole;
}

static void check_context(struct docker_ctx *c, const struct df_instr *in)
{
	char *id;

	if (!copies_whole_context(in))
		return;
	if (!c->ignore_loaded)
		load_dockerignore(c);
	if (c->ignore_missing && !*c->ignore_missing)
		return;
	id = instr_identity(in);
	if (!c->ignore_missing)
		emit(c, R_CONTEXT, SEV_MEDIUM, in, id, NULL, NULL,
		     "%s copies the whole build context and there is no .dockerignore beside the Dockerfile",
		     in->keyword);
	else
		emit(c, R_CONTEXT, SEV_MEDIUM, in, id, NULL, NULL,
		     "%s copies the whole build context and .dockerignore does not exclude %s", in->keyword,
		     c->ignore_missing);
	free(id);
}

/* ---- ENV and ARG --------------------------------------------------------- */

struct kv_ctx {
	struct docker_ctx *c;
	const struct df_instr *in;
	const char *key;
	bool hit;
};

static void value_secret_hit(const struct secret_hit *h, void *ctx)
{
	struct kv_ctx *k = ctx;
	char *id = xasprintf("%s %s %s", k->in->keyword, k->key, h->hash);

	if (!k->hit)
		emit(k->c, R_SECRET, SEV_HIGH, k->in, id, h->redacted, h->hash, "%s %s holds a secret (%s)",
		     k->in->keyword, k->key, h->pattern->rule.title);
	k->hit = true;
	free(id);
}

static void check_kv(struct docker_ctx *c, const struct df_instr *in, const char *key, const char *value)
{
	bool env = strcmp(in->keyword, "ENV") == 0;
	size_t n = strlen(value);
	struct kv_ctx k = {c, in, key, false};
	char hash[SHA256_HEX_LEN + 1], *id, *redacted;

	if (n)
		scan_find_secrets(c->s, c->doc->path, value, n, value_secret_hit, &k);
	if (k.hit || !secret_name_is_sensitive(key))
		return;
	id = xasprintf("%s %s", in->keyword, key);
	if (!n && !env) {
		emit(c, R_SECRET, SEV_MEDIUM, in, id, NULL, NULL,
		     "build argument %s is named like a secret: a value given with --build-arg is kept in the image "
		     "history; use RUN --mount=type=secret",
		     key);
	} else if (secret_value_is_reference(value)) {
		if (env)
			emit(c, R_SECRET, SEV_MEDIUM, in, id, NULL, NULL,
			     "ENV %s copies a value into the image config, where every copy of the image holds it", key);
	} else if (n && !secret_value_is_flag(value)) {
		sha256_hex(value, n, hash);
		redacted = redact_secret(value, n);
		free(id);
		id = xasprintf("%s %s %s", in->keyword, key, hash);
		emit(c, R_SECRET, secret_value_is_placeholder(value) ? SEV_MEDIUM : SEV_HIGH, in, id, redacted, hash,
		     "%s %s sets a secret-named value in the Dockerfile: it is kept in the image %s", in->keyword, key,
		     env ? "config" : "history");
		free(redacted);
	}
	free(id);
}

/* ENV a=b c="d e", ENV a b c (legacy: one key, the rest is the value),
 * ARG a[=b]. */
static void check_env_arg(struct docker_ctx *c, const struct df_instr *in)
{
	struct sh_script sc;
	const struct sh_cmd *cmd;

	sh_split(in->args, &sc);
	if (!sc.n_cmds)
		goto out;
	cmd = &sc.cmds[0];
	for (size_t i = 0; i < cmd->n_assigns; i++) {
		char *key = xstrdup(cmd->assigns[i]), *eq = strchr(key, '=');
		*eq = '\0';
		check_kv(c, in, key, eq + 1);
		free(key);
	}
	if (cmd->n_words && cmd->n_assigns == 0) {
		if (strcmp(in->keyword, "ENV") == 0) {
			const char *rest = in->args + strcspn(in->args, " \t");
			while (*rest == ' ' || *rest == '\t')
				rest++;
			check_kv(c, in, cmd->words[0], rest);
		} else {
			for (size_t i = 0; i < cmd->n_words; i++)
				check_kv(c, in, cmd->words[i], "");
		}
	}
out:
	sh_free(&sc);
}

/* ---- the rest ------------------------------------------------------------ */

static bool port_spec_has_22(const char *w)
{
	const char *colon = strrchr(w, ':');
	char *end;
	long lo, hi;

	if (colon)
		w = colon + 1;
	lo = strtol(w, &end, 10);
	if (end == w)
		return false;
	hi = lo;
	if (*end == '-') {
		const char *h = end + 1;
		hi = strtol(h, &end, 10);
		if (end == h)
			return false;
	}
	if (*end && *end != '/')
		return false;
	return lo <= 22 && 22 <= hi;
}

static void check_expose(struct docker_ctx *c, const struct df_instr *in)
{
	struct sh_script sc;

	sh_split(in->args, &sc);
	for (size_t i = 0; sc.n_cmds && i < sc.cmds[0].n_words; i++) {
		if (port_spec_has_22(sc.cmds[0].words[i])) {
			char *id = instr_identity(in);
			emit(c, R_EXPOSE_SSH, SEV_MEDIUM, in, id, NULL, NULL, "EXPOSE %s includes the SSH port 22",
			     sc.cmds[0].words[i]);
			free(id);
			break;
		}
	}
	sh_free(&sc);
}

static void check_workdir(struct docker_ctx *c, const struct df_instr *in)
{
	const char *a = in->args;
	char *id;

	if (in->json && in->argc)
		a = in->argv[0];
	if (a[0] == '"' || a[0] == '\'')
		a++;
	if (a[0] == '/' || a[0] == '$' || a[0] == '\\' || (a[0] && a[1] == ':'))
		return;
	id = instr_identity(in);
	emit(c, R_WORKDIR, SEV_LOW, in, id, NULL, NULL, "WORKDIR %s is relative; use an absolute path", in->args);
	free(id);
}

/* Per stage: the second and later CMD, ENTRYPOINT, HEALTHCHECK. */
static void check_multiple(struct docker_ctx *c)
{
	static const char *const kws[] = {"CMD", "ENTRYPOINT", "HEALTHCHECK"};
	const struct dockerfile *df = c->df;

	for (size_t k = 0; k < ARRAY_LEN(kws); k++) {
		int stage = -2;
		const struct df_instr *seen = NULL;
		for (size_t i = 0; i < df->n_instrs; i++) {
			const struct df_instr *in = &df->instrs[i];
			if (in->stage != stage) {
				stage = in->stage;
				seen = NULL;
			}
			if (strcmp(in->keyword, kws[k]) != 0)
				continue;
			if (seen) {
				char *id = instr_identity(seen);
				emit(c, R_MULTIPLE, SEV_LOW, seen, id, NULL, NULL,
				     "%s at line %u is overridden by the %s at line %u in the same stage", kws[k], seen->line,
				     kws[k], in->line);
				free(id);
			}
			seen = in;
		}
	}
}

/* The last instruction with this keyword in the final stage or the stages
 * it builds on, nearest first; NULL when there is none. *root is set to
 * the stage at the bottom of the chain. */
static const struct df_instr *last_in_chain(const struct dockerfile *df, const char *kw, int *root)
{
	int s = (int)df->n_stages - 1;

	*root = s;
	for (size_t guard = 0; s >= 0 && guard <= df->n_stages; guard++) {
		for (size_t i = df->n_instrs; i-- > 0;)
			if (df->instrs[i].stage == s && strcmp(df->instrs[i].keyword, kw) == 0)
				return &df->instrs[i];
		*root = s;
		s = df->stages[s].parent;
	}
	return NULL;
}

static const struct df_instr *final_from(const struct dockerfile *df)
{
	return &df->instrs[df->stages[df->n_stages - 1].from];
}

static void check_user(struct docker_ctx *c)
{
	const struct dockerfile *df = c->df;
	int root;
	const struct df_instr *u = last_in_chain(df, "USER", &root);
	char user[128];

	if (!u) {
		const char *base = df->stages[root].image;
		if (str_icontains(base, "nonroot") || str_icontains(base, "rootless"))
			return;
		emit(c, R_USER_ROOT, SEV_MEDIUM, final_from(df), "no USER", NULL, NULL,
		     "the final stage sets no USER: the container runs as root unless its base image says otherwise");
		return;
	}
	snprintf(user, sizeof(user), "%.*s", (int)strcspn(u->args, ": \t"), u->args);
	if (strcmp(user, "root") == 0 || strcmp(user, "0") == 0)
		emit(c, R_USER_ROOT, SEV_HIGH, u, "USER root", NULL, NULL,
		     "the last USER of the final stage is %s: the container runs as root", user);
}

static void check_healthcheck(struct docker_ctx *c)
{
	int root;
	const struct df_instr *h = last_in_chain(c->df, "HEALTHCHECK", &root);

	if (!h)
		emit(c, R_HEALTHCHECK, SEV_LOW, final_from(c->df), "no HEALTHCHECK", NULL, NULL,
		     "the final stage has no HEALTHCHECK");
	else if (str_ieq(h->args, "none") || str_starts_with(h->args, "NONE"))
		emit(c, R_HEALTHCHECK, SEV_LOW, h, "HEALTHCHECK NONE", NULL, NULL,
		     "HEALTHCHECK NONE disables the base image's health check");
}

static void check_instruction(struct docker_ctx *c, const struct df_instr *in)
{
	const char *kw = in->keyword;
	bool final = in->stage >= 0 && df_stage_in_final(c->df, in->stage);
	char *id;

	if (strcmp(kw, "FROM") == 0) {
		check_base(c, in);
	} else if (strcmp(kw, "RUN") == 0) {
		check_run(c, in);
	} else if (strcmp(kw, "ADD") == 0) {
		check_add(c, in);
		check_context(c, in);
	} else if (strcmp(kw, "COPY") == 0) {
		check_context(c, in);
	} else if (strcmp(kw, "ENV") == 0 || strcmp(kw, "ARG") == 0) {
		check_env_arg(c, in);
	} else if (strcmp(kw, "EXPOSE") == 0) {
		check_expose(c, in);
	} else if (strcmp(kw, "WORKDIR") == 0) {
		check_workdir(c, in);
	} else if (strcmp(kw, "MAINTAINER") == 0) {
		id = instr_identity(in);
		emit(c, R_MAINTAINER, SEV_INFO, in, id, NULL, NULL,
		     "MAINTAINER is deprecated; use LABEL org.opencontainers.image.authors");
		free(id);
	} else if ((strcmp(kw, "CMD") == 0 || strcmp(kw, "ENTRYPOINT") == 0) && final && !in->json && *in->args) {
		id = instr_identity(in);
		emit(c, R_SHELL_FORM, SEV_LOW, in, id, NULL, NULL,
		     "%s in shell form runs under /bin/sh -c and does not receive signals; use the JSON form", kw);
		free(id);
	}
}

void docker_check_file(struct scan *s, const struct docker_doc *doc)
{
	struct docker_ctx c = {.s = s, .doc = doc, .df = doc->df};

	for (size_t i = 0; i < doc->df->n_instrs; i++)
		check_instruction(&c, &doc->df->instrs[i]);
	check_multiple(&c);
	if (doc->df->n_stages) {
		check_user(&c);
		check_healthcheck(&c);
	}
	free(c.ignore_missing);
}
