#!/usr/bin/env bash
# Measures the secrets engine against secretlint's labelled cases
# (../shared/corpus/secretlint/EXPECTED.tsv): for each case, assay scans the
# case's input file and we compare with the label under the rule mapping in
# secretlint_map.tsv. A generic rule (secret.generic-*) counts as the
# mapped rule on both sides: it detects a fail row and is a false positive
# on a pass row. Rows whose label holds only under a case-local
# .secretlintrc.json (notes: OVERRIDDEN) are counted apart. Prints each
# disagreement, then recall and false positives.
# A measurement, not a test: it exits 0 unless assay cannot run.
set -u
here=$(cd "$(dirname "$0")" && pwd)
assay=${1:-$here/../../assay}
corpus=${2:-$here/../../../shared/corpus/secretlint}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$assay" version >/dev/null || exit 2

declare -A map
while IFS=$'\t' read -r sl ours; do
	[[ "$sl" == \#* || -z "$sl" ]] && continue
	map[$sl]=$ours
done <"$here/secretlint_map.tsv"

tp=0 fn=0 tn=0 fp=0 unmapped=0 configured=0
declare -A unmapped_rules
while IFS=$'\t' read -r file check expected desc notes; do
	[ "$file" = file ] && continue
	if [[ "$notes" == *OVERRIDDEN* ]]; then
		configured=$((configured + 1))
		continue
	fi
	ours=${map[$check]:-}
	if [ -z "$ours" ] || [ "$ours" = - ]; then
		unmapped=$((unmapped + 1))
		unmapped_rules[$check]=1
		continue
	fi
	"$assay" scan "$corpus/$file" --db "$tmp/db" --fail-on none -q -o "$tmp/out.json" 2>/dev/null
	if [ "$ours" = "secret.*" ]; then
		fired=$(jq -r '[.findings[] | select(.rule | startswith("secret."))] | map(.rule) | unique | join(",")' "$tmp/out.json")
	else
		fired=$(jq -r --arg rules "$ours,secret.generic-password,secret.generic-api-key" '($rules | split(",")) as $r | [.findings[] | select(.rule as $x | $r | index($x))] | map(.rule) | unique | join(",")' "$tmp/out.json")
	fi
	if [ "$expected" = fail ]; then
		if [ -n "$fired" ]; then tp=$((tp + 1)); else fn=$((fn + 1)); echo "MISSED  $check  $file"; fi
	else
		if [ -z "$fired" ]; then tn=$((tn + 1)); else fp=$((fp + 1)); echo "FALSE+  $check  $file  ($fired)"; fi
	fi
done <"$corpus/EXPECTED.tsv"

echo "rows with a case-local secretlint configuration, not counted: $configured"
echo "unmapped secretlint rules ($unmapped rows): ${!unmapped_rules[*]}"
echo "secretlint recall: $tp/$((tp + fn)) fail rows detected ($(( (tp * 1000 / (tp + fn) + 5) / 10 ))%)"
echo "secretlint false positives: $fp/$((tn + fp)) pass rows ($(( (fp * 1000 / (tn + fp) + 5) / 10 ))%)"
