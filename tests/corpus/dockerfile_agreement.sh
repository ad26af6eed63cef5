#!/usr/bin/env bash
# Measures how far assay's docker.* rules agree with dockerfilelint on its
# labelled corpus (../shared/corpus/dockerfilelint/EXPECTED.tsv), through
# the rule mapping in dockerfile_map.tsv (dockerfilelint id, assay rule, a
# regex the finding's message must match). Each labelled row becomes checks:
#   fail at line L  -> a mapped finding at line L must exist;
#   pass (all default rules) -> no finding of any mapped rule in the file;
#   an EXACT issue list -> also no finding of a mapped rule it does not list.
# Rows about dockerfilelint rules with no mapping, and rows that only count
# issues without naming rules, are not checks (they are counted as skipped).
# Prints each disagreement as "DIFF file rule line expected=… got=…" and
# ends with "dockerfile agreement: A/T checks (P%)". A measurement, not a
# test: exits 0 whatever the figure.
#
# usage: tests/corpus/dockerfile_agreement.sh [ASSAY [CORPUS_DIR]]
set -u -o pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
assay=${1:-$root/assay}
corpus=${2:-$root/../shared/corpus/dockerfilelint}
map="$here/dockerfile_map.tsv"
table="$corpus/EXPECTED.tsv"
[ -x "$assay" ] && [ -r "$table" ] || { echo "dockerfile_agreement: need $assay and $table" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

declare -A rule_of regex_of
while IFS=$'\t' read -r theirs ours re; do
	rule_of[$theirs]=$ours regex_of[$theirs]=$re
done < <(tail -n +2 "$map")

# findings FILE THEIR_ID: the lines at which the mapped rule fires in FILE.
scan() {
	local f=$1 out="$tmp/$(basename "$1").json"
	[ -f "$out" ] || "$assay" scan "$corpus/$f" --db "$tmp/db" --fail-on none -q -o "$out" >/dev/null 2>&1
	echo "$out"
}
lines_of() {
	jq -r --arg r "${rule_of[$2]}" --arg re "${regex_of[$2]}" \
		'[.findings[] | select(.rule == $r and (.message | test($re))) | .line] | sort | unique | .[]' "$(scan "$1")"
}

agree=0 total=0 skipped=0
declare -A exact_listed exact_file
while IFS=$'\t' read -r file id expected _ notes; do
	if [ "$expected" = fail ] && [ -n "${rule_of[$id]:-}" ]; then
		line=$(sed -n 's/.*expected at line \([0-9]*\).*/\1/p' <<<"$notes")
		total=$((total + 1))
		if grep -qx "$line" <<<"$(lines_of "$file" "$id")"; then agree=$((agree + 1)); else
			echo "DIFF $file ${rule_of[$id]} ($id) line $line expected=finding got=[$(lines_of "$file" "$id" | tr '\n' ' ')]"
		fi
		grep -q "EXACT" <<<"$notes" && exact_file[$file]=1 && exact_listed["$file|$id"]=1
	elif [ "$expected" = fail ] && grep -q "EXACT" <<<"$notes"; then
		exact_file[$file]=1 exact_listed["$file|$id"]=1
		skipped=$((skipped + 1))
	elif [ "$expected" = pass ]; then
		for theirs in "${!rule_of[@]}"; do
			total=$((total + 1))
			got=$(lines_of "$file" "$theirs" | tr '\n' ' ')
			if [ -z "$got" ]; then agree=$((agree + 1)); else
				echo "DIFF $file ${rule_of[$theirs]} ($theirs) expected=none got=[$got]"
			fi
		done
	else
		skipped=$((skipped + 1))
	fi
done < <(tail -n +2 "$table")
# EXACT lists: mapped rules they do not list must not fire.
for file in "${!exact_file[@]}"; do
	for theirs in "${!rule_of[@]}"; do
		[ -n "${exact_listed["$file|$theirs"]:-}" ] && continue
		# Several ids map to one rule: a listed sibling id makes its lines expected.
		total=$((total + 1))
		got=$(lines_of "$file" "$theirs" | tr '\n' ' ')
		if [ -z "$got" ]; then agree=$((agree + 1)); else
			echo "DIFF $file ${rule_of[$theirs]} ($theirs) expected=none got=[$got]"
		fi
	done
done
echo "rows skipped (unmapped rule, or an issue count without rule ids): $skipped"
awk -v a="$agree" -v t="$total" 'BEGIN { printf "dockerfile agreement: %d/%d checks (%.1f%%)\n", a, t, t ? 100 * a / t : 0 }'
exit 0
