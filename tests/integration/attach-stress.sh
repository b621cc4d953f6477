#!/bin/bash
# attach/unlock at scale: 100 randomized trials (1000 in make check-long)
# across target kinds and options, then memlock killed with SIGTERM at
# random moments of its injections. Every target must stay alive, unstopped and undisturbed, and
# exit normally with correct results.
. "$(dirname "$0")/lib.sh"

H=build/helpers
TRIALS=${ATTACH_TRIALS:-60}	# 1000 in make check-long
SIGTERMS=${ATTACH_SIGTERMS:-40}	# 100 in make check-long
if [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP needs root (ptrace of test targets)"
	exit 0
fi

# one long-lived target per kind (epoll is left out: a lone epoll thread
# sees EINTR by design, tested in attach.sh)
names=(T0 T1 T2 T3 T4)
target_start T0 $H/target spin
target_start T1 $H/target read
target_start T2 $H/target sleep
target_start T3 $H/target futex
target_start T4 $H/target-static sleep
pids=("$T0_PID" "$T1_PID" "$T2_PID" "$T3_PID" "$T4_PID")
opts=("" "--future" "--current" "--onfault" "--max-pause 5" "--current --onfault")

RANDOM=42
fails=0
for ((i = 0; i < TRIALS; i++)); do
	k=$((RANDOM % ${#pids[@]}))
	if ((RANDOM % 3 == 0)); then
		"$MEMLOCK" unlock "${pids[$k]}" >/dev/null 2>&1 || fails=$((fails + 1))
	else
		# shellcheck disable=SC2086
		"$MEMLOCK" attach ${opts[$((RANDOM % ${#opts[@]}))]} "${pids[$k]}" >/dev/null 2>&1 ||
			fails=$((fails + 1))
	fi
done
is "$TRIALS randomized attach/unlock trials: every one succeeds" "$fails" 0
dead=0
for p in "${pids[@]}"; do
	st=$(awk '/^State:/ { print $2 }' /proc/"$p"/status 2>/dev/null)
	case $st in S|R) ;; *) dead=$((dead + 1)) ;; esac
done
is "after the trials: every target alive, none stopped or traced" "$dead" 0

# SIGTERM to memlock at random moments: while it injects, the signal waits
# until the target is restored and detached
bad=0
for ((i = 0; i < SIGTERMS; i++)); do
	"$MEMLOCK" attach --max-pause 2 "$T2_PID" >/dev/null 2>&1 &
	m=$!
	sleep "0.00$((RANDOM % 10))"
	kill -TERM $m 2>/dev/null
	wait $m
	st=$(awk '/^State:|^TracerPid:/ { printf "%s ", $2 }' /proc/"$T2_PID"/status)
	[ "$st" = "S 0 " ] || [ "$st" = "R 0 " ] || { bad=$((bad + 1)); diag "target state: $st"; }
done
is "$SIGTERMS SIGTERMs at random moments: the target is never left stopped or traced" "$bad" 0

for n in "${names[@]}"; do
	target_end "$n"
	is "target $n exits normally, undisturbed ($R)" "$RC" 0
done
done_testing
