#!/usr/bin/env bash
# Issue 6 end to end: the compliance fixture (fixtures/compliance) has a
# waived finding, an expired waiver, an inline ignore, a severity override,
# a rule switched off and a custom secret rule. Each profile's control
# statuses are asserted one by one against
# tests/e2e/golden/compliance-controls.tsv (UPDATE_GOLDEN=1 rewrites it),
# the controls each feature should move are asserted by name, and
# baselines, configuration errors and profile selection are covered.
set -u
. "$(dirname "$0")/../lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cp -a "$root/fixtures/compliance" "$tmp/repo"
token=$(grep -o 'acme_tok_[a-z0-9]*' "$tmp/repo/config/settings.ini")
db="$tmp/a.db"

run_assay scan "$tmp/repo" --db "$db" -o "$tmp/r1.json" -o "$tmp/r1.txt"
expect_eq "fixture scan exits 1 (a critical custom secret, fail-on high from the config)" 1 "$RC"
j=$tmp/r1.json
finding() { jq -r --arg r "$1" '[.findings[] | select(.rule == $r)][0] | '"$2" "$j"; }

# ---- the configuration, as recorded with the run
expect_eq "run records the config file" "$tmp/repo/.assay.yml" "$(jq -r .run.config "$j")"
expect_eq "organisation and project from the config" "Example Corp/shop" "$(jq -r '.run.organisation + "/" + .run.project' "$j")"
expect_eq "fail-on from the config" "high" "$(jq -r .run.fail_on "$j")"
expect_eq "profiles from the config, in order" "cis-kubernetes cis-docker soc2 iso27001 default" \
	"$(jq -r '[.profiles[].id] | join(" ")' "$j")"

# ---- each feature of the configuration
expect_eq "custom secret rule fires, with its configured severity" "critical config/settings.ini:3" \
	"$(finding secret.custom-acme-token '.severity + " " + .path + ":" + (.line | tostring)')"
expect_eq "custom secret evidence is redacted" "false" \
	"$(finding secret.custom-acme-token ".evidence | contains(\"$token\")")"
expect_eq "custom secret hash is the token's SHA-256" "$(printf '%s' "$token" | sha256sum | cut -d' ' -f1)" \
	"$(finding secret.custom-acme-token .secret_sha256)"
expect_eq "severity override: k8s.image-not-pinned is medium" "medium" "$(finding k8s.image-not-pinned .severity)"
expect_eq "rule switched off: no k8s.liveness-probe finding" 0 "$(count_rule "$j" k8s.liveness-probe)"
expect_eq "rule switched off is recorded with its reason" "false the platform injects liveness probes" \
	"$(jq -r '.rule_settings[] | select(.rule == "k8s.liveness-probe") | "\(.enabled) \(.reason)"' "$j")"
expect_eq "severity override is recorded" "medium" \
	"$(jq -r '.rule_settings[] | select(.rule == "k8s.image-not-pinned") | .severity' "$j")"
expect_eq "waived finding: k8s.run-as-root in deploy/legacy" "true deploy/legacy/worker.yaml" \
	"$(finding k8s.run-as-root '"\(.waived) \(.path)"')"
expect_eq "waived finding carries its waiver" \
	"legacy image needs root; migration tracked in SEC-123 (owner platform-team@example.com, expires 2999-03-31)" \
	"$(finding k8s.run-as-root .waiver)"
expect_eq "active waiver stored with its match count" "active 1" \
	"$(jq -r '.waivers[] | select(.rule == "k8s.run-as-root") | "\(.state) \(.matched)"' "$j")"
expect_eq "expired waiver no longer suppresses" "false" "$(finding k8s.host-path .waived)"
expect_eq "expired waiver stored as expired, matching nothing" "expired 0" \
	"$(jq -r '.waivers[] | select(.rule == "k8s.host-path") | "\(.state) \(.matched)"' "$j")"
expect_eq "expired waiver is itself a finding at its line" ".assay.yml:25" \
	"$(finding assay.waiver-expired '.path + ":" + (.line | tostring)')"
expect_eq "inline ignore waives k8s.host-port with its reason" \
	"true inline: the ingress controller binds the node port (NET-7)" "$(finding k8s.host-port '"\(.waived) \(.waiver)"')"
expect_eq "an ignore with a reason raises no assay.ignore-without-reason" 0 \
	"$(count_rule "$j" assay.ignore-without-reason)"
