#!/usr/bin/env bash
# The run lifecycle in the store: a run stopped half-way never reads as
# complete, whether it was told to stop (SIGTERM: marked failed at once)
# or killed (SIGKILL: left running, then marked failed by the next scan).
set -u
. "$(dirname "$0")/../lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# A tree big enough that the scan is still running when the signal comes.
big="$tmp/big"
mkdir -p "$big"
for d in $(seq 1 600); do
	mkdir -p "$big/d$d"
	for f in $(seq 1 25); do
		printf 'DB_PASSWORD=short%d\nAPI_KEY=changeme\nPORT=%d\n' "$f" "$f" >"$big/d$d/.env.s$f"
	done
done
chmod -R a+r "$big"

status_of() { sqlite3 "$1" "select status from runs where id = $2"; }

# Signals the scan as soon as its run is in the store (the scan is then
# walking the tree, which takes it a good part of a second), rather than
# after a fixed time that a faster scan outruns.
stop_midway() { # stop_midway SIGNAL DB
	"$ASSAY" scan "$big" --db "$2" --fail-on none -q &
	local pid=$! tries=0
	until [ "$(sqlite3 "$2" "select count(*) from runs where status = 'running'" 2>/dev/null)" = 1 ] ||
		[ $tries -ge 500 ]; do
		sleep 0.01
		tries=$((tries + 1))
	done
	kill -"$1" "$pid" 2>/dev/null
	wait "$pid"
	echo $?
}

rc=$(stop_midway TERM "$tmp/term.db")
st=$(status_of "$tmp/term.db" 1)
if [ "$rc" = 0 ] && [ "$st" = complete ]; then
	not_ok "SIGTERM mid-scan" "the scan finished before the signal; make the tree bigger"
else
	expect_eq "SIGTERM mid-scan: exit 3" 3 "$rc"
	expect_eq "SIGTERM mid-scan: run marked failed" failed "$st"
fi

rc=$(stop_midway KILL "$tmp/kill.db")
st=$(status_of "$tmp/kill.db" 1)
if [ "$st" = complete ]; then
	not_ok "SIGKILL mid-scan" "the scan finished before the signal"
else
	expect_eq "SIGKILL mid-scan: run left running, not complete" running "$st"
	run_assay report --db "$tmp/kill.db" --run latest
	expect_eq "report latest ignores the killed run" 2 "$RC"
	run_assay scan "$tmp/big/d1" --db "$tmp/kill.db" --fail-on none -q
	expect_eq "next scan marks the killed run failed" failed "$(status_of "$tmp/kill.db" 1)"
	run_assay runs --db "$tmp/kill.db"
	if grep -qE '^ +1 .* failed ' <<<"$OUT" && grep -q "interrupted" <<<"$OUT"; then ok "runs lists the killed run as failed"; else not_ok "runs" "$OUT"; fi
fi

# Every complete run chains to the one before it.
prev=$(sqlite3 "$tmp/kill.db" "select prev_hash from runs where id = 2")
expect_eq "first complete run chains to zeros" "0000000000000000000000000000000000000000000000000000000000000000" "$prev"
"$ASSAY" scan "$tmp/big/d2" --db "$tmp/kill.db" --fail-on none -q
expect_eq "run 3 chains to run 2" "$(sqlite3 "$tmp/kill.db" "select chain_hash from runs where id = 2")" \
	"$(sqlite3 "$tmp/kill.db" "select prev_hash from runs where id = 3")"
expect_eq "store schema version" 6 "$(sqlite3 "$tmp/kill.db" "pragma user_version")"
expect_eq "store uses WAL" wal "$(sqlite3 "$tmp/kill.db" "pragma journal_mode")"

# assay diff: new, fixed and persisting by fingerprint.
d="$tmp/diff"
mkdir -p "$d"
printf 'APP=x\n' >"$d/.env"
chmod 0644 "$d/.env"
printf 'APP=y\n' >"$d/.env.old"
"$ASSAY" scan "$d" --db "$tmp/d.db" --fail-on none -q
chmod 0600 "$d/.env"
rm "$d/.env.old"
printf 'DB_PASSWORD=hunter2\n' >"$d/.env.production"
chmod 0600 "$d/.env.production"
"$ASSAY" scan "$d" --db "$tmp/d.db" --fail-on none -q
run_assay diff previous latest --db "$tmp/d.db"
expect_eq "diff: counts" "1 new, 3 fixed, 0 persisting" "$(tail -1 <<<"$OUT")"
run_assay diff 1 2 --db "$tmp/d.db" --format json
expect_eq "diff json: the new finding" env.weak-secret "$(jq -r '.new[0].rule' <<<"$OUT")"
expect_eq "diff json: fixed" 3 "$(jq '.fixed | length' <<<"$OUT")"
run_assay diff 1 --db "$tmp/d.db"
expect_eq "diff with one run: exit 2" 2 "$RC"

# assay verify: an edited row and a removed run are both named.
run_assay verify --db "$tmp/d.db"
if [ "$RC" -eq 0 ] && grep -q "verified 2 complete runs" <<<"$OUT"; then ok "verify: intact chain"; else not_ok "verify intact" "$RC $OUT"; fi
cp "$tmp/d.db" "$tmp/edited.db"
sqlite3 "$tmp/edited.db" "update findings set severity = 0 where run_id = 1"
run_assay verify --db "$tmp/edited.db"
if [ "$RC" -eq 1 ] && grep -q "^run 1: its content" <<<"$OUT"; then ok "verify: an edited finding is named by run"; else not_ok "verify edited" "$RC $OUT"; fi
cp "$tmp/d.db" "$tmp/removed.db"
"$ASSAY" scan "$d" --db "$tmp/removed.db" --fail-on none -q
sqlite3 "$tmp/removed.db" "pragma foreign_keys=on; delete from runs where id = 2"
run_assay verify --db "$tmp/removed.db"
if [ "$RC" -eq 1 ] && grep -q "^run 3: the chain is broken" <<<"$OUT"; then ok "verify: a removed run breaks the chain at the next"; else not_ok "verify removed" "$RC $OUT"; fi

# The by-hand recomputation in docs/store.md, run as written there, gives
# the content hash assay sealed the run with: for a run with findings of
# every kind of field (the demo), and for one without any finding.
by_hand() { # by_hand DB RUN: the documented commands, with db and run set
	local script
	script=$(awk '/^## Recomputing the hashes by hand/ { on = 1 } on && /^    db=/ { grab = 1 }
		grab && /^    # must equal:/ { exit } grab { sub(/^    /, ""); print }' "$(dirname "$0")/../../docs/store.md")
	script=$(sed "s|^db=.assay/assay.db run=7|db='$1' run=$2|" <<<"$script")
	bash -c "$script" | cut -c1-64
}
demo="$tmp/demo"
cp -r "$(dirname "$0")/../../fixtures/demo" "$demo"
"$ASSAY" scan "$demo" --db "$tmp/hand.db" --fail-on none -q
mkdir -p "$tmp/empty"
"$ASSAY" scan "$tmp/empty" --db "$tmp/hand.db" --fail-on none -q
for run in 1 2; do
	expect_eq "docs/store.md recomputes run $run's content hash by hand" \
		"$(sqlite3 "$tmp/hand.db" "select content_hash from runs where id = $run")" "$(by_hand "$tmp/hand.db" $run)"
done
expect_eq "the demo run has findings to hash" 1 "$(sqlite3 "$tmp/hand.db" "select count(*) > 10 from findings where run_id = 1")"
