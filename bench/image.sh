#!/usr/bin/env bash
# Image scanning speed: generates an image of about 200 MB (uncompressed)
# across 5 gzip layers of text files that compress about 3:1 (random words
# from a fixed vocabulary, a few digits; seeded, so every run builds the
# same image), then compares `assay scan IMAGE` with decompressing all of
# its layers to /dev/null with tar. Prints wall time and peak RSS of both
# (best of RUNS), and the ratio; the target is at most 1.3x, with memory
# flat (peak RSS independent of the image size).
#
# usage: bench/image.sh [ASSAY] [SIZE_MB]     (env RUNS=3)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
assay=${1:-$root/assay}
size_mb=${2:-200}
runs=${RUNS:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export LC_ALL=C

echo "bench/image: building a ${size_mb} MB image in 5 layers..." >&2
per_layer=$(( size_mb * 1024 * 1024 / 5 ))
for l in 1 2 3 4 5; do
	mkdir -p "$work/layers/$l/srv/data$l"
	awk -v seed="$l" -v total="$per_layer" -v dir="$work/layers/$l/srv/data$l" 'BEGIN {
		srand(seed)
		n = split("alpha beta gamma delta epsilon zeta theta kappa lambda sigma omega config server client request response handler buffer cache index table record value stream queue worker thread socket packet header payload metric event status error warning debug trace", w, " ")
		written = 0; f = 0
		while (written < total) {
			file = sprintf("%s/file%05d.txt", dir, f++)
			size = 0
			while (size < 102400) {
				line = ""
				for (k = 0; k < 12; k++) line = line w[int(rand() * n) + 1] (rand() < 0.3 ? int(rand() * 100000) : "") " "
				print line > file
				size += length(line) + 1
			}
			close(file)
			written += size
		}
	}'
done
"$root/fixtures/images/make-image.sh" --format docker-archive --out "$work/image.tar" --tag bench:1 --user 1000 \
	--healthcheck true "$work/layers/1" "$work/layers/2" "$work/layers/3" "$work/layers/4" "$work/layers/5"
rm -rf "$work/layers"
[ -n "${BENCH_KEEP:-}" ] && cp "$work/image.tar" "$BENCH_KEEP"
mkdir -p "$work/x" && tar -xf "$work/image.tar" -C "$work/x"
echo "bench/image: image $(du -h "$work/image.tar" | cut -f1) compressed, layers:" >&2
layers=$(jq -r '.[0].Layers[]' "$work/x/manifest.json")

# measure NAME CMD...: the best wall seconds over $runs runs, with that
# run's peak RSS (KiB) and CPU seconds (user + system, children included:
# the CPU figure does not depend on what else the machine is doing).
measure() {
	local name=$1 best="" rss="" cpu=""; shift
	for _ in $(seq "$runs"); do
		/usr/bin/time -f '%e %M %U %S' -o "$work/time" "$@" >/dev/null 2>&1 || { echo "bench/image: $name failed" >&2; exit 1; }
		read -r t m u s <"$work/time"
		if [ -z "$best" ] || awk -v a="$t" -v b="$best" 'BEGIN { exit !(a < b) }'; then
			best=$t rss=$m cpu=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')
		fi
	done
	echo "$best $rss $cpu"
}
untar_all() { for l in $layers; do tar -xzf "$work/x/$l" -O >/dev/null; done; }
export -f untar_all
export work layers

read -r t_tar m_tar c_tar < <(measure "tar" bash -c untar_all)
read -r t_scan m_scan c_scan < <(measure "assay" "$assay" scan "$work/image.tar" --db "$work/bench.db" --fail-on none -q)
ratio=$(awk -v a="$t_scan" -v b="$t_tar" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
cratio=$(awk -v a="$c_scan" -v b="$c_tar" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
printf 'tar -xzO of all layers: %6.2f s wall  %6.2f s CPU  peak RSS %6d KiB\n' "$t_tar" "$c_tar" "$m_tar"
printf 'assay scan IMAGE:       %6.2f s wall  %6.2f s CPU  peak RSS %6d KiB\n' "$t_scan" "$c_scan" "$m_scan"
printf 'ratio: %sx wall, %sx CPU (target <= 1.3x)\n' "$ratio" "$cratio"
