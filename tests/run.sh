#!/usr/bin/env bash
# Runs the test suites and prints one closing line "total: N passed, N failed".
#   tests/run.sh --build DIR [--san DIR] [--only unit|cli|integration] [--valgrind]
# Unit tests are cmocka binaries in DIR/tests/unit; CLI and integration tests
# are scripts in tests/cli and tests/integration that print
# "N passed, N failed" as their last line. With --san the unit and CLI
# suites run a second time against the ASan+UBSan build.
set -u
cd "$(dirname "$0")/.."
build=build san= only= vg=
while [ $# -gt 0 ]; do
	case "$1" in
	--build) build=$2; shift ;;
	--san) san=$2; shift ;;
	--only) only=$2; shift ;;
	--valgrind) vg=1 ;;
	*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done

passed=0 failed=0 failures=()
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS=exitcode=99

count_line() { # parses "N passed, N failed" from the last matching line of $1
	local line p f
	line=$(grep -E '^([A-Za-z-]+: )?[0-9]+ passed, [0-9]+ failed' "$1" | tail -n 1)
	p=$(sed -E 's/^([A-Za-z-]+: )?([0-9]+) passed.*/\2/' <<<"$line")
	f=$(sed -E 's/^([A-Za-z-]+: )?[0-9]+ passed, ([0-9]+) failed.*/\2/' <<<"$line")
	echo "${p:-0} ${f:-0}"
}

run_unit() { # $1 build dir
	local b t out rc p f
	for b in "$1"/tests/unit/test_*; do
		[ -x "$b" ] || continue
		case "$b" in *.o|*.d) continue ;; esac
		t=$(basename "$b")
		out=$(mktemp)
		if [ -n "$vg" ]; then
			timeout 600 valgrind -q --error-exitcode=98 --leak-check=full \
				--errors-for-leak-kinds=definite "$b" >"$out" 2>&1
		else
			CMOCKA_MESSAGE_OUTPUT=stdout timeout 600 "$b" >"$out" 2>&1
		fi
		rc=$?
		p=$(grep -cE '^\[       OK \]' "$out")
		f=$(grep -cE '^\[  (FAILED|ERROR) \]' "$out")
		[ "$f" -gt 0 ] && f=$(grep -E '^\[  FAILED  \] [0-9]+ test' "$out" | sed -E 's/[^0-9]*([0-9]+).*/\1/' | tail -n1)
		if [ $rc -ne 0 ] && [ "${f:-0}" -eq 0 ]; then f=1; fi
		passed=$((passed + p)) failed=$((failed + ${f:-0}))
		printf '%-40s %3d passed, %d failed%s\n' "unit/$t ($1)" "$p" "${f:-0}" \
			"$([ $rc -ne 0 ] && echo " (exit $rc)")"
		if [ $rc -ne 0 ]; then failures+=("unit/$t ($1)"); sed 's/^/    /' "$out" | tail -n 40; fi
		rm -f "$out"
	done
}

run_scripts() { # $1 dir of scripts, $2 build dir
	local s out rc p f
	for s in "$1"/t-*.sh; do
		[ -f "$s" ] || continue
		out=$(mktemp)
		CERTCTL="$PWD/$2/certctl" BUILD="$2" timeout 1200 bash "$s" >"$out" 2>&1
		rc=$?
		read -r p f < <(count_line "$out")
		if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
		passed=$((passed + p)) failed=$((failed + f))
		printf '%-40s %3d passed, %d failed%s\n' "$s ($2)" "$p" "$f" \
			"$([ $rc -ne 0 ] && echo " (exit $rc)")"
		if [ $rc -ne 0 ] || [ "$f" -ne 0 ]; then failures+=("$s ($2)"); grep -E '^(not ok|#)' "$out" | head -n 60 | sed 's/^/    /'; tail -n 15 "$out" | sed 's/^/    /'; fi
		rm -f "$out"
	done
}

suite() { # $1 build dir, $2 with integration (1/0)
	case "$only" in ""|unit) run_unit "$1" ;; esac
	case "$only" in ""|cli) run_scripts tests/cli "$1" ;; esac
	if [ "$2" = 1 ]; then
		case "$only" in ""|integration) run_scripts tests/integration "$1" ;; esac
	fi
	return 0
}

suite "$build" 1
[ -n "$san" ] && suite "$san" 1
case "$only" in ""|lint) if [ -z "$vg" ]; then
	out=$(mktemp)
	if tests/lint-man.sh >"$out" 2>&1; then passed=$((passed + 1)); echo "lint-man: ok";
	else failed=$((failed + 1)); failures+=(lint-man); cat "$out"; fi
	rm -f "$out"
fi ;; esac

echo
[ ${#failures[@]} -gt 0 ] && printf 'FAILED: %s\n' "${failures[@]}"
echo "total: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