if grep -rqF "$token" "$tmp/r1.json" "$tmp/r1.txt" "$db" "$db-wal" 2>/dev/null; then
	not_ok "the custom secret appears nowhere in clear" "found in an output or the store"
else ok "the custom secret appears nowhere in clear"; fi

# ---- inline ignores in a Dockerfile and an env file too
mkdir -p "$tmp/inline"
printf '# assay:ignore docker.user-root runs as root to bind port 80 (NET-9)\nFROM alpine:3.19\nCMD ["httpd"]\n' >"$tmp/inline/Dockerfile"
printf '# assay:ignore env.placeholder-secret\nAPI_TOKEN=changeme\n' >"$tmp/inline/app.env"
run_assay scan "$tmp/inline" --db "$tmp/i.db" -q --fail-on none -o "$tmp/i.json"
expect_eq "Dockerfile: an inline ignore on the line above waives the finding" \
	"true inline: runs as root to bind port 80 (NET-9)" \
	"$(jq -r '[.findings[] | select(.rule == "docker.user-root")][0] | "\(.waived) \(.waiver)"' "$tmp/i.json")"
expect_eq "env file: an ignore without a reason waives, and is itself reported at its line" \
	"true app.env:2" \
	"$(jq -r '([.findings[] | select(.rule == "env.placeholder-secret")][0].waived | tostring) + " " + ([.findings[] | select(.rule == "assay.ignore-without-reason")][0] | .path + ":" + (.line | tostring))' "$tmp/i.json")"

# ---- the controls each feature moves
status() { jq -r --arg p "$1" --arg c "$2" '.controls[] | select(.profile == $p and .id == $c) | .status' "$j"; }
expect_eq "cis-kubernetes 5.2.7 (root) is waived: its only finding is waived" waived "$(status cis-kubernetes 5.2.7)"
expect_eq "cis-kubernetes 5.2.12 (hostPath) fails: its waiver expired" fail "$(status cis-kubernetes 5.2.12)"
expect_eq "cis-kubernetes 5.2.13 (hostPort) is waived by the inline ignore" waived "$(status cis-kubernetes 5.2.13)"
expect_eq "cis-kubernetes 5.2.2 (privileged) passes: manifests looked at, nothing found" pass \
	"$(status cis-kubernetes 5.2.2)"
expect_eq "cis-kubernetes 5.3.1 (CNI) is manual: not assessed" not-assessed "$(status cis-kubernetes 5.3.1)"
expect_eq "cis-docker 4.1 (image user) is not applicable: no Dockerfile or image" not-applicable \
	"$(status cis-docker 4.1)"
expect_eq "soc2 CC6.1 fails on the custom secret" fail "$(status soc2 CC6.1)"
expect_eq "iso27001 A.8.12 fails on the custom secret" fail "$(status iso27001 A.8.12)"
expect_eq "default ASSAY-K8S-RESILIENCE passes with the liveness rule off" pass \
	"$(status default ASSAY-K8S-RESILIENCE)"
expect_eq "soc2 CC6.1 lists the custom rule among its rules" 1 \
	"$(jq '[.controls[] | select(.profile == "soc2" and .id == "CC6.1") | .rules[] | select(. == "secret.custom-acme-token")] | length' "$j")"
expect_eq "cis-kubernetes score: pass / (pass + fail + waived)" \
	"$(jq '.profiles[0].status_counts | (.pass * 1000 / (.pass + .fail + .waived) | round) / 10' "$j")" \
	"$(jq '.profiles[0].score' "$j")"

# ---- every control of every profile, one by one
jq -r '.controls[] | [.profile, .id, .status, .findings, .waived] | @tsv' "$j" >"$tmp/controls.tsv"
golden=$here/golden/compliance-controls.tsv
[ "${UPDATE_GOLDEN:-0}" = 1 ] && cp "$tmp/controls.tsv" "$golden"
expect_eq "as many control results as the golden list" "$(wc -l <"$golden")" "$(wc -l <"$tmp/controls.tsv")"
while IFS=$'\t' read -r p c want_status want_f want_w; do
	got=$(jq -r --arg p "$p" --arg c "$c" '.controls[] | select(.profile == $p and .id == $c) | "\(.status)\t\(.findings)\t\(.waived)"' "$j")
	expect_eq "control $p $c" "$want_status	$want_f	$want_w" "$got"
