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
#
# Lanes: MEMLOCK_TEST_JOBS tests run at once (default: the number of CPUs
# plus one: most tests wait on victims and timeouts more than they compute;
# 1: one after another, in the order above). Each test's output is kept and
# printed whole once it has ended, in the order above, with the tests that
# run alone last. A test runs ALONE, after the others and with nothing else of
# the suite running, when it changes or measures the whole machine (swap on
# or off, a memory cgroup squeezed, the system-wide Mlocked of /proc/meminfo,
# core_pattern, ns_last_pid) or asserts on a timing window that the load of
# other tests can close. It says so in its source, a line of its own:
#   # run.sh: alone (why)      in a script (tests/integration/NAME.sh)
#   /* run.sh: alone (why) */  in a test program's C file
# Tests that run side by side must not share a file, a socket or a cgroup
# name: mktemp(1) or $$ in every name they make.
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
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# tally NAME RC OUT T0 T1: the output of a test that ended with status RC,
# printed and counted
tally() {
	local name=$1 rc=$2 out=$3 plan=-1 n=0 line
	echo "== $name"
	times+=("$(awk -v a="$5" -v b="$4" -v n="$name" 'BEGIN { printf "%6.1f s  %s", a - b, n }')")
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
	done <"$out"
	if [ "$rc" -ne 0 ]; then
		failed=$((failed + 1))
		failures+=("$name: exited with status $rc")
	elif [ "$plan" -ge 0 ] && [ "$plan" -ne "$n" ]; then
		failed=$((failed + 1))
		failures+=("$name: planned $plan tests, ran $n")
	fi
}

# exec_test NAME: becomes the test NAME (its TAP on stdout)
exec_test() {
	case $1 in
	unit/*) exec "$B/tests/${1#unit/}" ;;
	fuzz/proc-parsers) exec "$B/tests/fuzz-proc" -n 20000 -s 1 tests/fuzz/corpus/* ;;
	integration/predict-matrix) exec "$B/tests/predict-matrix" "$VICTIM" ;;
	integration/pid-reuse | integration/engine-edges) exec "$B/tests/${1#integration/}" ;;
	pkgconfig/pkgconfig) exec bash tests/pkgconfig/pkgconfig.sh "${INSTALL_B:-build}" ;;
	*) exec bash "tests/integration/${1#integration/}.sh" ;;
	esac
}

# alone NAME: the source of test NAME has the line "# run.sh: alone" (or "/*")
alone() {
	local f
	case $1 in
	unit/*) f=tests/unit/${1#unit/}.c ;;
	fuzz/*) f=tests/fuzz/fuzz-proc.c ;;
	pkgconfig/*) f=tests/pkgconfig/pkgconfig.sh ;;
	*) f=tests/integration/${1#integration/}.sh
	   [ -e "$f" ] || f=${f%.sh}.c ;;
	esac
	grep -Eq '^(#|/\*) run\.sh: alone' "$f" 2>/dev/null
}

scripts=("$@")
if [ $# -eq 0 ]; then
	for t in tests/integration/*.sh; do
		[ "${t##*/}" = lib.sh ] || scripts+=("$(basename "$t" .sh)")
	done
	scripts+=(pkgconfig)
fi
names=()
for t in "$B"/tests/test-*; do
	[ -x "$t" ] && names+=("unit/${t##*/}")
done
if [ "${scripts[0]:-}" != --unit ]; then
	names+=(fuzz/proc-parsers integration/predict-matrix integration/pid-reuse
		integration/engine-edges)
	for t in "${scripts[@]}"; do
		case $t in
		pkgconfig) names+=(pkgconfig/pkgconfig) ;;
		*) names+=("integration/$t") ;;
		esac
	done
fi

lanes=${MEMLOCK_TEST_JOBS:-$(($(nproc 2>/dev/null || echo 1) + 1))}
case $lanes in
'' | *[!0-9]* | 0*)
	echo "tests/run.sh: MEMLOCK_TEST_JOBS=$lanes: not a number of lanes (1 or more)" >&2
	exit 2 ;;
esac
# the order of the output: the others, then the ones that run alone
order=() solo=()
for i in "${!names[@]}"; do
	if [ "$lanes" -gt 1 ] && alone "${names[i]}"; then solo+=("$i"); else order+=("$i"); fi
done
order+=("${solo[@]}")

# A test runs in a subshell of its own that reports "INDEX STATUS" on a FIFO
# when it has ended; the test itself has INT and QUIT as run.sh got them (an
# asynchronous command of bash ignores them: memlock must die of SIGINT) and
# neither the FIFO nor a terminal on its stdin.
mkfifo "$tmp/done"
exec {done}<>"$tmp/done"
declare -A lane_of=()	# running test's index -> its subshell's PID
t0=() t1=() rc=()
start() {
	local i=$1
	t0[i]=$EPOCHREALTIME
	(
		trap - INT QUIT
		(exec {done}>&-; exec_test "${names[i]}") </dev/null >"$tmp/$i" 2>&1
		echo "$i $?" >&"$done"
	) &
	lane_of[$i]=$!
}
# reap: waits for a test to end; prints every test whose turn has come
printed=0
reap() {
	local i r
	read -r i r <&"$done"
	t1[i]=$EPOCHREALTIME rc[i]=$r
	wait "${lane_of[$i]}" 2>/dev/null
	unset "lane_of[$i]"
	while [ "$printed" -lt ${#order[@]} ] && [ -n "${rc[${order[printed]}]:-}" ]; do
		i=${order[printed]}
		tally "${names[i]}" "${rc[i]}" "$tmp/$i" "${t0[i]}" "${t1[i]}"
		printed=$((printed + 1))
	done
}
# stopped: the running tests are ended too (by their PIDs: the test is the
# subshell's child)
stop() {
	local s c kids
	for s in "${lane_of[@]}"; do
		read -r -a kids <"/proc/$s/task/$s/children" 2>/dev/null || continue
		for c in "${kids[@]}"; do kill -TERM "$c" 2>/dev/null; done
	done
	exit 130
}
trap stop INT TERM

n_par=$((${#order[@]} - ${#solo[@]}))
for ((k = 0; k < ${#order[@]}; k++)); do
	# (one that runs alone: once every other has ended)
	max=$lanes
	[ "$k" -lt "$n_par" ] || max=1
	while [ ${#lane_of[@]} -ge "$max" ]; do
		reap
	done
	start "${order[k]}"
done
while [ ${#lane_of[@]} -gt 0 ]; do
	reap
done

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
