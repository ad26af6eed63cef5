#!/usr/bin/env bash
# assay prune: all but the newest N complete runs go, their hashes stay,
# and assay verify still walks the chain through them; a run removed by
# hand (or a pruned run's record removed, altered or forged in the middle
# of the history) still fails verify, naming the run.
set -u
. "$(dirname "$0")/../lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

d="$tmp/tree"
mkdir -p "$d"
printf 'DB_PASSWORD=hunter2\n' >"$d/.env"
chmod 0644 "$d/.env"
db="$tmp/a.db"
for i in 1 2; do "$ASSAY" scan "$d" --db "$db" -q --fail-on none; done
# A failed run between the complete ones (as a scan stopped by a signal
# leaves it): pruned with them.
sqlite3 "$db" "insert into runs (status, started_at, tool_version, error) values
	('failed', '2025-01-01T00:00:00Z', '0', 'stopped by a signal')"
for i in 4 5; do "$ASSAY" scan "$d" --db "$db" -q --fail-on none; done
expect_eq "four complete runs and a failed one" "1 2 4 5|3" \
	"$(sqlite3 "$db" "select group_concat(id, ' ') from runs where status = 'complete'")|$(sqlite3 "$db" "select id from runs where status = 'failed'")"

run_assay prune --db "$db"
expect_eq "prune without --keep: exit 2" 2 "$RC"
run_assay prune --keep 0 --db "$db"
expect_eq "prune --keep 0: exit 2" 2 "$RC"

run_assay prune --keep 2 --dry-run --db "$db"
if [ "$RC" -eq 0 ] && grep -qE '^ +1 .* complete ' <<<"$OUT" && grep -qE '^ +2 .* complete ' <<<"$OUT" &&
	grep -qE '^ +3 .* failed ' <<<"$OUT" && ! grep -qE '^ +4 ' <<<"$OUT" &&
	grep -q "^would prune runs 1-3: 2 complete .* and 1 failed; the oldest run kept is 4" <<<"$OUT"; then
	ok "prune --dry-run lists what would go"
else not_ok "prune --dry-run" "$RC $OUT"; fi
expect_eq "prune --dry-run changes nothing" 5 "$(sqlite3 "$db" "select count(*) from runs")"

chain2=$(sqlite3 "$db" "select chain_hash from runs where id = 2")
run_assay prune --keep 2 --db "$db"
if [ "$RC" -eq 0 ] && grep -q "^pruned runs 1-3: 2 complete" <<<"$OUT"; then ok "prune --keep 2"; else not_ok "prune --keep 2" "$RC $OUT"; fi
expect_eq "pruned: two runs left" "4 5" "$(sqlite3 "$db" "select group_concat(id, ' ') from runs")"
expect_eq "pruned: their findings are gone" 0 "$(sqlite3 "$db" "select count(*) from findings where run_id < 4")"
expect_eq "pruned: their hashes are kept" "$chain2" "$(sqlite3 "$db" "select chain_hash from pruned_runs where id = 2")"
expect_eq "store schema version 6" 6 "$(sqlite3 "$db" "pragma user_version")"
run_assay report --db "$db" --run 1
if [ "$RC" -eq 2 ] && grep -q "run 1 was pruned on .*: its hashes are kept, its content is not" <<<"$ERR"; then
	ok "report of a pruned run: exit 2, saying it was pruned"
else not_ok "report pruned run" "$RC $ERR"; fi

run_assay verify --db "$db"
if [ "$RC" -eq 0 ] && grep -q "^runs 1-3 pruned on .* (2 complete, 1 failed): their hashes are kept, their content is not" <<<"$OUT" &&
	grep -q "^verified 2 complete runs and the hashes of 2 pruned runs" <<<"$OUT"; then
	ok "verify passes after a prune and says what was pruned"
else not_ok "verify after prune" "$RC $OUT"; fi
run_assay runs --db "$db"
if grep -qE '^ +1-3  [0-9T:-]+Z  pruned +2 complete .*, 1 failed' <<<"$OUT" && grep -qE '^ +5 ' <<<"$OUT"; then
	ok "runs shows the pruned range"
else not_ok "runs pruned range" "$OUT"; fi

# The next scan (6) chains to run 5, and the chain still holds.
"$ASSAY" scan "$d" --db "$db" -q --fail-on none
run_assay verify --db "$db"
expect_eq "verify after a scan that follows a prune" 0 "$RC"

