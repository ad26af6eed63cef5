#!/usr/bin/env bash
# The .env scanner end to end: the issue's "done when" case, hostile
# inputs (unreadable, binary, huge, symlink loop, FIFO, invalid UTF-8
# names), and secrets that must never appear in clear anywhere.
set -u
. "$(dirname "$0")/../lib.sh"
tmp=$(mktemp -d)
trap 'chmod -R u+rwx "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT

# --- A tracked, unignored .env at 0644 with a backup copy beside it.
app="$tmp/app"
mkdir -p "$app"
printf 'APP_NAME=demo\nDB_HOST=localhost\n' >"$app/.env"
printf 'APP_NAME=old\n' >"$app/.env.backup.20240101"
make_git_repo "$app"
chmod 0644 "$app/.env" "$app/.env.backup.20240101"
run_assay scan "$app" --db "$tmp/a.db" --fail-on medium -o "$tmp/a.json"
expect_eq "--fail-on medium exits 1" 1 "$RC"
for rule in env.file-permissions env.tracked-in-git env.not-ignored env.backup-file; do
	n=$(count_rule "$tmp/a.json" "$rule")
	if [ "$n" -ge 1 ]; then ok "done-when: $rule raised"; else not_ok "done-when: $rule raised" "$(cat "$tmp/a.json")"; fi
done
run_assay scan "$app" --db "$tmp/a.db" --fail-on critical -q
expect_eq "--fail-on critical exits 0" 0 "$RC"
run_assay scan "$app" --db "$tmp/a.db" --fail-on none -q
expect_eq "--fail-on none exits 0" 0 "$RC"
msg=$(jq -r '.findings[] | select(.rule == "env.file-permissions" and .path == ".env") | .message' "$tmp/a.json")
if grep -q "0644" <<<"$msg" && grep -q "0600" <<<"$msg"; then ok "permission message shows the mode and 0600"; else not_ok "permission message" "$msg"; fi
expect_eq "input is a git work tree" "git-worktree" "$(jq -r '.run.inputs[0].kind' "$tmp/a.json")"
expect_eq "input records HEAD" "$(git -C "$app" rev-parse HEAD)" "$(jq -r '.run.inputs[0].commit' "$tmp/a.json")"
expect_eq "the JSON run is complete" complete "$(jq -r '.run.status' "$tmp/a.json")"

# report --run latest re-renders the stored run with the same findings.
run_assay report --db "$tmp/a.db" --run 1 -o "$tmp/again.json"
if [ "$RC" -eq 0 ] && cmp -s <(jq -S .findings "$tmp/a.json") <(jq -S .findings "$tmp/again.json"); then
	ok "report --run 1 gives the scan's findings"
else not_ok "report --run 1" "differs or exit $RC"; fi
run_assay report --db "$tmp/a.db" --run latest --format json
if [ "$RC" -eq 0 ] && [ "$(jq .run.id <<<"$OUT")" = 3 ]; then ok "report --run latest is the newest run"; else not_ok "report latest" "$OUT"; fi

# A scan of a subdirectory of the work tree knows the git status too.
mkdir -p "$app/svc"
printf 'APP_NAME=svc\n' >"$app/svc/.env.production"
chmod 0600 "$app/svc/.env.production"
run_assay scan "$app/svc" --db "$tmp/a.db" --fail-on none -q -o "$tmp/sub.json"
expect_eq "subdirectory scan: not-ignored is seen" 1 "$(count_rule "$tmp/sub.json" env.not-ignored)"
expect_eq "subdirectory scan: untracked is not tracked" 0 "$(count_rule "$tmp/sub.json" env.tracked-in-git)"

# A single file on the command line, and several targets at once.
run_assay scan "$app/.env" "$app/svc" --db "$tmp/a.db" --fail-on none -q -o "$tmp/multi.json"
expect_eq "two targets, two inputs" 2 "$(jq '.run.inputs | length' "$tmp/multi.json")"
expect_eq "single file target kind" file "$(jq -r '.run.inputs[0].kind' "$tmp/multi.json")"
expect_eq "single file: tracked-in-git" 1 "$(count_rule "$tmp/multi.json" env.tracked-in-git)"

# --- World-writable directory holding env files (no sticky bit).
ww="$tmp/ww"
mkdir -p "$ww/shared"
printf 'APP_NAME=x\n' >"$ww/shared/.env"
chmod 0600 "$ww/shared/.env"
chmod 0777 "$ww/shared"
run_assay scan "$ww" --db "$tmp/w.db" --fail-on none -q -o "$tmp/w.json"
expect_eq "world-writable directory reported" "shared" \
	"$(jq -r '.findings[] | select(.rule == "env.file-permissions") | .path' "$tmp/w.json")"
chmod 1777 "$ww/shared"
run_assay scan "$ww" --db "$tmp/w.db" --fail-on none -q -o "$tmp/w2.json"
expect_eq "sticky world-writable directory not reported" 0 "$(count_rule "$tmp/w2.json" env.file-permissions)"

