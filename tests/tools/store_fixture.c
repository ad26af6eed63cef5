/*
 * store_fixture DB [--findings N]: a test tool that writes one complete run
 * into the store through the store API, with what a scan does not write
 * yet or writes only with inputs too big for a test: profiles and control
 * results of every status, waived findings with their reasons, baseline
 * states, image findings with their layer, and text that XML and JSON must
 * escape. --findings N adds N more findings spread over a few rules, for
 * tests on large runs. It prints the run's id. SOURCE_DATE_EPOCH fixes the
 * run's times, as it does for assay.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "finding.h"
#include "store.h"
#include "util.h"

#define IMAGE_DIGEST "sha256:1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6a7f8e9d0c1b2a3f4e5d6c7b8a9f0e1d2c"
#define LAYER_DIGEST "sha256:aa11bb22cc33dd44ee55ff6677889900aa11bb22cc33dd44ee55ff6677889900"

static int add(struct store *st, int64_t run, struct finding *f)
{
	f->identity = f->path;
	finding_fingerprint(f);
	return store_add_finding(st, run, f);
}

static int add_findings(struct store *st, int64_t run)
{
	struct finding f;
	int rc = 0;

	memset(&f, 0, sizeof(f));
	f.target = ".";
	f.target_digest = "sha256:0000000000000000000000000000000000000000000000000000000000000001";
	f.rule = "k8s.privileged";
	f.severity = SEV_HIGH;
	f.path = "deploy/app.yaml";
	f.line = 12;
	f.column = 9;
	f.message = "Deployment/default/app container \"web\": privileged: true <gives & takes> the host";
	f.evidence = "privileged: true";
	f.baseline = "new";
	rc = rc ? rc : add(st, run, &f);

	f.path = "deploy/legacy.yaml";
	f.line = 3;
	f.message = "Deployment/default/legacy container \"old\": privileged: true";
	f.waived = true;
	f.waiver = "legacy workload, replaced in Q3 (owner team@example.com, expires 2027-03-31)";
	f.baseline = "unchanged";
	rc = rc ? rc : add(st, run, &f);

	f.rule = "k8s.host-network";
	f.path = "deploy/app.yaml";
	f.line = 20;
	f.column = 5;
	f.message = "Deployment/default/app: hostNetwork: true";
	f.evidence = NULL;
	f.waived = false;
	f.waiver = NULL;
	f.baseline = "unchanged";
	rc = rc ? rc : add(st, run, &f);

	f.rule = "compose.privileged";
	f.path = "docker-compose.yml";
	f.line = 7;
	f.column = 3;
	f.message = "service agent: privileged: true";
	f.waived = true;
	f.waiver = "inline: the agent needs the host's devices";
	f.baseline = NULL;
	rc = rc ? rc : add(st, run, &f);

	f.rule = "env.weak-secret";
	f.severity = SEV_MEDIUM;
	f.path = ".env";
	f.line = 2;
	f.column = 1;
	f.message = "DB_PASSWORD holds a weak value";
	f.evidence = "hu***2";
	f.secret_hash = "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8";
	f.waived = false;
	f.waiver = NULL;
	rc = rc ? rc : add(st, run, &f);

	f.rule = "image.secret-in-layer";
	f.severity = SEV_HIGH;
	f.target = "dist/app.tar";
	f.target_digest = IMAGE_DIGEST;
	f.layer = LAYER_DIGEST;
	f.path = "/app/config.yaml";
	f.line = 4;
	f.column = 0;
	f.message = "GitHub token in a file of the image";
	f.evidence = "ghp_Zq...Pu8";
	rc = rc ? rc : add(st, run, &f);

	/* An image found inside a walked directory: its archive before '!'. */
	f.target = ".";
	f.path = "images/base.tar!/etc/ssh/ssh_host_rsa_key";
	f.line = 0;
	f.rule = "image.sensitive-file";
	f.message = "an SSH host private key in the image";
	f.evidence = NULL;
	f.secret_hash = NULL;
	rc = rc ? rc : add(st, run, &f);

	f.target = "dist/app.tar";
	f.rule = "image.user-root";
	f.severity = SEV_MEDIUM;
	f.layer = NULL;
	f.path = "blobs/sha256/1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6a7f8e9d0c1b2a3f4e5d6c7b8a9f0e1d2c";
	f.line = 0;
	f.message = "the image's config sets no User: it runs as root";
	f.evidence = NULL;
	f.secret_hash = NULL;
	rc = rc ? rc : add(st, run, &f);
	return rc;
}

