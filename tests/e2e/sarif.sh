#!/usr/bin/env bash
# SARIF 2.1.0: the demo's report validated by Microsoft's SARIF multitool
# (installed from npm into .tools/ on first use; its verdict is read from
# the SARIF file it writes, since its exit code does not tell), with its
# SARIF rules and with its GitHub rules (--rule-kind Gh: what GitHub code
# scanning requires, 20 runs per file at most among them), the severity
# mapping of DESIGN.md, fingerprints, ruleIndex, baselineState, images'
# logical locations, and GitHub's limits: 25,000 results per run (cut,
# and said), one run per file, rules, tags and locations far below theirs.
set -u
. "$(dirname "$0")/../lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tool="$root/.tools/node_modules/.bin/sarif-multitool"

if [ ! -x "$tool" ]; then
	mkdir -p "$root/.tools"
	(cd "$root/.tools" && HOME="$root/.tools" npm install --silent --no-audit --no-fund --prefix "$root/.tools" \
		@microsoft/sarif-multitool@5.7.0 >"$tmp/npm.log" 2>&1)
fi
if [ -x "$tool" ]; then ok "SARIF multitool available"; else not_ok "SARIF multitool available" "npm install failed: $(tail -3 "$tmp/npm.log")"; fi

"$root/fixtures/make-demo.sh" "$tmp/demo" >/dev/null
(cd "$tmp/demo" && "$ASSAY" scan --db "$tmp/d.db" -q --fail-on none -o "$tmp/demo.sarif")
validate() { # validate FILE: the number of error-level results the validator reports
	rm -f "$tmp/verdict.sarif"
	HOME="$tmp" "$tool" validate "$1" -o "$tmp/verdict.sarif" --quiet >/dev/null 2>&1
	jq '[.runs[].results[]? | select(.level == "error")] | length' "$tmp/verdict.sarif" 2>/dev/null || echo "no verdict"
}
expect_eq "demo SARIF: no validation errors" 0 "$(validate "$tmp/demo.sarif")"
expect_eq "demo SARIF: no warnings either (informationUri names the installed docs)" "" \
	"$(jq -r '[.runs[].results[]?.ruleId] | unique | join(",")' "$tmp/verdict.sarif")"
expect_eq "demo SARIF: informationUri is an absolute URI" "file:///usr/local/share/doc/assay/README.md" \
	"$(jq -r '.runs[0].tool.driver.informationUri' "$tmp/demo.sarif")"
validate_github() { # validate_github FILE: the rules of GitHub's that FILE breaks, or "none"
	rm -f "$tmp/gh-verdict.sarif"
	HOME="$tmp" "$tool" validate "$1" --rule-kind Gh -o "$tmp/gh-verdict.sarif" --quiet >/dev/null 2>&1
	jq -r '[.runs[].results[]?.ruleId] | unique | if length == 0 then "none" else join(",") end' \
		"$tmp/gh-verdict.sarif" 2>/dev/null || echo "no verdict"
}
expect_eq "demo SARIF: meets GitHub's requirements (multitool --rule-kind Gh)" none "$(validate_github "$tmp/demo.sarif")"
# The GitHub rules do catch a file over GitHub's limit of 20 runs.
jq '.runs = [range(21) as $i | .runs[0]]' "$tmp/demo.sarif" >"$tmp/21runs.sarif"
expect_eq "GitHub rules refuse 21 runs in a file (the check is live)" GH1013 "$(validate_github "$tmp/21runs.sarif")"

s="$tmp/demo.sarif"
expect_eq "SARIF: version" 2.1.0 "$(jq -r .version "$s")"
expect_eq "SARIF: one run" 1 "$(jq '.runs | length' "$s")"
expect_eq "SARIF: results match the JSON report" \
	"$(cd "$tmp/demo" && "$ASSAY" report --db "$tmp/d.db" --format json | jq '.findings | length')" "$(jq '.runs[0].results | length' "$s")"
bad_index=$(jq '.runs[0] as $r | [$r.results[] | select($r.tool.driver.rules[.ruleIndex].id != .ruleId)] | length' "$s")
expect_eq "SARIF: every ruleIndex points at its rule" 0 "$bad_index"
expect_eq "SARIF: high is error with security-severity 8.0" "error 8.0" \
	"$(jq -r '.runs[0].tool.driver.rules[] | select(.id == "env.tracked-in-git") | "\(.defaultConfiguration.level) \(.properties["security-severity"])"' "$s")"
