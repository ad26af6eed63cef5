#!/usr/bin/env bash
# Measures how far assay's k8s.* rules agree with kube-score and
# kubescape's regolibrary on their labelled cases (../shared/corpus, see
# its README), for the checks that map to assay rules
# (tests/corpus/k8s_mapping.tsv: source, check, assay rules any of which
# counts as the check firing, notes; "-" marks a check left unmapped, with
# the reason).
#
# A case is scanned as the other tool ran it (a kube-score file, a
# regolibrary input directory) and counts as "fail" when assay reports a
# mapped rule anywhere in it. Left out, and counted as skipped: kube-score
# rows whose label holds only under a non-default run configuration
# (Ignore...: true), and regolibrary cases that need rule inputs
# (data.json), which assay has no equivalent of.
#
# Prints each disagreement as
#   DIFF source check case expected=... got=... [assay rules found]
# then per-check lines "CHECK source check agree/total (P%)" and ends with
# "k8s agreement: A/T mapped cases (P%)". It is a measurement, not a test:
# it exits 0 whatever the figure.
#
# usage: tests/corpus/k8s_agreement.sh [ASSAY [CORPUS_DIR]]
set -u -o pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
assay=${1:-$root/assay}
corpus=${2:-$root/../shared/corpus}
mapping=$root/tests/corpus/k8s_mapping.tsv

command -v jq >/dev/null || { echo "k8s_agreement: jq not found" >&2; exit 2; }
[ -x "$assay" ] || { echo "k8s_agreement: $assay is not executable" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

declare -A rules_of=() reported=()
scans=0
while IFS=$'\t' read -r source check rules _; do
	[ "$source" = source ] || [ "$rules" = - ] && continue
	rules_of["$source/$check"]=$rules
done <"$mapping"

# The assay rules reported for one input, scanned once.
findings_for() { # findings_for PATH -> sets $found (space-separated rule ids)
	local key=$1 n
	if [ -z "${reported[$key]+x}" ]; then
		n=$((scans += 1))
		"$assay" scan "$key" --db "$tmp/db.$n" --fail-on none -q -o "$tmp/out.$n.json" 2>/dev/null
		reported[$key]=$(jq -r '[.findings[].rule] | unique | join(" ")' "$tmp/out.$n.json" 2>/dev/null)
		rm -f "$tmp/db.$n"*
	fi
	found=${reported[$key]}
}

declare -A agree=() total=()
skipped=0
while IFS=$'\t' read -r source file check expected _ notes; do
	local_rules=${rules_of["$source/$check"]:-}
	[ -n "$local_rules" ] || continue
	path=$corpus/$source/$file
	if [ "$source" = kube-score ] && grep -q 'Ignore[A-Za-z]*: true' <<<"$notes"; then
		skipped=$((skipped + 1)); continue
	fi
	if [ "$source" = regolibrary ] && [ -f "$path/../data.json" ]; then
		skipped=$((skipped + 1)); continue
	fi
	findings_for "$path"
	got=pass hits=""
	for r in ${local_rules//,/ }; do
		if [[ " $found " == *" $r "* ]]; then got=fail hits="$hits $r"; fi
	done
	k="$source $check"
	total[$k]=$((${total[$k]:-0} + 1))
	if [ "$got" = "$expected" ]; then
		agree[$k]=$((${agree[$k]:-0} + 1))
	else
		echo "DIFF $source $check ${file} expected=$expected got=$got [${hits# }]"
	fi
done < <(for s in kube-score regolibrary; do tail -n +2 "$corpus/$s/EXPECTED.tsv" | sed "s/^/$s\t/"; done)

a=0 t=0
while IFS= read -r k; do
	[ -n "$k" ] || continue
	printf 'CHECK %s %d/%d (%.0f%%)\n' "$k" "${agree[$k]:-0}" "${total[$k]}" "$(awk -v a="${agree[$k]:-0}" -v t="${total[$k]}" 'BEGIN{print 100*a/t}')"
	a=$((a + ${agree[$k]:-0})) t=$((t + ${total[$k]}))
done < <(printf '%s\n' "${!total[@]}" | sort)
echo "skipped (non-default configuration or rule inputs): $skipped"
awk -v a="$a" -v t="$t" 'BEGIN { printf "k8s agreement: %d/%d mapped cases (%.1f%%)\n", a, t, t ? 100 * a / t : 0 }'
exit 0