static int add_many(struct store *st, int64_t run, unsigned n)
{
	static const char *const rules[] = {"env.weak-secret", "k8s.privileged", "secret.github-pat",
					    "compose.user-root"};
	char path[64];
	struct finding f;
	int rc = 0;

	for (unsigned i = 0; i < n && !rc; i++) {
		memset(&f, 0, sizeof(f));
		snprintf(path, sizeof(path), "gen/d%u/file%u.env", i / 100, i);
		f.rule = rules[i % 4];
		f.severity = (enum severity)(i % SEV_COUNT);
		f.target = ".";
		f.path = path;
		f.line = 1 + i % 50;
		f.message = "a generated finding, one of many, to see that memory stays flat";
		f.evidence = "ab***yz";
		f.waived = i % 10 == 0;
		f.waiver = f.waived ? "generated waiver" : NULL;
		rc = add(st, run, &f);
	}
	return rc;
}

static int add_compliance(struct store *st, int64_t run)
{
	static const struct store_profile profiles[] = {
		{"demo-k8s", "Demo Kubernetes profile", "1.0", "built-in"},
		{"demo-soc2", "Demo SOC 2 <&> profile", "2017", "profiles/demo-soc2.yaml"},
	};
	static const struct store_control controls[] = {
		{"demo-k8s", "5.2.2", "Minimize privileged containers", "L1", "fail", 1, 1, "k8s.privileged",
		 "no container runs privileged"},
		{"demo-k8s", "5.2.4", "Minimize host network", "L1", "fail", 2, 1, "k8s.host-network k8s.privileged",
		 "no pod shares the host network"},
		{"demo-k8s", "5.7.2", "Seccomp profile", "L2", "pass", 0, 0, "k8s.seccomp", "every pod sets seccomp"},
		{"demo-k8s", "5.2.9", "Privileged services", "L1", "waived", 0, 1, "compose.privileged",
		 "no service runs privileged"},
		{"demo-k8s", "5.1.1", "Review cluster-admin bindings", "L1", "not-assessed", 0, 0, "",
		 "reviewed by hand"},
		{"demo-soc2", "CC6.1", "Logical access", NULL, "not-applicable", 0, 0, "image.sensitive-file",
		 "no image holds credentials"},
		{"demo-soc2", "CC6.7", NULL, NULL, "fail", 1, 0, "env.weak-secret", "secrets are strong"},
	};
	static const struct store_waiver waiver = {"k8s.privileged", "deploy/legacy*.yaml", NULL,
						   "legacy workload, replaced in Q3", "team@example.com", "2027-03-31",
						   "active", 1, ".assay.yml:4"};
	int rc = 0;

	for (size_t i = 0; i < ARRAY_LEN(profiles) && !rc; i++)
		rc = store_add_profile(st, run, &profiles[i]);
	for (size_t i = 0; i < ARRAY_LEN(controls) && !rc; i++)
		rc = store_add_control(st, run, &controls[i]);
	if (!rc)
		rc = store_add_waiver(st, run, &waiver);
	return rc;
}

int main(int argc, char **argv)
{
	struct store_input in = {"directory", ".", "sha256:0000000000000000000000000000000000000000000000000000000000000001",
				 NULL};
	struct store_input img = {"image", "dist/app.tar", IMAGE_DIGEST, NULL};
	struct store_run_context ctx = {".assay.yml", "run 1", "Example Corp", "payments"};
	struct store *st = NULL;
	unsigned many = 0;
	char err[512];
	int64_t run = 0;
	int rc;

	if (argc == 4 && strcmp(argv[2], "--findings") == 0)
		many = (unsigned)strtoul(argv[3], NULL, 10);
	else if (argc != 2) {
		fprintf(stderr, "usage: store_fixture DB [--findings N]\n");
		return 2;
	}
	rc = store_open(argv[1], &st, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "store_fixture: %s\n", err);
		return 1;
	}
	rc = store_run_begin(st, "store_fixture", "high", &run);
	if (!rc)
		rc = store_run_set_context(st, run, &ctx);
	if (!rc)
		rc = store_add_input(st, run, &in);
	if (!rc)
		rc = store_add_input(st, run, &img);
	if (!rc)
		rc = add_findings(st, run);
	if (!rc)
		rc = add_many(st, run, many);
	if (!rc)
		rc = add_compliance(st, run);
	if (!rc)
		rc = store_run_finish(st, run, 1);
	if (rc)
		fprintf(stderr, "store_fixture: cannot write the run: %d\n", rc);
	else
		printf("%lld\n", (long long)run);
	store_close(st);
	return rc ? 1 : 0;
}
