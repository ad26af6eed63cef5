/*
 * pdf_fixture DB COUNT [FIRST] [failed] [bare]: a test and benchmark tool that
 * writes one run through the store API, as a scan would, with what the
 * PDF report shows and a scan does not fill yet: organisation and
 * project, profiles with controls in every status, waivers in every
 * state, rule settings, an image, notices, and COUNT synthetic findings
 * (numbered from FIRST, default 0, so that two runs overlap by
 * fingerprint) cycling through the registry's rules: some waived, some
 * from history, some from image layers, some with UTF-8 or very long
 * paths. "failed" leaves the run failed instead of complete; "bare"
 * writes no profile, control, waiver or rule setting (a run from before
 * profiles existed). Prints the run id. Evidence is synthetic and already redacted; no secret is ever
 * written.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "finding.h"
#include "registry.h"
#include "store.h"
#include "util.h"

static int fail(const char *what, int rc)
{
	fprintf(stderr, "pdf_fixture: %s: %d\n", what, rc);
	return 1;
}

static void synthetic_path(unsigned i, char *out, size_t outlen)
{
	switch (i % 7) {
	case 0:
		snprintf(out, outlen, "données/配置/файл-%u.yaml", i);
		break;
	case 1:
		/* A long path without a space, to be wrapped inside tokens. */
		snprintf(out, outlen,
			 "services/payments/internal/very-long-directory-name-without-spaces/"
			 "another_level_of_nesting_for_good_measure/config-%u.production.env",
			 i);
		break;
	default:
		snprintf(out, outlen, "src/module%u/file%u.yaml", i % 23, i);
		break;
	}
}

static int add_findings(struct store *st, int64_t run, unsigned first, unsigned count)
{
	size_t n_rules = registry_count();

	for (unsigned i = first; i < first + count; i++) {
		const struct rule *r = registry_at(i % n_rules);
		struct finding f;
		char path[512], message[256], evidence[64], identity[32];
		int rc;

		memset(&f, 0, sizeof(f));
		synthetic_path(i, path, sizeof(path));
		snprintf(message, sizeof(message), "synthetic finding %u: %s", i, r->title);
		snprintf(evidence, sizeof(evidence), "ev%02u****%02u", i % 97, i % 89);
		snprintf(identity, sizeof(identity), "%u", i);
		f.rule = r->id;
		f.severity = r->severity;
		f.target = "repo";
		f.target_digest = "sha256:5523...";
		f.path = path;
		f.line = i % 500 + 1;
		f.column = i % 3 ? i % 40 + 1 : 0;
		f.message = message;
		f.evidence = evidence;
		f.identity = identity;
		if (i % 13 == 5) {
			f.commit = "3f9c2a7d41e08b6c5d9e2f1a0b7c4d3e2f1a0b9c";
			f.author = "Dana Developer <dana@acme.example>";
			f.date = "2024-01-05T14:30:00Z";
		} else if (i % 11 == 3) {
			f.layer = "sha256:9d48c3bd43c520dc2784e868a780e976b207cbf493eaff8c6596eb871cbd9609";
		}
		if (i % 17 == 4) {
			f.waived = true;
			f.waiver = "legacy service, replaced in Q3 (owner platform@acme.example, expires 2027-03-31)";
		}
		finding_fingerprint(&f);
		rc = store_add_finding(st, run, &f);
		if (rc)
			return rc;
	}
	return 0;
}

