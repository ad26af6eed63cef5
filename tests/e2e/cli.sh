#!/usr/bin/env bash
# The command line's contract: exit codes, one-line usage errors, help,
# rules and explain.
set -u
. "$(dirname "$0")/../lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/empty"

usage_case() { # usage_case NAME ARGS...
	local name="$1"; shift
	run_assay "$@"
	if [ "$RC" -eq 2 ] && [ "$(printf '%s\n' "$ERR" | wc -l)" -eq 1 ] && [ -n "$ERR" ]; then
		ok "usage error: $name"
	else
		not_ok "usage error: $name" "exit $RC, stderr: $ERR"
	fi
}

usage_case "unknown command" frobnicate
usage_case "unknown long option" scan --frobnicate "$tmp/empty"
usage_case "unknown short option" scan -z "$tmp/empty"
usage_case "missing option value" scan "$tmp/empty" --fail-on
usage_case "bad severity" scan --fail-on severe "$tmp/empty"
usage_case "bad format" scan --format yaml "$tmp/empty"
usage_case "unknown report extension" scan -o "$tmp/report.out" "$tmp/empty"
usage_case "missing target" scan "$tmp/does-not-exist"
usage_case "explain unknown rule" explain env.nope
usage_case "report bad run id" report --db "$tmp/x.db" --run abc
usage_case "rules bad format" rules --format yaml

# "no command" prints the whole overview: allow more than one line there.
run_assay
if [ "$RC" -eq 2 ] && grep -q "usage: assay COMMAND" <<<"$ERR"; then ok "no command prints usage"; else not_ok "no command prints usage" "exit $RC"; fi

run_assay version
expect_eq "version" "assay $(cat "$(dirname "$0")/../../VERSION")" "$OUT"
run_assay help scan
if [ "$RC" -eq 0 ] && grep -q -- "--fail-on" <<<"$OUT"; then ok "help scan"; else not_ok "help scan" "$OUT"; fi
run_assay scan --help
if [ "$RC" -eq 0 ] && grep -q -- "--db FILE" <<<"$OUT"; then ok "scan --help"; else not_ok "scan --help" "$OUT"; fi

run_assay rules --format json
n_rules=$(jq length <<<"$OUT")
if [ "$RC" -eq 0 ] && [ "$n_rules" -ge 8 ]; then ok "rules --format json lists $n_rules rules"; else not_ok "rules json" "$OUT"; fi
bad_ids=$(jq -r '.[].id | select(test("^[a-z0-9]+\\.[a-z0-9-]+$") | not)' <<<"$OUT")
expect_eq "rule ids are family.slug, lower case" "" "$bad_ids"
dups=$(jq -r '[.[].id] | group_by(.) | map(select(length > 1)[0]) | .[]' <<<"$OUT")
expect_eq "rule ids are unique" "" "$dups"
run_assay explain env.file-permissions
if [ "$RC" -eq 0 ] && grep -q "^remediation:" <<<"$OUT" && grep -q "0600\|chmod 600" <<<"$OUT"; then ok "explain prints a rule"; else not_ok "explain" "$OUT"; fi

# docs/rules.md is generated from the registry and must be current.
docs="$(dirname "$0")/../../docs/rules.md"
"$ASSAY" rules --format markdown >"$tmp/rules.md"
if cmp -s "$tmp/rules.md" "$docs"; then ok "docs/rules.md matches the registry"; else not_ok "docs/rules.md matches the registry" "run 'make docs'"; fi

# The store cannot be created: a runtime error, exit 3, one clear line.
touch "$tmp/not-a-dir"
run_assay scan --db "$tmp/not-a-dir/assay.db" "$tmp/empty"
if [ "$RC" -eq 3 ] && grep -q "not-a-dir" <<<"$ERR"; then ok "unusable store exits 3 naming it"; else not_ok "unusable store" "exit $RC: $ERR"; fi
printf 'this is not sqlite, it is plain text and long enough to look like a header' >"$tmp/junk.db"
run_assay scan --db "$tmp/junk.db" "$tmp/empty"
if [ "$RC" -eq 3 ] && grep -q "junk.db" <<<"$ERR"; then ok "a non-database store exits 3 naming it"; else not_ok "junk store" "exit $RC: $ERR"; fi

# ASSAY_DB is honoured, and --db wins over it.
ASSAY_DB="$tmp/env.db" run_assay scan -q "$tmp/empty"
check "ASSAY_DB is used" test -s "$tmp/env.db"
ASSAY_DB="$tmp/env.db" run_assay scan -q --db "$tmp/flag.db" "$tmp/empty"
check "--db overrides ASSAY_DB" test -s "$tmp/flag.db"

# A report for a store with no run says so and exits 2.
run_assay report --db "$tmp/fresh.db"
if [ "$RC" -eq 2 ] && grep -q "no complete run" <<<"$ERR"; then ok "report on an empty store"; else not_ok "report on an empty store" "exit $RC: $ERR"; fi

# A report written to a device is written into it, never renamed over it.
run_assay report --db "$tmp/flag.db" --format json -o /dev/full
expect_eq "a report to /dev/full fails with exit 3 and leaves the device a device" "3 yes" \
	"$RC $([ -c /dev/full ] && echo yes)"
run_assay report --db "$tmp/flag.db" --format json -o /dev/stdout
expect_eq "a report to /dev/stdout is written there, the link left alone" "assay yes" "$(jq -r .tool.name <<<"$OUT") $([ -L /dev/stdout ] && echo yes)"

# libxml2, libarchive and libharu are loaded on first use (src/dynlib.h):
# a scan of manifests with text, JSON and SARIF output maps none of them
# (the dynamic loader's own trace says what it loaded), a JUnit report
# loads libxml2 alone. Not under valgrind, whose loader traces differently.
if [ "${VALGRIND:-0}" != 1 ]; then
	mkdir -p "$tmp/lazy"
	printf 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: nginx\n' \
		>"$tmp/lazy/pod.yaml"
	loaded() { # loaded ARGS...: the lazy libraries the run loaded, sorted
		LD_DEBUG=files LD_DEBUG_OUTPUT="$tmp/ld" "$ASSAY" "$@" >/dev/null 2>&1
		cat "$tmp"/ld.* | grep -oE 'file=(libxml2|libarchive|libhpdf)' | sort -u | tr '\n' ' '
		rm -f "$tmp"/ld.*
	}
	expect_eq "a manifest scan loads no lazy library" "" \
		"$(loaded scan -q --fail-on none --db "$tmp/lazy.db" -o "$tmp/l.json" -o "$tmp/l.sarif" "$tmp/lazy")"
	expect_eq "a JUnit report loads libxml2 alone" "file=libxml2 " \
		"$(loaded scan -q --fail-on none --db "$tmp/lazy.db" -o "$tmp/l.xml" "$tmp/lazy")"
fi
