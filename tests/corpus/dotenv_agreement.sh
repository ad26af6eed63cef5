#!/usr/bin/env bash
# Measures how far assay's dotenv parser agrees with motdotla/dotenv on the
# labelled corpus (EXPECTED_PARSE.tsv: file, key, expected JSON value, null
# meaning the key must be absent). Prints each disagreement as
#   DIFF file key expected=... got=...
# each parse error our parser raises on a corpus file (motdotla never
# rejects input, so every error is a disagreement too) as
#   ERROR file line:column message
# and ends with "dotenv agreement: A/T rows (P%)". It is a measurement, not a
# test: it exits 0 whatever the figure, and non-zero only when dotenv_dump
# or jq cannot be run.
#
# usage: tests/corpus/dotenv_agreement.sh [DOTENV_DUMP [CORPUS_DIR]]
set -u -o pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
dump=${1:-$root/build/rel/tools/dotenv_dump}
corpus=${2:-$root/../shared/corpus/motdotla-dotenv}
table=$corpus/EXPECTED_PARSE.tsv

command -v jq >/dev/null || { echo "dotenv_agreement: jq not found" >&2; exit 2; }
[ -x "$dump" ] || { echo "dotenv_agreement: $dump is not executable" >&2; exit 2; }
[ -r "$table" ] || { echo "dotenv_agreement: $table not readable" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Parse every file named by either label table, once each.
files=$( { tail -n +2 "$table"; [ -r "$corpus/EXPECTED.tsv" ] && tail -n +2 "$corpus/EXPECTED.tsv"; } |
	cut -f1 | sort -u)
declare -A parsed
n=0
while IFS= read -r file; do
	[ -n "$file" ] || continue
	n=$((n + 1))
	if ! (cd "$corpus" && "$dump" "$file") >"$tmp/$n.json"; then
		echo "dotenv_agreement: $dump failed on $file" >&2
		exit 2
	fi
	parsed[$file]=$tmp/$n.json
done <<<"$files"

agree=0
total=0
while IFS=$'\t' read -r file key expected _; do
	total=$((total + 1))
	got=$(jq -c --arg k "$key" '.entries[$k]' "${parsed[$file]}") || exit 2
	if jq -e -n --argjson a "$expected" --argjson b "$got" '$a == $b' >/dev/null; then
		agree=$((agree + 1))
	else
		echo "DIFF $file $key expected=$expected got=$got"
	fi
done < <(tail -n +2 "$table")

errors=0
while IFS= read -r file; do
	[ -n "$file" ] || continue
	while IFS= read -r line; do
		[ -n "$line" ] || continue
		echo "ERROR $file $line"
		errors=$((errors + 1))
	done < <(jq -r '.errors[] | "\(.line):\(.column) \(.message)"' "${parsed[$file]}")
done <<<"$files"
echo "parse errors on corpus files: $errors"

awk -v a="$agree" -v t="$total" 'BEGIN {
	printf "dotenv agreement: %d/%d rows (%.1f%%)\n", a, t, t ? 100 * a / t : 0 }'
exit 0
