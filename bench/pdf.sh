#!/usr/bin/env bash
# PDF report speed and memory (issue 7): writes runs of 1,000 and 10,000
# findings through the store API (tests/tools/pdf_fixture.c: the same
# rows a scan writes, with profiles, controls and waivers), then times
# `assay report --run ID -o x.pdf` on each, best of 3, with peak RSS from
# /usr/bin/time. The JSON report of the same run, which streams findings
# and keeps nothing, is the reference for memory: what the PDF adds beyond
# it is libharu's document (each page's content is kept until the file is
# written) and the fonts.
#
# usage: bench/pdf.sh [COUNT...]   (default 1000 10000; make bench-pdf
# builds assay and pdf_fixture first)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
assay=${ASSAY:-$root/assay}
fixture=${PDF_FIXTURE:-$root/build/rel/tools/pdf_fixture}
[ $# -gt 0 ] || set -- 1000 10000
[ -x /usr/bin/time ] || { echo "bench/pdf.sh: /usr/bin/time (GNU time) is needed" >&2; exit 2; }
mkdir -p "$root/build"
dir=$(mktemp -d "$root/build/bench-pdf.XXXXXX")
trap 'rm -rf "$dir"' EXIT
export SOURCE_DATE_EPOCH=1700000000

# best_of3 OUT CMD...: the fastest of three runs as "seconds cpu-seconds
# peak-KiB" (CPU time too: on a shared machine wall time says more about
# the neighbours than about assay).
best_of3() {
	local out=$1 best="" t
	shift
	for _ in 1 2 3; do
		/usr/bin/time -f "%e %U %M" -o "$dir/time" "$@" >/dev/null 2>"$dir/err" || { cat "$dir/err" >&2; exit 1; }
		t=$(cat "$dir/time")
		if [ -z "$best" ] || awk -v a="${t%% *}" -v b="${best%% *}" 'BEGIN { exit !(a < b) }'; then best=$t; fi
	done
	echo "$best" >"$out"
}

printf '%9s  %8s  %8s  %12s  %6s  %9s  %14s\n' findings "pdf (s)" "cpu (s)" "pdf RSS MiB" pages "pdf MiB" \
	"json RSS MiB"
for n in "$@"; do
	db="$dir/$n.db"
	run=$("$fixture" "$db" "$n")
	best_of3 "$dir/pdf" "$assay" report --db "$db" --run "$run" -o "$dir/$n.pdf"
	best_of3 "$dir/json" "$assay" report --db "$db" --run "$run" -o "$dir/$n.json"
	read -r secs cpu kib <"$dir/pdf"
	read -r _ _ json_kib <"$dir/json"
	pages=$(qpdf --show-npages "$dir/$n.pdf" 2>/dev/null || echo "?")
	size=$(stat -c %s "$dir/$n.pdf")
	awk -v n="$n" -v s="$secs" -v c="$cpu" -v k="$kib" -v p="$pages" -v b="$size" -v j="$json_kib" \
		'BEGIN { printf "%9d  %8.2f  %8.2f  %12.1f  %6s  %9.1f  %14.1f\n", n, s, c, k / 1024, p, b / 1048576, j / 1024 }'
done
