#!/bin/bash
# make bench: timings for docs/BENCHMARKS.md (paste the output there).
#   memlock status over all processes vs grep -H VmLck /proc/[0-9]*/status,
#   on the machine as it is and with 1000 extra sleeping processes; then
#   attach (bench-attach.sh), run (bench-run.sh), attach --max-pause
#   (bench-bounded.sh), metrics against status (bench-metrics.sh), memlock files
#   (bench-files.py), the secret heap (bench-secret.sh), memlockd (bench-memlockd.py).
set -u
B=${1:-build}
M=$PWD/$B/memlock
command -v hyperfine >/dev/null || { echo "memlock: bench needs hyperfine" >&2; exit 1; }

echo "## memlock status over all processes"
echo
echo "- date: $(date -u +%Y-%m-%d), kernel $(uname -r), $(nproc) CPUs, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)"
echo "- CPU: $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
echo "- command: make bench (scripts/bench.sh), hyperfine --warmup 5 --runs 50 -N"
echo

run() {
	local p=(/proc/[0-9]*)
	echo "### $1 (${#p[@]} processes)"
	echo
	hyperfine -N --warmup 5 --runs 50 --style none --export-markdown /tmp/memlock-bench.md \
		-n "memlock status" "$M status" \
		-n "memlock status -o PID,LOCKED" "$M status -o PID,LOCKED" \
		-n "grep -H VmLck /proc/[0-9]*/status" \
		"sh -c 'grep -H VmLck /proc/[0-9]*/status'" \
		-n "sh -c true (the grep row's shell start, to subtract)" "sh -c true" >/dev/null
	cat /tmp/memlock-bench.md
	rm -f /tmp/memlock-bench.md
	echo
}

run "this machine as it is"
pids=()
for _ in $(seq 1000); do sleep 600 & pids+=($!); done
trap 'kill "${pids[@]}" 2>/dev/null' EXIT
run "with 1000 extra sleep processes"
kill "${pids[@]}" 2>/dev/null
wait 2>/dev/null
echo
"$(dirname "$0")/bench-attach.sh" "$B"
echo
"$(dirname "$0")/bench-run.sh" "$B"
echo
"$(dirname "$0")/bench-bounded.sh" "$B"
echo
"$(dirname "$0")/bench-metrics.sh" "$B"
scripts/bench-files.py "$B/memlock" ${MEMLOCK_BENCH_MILLION:+--million}
echo
"$(dirname "$0")/bench-secret.sh" "$B"
scripts/bench-memlockd.py "$B"
