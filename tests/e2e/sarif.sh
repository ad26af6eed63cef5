#!/usr/bin/env bash
# SARIF 2.1.0: the demo's report validated by Microsoft's SARIF multitool
# (installed from npm into .tools/ on first use; its verdict is read from
# the SARIF file it writes, since its exit code does not tell), the
# severity mapping of DESIGN.md, fingerprints, ruleIndex, and GitHub's
# limit of 25,000 results per run.
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
expect_eq "demo SARIF: the only warning is the missing informationUri" "SARIF2005" \
	"$(jq -r '[.runs[].results[]?.ruleId] | unique | join(",")' "$tmp/verdict.sarif")"

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
