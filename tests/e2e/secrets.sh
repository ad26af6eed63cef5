#!/usr/bin/env bash
# Secrets never leave in clear (DESIGN.md): secrets planted in every kind
# of input assay reads (a source file, an env value, a binary file, an
# example file, a malformed env line, a commit later deleted) are found,
# and none of them appears in clear in stdout, stderr, the JSON, text, JUnit
# and SARIF reports, the store (and its WAL), or a re-rendered report.
set -u
. "$(dirname "$0")/../lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
r="$tmp/app"
mkdir -p "$r/src" "$r/bin"
cd "$r" || exit 1
git init -q -b main .

# Assembled at run time: the script holds no whole token.
gh="ghp_""Pl4nt3dT0k3nAbCdEfGhIjKlMnOpQrStUvWx"
aws="AKIA""PL4NTEDKEY7QWERT"
stripe="sk_live_""Pl4ntedStr1peKey9xYzAbCdE"
pw="Pl4nted-DB-Passw0rd-7x9Q"
hist="glpat-""Pl4ntedHistoryT0ken12"

printf 'GITHUB_TOKEN = "%s"\n' "$gh" >src/deploy.py
printf 'DB_PASSWORD=%s\nSTRIPE_KEY=%s\nthis line is broken %s\n' "$pw" "$stripe" "$pw" >.env
chmod 0600 .env
printf 'AWS_KEY=%s\n' "$aws" >.env.example
{ head -c 100 /dev/zero; printf '%s' "$aws"; head -c 100 /dev/zero; } >bin/tool
printf 'token: %s\n' "$hist" >ci.yml
git add -A && git commit -q -m "with secrets" --no-verify
git rm -q ci.yml && git commit -q -m "remove ci token" --no-verify

"$ASSAY" scan . --history --db "$tmp/s.db" --fail-on none -o "$tmp/s.json" -o "$tmp/s.txt" -o "$tmp/s.xml" \
	-o "$tmp/s.sarif" >"$tmp/stdout" 2>"$tmp/stderr"
expect_eq "planted: scan completes" complete "$(jq -r .run.status "$tmp/s.json")"
found() { jq -r --arg r "$1" --arg p "$2" '[.findings[] | select(.rule == $r and .path == $p)] | length' "$tmp/s.json"; }
expect_eq "planted: token in a source file" 1 "$(found secret.github-pat src/deploy.py)"
expect_eq "planted: Stripe key in an env value" 1 "$(found secret.stripe-live-key .env)"
expect_eq "planted: password in an env value" 1 "$(found secret.generic-password .env)"
expect_eq "planted: key in a binary file" 1 "$(found secret.aws-access-key-id bin/tool)"
expect_eq "planted: key in an example file" 1 "$(found env.secret-in-example .env.example)"
expect_eq "planted: token deleted from the tree" 1 "$(found git.secret-in-history ci.yml)"
expect_eq "planted: the broken env line is a parse error" 1 "$(found assay.parse-error .env)"
"$ASSAY" report --db "$tmp/s.db" --run latest >"$tmp/report.txt" 2>&1
"$ASSAY" report --db "$tmp/s.db" --run latest --format json >"$tmp/report.json" 2>&1
"$ASSAY" runs --db "$tmp/s.db" >"$tmp/runs.txt" 2>&1
leaks=""
for v in "$gh" "$aws" "$stripe" "$pw" "$hist"; do
	for f in "$tmp"/stdout "$tmp"/stderr "$tmp"/s.json "$tmp"/s.txt "$tmp"/s.xml "$tmp"/s.sarif "$tmp"/s.db \
		"$tmp"/s.db-wal "$tmp"/report.txt \
		"$tmp"/report.json "$tmp"/runs.txt; do
		[ -f "$f" ] && grep -qaF -- "$v" "$f" && leaks="$leaks $(basename "$f"):${v:0:8}"
	done
done
expect_eq "planted secrets appear in clear in no output, store or log" "" "$leaks"
hashes=$(jq -r '[.findings[] | select(.secret_sha256 != null)] | length' "$tmp/s.json")
if [ "$hashes" -ge 6 ]; then ok "secret findings carry a SHA-256 ($hashes)"; else not_ok "secret hashes" "$hashes"; fi
expect_eq "the SHA-256 is the secret's" "$(printf '%s' "$stripe" | sha256sum | cut -d' ' -f1)" \
	"$(jq -r '.findings[] | select(.rule == "secret.stripe-live-key") | .secret_sha256' "$tmp/s.json")"
