#!/usr/bin/env bash
# The whole test suite. Arguments name the builds to test, each as
# BUILD_DIR:ASSAY_BINARY (for example build/rel:./assay build/san:build/san/assay).
# For each build it runs the cmocka unit tests, replays the fuzz corpora,
# runs every rule's fixtures and the end-to-end tests, and ends with the
# line "N passed, N failed". VALGRIND=1 runs everything under valgrind.
set -u
cd "$(dirname "$0")/.."
root=$(pwd)
passed=0 failed=0
failures=()

record() { # record VARIANT LINE
	local variant="$1" line="$2"
	case "$line" in
	"ok "*)
		passed=$((passed + 1))
		[ "${VERBOSE:-0}" = 1 ] && echo "PASS [$variant] ${line#ok - }"
		;;
	"not ok "*)
		failed=$((failed + 1))
		failures+=("[$variant] ${line#not ok - }")
		echo "FAIL [$variant] ${line#not ok - }"
		;;
	esac
}

run_unit() { # run_unit VARIANT BUILD
	local variant="$1" build="$2" t out rc name
	for t in "$build"/tests/test_*; do
		[ -x "$t" ] || continue
		name=$(basename "$t")
		if [ "${VALGRIND:-0}" = 1 ]; then
			out=$(CMOCKA_MESSAGE_OUTPUT=TAP valgrind -q --error-exitcode=99 --leak-check=full \
				--errors-for-leak-kinds=definite "$t" 2>&1)
		else
			out=$(CMOCKA_MESSAGE_OUTPUT=TAP "$t" 2>&1)
		fi
		rc=$?
		while IFS= read -r line; do
			case "$line" in
			"ok "*) record "$variant" "ok - unit/$name/${line#ok * - }" ;;
			"not ok "*) record "$variant" "not ok - unit/$name/${line#not ok * - }: see output" ;;
			esac
		done <<<"$out"
		if [ $rc -ne 0 ] && ! grep -q '^not ok' <<<"$out"; then
			record "$variant" "not ok - unit/$name: exited $rc"
			printf '%s\n' "$out" | tail -20
		elif [ $rc -ne 0 ]; then
			printf '%s\n' "$out" | grep -v '^ok' | head -40
		fi
	done
}

run_fuzz_replay() { # run_fuzz_replay VARIANT BUILD
	local variant="$1" build="$2" f name out
	for f in "$build"/fuzz/fuzz_*; do
		[ -x "$f" ] || continue
		name=$(basename "$f")
		if out=$("$f" "tests/fuzz/corpus/${name#fuzz_}" 2>&1); then
			record "$variant" "ok - fuzz-replay/$name ($(tail -1 <<<"$out"))"
		else
			record "$variant" "not ok - fuzz-replay/$name: crashed"
			printf '%s\n' "$out" | tail -30
		fi
	done
}

run_scripts() { # run_scripts VARIANT ASSAY SCRIPT...
	local variant="$1" assay="$2" s line
	shift 2
	for s in "$@"; do
		while IFS= read -r line; do
			case "$line" in
			"ok "* | "not ok "*) record "$variant" "$line" ;;
			*) echo "  $line" ;;
			esac
		done < <(ASSAY="$root/$assay" BUILD="$root/$build" bash "$s" 2>&1)
	done
}

[ $# -gt 0 ] || set -- build/rel:./assay
for spec in "$@"; do
	build=${spec%%:*}
	assay=${spec#*:}
	variant=$(basename "$build")
	[ "${VALGRIND:-0}" = 1 ] && variant="$variant+valgrind"
	if [ ! -x "$assay" ]; then
		record "$variant" "not ok - build: $assay is missing (run make)"
		continue
	fi
	run_unit "$variant" "$build"
	run_fuzz_replay "$variant" "$build"
	run_scripts "$variant" "$assay" tests/rules.sh tests/e2e/*.sh
done

if [ ${#failures[@]} -gt 0 ]; then
	echo
	echo "failures:"
	printf '  %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
