#!/usr/bin/env bash
# Git history end to end: --history finds a key committed and deleted two
# commits later (git.secret-in-history, with its commit and author) while a
# work-tree scan does not; --diff reports only what a branch added; bare
# repositories and shallow clones work; secrets found in history never
# appear in clear in any output.
set -u
. "$(dirname "$0")/../lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
repo="$tmp/repo"
mkdir -p "$repo"
cd "$repo" || exit 1
git init -q -b main .

commit_as() { # commit_as NAME EMAIL DATE MESSAGE
	GIT_AUTHOR_NAME="$1" GIT_AUTHOR_EMAIL="$2" GIT_AUTHOR_DATE="$3" GIT_COMMITTER_DATE="$3" \
		git commit -q --no-verify -m "$4"
}

# Fake credentials, assembled so that this script holds no whole token.
aws_key="AKIA""QZ7RTXMVB2KW4NPY"
gh_token="ghp_""R7vK2mPq9xL4tWz8nB3cY6dF1hJ5sG0aQeXy"
stripe_key="sk_live_""4eC39HqLyjWDarjtT1zdp7dcQ8"

echo "print('hello')" >app.py
git add app.py && commit_as Alice alice@example.com 2024-02-01T10:00:00Z "initial"
printf '[default]\naws_access_key_id = %s\n' "$aws_key" >creds.ini
git add creds.ini && commit_as Mallory mallory@example.com 2024-02-02T10:00:00Z "add credentials"
key_commit=$(git rev-parse HEAD)
echo "print('two')" >>app.py && git add app.py && commit_as Bob bob@example.com 2024-02-03T10:00:00Z "two"
git rm -q creds.ini && commit_as Bob bob@example.com 2024-02-04T10:00:00Z "remove credentials"
printf 'GITHUB_TOKEN = "%s"\n' "$gh_token" >deploy.py
git add deploy.py && commit_as Carol carol@example.com 2024-02-05T10:00:00Z "deploy script"
token_commit=$(git rev-parse HEAD)

run_assay scan . --history --db "$tmp/h.db" --fail-on none -q -o "$tmp/h.json"
expect_eq "--history: exit 0 with --fail-on none" 0 "$RC"
hist=$(jq -c '[.findings[] | select(.rule == "git.secret-in-history")]' "$tmp/h.json")
expect_eq "--history: one git.secret-in-history" 1 "$(jq length <<<"$hist")"
expect_eq "--history: the commit that added the key" "$key_commit" "$(jq -r '.[0].commit' <<<"$hist")"
expect_eq "--history: its author" "Mallory <mallory@example.com>" "$(jq -r '.[0].author' <<<"$hist")"
expect_eq "--history: its date" "2024-02-02T10:00:00Z" "$(jq -r '.[0].date' <<<"$hist")"
expect_eq "--history: its path and line" "creds.ini:2" "$(jq -r '.[0].path + ":" + (.[0].line | tostring)' <<<"$hist")"
expect_eq "--history: the AWS key carries its own severity" high "$(jq -r '.[0].severity' <<<"$hist")"
# The token still in HEAD is reported once, under its own rule, with history.
gh=$(jq -c '[.findings[] | select(.rule == "secret.github-pat")]' "$tmp/h.json")
expect_eq "--history: secret still in HEAD reported once" 1 "$(jq length <<<"$gh")"
expect_eq "--history: it learns its first commit" "$token_commit" "$(jq -r '.[0].commit' <<<"$gh")"

run_assay scan . --db "$tmp/h.db" --fail-on none -q -o "$tmp/w.json"
expect_eq "work-tree scan: nothing for the deleted key" 0 \
	"$(jq '[.findings[] | select(.rule == "git.secret-in-history" or .rule == "secret.aws-access-key-id")] | length' "$tmp/w.json")"
expect_eq "work-tree scan: the token in HEAD" 1 "$(count_rule "$tmp/w.json" secret.github-pat)"
expect_eq "work-tree scan: no commit without --history" null "$(jq -r '[.findings[] | select(.rule == "secret.github-pat")][0].commit' "$tmp/w.json")"

# --diff: a branch that adds one secret, over a base with old debt.
git checkout -q -b feature
echo "print('feature')" >>app.py && git add app.py && commit_as Dan dan@example.com 2024-03-01T10:00:00Z "feature"
printf 'STRIPE_KEY = "%s"\n' "$stripe_key" >pay.py
git add pay.py && commit_as Dan dan@example.com 2024-03-02T10:00:00Z "payments"
pay_commit=$(git rev-parse HEAD)
run_assay scan . --diff main --db "$tmp/h.db" -o "$tmp/d.json"
expect_eq "--diff main: exit 1 for the new critical secret" 1 "$RC"
expect_eq "--diff main: exactly one finding" 1 "$(jq '.findings | length' "$tmp/d.json")"
expect_eq "--diff main: the one the branch added" "secret.stripe-live-key pay.py:1 $pay_commit" \
	"$(jq -r '.findings[0] | "\(.rule) \(.path):\(.line) \(.commit)"' "$tmp/d.json")"
