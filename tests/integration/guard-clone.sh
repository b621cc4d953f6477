#!/bin/bash
# The guard's clone(CLONE_VM) worker (cli/guard.c), which only the build
# without AddressSanitizer uses (the sanitized memlock forks): the release
# memlock, next to the sanitized one, through the cases of attach-guard.sh
# that concern the worker - it shares memlock's memory, SIGKILL to memlock
# or its group, SIGKILL to the worker (the rescue), other signals to it.
. "$(dirname "$0")/lib.sh"

REL=${MEMLOCK_RELEASE:-$(dirname "$MEMLOCK")/../memlock}
if [ ! -x "$REL" ] || [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP needs root and the release build next to the sanitized one ($REL)"
	exit 0
fi
# kcmp(2) KCMP_VM: 0 when two processes share their memory
same_vm() { perl -e 'exit(syscall(312, $ARGV[0] + 0, $ARGV[1] + 0, 1, 0, 0) == 0 ? 0 : 1)' "$1" "$2"; }
[ "$(uname -m)" = x86_64 ] || { echo "1..0 # SKIP kcmp's number is x86_64's here"; exit 0; }

victim_start G
vcmd G "map 262144"	# (1 GiB: a stop long enough to look at the worker)
big=$R
setsid "$REL" attach "$G_PID" >/dev/null 2>&1 &
m=$!
wait_traced "$G_PID"
w=$(awk '/^TracerPid:/ { print $2 }' /proc/"$G_PID"/status)
check "the worker (PID ${w:-none}) shares memlock's memory (clone(CLONE_VM), not fork)" \
	same_vm "$m" "${w:-0}"
wait $m
is "the attach through the cloned worker succeeds" "$?" 0
vcmd G munlockall
vcmd G "unmap $big 262144"

# signal SIG to memlock (m), its group (g) or its worker (w) while the
# target is stopped inside a 256 MiB mlockall; the target must come out
# intact, untraced and running, and memlock must end by that signal
BAD=""
mid_stop() {	# SIGNAL m|g|w
	local sig=$1 to=$2 m w st addr rc err
	vcmd G "map 65536"
	addr=$R
	err=$(mktemp)
	setsid "$REL" attach "$G_PID" >/dev/null 2>"$err" &
	m=$!
	wait_traced "$G_PID"
	w=$(awk '/^TracerPid:/ { print $2 }' /proc/"$G_PID"/status)
	if [ "${w:-0}" -gt 1 ] && [ "$m" -gt 1 ]; then
		case $to in
		m) kill -s "$sig" "$m" ;;
		g) kill -s "$sig" -- -"$m" ;;
		w) kill -s "$sig" "$w" ;;
		esac 2>/dev/null
	fi
	wait_traced "$G_PID" 0
	{ wait $m; } 2>/dev/null	# (bash's "Killed" line)
	rc=$?
	for _ in $(seq 100); do	# (R for a moment after a rescue's SIGCONT)
		st=$(awk '/^State:|^TracerPid:/ { printf "%s ", $2 }' /proc/"$G_PID"/status)
		[ "$st" = "S 0 " ] && break
		sleep 0.01
	done
	vcmd G status || BAD="$BAD $sig/$to(no answer)"
	[ "$st" = "S 0 " ] || BAD="$BAD $sig/$to($st)"
	# a worker SIGKILLed in the stop: the waiting memlock put it back
	if [ "$sig" = KILL ] && [ "$to" = w ] && [ "$rc" = 137 ]; then
		grep -qE "is put back as it was|killed" "$err" || BAD="$BAD KILL/w(no word: $(head -c 200 "$err"))"
	fi
	rm -f "$err"
	vcmd G munlockall
	vcmd G "unmap $addr 65536"
}
for s in KILL TERM INT; do mid_stop $s m; done
for s in KILL HUP QUIT; do mid_stop $s g; done
for s in KILL KILL KILL TERM QUIT USR1 ALRM; do mid_stop $s w; done
is "signals to memlock, its group and the cloned worker mid-stop: target intact" "${BAD:-none}" none

# exit status and output pass through the waiting memlock
# shellcheck disable=SC2034 # out is read by the eval below
out=$("$REL" attach -J "$G_PID" 2>&1)
rc=$?
# shellcheck disable=SC2016 # expanded by the eval, when check runs it
check "attach -J through the cloned worker: exit 0 and the JSON on stdout" \
	eval '[ $rc = 0 ] && printf "%s" "$out" | python3 -c "import json,sys; json.load(sys.stdin)"'
"$REL" unlock 1 >/dev/null 2>&1
is "a refusal's exit status passes through the cloned worker" "$?" 1
echo quit >&"${G[1]}"
done_testing