static int add_compliance(struct store *st, int64_t run)
{
	static const struct store_profile profiles[] = {
		{"cis-kubernetes", "CIS Kubernetes Benchmark", "1.10.0", "built-in"},
		{"soc2", "SOC 2 Trust Services Criteria", "2017 (2022 points of focus)", "built-in"},
	};
	static const struct store_control controls[] = {
		{"cis-kubernetes", "5.1.1", "Ensure that the cluster-admin role is only used where required", "L1",
		 "fail", 2, 0, "k8s.rbac-cluster-admin-binding", "2 bindings grant cluster-admin"},
		{"cis-kubernetes", "5.1.3", "Minimize wildcard use in Roles and ClusterRoles", "L1", "pass", 0, 0,
		 "k8s.rbac-wildcard", "no Role or ClusterRole uses a wildcard"},
		{"cis-kubernetes", "5.2.2", "Minimize the admission of privileged containers", "L1", "waived", 0, 1,
		 "k8s.privileged", "1 privileged container, waived"},
		{"cis-kubernetes", "5.3.1", "Ensure that the CNI in use supports NetworkPolicies", "L1", "not-assessed",
		 0, 0, "", NULL},
		{"cis-kubernetes", "5.7.4", "The default namespace should not be used", "L2", "not-applicable", 0, 0,
		 "k8s.default-namespace", "no workload was found"},
		{"soc2", "CC6.1", "Logical access security software, infrastructure and architectures", NULL, "fail", 7,
		 2, "secret.aws-access-key-id secret.github-pat env.tracked-in-git",
		 "credentials committed to the repository"},
		{"soc2", "CC8.1", "Changes to infrastructure and software are authorised and tested", NULL, "pass", 0,
		 0, "docker.base-unpinned", "base images are pinned"},
	};
	static const struct store_waiver waivers[] = {
		{"k8s.privileged", "deploy/legacy/*.yaml", NULL, "legacy node agent; replaced by the CSI driver in Q3",
		 "platform@acme.example", "2027-03-31", "active", 1, ".assay.yml:12"},
		{"env.weak-secret", "config/dev.env", NULL, "development only", "dana@acme.example", "2023-12-01",
		 "expiring", 2, ".assay.yml:18"},
		{"docker.user-root", NULL, "4be1d26073f0755571f2e4ba5a210c8e4a1fee0bc11ab84f3f605e0ecaeb897e",
		 "vendor image", "ops@acme.example", "2023-06-30", "expired", 0, ".assay.yml:23"},
	};
	static const struct store_rule_setting settings[] = {
		{"k8s.liveness-probe", false, -1, "the platform injects probes", ".assay.yml:30"},
		{"docker.healthcheck-missing", true, SEV_INFO, "orchestrator health checks", ".assay.yml:32"},
	};
	const struct store_run_context ctx = {".assay.yml", "run 1", "Acme Ünïcode GmbH", "billing-платёж"};
	static const struct store_image_layer layers[] = {
		{"sha256:9d48c3bd43c520dc2784e868a780e976b207cbf493eaff8c6596eb871cbd9609", NULL, 1024},
		{"sha256:1e3d9b7d145208fa8fa3ee1c9612d0adaac7255f1bbc9ddea7e461e0b317805c", NULL, 2048},
	};
	static const char *const tags[] = {"acme/billing:1.4.2"};
	const struct store_image img = {"build/demo-image.tar", "", "docker-archive",
					"sha256:6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b",
					"sha256:0f5f445df8ccbd8a062ad3d02d459e8549d9998c62a5b7cbf77baf68aa73bf5b",
					"linux", "amd64", tags, 1, layers, 2};
	const struct store_notice notice = {"warning", "deploy/chart/templates/job.yaml", 3,
					    "Helm template actions: searched for secrets only"};
	int64_t image_id;
	int rc = store_run_set_context(st, run, &ctx);

	for (size_t i = 0; !rc && i < ARRAY_LEN(profiles); i++)
		rc = store_add_profile(st, run, &profiles[i]);
	for (size_t i = 0; !rc && i < ARRAY_LEN(controls); i++)
		rc = store_add_control(st, run, &controls[i]);
	for (size_t i = 0; !rc && i < ARRAY_LEN(waivers); i++)
		rc = store_add_waiver(st, run, &waivers[i]);
	for (size_t i = 0; !rc && i < ARRAY_LEN(settings); i++)
		rc = store_add_rule_setting(st, run, &settings[i]);
	if (!rc)
		rc = store_add_image(st, run, &img, &image_id);
	if (!rc)
		rc = store_add_notice(st, run, &notice);
	return rc;
}

int main(int argc, char **argv)
{
	const struct store_input in = {"git-worktree", "repo", "sha256:55232d5fec0ea8e14ff53c48bc4539aafcc70f3aafe45cec51fe347b913d21f8",
				       "6d96ffe381561e619fe79498f2db93253b576cec"};
	struct store *st = NULL;
	char err[512];
	int64_t run = 0;
	unsigned count, first = 0;
	bool failed = false, bare = false;
	int rc;

	if (argc < 3) {
		fprintf(stderr, "usage: pdf_fixture DB COUNT [FIRST] [failed] [bare]\n");
		return 2;
	}
	count = (unsigned)strtoul(argv[2], NULL, 10);
	if (argc > 3)
		first = (unsigned)strtoul(argv[3], NULL, 10);
	for (int i = 4; i < argc; i++) {
		failed = failed || strcmp(argv[i], "failed") == 0;
		bare = bare || strcmp(argv[i], "bare") == 0;
	}
	rc = store_open(argv[1], &st, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "pdf_fixture: %s\n", err);
		return 1;
	}
	rc = store_run_begin(st, "pdf_fixture", "high", &run);
	if (rc)
		return fail("run begin", rc);
	rc = store_add_input(st, run, &in);
	if (!rc && !bare)
		rc = add_compliance(st, run);
	if (!rc)
		rc = add_findings(st, run, first, count);
	if (rc)
		return fail("writing the run", rc);
	rc = failed ? store_run_fail(st, run, "stopped on purpose by pdf_fixture") : store_run_finish(st, run, 1);
	if (rc)
		return fail("finishing the run", rc);
	printf("%" PRId64 "\n", run);
	store_close(st);
	return 0;
}
