#!/usr/bin/env bash
# Secrets benchmarks (make bench [BENCH_REPO=/path/to/repo]): on a
# repository the script generates, and on BENCH_REPO when given (a real
# public history of 10,000+ commits, e.g. a clone of redis), it measures
# in the same run:
#   1. a work-tree scan against `rg -j1 -f PATTERNS` over the same files;
#   2. a --history scan against `git log -p --all | rg -f PATTERNS`;
#   3. the peak resident memory of the --history scan.
# PATTERNS is the built-in secret rules' regexes (assay rules --format
# regex) with PCRE lookaheads dropped, which only makes rg's work larger.
# rg runs with --no-unicode: PCRE2 (without UCP) reads \w, \s and \b as
# ASCII, and rg's Unicode classes would make its automata, and so the
# comparison, needlessly slow.
# Timings are the median of RUNS runs (default 3); ratios are assay/ref.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
assay="$root/assay"
out="$root/build/bench"
runs=${RUNS:-3}
mkdir -p "$out"

"$assay" rules --format regex | cut -f2 | sed -E 's/\(\?![^)]*\)//g' >"$out/patterns.txt"

median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }

# time_cmd LABEL CMD...: median wall seconds over $runs runs (after one warm-up)
time_cmd() {
	local label=$1 t
	shift
	"$@" >/dev/null 2>&1 || true
	for _ in $(seq "$runs"); do
		/usr/bin/time -f "%e" -o "$out/t" "$@" >/dev/null 2>&1 || true
		cat "$out/t"
	done | median >"$out/$label.s"
	cat "$out/$label.s"
}

peak_rss_mb() { # peak_rss_mb CMD...
	/usr/bin/time -f "%M" -o "$out/m" "$@" >/dev/null 2>&1 || true
	echo $(($(tail -1 "$out/m") / 1024))
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

bench_repo() { # bench_repo NAME WORKTREE
	local name=$1 wt=$2 commits files t_assay t_rg t_hist t_log rss
	commits=$(git -C "$wt" rev-list --all --count)
	files=$(git -C "$wt" ls-files | wc -l)
	rm -f "$out/$name.db"
	t_assay=$(time_cmd "$name-wt-assay" "$assay" scan "$wt" --db "$out/$name.db" --fail-on none -q)
	t_rg=$(time_cmd "$name-wt-rg" rg -j1 --no-unicode --hidden -f "$out/patterns.txt" "$wt")
	t_hist=$(time_cmd "$name-hist-assay" "$assay" scan "$wt" --history --db "$out/$name.db" --fail-on none -q)
	t_log=$(time_cmd "$name-hist-gitlog" sh -c "git -C '$wt' log -p --all | rg --no-unicode -f '$out/patterns.txt'")
	rss=$(peak_rss_mb "$assay" scan "$wt" --history --db "$out/$name.db" --fail-on none -q)
	printf '%s: %s commits, %s files at HEAD\n' "$name" "$commits" "$files"
	printf '  work tree : assay %6.2fs   rg -j1 %6.2fs   ratio %s  (target <= 1.5)\n' "$t_assay" "$t_rg" "$(ratio "$t_assay" "$t_rg")"
	printf '  history   : assay %6.2fs   git log -p | rg %6.2fs   ratio %s  (target <= 0.5)\n' "$t_hist" "$t_log" "$(ratio "$t_hist" "$t_log")"
	printf '  history peak RSS: %s MB (target < 256)\n' "$rss"
}

if [ ! -d "$out/gen/.git" ]; then
	bench/gen-repo.sh "$out/gen" "${GEN_COMMITS:-5000}" "${GEN_FILES:-400}"
fi
bench_repo generated "$out/gen"

if [ -n "${BENCH_REPO:-}" ]; then
	name=$(basename "$BENCH_REPO" .git)
	# a fetched mirror is .../owner+name/repo: name it after its parent
	[ "$name" = repo ] && name=$(basename "$(dirname "$BENCH_REPO")")
	if [ ! -d "$out/$name/.git" ]; then
		git clone -q --no-hardlinks "$BENCH_REPO" "$out/$name"
	fi
	bench_repo "$name" "$out/$name"
fi
