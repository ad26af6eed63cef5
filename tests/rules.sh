#!/usr/bin/env bash
# Rule fixtures (DESIGN.md "Tests"): every rule in the registry has
# fixtures/rules/<id>/must/ (a tree that must raise the rule) and
# fixtures/rules/<id>/must-not/ (one that must not). An optional
# <case>.sh beside a case runs inside a scratch copy of it before the scan,
# for what git cannot carry (file modes, a git repository, odd names).
# An optional fixtures/rules/<id>/args holds extra scan options for both
# cases (--history for the rules that only history can raise).
# Copies start with files at 0600 and directories at 0700, whatever the
# umask of the checkout.
set -u
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/.." && pwd)
fixtures="$root/fixtures/rules"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

run_case() { # run_case RULE CASE
	local rule="$1" case="$2" dir="$scratch/$1/$2" n
	mkdir -p "$scratch/$rule"
	cp -a "$fixtures/$rule/$case" "$dir"
	find "$dir" -type d -exec chmod 0700 {} + -o -type f -exec chmod 0600 {} +
	if [ -f "$fixtures/$rule/$case.sh" ]; then
		if ! (cd "$dir" && FIXTURES="$fixtures" bash "$fixtures/$rule/$case.sh") >"$scratch/setup.log" 2>&1; then
			not_ok "rule $rule $case" "setup failed: $(tail -3 "$scratch/setup.log")"
			return
		fi
	fi
	local args=()
	[ -f "$fixtures/$rule/args" ] && read -r -a args <"$fixtures/$rule/args"
	run_assay scan "$dir" "${args[@]}" --db "$scratch/$rule.db" --fail-on none -q -o "$scratch/$rule.$case.json"
	if [ "$RC" -ne 0 ]; then
		not_ok "rule $rule $case" "assay exited $RC: $ERR"
		return
	fi
	n=$(count_rule "$scratch/$rule.$case.json" "$rule")
	if [ "$case" = must ] && [ "$n" -gt 0 ]; then
		ok "rule $rule must fire ($n)"
	elif [ "$case" = must-not ] && [ "$n" -eq 0 ]; then
		ok "rule $rule must not fire"
	else
		not_ok "rule $rule $case" "found $n findings of the rule; report: $(jq -c '[.findings[] | {rule, path, message}]' "$scratch/$rule.$case.json")"
	fi
}

for rule in $("$ASSAY" rules --format json | jq -r '.[].id'); do
	missing=""
	for case in must must-not; do
		[ -d "$fixtures/$rule/$case" ] || missing="$missing $case"
	done
	if [ -n "$missing" ]; then
		not_ok "rule $rule has fixtures" "missing fixtures/rules/$rule/{${missing# }}"
		continue
	fi
	ok "rule $rule has fixtures"
	run_case "$rule" must
	run_case "$rule" must-not
done

# A fixture directory for a rule that does not exist is a stale fixture.
for dir in "$fixtures"/*/; do
	rule=$(basename "$dir")
	if "$ASSAY" explain "$rule" >/dev/null 2>&1; then :; else
		not_ok "fixtures/rules/$rule" "no such rule in the registry"
	fi
done
