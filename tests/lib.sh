# Shared shell helpers for the end-to-end and rule tests. Sourced by
# tests/run.sh and the scripts it runs; each test reports one line:
#   ok - NAME        or        not ok - NAME: why
# and tests/run.sh counts them.

: "${ASSAY:?ASSAY must name the assay binary under test}"

# A clean, reproducible environment: no user git config, fixed dates.
export HOME="${TEST_HOME:-$(mktemp -d)}"
export XDG_CONFIG_HOME="$HOME/.config"
export GIT_CONFIG_NOSYSTEM=1
export GIT_AUTHOR_NAME="Test Author" GIT_AUTHOR_EMAIL="author@example.com"
export GIT_COMMITTER_NAME="Test Author" GIT_COMMITTER_EMAIL="author@example.com"
export GIT_AUTHOR_DATE="2024-01-01T00:00:00Z" GIT_COMMITTER_DATE="2024-01-01T00:00:00Z"
export NO_COLOR=1
unset ASSAY_DB

ok() { echo "ok - $1"; }
not_ok() { echo "not ok - $1: $2"; }

# check NAME COMMAND...: ok when the command succeeds.
check() {
	local name="$1"; shift
	if "$@" >/dev/null 2>&1; then ok "$name"; else not_ok "$name" "failed: $*"; fi
}

# expect_eq NAME EXPECTED ACTUAL
expect_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "expected '$2', got '$3'"; fi
}

# run_assay ARGS...: runs the binary under test (under valgrind when
# VALGRIND=1), leaving stdout in $OUT, stderr in $ERR, status in $RC.
run_assay() {
	local o e
	o=$(mktemp) e=$(mktemp)
	if [ "${VALGRIND:-0}" = 1 ]; then
		valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
			"$ASSAY" "$@" >"$o" 2>"$e"
	else
		"$ASSAY" "$@" >"$o" 2>"$e"
	fi
	RC=$?
	OUT=$(cat "$o") ERR=$(cat "$e")
	rm -f "$o" "$e"
	# A sanitizer or valgrind report is a failure whatever the exit code.
	if grep -qE 'ERROR: (Address|Leak|Undefined)Sanitizer|runtime error:|== ?[0-9]+== ?(Invalid|Conditional|[0-9,]+ bytes in)' <<<"$ERR"; then
		echo "not ok - sanitizer or valgrind report in: assay $*" >&2
		printf '%s\n' "$ERR" | head -20 >&2
		RC=98
	fi
	return 0
}

# count_rule FILE.json RULE: how many findings of RULE the report holds.
count_rule() {
	jq --arg r "$2" '[.findings[] | select(.rule == $r)] | length' "$1"
}

# make_git_repo DIR: turns DIR into a git repository with everything in it
# committed at the fixed date (no hooks, no user config).
make_git_repo() {
	(cd "$1" && git init -q -b main . && git add -A && git commit -q -m "initial" --no-verify)
}