done <"$golden"

# ---- reports re-render the run identically, custom rules included
run_assay scan "$tmp/repo" --db "$tmp/s.db" -q -o "$tmp/s1.sarif" -o "$tmp/s1.txt" -o "$tmp/s1.xml"
run_assay report --db "$tmp/s.db" --run latest -o "$tmp/s2.sarif" -o "$tmp/s2.txt" -o "$tmp/s2.xml"
if cmp -s "$tmp/s1.sarif" "$tmp/s2.sarif" && cmp -s "$tmp/s1.txt" "$tmp/s2.txt" && cmp -s "$tmp/s1.xml" "$tmp/s2.xml"; then
	ok "scan and report render the same SARIF, text and JUnit with a custom rule"
else not_ok "scan vs report" "$(diff "$tmp/s1.txt" "$tmp/s2.txt" | head -5)"; fi
expect_eq "SARIF tags a rule with the run's controls" "cis-kubernetes:5.2.12" \
	"$(jq -r '.runs[0].tool.driver.rules[] | select(.id == "k8s.host-path") | .properties.tags[] | select(startswith("cis-kubernetes:"))' "$tmp/s1.sarif")"

# ---- the text report shows the scores and the expired waiver
grep -q '^  soc2 ' "$tmp/r1.txt" && ok "text report: a line per profile" || not_ok "text report: profiles" "no soc2 line"
grep -q 'expired k8s.host-path' "$tmp/r1.txt" && ok "text report: the expired waiver" || not_ok "text report: waivers" "missing"

# ---- baselines
run_assay scan "$tmp/repo" --db "$db" --baseline previous -o "$tmp/b1.json" -q
expect_eq "baseline previous: nothing new, exit 0 despite the critical finding" 0 "$RC"
expect_eq "baseline previous: every finding unchanged" "unchanged" \
	"$(jq -r '[.findings[].baseline] | unique | join(",")' "$tmp/b1.json")"
expect_eq "baseline recorded with the run" "run 1" "$(jq -r .run.baseline "$tmp/b1.json")"
printf 'token = acme_tok_zz9yy8xx7ww6vv5uu4tt3ss2\n' >"$tmp/repo/config/extra.ini"
run_assay scan "$tmp/repo" --db "$db" --baseline "$tmp/r1.json" -o "$tmp/b2.json" -q
expect_eq "baseline file: a new critical finding fails the scan" 1 "$RC"
expect_eq "baseline file: exactly the added secret is new" "config/extra.ini" \
	"$(jq -r '[.findings[] | select(.baseline == "new") | .path] | join(",")' "$tmp/b2.json")"
expect_eq "baseline file: the rest is unchanged" "$(jq '.findings | length' "$j")" \
	"$(jq '[.findings[] | select(.baseline == "unchanged")] | length' "$tmp/b2.json")"
run_assay scan "$tmp/repo" --db "$db" --baseline 1 --fail-on none -o "$tmp/b3.json" -q
expect_eq "baseline by run id" "run 1" "$(jq -r .run.baseline "$tmp/b3.json")"
run_assay scan "$tmp/repo" --db "$db" -o "$tmp/nob.json" -q --fail-on none
expect_eq "without a baseline, findings carry no baseline state" 0 \
	"$(jq '[.findings[] | select(has("baseline"))] | length' "$tmp/nob.json")"
run_assay scan "$tmp/repo" --db "$db" --baseline 999 -q
expect_eq "baseline: an unknown run is a usage error" "2 assay scan: --baseline: no run 999 in the store" "$RC $ERR"
echo '{"findings": [' >"$tmp/broken.json"
run_assay scan "$tmp/repo" --db "$db" --baseline "$tmp/broken.json" -q
expect_eq "baseline: a broken JSON file is a usage error naming it" "2 yes" \
	"$RC $(grep -q "$tmp/broken.json:" <<<"$ERR" && echo yes)"

# ---- profile selection
run_assay scan "$tmp/repo" --db "$db" --profile soc2,iso27001 -o "$tmp/p.json" -q --fail-on none
expect_eq "--profile overrides the config's profiles" "soc2 iso27001" "$(jq -r '[.profiles[].id] | join(" ")' "$tmp/p.json")"
cat >"$tmp/ours.yaml" <<'YAML'
id: ours
title: Our policy
version: "2"
controls:
  - id: OURS-1
    title: No secrets anywhere
    category: Secrets
    rules: [secret.custom-*, secret.generic-api-key]
    evidence: Any secret a rule of ours or assay's finds.