# --- Hostile inputs: each gets a message or a parse-error; the run completes.
h="$tmp/hostile"
mkdir -p "$h/binary" "$h/huge" "$h/loop" "$h/fifo" "$h/utf8" "$h/unreadable"
printf 'KEY=\x00\x01\x02\xff\xfe\x00binary' >"$h/binary/.env"
truncate -s 200M "$h/huge/.env"
ln -s loop-b "$h/loop/loop-a"
ln -s loop-a "$h/loop/loop-b"
ln -s "$h/loop" "$h/loop/self"
mkfifo "$h/fifo/.env"
printf 'APP=x\n' >"$h/utf8/.env.$(printf 'prod\xff\xfe')"
printf 'DB_PASSWORD=hunter2\n' >"$h/unreadable/.env"
chmod 0000 "$h/unreadable/.env"
find "$h" -type f -name '.env*' ! -path '*/unreadable/*' -exec chmod 0600 {} +

scan_hostile() { timeout 60 "$ASSAY" scan "$h" --db "$tmp/h.db" --fail-on none -o "$tmp/h.json" >/dev/null 2>"$tmp/h.err"; }
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	# Root reads any file; run as nobody so that the unreadable file is.
	chmod 0777 "$tmp"
	chmod -R a+rX "$h/binary" "$h/huge" "$h/loop" "$h/utf8" "$h/fifo"
	chmod a+rx "$h" "$h/unreadable"
	chmod a+rw "$h/fifo/.env"
	timeout 60 setpriv --reuid=65534 --regid=65534 --clear-groups env HOME="$tmp" \
		"$ASSAY" scan "$h" --db "$tmp/h.db" --fail-on none -o "$tmp/h.json" >/dev/null 2>"$tmp/h.err"
	hrc=$?
else
	scan_hostile
	hrc=$?
fi
expect_eq "hostile tree: scan completes (exit 0)" 0 "$hrc"
if jq -e . "$tmp/h.json" >/dev/null 2>&1; then ok "hostile tree: JSON report is valid"; else not_ok "hostile tree JSON" "$(head -c 300 "$tmp/h.json")"; fi
expect_eq "hostile tree: run complete" complete "$(jq -r .run.status "$tmp/h.json")"
pe() { jq -r --arg p "$1" '.findings[] | select(.rule == "assay.parse-error" and .path == $p) | .message' "$tmp/h.json"; }
if grep -q "binary" <<<"$(pe binary/.env)"; then ok "binary .env: parse-error"; else not_ok "binary .env" "$(pe binary/.env)"; fi
if grep -q "larger than" <<<"$(pe huge/.env)"; then ok "200 MB .env: parse-error naming the cap"; else not_ok "huge .env" "$(pe huge/.env)"; fi
if grep -q "cannot read" <<<"$(pe unreadable/.env)"; then ok "unreadable .env: parse-error"; else not_ok "unreadable .env" "$(pe unreadable/.env) / $(cat "$tmp/h.err")"; fi
if grep -q "loop" "$tmp/h.err"; then ok "symlink loop: message on stderr"; else not_ok "symlink loop" "$(cat "$tmp/h.err")"; fi
if grep -q "fifo/.env: named like an env file but not a regular file" "$tmp/h.err"; then ok "FIFO named .env: skipped with a message"; else not_ok "fifo" "$(cat "$tmp/h.err")"; fi
if jq -r '.findings[].path' "$tmp/h.json" | grep -qF 'utf8/.env.prod\xFF\xFE'; then ok "invalid UTF-8 name: escaped path"; else not_ok "invalid utf-8 path" "$(jq -r '.findings[].path' "$tmp/h.json")"; fi
if grep -q "^assay: " "$tmp/h.err" && ! grep -qi "segmentation\|sanitizer\|runtime error" "$tmp/h.err"; then ok "hostile tree: messages, no crash"; else not_ok "hostile stderr" "$(cat "$tmp/h.err")"; fi

# --- Secrets never leave in clear: plant values, grep every output.
s="$tmp/secrets"
mkdir -p "$s"
planted=("Pl4ntedSecretValue-9a8b7c6d5e4f3g2h" "hunter2x" "Sh4redAcrossEnvs-1q2w3e4r5t6y7u8i")
printf 'DB_PASSWORD=%s\nSMTP_PASSWORD=%s\nJWT_SECRET=%s\n' "${planted[0]}" "${planted[1]}" "${planted[2]}" >"$s/.env.staging"
printf 'JWT_SECRET="%s"\nBROKEN LINE %s\n' "${planted[2]}" "${planted[0]}" >"$s/.env.production"
chmod 0644 "$s/.env.staging" "$s/.env.production"
"$ASSAY" scan "$s" --db "$tmp/s.db" --fail-on none -o "$tmp/s.json" -o "$tmp/s.txt" >"$tmp/s.out" 2>"$tmp/s.err"
"$ASSAY" report --db "$tmp/s.db" >"$tmp/s.report" 2>&1
expect_eq "planted: weak and shared secrets found" 3 \
	"$(jq '[.findings[] | select(.rule == "env.weak-secret" or .rule == "env.shared-secret")] | length' "$tmp/s.json")"
leaks=""
for v in "${planted[@]}"; do
	for f in "$tmp/s.db" "$tmp/s.db-wal" "$tmp/s.json" "$tmp/s.txt" "$tmp/s.out" "$tmp/s.err" "$tmp/s.report"; do
		[ -f "$f" ] && grep -qaF -- "$v" "$f" && leaks="$leaks $(basename "$f"):${v:0:6}…"
	done
done
expect_eq "planted secrets appear in no output, store or log" "" "$leaks"
