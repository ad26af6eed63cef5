#!/usr/bin/env bash
# Golden tests: the demo scanned from its own root, its JSON, text and
# JUnit reports compared with tests/e2e/golden/ after removing what changes from
# run to run (times, paths of the store, hashes over them). UPDATE_GOLDEN=1
# rewrites the golden files instead.
set -u
. "$(dirname "$0")/../lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export SOURCE_DATE_EPOCH=1735689600 # 2025-01-01T00:00:00Z

"$here/../../fixtures/make-demo.sh" "$tmp/demo" >/dev/null
normalise_json() {
	jq 'del(.tool.version, .run.command, .run.chain_hash)' "$1"
}
normalise_text() {
	sed -E 's/^assay [^ ]+ /assay VERSION /' "$1"
}
normalise_junit() {
	sed -E 's/(name="assay.version" value=")[^"]*"/\1VERSION"/' "$1"
}

(cd "$tmp/demo" && "$ASSAY" scan --db "$tmp/demo.db" -o "$tmp/demo.json" -o "$tmp/demo.txt" -o "$tmp/demo.xml" \
	>"$tmp/stdout.txt" 2>"$tmp/stderr.txt")
rc=$?
expect_eq "demo scan exits 1 (high findings, default --fail-on high)" 1 "$rc"
normalise_json "$tmp/demo.json" >"$tmp/demo.norm.json"
normalise_text "$tmp/demo.txt" >"$tmp/demo.norm.txt"
normalise_junit "$tmp/demo.xml" >"$tmp/demo.norm.xml"
if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then
	cp "$tmp/demo.norm.json" "$here/golden/demo.json"
	cp "$tmp/demo.norm.txt" "$here/golden/demo.txt"
	cp "$tmp/demo.norm.xml" "$here/golden/demo.junit.xml"
fi
if diff -u "$here/golden/demo.json" "$tmp/demo.norm.json" >"$tmp/diff"; then ok "golden: demo JSON"; else not_ok "golden: demo JSON" "$(head -40 "$tmp/diff")"; fi
if diff -u "$here/golden/demo.txt" "$tmp/demo.norm.txt" >"$tmp/diff"; then ok "golden: demo text"; else not_ok "golden: demo text" "$(head -40 "$tmp/diff")"; fi
if diff -u "$here/golden/demo.junit.xml" "$tmp/demo.norm.xml" >"$tmp/diff"; then ok "golden: demo JUnit"; else not_ok "golden: demo JUnit" "$(head -40 "$tmp/diff")"; fi
if cmp -s "$tmp/stdout.txt" "$tmp/demo.txt"; then ok "stdout is the text report"; else not_ok "stdout vs -o txt" "differ"; fi

# Re-rendering the stored run gives the same bytes.
(cd "$tmp/demo" && "$ASSAY" report --db "$tmp/demo.db" --run latest -o "$tmp/again.json" -o "$tmp/again.txt" \
	-o "$tmp/again.xml")
if cmp -s "$tmp/demo.json" "$tmp/again.json" && cmp -s "$tmp/demo.txt" "$tmp/again.txt" &&
	cmp -s "$tmp/demo.xml" "$tmp/again.xml"; then
	ok "report --run latest re-renders identically"
else not_ok "re-render" "$(diff "$tmp/demo.json" "$tmp/again.json" | head)"; fi

# Fingerprints do not depend on line numbers: move the lines, same prints.
prints() { jq -r '.findings[] | select(.line > 0) | .rule + " " + .fingerprint' "$1" | sort; }
(cd "$tmp/demo" && { printf '# moved\n\n'; cat .env; } >.env.new && mv .env.new .env && chmod 0644 .env &&
	"$ASSAY" scan --db "$tmp/demo.db" -q -o "$tmp/moved.json")
if [ -n "$(prints "$tmp/demo.json")" ] && [ "$(prints "$tmp/demo.json")" = "$(prints "$tmp/moved.json")" ]; then
	ok "fingerprints survive moved lines"
else not_ok "fingerprints survive moved lines" "$(diff <(prints "$tmp/demo.json") <(prints "$tmp/moved.json"))"; fi
lines_before=$(jq -r '[.findings[] | select(.rule == "env.weak-secret") | .line] | join(",")' "$tmp/demo.json")
lines_after=$(jq -r '[.findings[] | select(.rule == "env.weak-secret") | .line] | join(",")' "$tmp/moved.json")
if [ "$lines_before" != "$lines_after" ]; then ok "moved lines are reported at their new line"; else not_ok "moved lines" "$lines_before"; fi
