#!/bin/bash
# A nanosleep attached in its middle keeps its deadline: the injection's
# restart_syscall carries the remaining time (attach.sh has the rest).
# run.sh: alone (a 3 s sleep attached 1.5 s in must end in time: a loaded machine stalls it)
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP needs root (ptrace of a test target)"
	exit 0
fi

# a 3 s nanosleep attached in its middle keeps its deadline (restart_syscall
# carries the remaining time): it neither ends short (the deadline is a
# floor) nor starts over - which would end it 3 s after the attach began,
# and the attach begins 1.5 s in: a machine would have to be stalled for
# more than 1.5 s for a right run to look wrong
t0=$(date +%s%N)
sleep 3 & sp=$!
wait_syscall "$sp" sleep
sleep 1.5
ta=$(date +%s%N)
"$MEMLOCK" attach "$sp" >/dev/null 2>&1
a=$?
wait "$sp"
t1=$(date +%s%N)
ms=$(((t1 - t0) / 1000000)) since=$(((t1 - ta) / 1000000))
check "sleep 3, attached at 1.5 s: locked, not short, not started over ($ms ms in all, $since ms after the attach began)" \
	test $a -eq 0 -a $ms -ge 3000 -a $since -lt 3000
done_testing