# A kept run deleted by hand: named, and the chain breaks at the next.
cp "$db" "$tmp/removed.db"
sqlite3 "$tmp/removed.db" "pragma foreign_keys=on; delete from runs where id = 4"
run_assay verify --db "$tmp/removed.db"
if [ "$RC" -eq 1 ] && grep -q "^run 4: missing: removed without 'assay prune'" <<<"$OUT" &&
	grep -q "^run 5: the chain is broken before it" <<<"$OUT"; then
	ok "verify names a kept run deleted by hand"
else not_ok "verify deleted run" "$RC $OUT"; fi
# The newest run deleted by hand: ids are never reused, so it is missed too.
cp "$db" "$tmp/newest.db"
sqlite3 "$tmp/newest.db" "pragma foreign_keys=on; delete from runs where id = 6"
run_assay verify --db "$tmp/newest.db"
if [ "$RC" -eq 1 ] && grep -q "^run 6: missing" <<<"$OUT"; then ok "verify names the newest run deleted by hand"; else not_ok "verify newest deleted" "$RC $OUT"; fi

# An edited row of a kept run.
cp "$db" "$tmp/edited.db"
sqlite3 "$tmp/edited.db" "update findings set severity = 0 where run_id = 5"
run_assay verify --db "$tmp/edited.db"
if [ "$RC" -eq 1 ] && grep -q "^run 5: its content .* was altered" <<<"$OUT"; then ok "verify names an edited row after a prune"; else not_ok "verify edited" "$RC $OUT"; fi

# A pruned run's record removed, or altered.
cp "$db" "$tmp/record.db"
sqlite3 "$tmp/record.db" "delete from pruned_runs where id = 1"
run_assay verify --db "$tmp/record.db"
if [ "$RC" -eq 1 ] && grep -q "^run 1: missing" <<<"$OUT" && grep -q "^run 2 (pruned): the chain is broken" <<<"$OUT"; then
	ok "verify: a pruned run's record removed"
else not_ok "verify removed record" "$RC $OUT"; fi
cp "$db" "$tmp/altered.db"
sqlite3 "$tmp/altered.db" "drop trigger pruned_runs_are_final;
	update pruned_runs set content_hash = replace(content_hash, substr(content_hash, 1, 1), 'x') where id = 2"
run_assay verify --db "$tmp/altered.db"
if [ "$RC" -eq 1 ] && grep -q "^run 2 (pruned): its recorded hashes do not chain" <<<"$OUT"; then
	ok "verify: a pruned run's record altered"
else not_ok "verify altered record" "$RC $OUT"; fi

# A run in the middle deleted and replaced by a forged record with its real
# hashes: prune removes only the oldest runs, so the record is refused.
cp "$db" "$tmp/forged.db"
sqlite3 "$tmp/forged.db" "pragma foreign_keys=on;
	create temp table x as select * from runs where id = 5;
	delete from runs where id = 5;
	insert into pruned_runs select id, 'complete', started_at, finished_at, content_hash, prev_hash, chain_hash,
		'2025-01-01T00:00:00Z' from x"
run_assay verify --db "$tmp/forged.db"
if [ "$RC" -eq 1 ] && grep -q "^run 5: recorded as pruned, but the older run 4 is still in the store" <<<"$OUT"; then
	ok "verify: a forged record in the middle of the history"
else not_ok "verify forged record" "$RC $OUT"; fi

# A run whose content was altered stops the prune: pruning it would erase
# the evidence.
cp "$db" "$tmp/evidence.db"
sqlite3 "$tmp/evidence.db" "update findings set message = 'nothing to see' where run_id = 4"
run_assay prune --keep 1 --db "$tmp/evidence.db"
if [ "$RC" -eq 1 ] && grep -q "run 4 no longer matches its content hash: nothing was pruned" <<<"$ERR"; then
	ok "prune refuses to remove an altered run"
else not_ok "prune altered" "$RC $OUT $ERR"; fi
expect_eq "refused prune changes nothing" 3 "$(sqlite3 "$tmp/evidence.db" "select count(*) from runs")"

# Failed runs older than the oldest kept run go too; the prune is
# recorded run by run.
run_assay prune --keep 1 --db "$db"
if [ "$RC" -eq 0 ] && grep -q "^pruned runs 4-5: 2 complete .* and 0 failed; the oldest run kept is 6" <<<"$OUT"; then
	ok "a second prune"
else not_ok "second prune" "$RC $OUT"; fi
run_assay verify --db "$db"
if [ "$RC" -eq 0 ] && grep -q "the hashes of 4 pruned runs" <<<"$OUT"; then ok "verify after two prunes"; else not_ok "verify two prunes" "$RC $OUT"; fi
