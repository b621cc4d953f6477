#!/bin/bash
# make bench, part 2: memlock attach vs gdb's mlockall recipe, paired, on the
# same kinds of targets: wall time, the longest pause of a target thread,
# EINTRs seen by the target, and static binaries.
set -u
. "$(dirname "$0")/bench-lib.sh"
B=${1:-build}
M=$PWD/$B/memlock
H=$PWD/build/helpers
GDB=(gdb -nx -iex 'set debug-file-directory /nonexistent' --batch -ex 'call (int)mlockall(3)')
command -v gdb >/dev/null || { echo "memlock: bench-attach needs gdb" >&2; exit 1; }

start() {	# start MODE [BIN]: sets PID, IN (fd to write), OUT (fd to read)
	# (bash warns about each coprocess whose predecessor it has not reaped)
	eval 'coproc TGT { exec "${2:-$H/target}" "$1"; }' 2>/dev/null
	IN=${TGT[1]} OUT=${TGT[0]}
	read -r line <&"$OUT"
	PID=${line#ready }
	sleep 0.3
}
finish() {	# prints the target's "done" line
	echo q >&"$IN"
	read -r line <&"$OUT"
	wait "$PID" 2>/dev/null
	echo "$line"
}
vmlck() { awk '/^VmLck:/ { print $2 }' /proc/"$PID"/status; }

echo "## memlock attach vs gdb"
echo
echo "- date: $(date -u +%Y-%m-%d), kernel $(uname -r), $(nproc) CPUs; $(gdb --version | head -1)"
echo "- gdb command: \`gdb -nx -iex 'set debug-file-directory /nonexistent' --batch --pid PID -ex 'call (int)mlockall(3)'\`"
echo "  (no libc debug info: gdb's faster case); memlock: \`memlock attach PID\` (mlockall(3))"
echo

echo "### wall time of the whole command (10 fresh sleep targets each, alternating; median; pairtime once)"
echo
# a fresh target for every run, so that both lock the same ~2.4 MiB from
# nothing; the time of fork, exec and wait of the command, from pairtime
us() { "$H/pairtime" once "$@" | awk '{ printf "%d\n", $1 * 1000 }'; }
for _ in $(seq 10); do
	start sleep; us "$M" attach "$PID" >>/tmp/wall-m; finish >/dev/null
	start sleep; us "${GDB[@]}" --pid "$PID" >>/tmp/wall-g; finish >/dev/null
done
wm=$(median </tmp/wall-m) wg=$(median </tmp/wall-g)
echo "| tool | median [ms] | runs [ms] |"
echo "|:---|---:|:---|"
echo "| memlock attach | $(awk -v v="$wm" 'BEGIN { printf "%.2f", v / 1000 }') | $(awk '{ printf "%.1f ", $1 / 1000 }' /tmp/wall-m) |"
echo "| gdb call mlockall(3) | $(awk -v v="$wg" 'BEGIN { printf "%.1f", v / 1000 }') | $(awk '{ printf "%.0f ", $1 / 1000 }' /tmp/wall-g) |"
echo
echo "gdb / memlock: $(awk -v a="$wg" -v b="$wm" 'BEGIN { printf "%.0f", a / b }')x (goal: at least 30x)"
rm -f /tmp/wall-m /tmp/wall-g
for _ in $(seq 10); do
	start sleep
	"$M" attach -J "$PID" 2>/dev/null | python3 -c 'import json, sys; print(json.load(sys.stdin)["longest_stop_ms"])'
	finish >/dev/null
done >/tmp/stop-m
echo
echo "memlock's stop of the one thread it stops (10 fresh targets; mlockall of ~2.4 MiB, its"
echo "populate included), median: $(median </tmp/stop-m) ms"
rm -f /tmp/stop-m
echo

echo "### the whole attach of a small idle process against memlock --version (paired, 200 runs each)"
echo
# the same target every run (already locked after the first: the cost is
# memlock's own - startup, /proc reads, the worker, the stop), goal 1.5x
start read
read -r va at _ < <("$H/pairtime" 200 "$M" --version :: "$M" attach "$PID")
finish >/dev/null
echo "| command | median [ms] |"
echo "|:---|---:|"
echo "| memlock --version | $va |"
echo "| memlock attach (idle target, 1 thread) | $at |"
echo
echo "attach / --version: $(awk -v a="$at" -v b="$va" 'BEGIN { printf "%.2f", a / b }')x (goal: at most 1.5x)"
echo

echo "### longest pause of a spinning target thread (5 fresh targets each, alternating; median)"
echo
for _ in 1 2 3 4 5; do
	start spin; "$M" attach "$PID" >/dev/null 2>&1; l=$(finish)
	g=${l#*gap_us=}; echo "${g%% *}" >>/tmp/gap-m
	start spin; "${GDB[@]}" --pid "$PID" >/dev/null 2>&1; l=$(finish)
	g=${l#*gap_us=}; echo "${g%% *}" >>/tmp/gap-g
done
echo "| tool | median longest gap [ms] | runs (µs) |"
echo "|:---|---:|:---|"
echo "| memlock attach | $(median </tmp/gap-m | awk '{ printf "%.2f", $1 / 1000 }') | $(tr '\n' ' ' </tmp/gap-m) |"
echo "| gdb | $(median </tmp/gap-g | awk '{ printf "%.2f", $1 / 1000 }') | $(tr '\n' ' ' </tmp/gap-g) |"
rm -f /tmp/gap-m /tmp/gap-g
echo
echo "(the spin thread is not the one memlock stops: its gap is the scheduler's noise; gdb stops every thread)"
echo

echo "### EINTR seen by a 64-thread target (16 of them in epoll_wait), 3 fresh targets each, mlockall(3) both"
echo
em="" eg=""
for _ in 1 2 3; do
	start mt64; "$M" attach "$PID" >/dev/null 2>&1; l=$(finish)
	e=${l#*eintr=}; em="$em ${e%% *}"
	start mt64; "${GDB[@]}" --pid "$PID" >/dev/null 2>&1; l=$(finish)
	e=${l#*eintr=}; eg="$eg ${e%% *}"
done
echo "| tool | EINTR per run |"
echo "|:---|:---|"
echo "| memlock attach | $em |"
echo "| gdb | $eg |"
echo

echo "### static binaries"
echo
echo "| target | memlock attach: VmLck after [kB] | gdb: VmLck after [kB] |"
echo "|:---|---:|---:|"
for bin in target-static target-static-stripped; do
	start sleep "$H/$bin"; "$M" attach "$PID" >/dev/null 2>&1; vm=$(vmlck); finish >/dev/null
	start sleep "$H/$bin"; "${GDB[@]}" --pid "$PID" >/dev/null 2>&1; vg=$(vmlck); finish >/dev/null
	echo "| $bin | $vm | $vg |"
done
