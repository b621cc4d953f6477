#!/bin/bash
# Runs every test and ends with "N passed, N failed" (skips listed above it).
#   tests/run.sh [BUILD_DIR [--unit | NAME...]]
# BUILD_DIR holds memlock and tests/ (default build/san). --unit runs its unit
# tests only; NAMEs the unit tests, the test programs and only the scripts
# tests/integration/NAME.sh (or pkgconfig: tests/pkgconfig/pkgconfig.sh).
# VICTIM is the victim helper (default build/helpers/victim), INSTALL_B the
# build dir whose `make install` tests/pkgconfig checks (default build).
# Every test's wall time goes to BUILD_DIR/test-times.txt, slowest first.
# Each test prints TAP; a test program that dies, or runs fewer tests than it
# planned, counts as a failure.
set -u
cd "$(dirname "$0")/.." || exit 1
B=${1:-build/san}
shift $(($# > 0))
case $B in /*) ;; *) B=$PWD/$B ;; esac
export MEMLOCK=$B/memlock
export VICTIM=${VICTIM:-$PWD/build/helpers/victim}
export CMOCKA_MESSAGE_OUTPUT=TAP
export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

passed=0 failed=0
skips=() failures=() times=()
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# run_tap NAME COMMAND...
run_tap() {
	local name=$1 rc plan=-1 n=0 line t0=$EPOCHREALTIME
	shift
	echo "== $name"
	"$@" >"$log" 2>&1
	rc=$?
	times+=("$(awk -v a="$EPOCHREALTIME" -v b="$t0" -v n="$name" 'BEGIN { printf "%6.1f s  %s", a - b, n }')")
	while IFS= read -r line; do
		echo "   $line"
		case $line in
		"1..0"*"# SKIP"*)
			skips+=("$name: ${line#*# SKIP }")
			plan=0 ;;
		1..*)
			plan=${line#1..}
			plan=${plan%% *} ;;
		"not ok"*)
			n=$((n + 1)); failed=$((failed + 1))
			failures+=("$name: ${line#not ok }") ;;
		ok*"# SKIP"* | ok*"# skip"*)
			n=$((n + 1))
			skips+=("$name: ${line#ok }") ;;
		ok*)
			n=$((n + 1)); passed=$((passed + 1)) ;;
		esac
	done <"$log"
	if [ "$rc" -ne 0 ]; then
		failed=$((failed + 1))
		failures+=("$name: exited with status $rc")
	elif [ "$plan" -ge 0 ] && [ "$plan" -ne "$n" ]; then
		failed=$((failed + 1))
		failures+=("$name: planned $plan tests, ran $n")
	fi
}

scripts=("$@")
if [ $# -eq 0 ]; then
	for t in tests/integration/*.sh; do
		[ "${t##*/}" = lib.sh ] || scripts+=("$(basename "$t" .sh)")
	done
	scripts+=(pkgconfig)
fi

for t in "$B"/tests/test-*; do
	[ -x "$t" ] || continue
	run_tap "unit/${t##*/}" "$t"
done
if [ "${scripts[0]:-}" != --unit ]; then
	run_tap "fuzz/proc-parsers" "$B/tests/fuzz-proc" -n 20000 -s 1 tests/fuzz/corpus/*
	run_tap "integration/predict-matrix" "$B/tests/predict-matrix" "$VICTIM"
	run_tap "integration/pid-reuse" "$B/tests/pid-reuse"
	run_tap "integration/engine-edges" "$B/tests/engine-edges"
	for t in "${scripts[@]}"; do
		case $t in
		pkgconfig) run_tap pkgconfig/pkgconfig bash tests/pkgconfig/pkgconfig.sh "${INSTALL_B:-build}" ;;
		*) run_tap "integration/$t" bash "tests/integration/$t.sh" ;;
		esac
	done
fi

echo
printf '%s\n' "${times[@]}" | sort -rn >"$B/test-times.txt"
head -5 "$B/test-times.txt" | sed 's/^/slowest: /'
for s in "${skips[@]}"; do
	echo "skipped: $s"
done
for f in "${failures[@]}"; do
	echo "FAILED: $f"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
