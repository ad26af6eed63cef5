#!/usr/bin/env bash
# The PDF audit report (docs/report-pdf.md), read back as an auditor's
# tools would: qpdf checks its structure and outline, pdftotext its text.
# A real scan plants a secret (assembled here, so the repository holds no
# whole key) and a file under a UTF-8 path; pdf_fixture writes runs with
# profiles, controls, waivers and rule settings through the store API.
# The secret must appear nowhere: not in the text, not in the raw
# decompressed PDF, not in its decoded text strings.
set -u
. "$(dirname "$0")/../lib.sh"
tmp=$(mktemp -d "${BUILD:-/tmp}/e2e-pdf.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fixture="$BUILD/tools/pdf_fixture"
export SOURCE_DATE_EPOCH=1700000000
db="$tmp/a.db"

# The text of every string drawn on the pages: libharu writes UTF-8 text as
# hex-encoded 16-bit codes, which a plain grep of the file cannot see.
pdf_strings() { # pdf_strings QDF_FILE
	perl -0777 -ne 'binmode STDOUT, ":utf8";
		while (/<([0-9A-Fa-f\s]*)>\s*Tj/g) { (my $h = $1) =~ s/\s//g;
			print join("", map { chr } unpack("n*", pack("H*", $h))), "\n" }' "$1"
}

# Every word inside the margins (A4, 48 pt left and right): prints the
# words that are not.
off_page() { # off_page PDF
	pdftotext -bbox "$1" - 2>/dev/null | grep '<word' |
		awk -F'"' '$2 < 47.5 || $6 > 547.8 || $4 < 10 || $8 > 832 { print }' | head -3
}

# ---- a real scan: a planted secret and a UTF-8 path ----
app="$tmp/app"
mkdir -p "$app/café/设定"
aws_id="AKIA""PDFPL4NTEDKEY7QW"
aws_secret="wJalrXUtnFEMI""K7MDENGbPxRfiCYPl4ntedK3yZ"
printf 'AWS_ACCESS_KEY_ID=%s\nAWS_SECRET_ACCESS_KEY=%s\n' "$aws_id" "$aws_secret" >"$app/.env"
chmod 0644 "$app/.env"
cat >"$app/café/设定/файл.yaml" <<'EOF'
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: shop
spec:
  containers:
    - name: web
      image: nginx:1.25
      securityContext:
        privileged: true
EOF
make_git_repo "$app" # its own work tree: $tmp may lie in an ignored directory
cd "$tmp" || exit 1  # the scan's target is "app", a short relative path
run_assay scan app --db "$db" --fail-on none -q -o "$tmp/scan.pdf" -o "$tmp/scan.json"
expect_eq "scan -o x.pdf: exit 0" 0 "$RC"
check "scan -o x.pdf: qpdf --check passes" qpdf --check "$tmp/scan.pdf"
expect_eq "the secret was found" 1 \
	"$(jq '[.findings[] | select(.rule == "secret.aws-access-key-id")] | length' "$tmp/scan.json")"
pdftotext "$tmp/scan.pdf" "$tmp/scan.txt" 2>/dev/null
qpdf --qdf --object-streams=disable "$tmp/scan.pdf" "$tmp/scan.qdf" 2>/dev/null
pdf_strings "$tmp/scan.qdf" >"$tmp/scan.strings"
if grep -q "Executive summary" "$tmp/scan.strings"; then ok "decoded PDF strings hold the text"; else
	not_ok "decoded PDF strings" "no 'Executive summary' among $(wc -l <"$tmp/scan.strings") strings"; fi
leaks=""
for v in "$aws_id" "$aws_secret"; do
	for f in "$tmp/scan.pdf" "$tmp/scan.txt" "$tmp/scan.qdf" "$tmp/scan.strings"; do
		grep -qaF -- "$v" "$f" && leaks="$leaks $(basename "$f"):${v:0:6}"
	done
done
expect_eq "the planted secret appears nowhere in the PDF (text, raw, decoded strings)" "" "$leaks"
if grep -qF "café/设定/файл.yaml" "$tmp/scan.txt"; then ok "a UTF-8 path renders"; else
	not_ok "UTF-8 path" "$(grep -n 'yaml' "$tmp/scan.txt" | head -3)"; fi
expect_eq "nothing drawn off the page (scan)" "" "$(off_page "$tmp/scan.pdf")"
missing=""
for c in $(sqlite3 "$db" "select distinct control from control_results where run_id = 1"); do
	grep -qF -- "$c" "$tmp/scan.txt" || missing="$missing $c"
done
if [ "$(sqlite3 "$db" "select count(*) from control_results where run_id = 1")" -gt 0 ] && [ -z "$missing" ]; then
	ok "every control of the scan's profiles is in the PDF"; else not_ok "scan controls" "missing:$missing"; fi
if grep -q "first complete run in this store" "$tmp/scan.txt"; then ok "first run: no changes to show, said so"; else
	not_ok "first run" "the sentence is missing"; fi
missing=""
for rule in $(jq -r '.findings[].rule' "$tmp/scan.json" | sort -u); do
	grep -qF -- "$rule" "$tmp/scan.txt" || missing="$missing $rule"
done
expect_eq "every rule id of the scan is in the PDF" "" "$missing"

# ---- runs with compliance rows: 1 complete, 2 failed, 3 complete ----
prev=$("$fixture" "$db" 20 0) && failed=$("$fixture" "$db" 5 100 failed) && run=$("$fixture" "$db" 40 5) ||
	not_ok "pdf_fixture" "could not write the runs"
run_assay report --db "$db" --run "$run" -o "$tmp/c.pdf"
expect_eq "report --run ID -o x.pdf: exit 0" 0 "$RC"
check "qpdf --check passes" qpdf --check "$tmp/c.pdf"
pdftotext "$tmp/c.pdf" "$tmp/c.txt" 2>/dev/null
pages=$(qpdf --show-npages "$tmp/c.pdf")
if [ "${pages:-0}" -gt 1 ]; then ok "more than one page ($pages)"; else not_ok "pages" "$pages"; fi
if grep -q "^page 1 of $pages$" "$tmp/c.txt" && grep -q "^page $pages of $pages$" "$tmp/c.txt"; then
	ok "page N of M on the first and last pages"; else not_ok "page N of M" "no 'page 1 of $pages'"; fi
expect_eq "nothing drawn off the page (long paths, tables)" "" "$(off_page "$tmp/c.pdf")"
# A table that continues on the next page repeats its header row there.
continued=0 repeated=0
for p in $(seq 1 "$pages"); do
	t=$(pdftotext -f "$p" -l "$p" "$tmp/c.pdf" - 2>/dev/null)
	grep -q "rules in the rule pack (continued)" <<<"$t" || continue
	continued=$((continued + 1))
	grep -q "^In this run$" <<<"$t" && repeated=$((repeated + 1))
done
if [ "$continued" -ge 1 ] && [ "$continued" = "$repeated" ]; then
	ok "a table across $((continued + 1)) pages repeats its header row"; else
	not_ok "repeated header" "$repeated of $continued continued pages have it"; fi
sections=("Executive summary" "Control matrix" "Findings" "Waivers" "Changes since the previous run" "Appendix")
missing=""
for s in "${sections[@]}"; do grep -qx -- "$s" "$tmp/c.txt" || missing="$missing '$s'"; done
expect_eq "every section heading is in the text" "" "$missing"
outline=$(qpdf --json --json-key=outlines "$tmp/c.pdf" | jq -r '.outlines[].title')
missing=""
for s in Cover "${sections[@]}"; do grep -qx -- "$s" <<<"$outline" || missing="$missing '$s'"; done
expect_eq "the outline has an entry per section" "" "$missing"
expect_eq "the outline nests subsections" yes \
	"$(qpdf --json --json-key=outlines "$tmp/c.pdf" | jq -r '[.outlines[] | select(.title == "Findings") | .kids[].title] | if index("High severity") then "yes" else . end')"
missing=""
for c in $(sqlite3 "$db" "select control from control_results where run_id = $run"); do
	grep -qF -- "$c" "$tmp/c.txt" || missing="$missing $c"
done
expect_eq "every control id of the run is in the PDF" "" "$missing"
missing=""
for rule in $("$ASSAY" report --db "$db" --run "$run" --format json | jq -r '.findings[].rule' | sort -u); do
	grep -qF -- "$rule" "$tmp/c.txt" || missing="$missing $rule"
done
expect_eq "every finding's rule id is in the PDF" "" "$missing"
missing=""
for w in PASS FAIL WAIVED N/A "NOT ASSESSED" ACTIVE EXPIRING EXPIRED CRITICAL HIGH MEDIUM LOW; do
	grep -qF -- "$w" "$tmp/c.txt" || missing="$missing '$w'"
done
expect_eq "statuses are written as words, not colour alone" "" "$missing"
for s in "Acme Ünïcode GmbH" "billing-платёж" "données/配置/файл-7.yaml" "Compared with run $prev of"; do
	if grep -qF -- "$s" "$tmp/c.txt"; then ok "text: $s"; else not_ok "text" "'$s' is missing"; fi
done
# PDFDocEncoding has no Cyrillic: document info says '?' where the pages say платёж.
expect_eq "document info: title, from the run" "assay audit report — billing-?????? — run $run" \
	"$(pdfinfo "$tmp/c.pdf" | sed -n 's/^Title: *//p')"
expect_eq "document info: the run's date, not the clock" "Tue Nov 14 22:13:20 2023 UTC" \
	"$(pdfinfo "$tmp/c.pdf" | sed -n 's/^CreationDate: *//p')"
run_assay report --db "$db" --run "$run" -o "$tmp/c2.pdf"
check "a run re-renders byte for byte" cmp "$tmp/c.pdf" "$tmp/c2.pdf"
"$ASSAY" report --db "$db" --run "$failed" --format pdf >"$tmp/failed.pdf" 2>/dev/null
if qpdf --check "$tmp/failed.pdf" >/dev/null 2>&1 && pdftotext "$tmp/failed.pdf" - 2>/dev/null | grep -q "did not complete"; then
	ok "a failed run renders, and says it is not complete"; else not_ok "failed run" "no valid PDF or no warning"; fi
"$ASSAY" report --db "$db" --run "$run" --format pdf >"$tmp/stdout.pdf" 2>/dev/null
check "--format pdf on standard output" qpdf --check "$tmp/stdout.pdf"

# ---- a run without profiles, controls or waivers: sections say so ----
bare=$("$fixture" "$db" 3 200 bare)
"$ASSAY" report --db "$db" --run "$bare" -o "$tmp/bare.pdf" 2>/dev/null
pdftotext "$tmp/bare.pdf" "$tmp/bare.txt" 2>/dev/null
missing=""
for s in "No profile was selected for this run" "there is no control matrix" "No waiver from a configuration" \
	"None: every rule ran"; do
	grep -qF -- "$s" "$tmp/bare.txt" || missing="$missing '$s'"
done
expect_eq "empty sections render gracefully" "" "$missing"

# ---- fonts missing or broken: one line naming the file, exit 3, no file ----
mkdir -p "$tmp/nofonts" "$tmp/badfonts"
for f in DejaVuSans.ttf DejaVuSans-Bold.ttf DejaVuSansMono.ttf; do printf 'not a font\n' >"$tmp/badfonts/$f"; done
ASSAY_FONT_DIR="$tmp/nofonts" run_assay report --db "$db" --run "$run" -o "$tmp/nf.pdf"
expect_eq "no font: exit 3" 3 "$RC"
if [ "$(wc -l <<<"$ERR")" = 1 ] && grep -q "DejaVuSans.ttf" <<<"$ERR"; then ok "no font: one line naming the file"; else
	not_ok "no font message" "$ERR"; fi
expect_eq "no font: no report file, no temporary file" "" "$(ls "$tmp" | grep '^nf\.pdf')"
before=$(sqlite3 "$db" "select count(*) from runs")
ASSAY_FONT_DIR="$tmp/nofonts" run_assay scan app --db "$db" -q -o "$tmp/nf.pdf"
expect_eq "no font: scan -o x.pdf stops before scanning" "3 $before" "$RC $(sqlite3 "$db" "select count(*) from runs")"
ASSAY_FONT_DIR="$tmp/badfonts" run_assay report --db "$db" --run "$run" -o "$tmp/bf.pdf"
if [ "$RC" = 3 ] && [ "$(wc -l <<<"$ERR")" = 1 ] && grep -q "DejaVuSans.ttf" <<<"$ERR"; then
	ok "a broken font: exit 3, one line naming it"; else not_ok "broken font" "exit $RC: $ERR"; fi
run_assay report --db "$db" --run "$run" -o "$tmp/no/such/dir/x.pdf"
expect_eq "an unwritable path: exit 3" 3 "$RC"