run_assay scan . --diff main..feature --db "$tmp/h.db" --fail-on none -q -o "$tmp/d2.json"
expect_eq "--diff main..feature: same finding" 1 "$(jq '.findings | length' "$tmp/d2.json")"
run_assay scan . --diff feature --db "$tmp/h.db" -q
expect_eq "--diff on an empty range: exit 0" 0 "$RC"
run_assay scan . --diff no-such-branch --db "$tmp/h.db"
if [ "$RC" -eq 2 ] && grep -q "no-such-branch" <<<"$ERR"; then ok "--diff unknown revision: exit 2"; else not_ok "--diff unknown revision" "exit $RC: $ERR"; fi
run_assay scan . --diff main --history --db "$tmp/h.db"
expect_eq "--diff with --history: exit 2" 2 "$RC"
mkdir -p "$tmp/plain"
run_assay scan "$tmp/plain" --history --db "$tmp/h.db"
if [ "$RC" -eq 2 ] && grep -q "not in one" <<<"$ERR"; then ok "--history outside git: exit 2"; else not_ok "--history outside git" "exit $RC: $ERR"; fi

# A bare repository: HEAD's content by default, history with --history.
git checkout -q main
git clone -q --bare "$repo" "$tmp/bare.git"
run_assay scan "$tmp/bare.git" --db "$tmp/h.db" --fail-on none -q -o "$tmp/b.json"
expect_eq "bare: kind" git-bare "$(jq -r '.run.inputs[0].kind' "$tmp/b.json")"
expect_eq "bare: HEAD's token found" 1 "$(count_rule "$tmp/b.json" secret.github-pat)"
expect_eq "bare: no history without --history" 0 "$(count_rule "$tmp/b.json" git.secret-in-history)"
run_assay scan "$tmp/bare.git" --history --db "$tmp/h.db" --fail-on none -q -o "$tmp/bh.json"
# The key deleted on main, and the Stripe key that only the feature branch holds.
expect_eq "bare --history: secrets not in HEAD, on any ref" "creds.ini pay.py" \
	"$(jq -r '[.findings[] | select(.rule == "git.secret-in-history") | .path] | sort | join(" ")' "$tmp/bh.json")"
expect_eq "bare --history: HEAD's token once" 1 "$(count_rule "$tmp/bh.json" secret.github-pat)"

# A shallow clone: scanned, with the missing history said.
git clone -q --depth 1 "file://$repo" "$tmp/shallow"
run_assay scan "$tmp/shallow" --history --db "$tmp/h.db" --fail-on none -q -o "$tmp/s.json"
expect_eq "shallow --history: completes" "0 complete" "$RC $(jq -r .run.status "$tmp/s.json")"
if jq -r '.notices[].message' "$tmp/s.json" | grep -q "shallow clone"; then ok "shallow clone: stated in the output"; else not_ok "shallow notice" "$(jq -c .notices "$tmp/s.json")"; fi
expect_eq "shallow: HEAD's token still found" 1 "$(count_rule "$tmp/s.json" secret.github-pat)"

# No planted secret in clear anywhere.
"$ASSAY" report --db "$tmp/h.db" --run latest >"$tmp/report.txt" 2>&1
leaks=""
for v in "$aws_key" "$gh_token" "$stripe_key"; do
	for f in "$tmp"/*.json "$tmp/h.db" "$tmp/h.db-wal" "$tmp/report.txt"; do
		[ -f "$f" ] && grep -qaF -- "$v" "$f" && leaks="$leaks $(basename "$f")"
	done
done
expect_eq "history: planted secrets appear in no output or store" "" "$leaks"

# Blobs are read and searched by several workers, but recorded in walk
# order: a key first committed in a large file keeps that commit even when
# the next commit's small file, holding the same key, is searched first.
order="$tmp/order"
mkdir -p "$order" && cd "$order" && git init -q -b main .
{ yes 'filler line without anything secret in it' | head -c 8000000; printf 'aws_access_key_id = %s\n' "$aws_key"; } >big.txt
git add big.txt && commit_as Erin erin@example.com 2024-04-01T10:00:00Z "big file"
big_commit=$(git rev-parse HEAD)
printf 'aws_access_key_id = %s\n' "$aws_key" >small.txt
git add small.txt && commit_as Frank frank@example.com 2024-04-02T10:00:00Z "small file"
git rm -q big.txt small.txt && commit_as Frank frank@example.com 2024-04-03T10:00:00Z "remove both"
run_assay scan . --history --db "$tmp/o.db" --fail-on none -q -o "$tmp/o.json"
expect_eq "history order: the key's first commit is the big file's" "$big_commit big.txt Erin <erin@example.com>" \
	"$(jq -r '.findings[] | select(.rule == "git.secret-in-history") | "\(.commit) \(.path) \(.author)"' "$tmp/o.json")"
cd "$tmp" || exit 1