YAML
run_assay scan "$tmp/repo" --db "$db" --profile "$tmp/ours.yaml" -o "$tmp/o.json" -q --fail-on none
expect_eq "a user profile file works like a built-in" "ours OURS-1 fail $tmp/ours.yaml" \
	"$(jq -r '.profiles[0].id + " " + .controls[0].id + " " + .controls[0].status + " " + .profiles[0].source' "$tmp/o.json")"
sed -i 's/evidence:/evidance:/' "$tmp/ours.yaml"
run_assay scan "$tmp/repo" --db "$db" --profile "$tmp/ours.yaml" -q
expect_eq "a broken user profile is rejected with file:line:col and a did-you-mean" \
	"2 assay scan: $tmp/ours.yaml:9:5: unknown key 'evidance' (did you mean 'evidence'?)" "$RC $ERR"
run_assay scan "$tmp/repo" --db "$db" --profile cis-dockr -q
expect_eq "an unknown profile id gets a did-you-mean" 2 "$RC"
grep -q "did you mean 'cis-docker'" <<<"$ERR" && ok "did-you-mean names cis-docker" || not_ok "did-you-mean" "$ERR"

# ---- configuration errors: file:line:col, exit 2, no run written
runs_before=$(sqlite3 "$db" 'select count(*) from runs')
config_error() { # config_error NAME EXPECTED-MESSAGE YAML
	printf '%s\n' "$3" >"$tmp/bad.yml"
	run_assay scan "$tmp/repo" --db "$db" --config "$tmp/bad.yml" -q
	expect_eq "config error: $1" "2 assay scan: $tmp/bad.yml:$2" "$RC $ERR"
}
config_error "unknown key with a did-you-mean" "2:1: unknown key 'waiver' (did you mean 'waivers'?)" \
	$'fail-on: high\nwaiver: []'
config_error "waiver without an owner" "2:5: 'owner' is required here" \
	$'waivers:\n  - rule: k8s.privileged\n    paths: ["*"]\n    reason: r\n    expires: 2030-01-01'
config_error "waiver without a reason" "2:5: 'reason' is required here" \
	$'waivers:\n  - rule: k8s.privileged\n    paths: ["*"]\n    owner: o\n    expires: 2030-01-01'
config_error "waiver without an expiry" "2:5: 'expires' is required here" \
	$'waivers:\n  - rule: k8s.privileged\n    paths: ["*"]\n    reason: r\n    owner: o'
config_error "waiver with a bad date" "6:14: 'expires' must be a date YYYY-MM-DD, not '2030-02-30'" \
	$'waivers:\n  - rule: k8s.privileged\n    paths: ["*"]\n    reason: r\n    owner: o\n    expires: 2030-02-30'
config_error "misspelt rule id" "2:3: no rule 'k8s.privilegd' (did you mean 'k8s.privileged'?)" \
	$'severity:\n  k8s.privilegd: low'
config_error "bad severity" "1:10: 'urgent' is not a severity (info, low, medium, high, critical or none)" \
	$'fail-on: urgent'
config_error "custom secret rule with a bad regex" "5:12: bad regex: at offset 2: missing closing parenthesis" \
	$'secret-rules:\n  - id: secret.custom-x\n    title: X\n    severity: high\n    regex: \'(a\''
config_error "custom secret rule outside secret.custom-" "2:9: a configured secret rule is named secret.custom-SLUG, not 'secret.acme'" \
	$'secret-rules:\n  - id: secret.acme\n    title: X\n    regex: \'a\''
expect_eq "configuration errors write no run" "$runs_before" "$(sqlite3 "$db" 'select count(*) from runs')"

# ---- listing
run_assay profiles
expect_eq "assay profiles lists the five built-ins" "cis-kubernetes cis-docker soc2 iso27001 default" \
	"$(awk '{print $1}' <<<"$OUT" | paste -sd' ')"
run_assay controls cis-kubernetes --format json
expect_eq "assay controls: CIS Kubernetes section 5 has 35 controls" 35 "$(jq '.controls | length' <<<"$OUT")"
run_assay controls "$tmp/ours.yaml"
expect_eq "assay controls checks a profile file too" 2 "$RC"
