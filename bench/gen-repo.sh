#!/usr/bin/env bash
# Generates a git repository for benchmarks: COMMITS commits (default
# 5000) over FILES source files (default 400), each commit rewriting a few
# files, with fixed authors and dates, and a fake secret planted in about
# one commit in a hundred (and removed later in some). Built with git
# fast-import from an awk stream, so it takes seconds, not minutes.
set -euo pipefail
dest=${1:?usage: gen-repo.sh DEST [COMMITS] [FILES]}
commits=${2:-5000}
files=${3:-400}
rm -rf "$dest"
mkdir -p "$dest"
git -C "$dest" init -q -b main
awk -v commits="$commits" -v files="$files" 'BEGIN {
	srand(20261122)
	split("alpha beta gamma delta epsilon zeta theta kappa lambda sigma omega config parse render value index buffer stream token", words, " ")
	t = 1700000000
	for (f = 1; f <= files; f++) nlines[f] = 40 + int(rand() * 200)
	for (c = 1; c <= commits; c++) {
		t += 3600
		print "commit refs/heads/main"
		printf "author Dev %d <dev%d@example.com> %d +0000\n", c % 17, c % 17, t
		printf "committer Dev %d <dev%d@example.com> %d +0000\n", c % 17, c % 17, t
		msg = "change " c
		printf "data %d\n%s\n", length(msg), msg
		k = (c == 1) ? files : 1 + int(rand() * 4)
		for (j = 1; j <= k; j++) {
			f = (c == 1) ? j : 1 + int(rand() * files)
			body = ""
			for (l = 1; l <= nlines[f]; l++) {
				w1 = words[1 + int(rand() * 20)]; w2 = words[1 + int(rand() * 20)]
				body = body sprintf("    let %s_%d = %s(%s, %d); // %s\n", w1, l, w2, w1, int(rand() * 10000), w2)
			}
			if (rand() < 0.01) {
				key = ""
				for (x = 0; x < 16; x++) key = key substr("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 1 + int(rand() * 32), 1)
				body = body "aws_access_key_id = AKIA" key "\n"
			}
			printf "M 100644 inline src/mod%03d.rs\ndata %d\n%s\n", f, length(body), body
		}
	}
}' | git -C "$dest" fast-import --quiet
git -C "$dest" checkout -q main