expect_eq "SARIF: medium is warning 5.5" "warning 5.5" \
	"$(jq -r '.runs[0].tool.driver.rules[] | select(.id == "env.weak-secret") | "\(.defaultConfiguration.level) \(.properties["security-severity"])"' "$s")"
expect_eq "SARIF: low is note 3.0" "note 3.0" \
	"$(jq -r '.runs[0].tool.driver.rules[] | select(.id == "env.placeholder-secret") | "\(.defaultConfiguration.level) \(.properties["security-severity"])"' "$s")"
expect_eq "SARIF: partialFingerprints carry assay's fingerprint" \
	"$(cd "$tmp/demo" && "$ASSAY" report --db "$tmp/d.db" --format json | jq -r '[.findings[].fingerprint] | sort | join(",")')" \
	"$(jq -r '[.runs[0].results[].partialFingerprints["assayFingerprint/v1"]] | sort | join(",")' "$s")"
expect_eq "SARIF: relative URIs under %SRCROOT%" 0 \
	"$(jq '[.runs[0].results[].locations[0].physicalLocation.artifactLocation | select(.uriBaseId != "%SRCROOT%" or (.uri | startswith("/")))] | length' "$s")"
expect_eq "SARIF: invocation records the exit code" 0 "$(jq '.runs[0].invocations[0].exitCode' "$s")"
expect_eq "SARIF: no baselineState without a baseline" 0 "$(jq '[.runs[0].results[] | select(has("baselineState"))] | length' "$s")"
# GitHub's other limits per run: 25,000 rules, 20 tags a rule, 1,000
# locations a result.
expect_eq "SARIF: within GitHub's limits on rules, tags and locations" "true true true" \
	"$(jq -r '.runs[0] | [(.tool.driver.rules | length) <= 25000, ([.tool.driver.rules[].properties.tags | length] | max) <= 20,
		([.results[].locations | length] | max) <= 1000] | map(tostring) | join(" ")' "$s")"

# A scan against a baseline: what the baseline run had is unchanged, the
# rest is new.
(cd "$tmp/demo" && printf 'API_TOKEN=changeme\n' >.env.staging && chmod 0600 .env.staging &&
	"$ASSAY" scan --db "$tmp/d.db" -q --fail-on none --baseline 1 -o "$tmp/base.sarif" -o "$tmp/base.json")
expect_eq "baselineState: new exactly for the fingerprints not in the baseline run" \
	"$(jq -r --slurpfile old <(cd "$tmp/demo" && "$ASSAY" report --db "$tmp/d.db" --run 1 --format json) \
		'[$old[0].findings[].fingerprint] as $o | [.findings[] | if (.fingerprint as $f | $o | index($f)) then "unchanged" else "new" end] | sort | unique | join(",")' "$tmp/base.json")" \
	"$(jq -r '[.runs[0].results[].baselineState] | sort | unique | join(",")' "$tmp/base.sarif")"
expect_eq "baselineState: each result's is its finding's, in the JSON report's order" \
	"$(jq -r '[.findings[] | "\(.fingerprint) \(.baseline)"] | join(",")' "$tmp/base.json")" \
	"$(jq -r '[.runs[0].results[] | "\(.partialFingerprints["assayFingerprint/v1"]) \(.baselineState)"] | join(",")' "$tmp/base.sarif")"
if jq -e '[.runs[0].results[] | select(.baselineState == "new" and .locations[0].physicalLocation.artifactLocation.uri == ".env.staging")] | length > 0' \
	"$tmp/base.sarif" >/dev/null; then ok "baselineState: a finding in the new file is new"; else not_ok "baselineState new" "none"; fi

# Baseline state and images, from a run written through the store API
# (tests/tools/store_fixture): findings with a baseline, files in image
# layers (one image given as a target, one found inside a directory), and
# an image's config.
"${BUILD:-$root/build/rel}/tools/store_fixture" "$tmp/f.db" >/dev/null
"$ASSAY" report --db "$tmp/f.db" -o "$tmp/f.sarif"
f="$tmp/f.sarif"
expect_eq "fixture SARIF: no validation errors" 0 "$(validate "$f")"
expect_eq "fixture SARIF: meets GitHub's requirements" none "$(validate_github "$f")"
expect_eq "baselineState: new and unchanged as the store has them, absent otherwise" \
	"k8s.host-network:unchanged k8s.privileged:new k8s.privileged:unchanged env.weak-secret:-" \
	"$(jq -r '[.runs[0].results[] | select(.ruleId | test("^(k8s|env)\\.")) | "\(.ruleId):\(.baselineState // "-")"] | join(" ")' "$f")"
layer_loc() { jq -c --arg r "$1" '.runs[0].results[] | select(.ruleId == $r) | .locations[0]' "$f"; }
expect_eq "image file: the path in the layer is the physical location" '{"uri":"app/config.yaml","uriBaseId":"IMAGEROOT"}' \
	"$(layer_loc image.secret-in-layer | jq -c .physicalLocation.artifactLocation)"
expect_eq "image file: logical locations name the image and the layer" \
	"image sha256:1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6a7f8e9d0c1b2a3f4e5d6c7b8a9f0e1d2c|layer sha256:aa11bb22cc33dd44ee55ff6677889900aa11bb22cc33dd44ee55ff6677889900" \
	"$(layer_loc image.secret-in-layer | jq -r '[.logicalLocations[] | "\(.kind) \(.name)"] | join("|")')"
expect_eq "image found in a directory: path after the archive, archive in the image's name" \
	"etc/ssh/ssh_host_rsa_key images/base.tar@sha256:1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6a7f8e9d0c1b2a3f4e5d6c7b8a9f0e1d2c" \
	"$(layer_loc image.sensitive-file | jq -r '"\(.physicalLocation.artifactLocation.uri) \(.logicalLocations[0].fullyQualifiedName)"')"
expect_eq "image config finding: the image only, the archive's file as physical location" \
	"image dist/app.tar/blobs/sha256/1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6a7f8e9d0c1b2a3f4e5d6c7b8a9f0e1d2c" \
	"$(layer_loc image.user-root | jq -r '"\([.logicalLocations[].kind] | join(",")) \(.physicalLocation.artifactLocation.uri)"')"
expect_eq "files that are not in an image have no logical location" 0 \
	"$(jq '[.runs[0].results[] | select(.ruleId | startswith("image.") | not) | select(.locations[0].logicalLocations)] | length' "$f")"
expect_eq "IMAGEROOT is described in originalUriBaseIds" true \
	"$(jq '.runs[0].originalUriBaseIds.IMAGEROOT.description.text | test("root directory of the image")' "$f")"
# A real image: its tag names it.
"$root/fixtures/make-demo-image.sh" "$tmp/demo-image.tar" >/dev/null 2>&1
"$ASSAY" scan "$tmp/demo-image.tar" --db "$tmp/i.db" -q --fail-on none -o "$tmp/i.sarif"
expect_eq "demo image: layer findings named by the image's tag and digest" "acme/billing:1.4.2@sha256:" \
	"$(jq -r '[.runs[0].results[] | select(.ruleId == "image.secret-in-layer") | .locations[0].logicalLocations[0].fullyQualifiedName][0][0:26]' "$tmp/i.sarif")"
expect_eq "demo image SARIF: no validation errors" 0 "$(validate "$tmp/i.sarif")"

# GitHub accepts at most 25,000 results a run: the rest are cut, and said.
mkdir -p "$tmp/many"
awk 'BEGIN { srand(7); for (i = 0; i < 25100; i++) { t = ""; for (j = 0; j < 36; j++) t = t substr("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789", 1 + int(rand() * 57), 1); printf "token_%d = \"ghp_%s\"\n", i, t } }' >"$tmp/many/tokens.py"
"$ASSAY" scan "$tmp/many" --db "$tmp/m.db" -q --fail-on none -o "$tmp/many.sarif" 2>"$tmp/many.err"
expect_eq "SARIF cap: 25,000 results" 25000 "$(jq '.runs[0].results | length' "$tmp/many.sarif")"
if jq -r '.runs[0].invocations[0].toolExecutionNotifications[].message.text' "$tmp/many.sarif" | grep -q "100 results left out"; then
	ok "SARIF cap: said in the run's notifications"
else not_ok "SARIF cap notification" "$(jq -c '.runs[0].invocations[0].toolExecutionNotifications' "$tmp/many.sarif")"; fi
if grep -q "first 25000 of 25100" "$tmp/many.err"; then ok "SARIF cap: said on stderr"; else not_ok "SARIF cap stderr" "$(cat "$tmp/many.err")"; fi
expect_eq "capped SARIF: still valid" 0 "$(validate "$tmp/many.sarif")"
expect_eq "capped SARIF: meets GitHub's requirements" none "$(validate_github "$tmp/many.sarif")"
