#!/bin/bash
# attach and the target's guards: seccomp filters (kill and errno), and the
# bounded pause on a 1 GiB untouched target.
# run.sh: alone (signals must land within a stop; 2 GiB locked at once)
. "$(dirname "$0")/lib.sh"

H=build/helpers
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all --)
if [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP needs root (seccomp suspension needs CAP_SYS_ADMIN; uid switches)"
	exit 0
fi

# root: the filter is suspended for the injection (PTRACE_O_SUSPEND_SECCOMP)
target_start T $H/target seccomp-kill
j=$("$MEMLOCK" attach -J "$T_PID" 2>&1)
is "seccomp kill filter, root memlock: locked, filter suspended" \
	"$(jget "$j" '(j["error"], j["calls"][-1]["ret"])')" "(None, 0)"
tcmd T s
check "seccomp kill filter: the target is alive and locked ($R)" test "${R#vmlck }" -gt 0
target_end T
is "seccomp kill filter: exits normally" "$RC" 0

# unprivileged memlock, same-user target with a kill filter: refused, unharmed
target_start T $H/target seccomp-kill "${NOBODY[@]}"
out=$("${NOBODY[@]}" "$MEMLOCK" attach "$T_PID" 2>&1)
rc=$?
if [ $rc -eq 1 ] && grep -q "seccomp filter" <<<"$out" && grep -q "hint: .*--force" <<<"$out"; then
	ok "seccomp kill filter, unprivileged memlock: refused, with the fix"
else
	not_ok "seccomp kill filter, unprivileged memlock: refused, with the fix"; diag "exit $rc: $out"
fi
target_end T
is "seccomp kill filter, refused: target unharmed" "$RC" 0

# unprivileged, --force, a kill filter: the filter's SIGSYS is reported, not
# taken for success (the rolled-back registers held the syscall number)
target_start T $H/target seccomp-kill "${NOBODY[@]}"
tp=$T_PID	# (bash unsets T_PID when the coprocess ends)
out=$("${NOBODY[@]}" "$MEMLOCK" attach --force "$tp" 2>&1)
rc=$?
# shellcheck disable=SC2016 # expanded by the eval, when check runs it
check "seccomp kill filter, unprivileged, --force: the kill is reported, exit 1 ($rc)" \
	eval '[ $rc -eq 1 ] && grep -q "seccomp filter answered" <<<"$out"'
wait "$tp" 2>/dev/null
is "seccomp kill filter, --force: the filter killed the process, as it says (SIGSYS)" "$?" 159

# seccomp strict mode: root suspends it too; unprivileged, refused even with
# --force (mlockall would kill it for certain)
target_start T $H/target seccomp-strict
out=$("$MEMLOCK" attach "$T_PID" 2>&1)
is "seccomp strict mode, root memlock: locked, seccomp suspended" "$?" 0
target_end T
is "seccomp strict mode: the target lives on and exits normally ($R)" "$RC" 0
target_start T $H/target seccomp-strict "${NOBODY[@]}"
out=$("${NOBODY[@]}" "$MEMLOCK" attach --force "$T_PID" 2>&1)
rc=$?
# shellcheck disable=SC2016 # expanded by the eval, when check runs it
check "seccomp strict mode, unprivileged, --force: refused ($rc)" \
	eval '[ $rc -eq 1 ] && grep -q "strict mode" <<<"$out"'
target_end T
is "seccomp strict mode, refused: target unharmed" "$RC" 0

# unprivileged, --force, an errno filter: the filter answers EPERM, reported
target_start T $H/target seccomp-errno "${NOBODY[@]}"
j=$("${NOBODY[@]}" "$MEMLOCK" attach -J --force "$T_PID" 2>/dev/null)
is "seccomp errno filter, --force: the target's answer EPERM is reported" \
	"$(jget "$j" '(j["error"], j["calls"][-1]["errno"])')" "(None, 'EPERM')"
target_end T
is "seccomp errno filter: target unharmed" "$RC" 0

# --max-pause 20 on a 1 GiB untouched victim: many stops, each of a chunk
# far smaller than the whole. The stops' durations are the VM's as much as
# memlock's (a host stall stretches any one), so they are shown, not
# judged: the sizing itself is unit/test-pace's, exactly; the durations
# over many runs, make bench (docs/BENCHMARKS.md). A chunk of 256 MiB would
# take a rate of 100 GiB/s of faulting at 1/8 of the 20 ms: no pacing that
# bounds the stops makes one.
bounded() {	# NAME [range]: sets J, STOPS, LONGEST, BIGGEST (bytes in one call)
	local name=$1 range=${2:-} pid args
	victim_start "$name"
	vcmd "$name" "map 262144"
	args=(--max-pause 20)
	[ -n "$range" ] && args+=(--range "$R-$(printf '0x%x' $((R + (1 << 30))))")
	pid=${name}_PID
	J=$("$MEMLOCK" attach -J "${args[@]}" "${!pid}")
	read -r STOPS LONGEST BIGGEST < <(jget "$J" '"%d %.1f %d" % (j["stops"], j["longest_stop_ms"],
		max(int(c["call"].split(", ")[1].rstrip(")")) for c in j["calls"] if c["call"].startswith(("madvise", "mlock("))))')
}
bounded BV
diag "1 GiB, --max-pause 20: $STOPS stops, longest $LONGEST ms, biggest chunk $BIGGEST bytes"
check "bounded: all of it locked (VmLck >= 1 GiB)" \
	test "$(jget "$J" 'j["vmlck_after"] >= 1 << 30')" = True
check "bounded: many stops, not one ($STOPS)" test "$STOPS" -gt 5
check "bounded: every chunk far below the GiB (biggest $BIGGEST bytes)" test "$BIGGEST" -lt $((256 << 20))
vcmd BV status
check "bounded: the target is fine and sees it locked ($R)" test "${R%% *}" -ge 1048576

# --max-pause with --range: the range is locked in bounded chunks too
bounded BG range
diag "1 GiB --range, --max-pause 20: $STOPS stops, longest $LONGEST ms, biggest chunk $BIGGEST bytes"
check "bounded --range: many stops, not one ($STOPS)" test "$STOPS" -gt 5
check "bounded --range: every chunk far below the GiB (biggest $BIGGEST bytes)" \
	test "$BIGGEST" -lt $((256 << 20))
vcmd BG status
check "bounded --range: the 1 GiB is locked ($R)" test "${R%% *}" -ge 1048576

# bounded, and over the target's limit (unprivileged, 64 KiB): the chunk
# that fails must not leave MCL_FUTURE set, or every later mmap fails
victim_start L prlimit --memlock=65536:8388608 "${NOBODY[@]}"
vcmd L "map 256"
out=$("${NOBODY[@]}" "$MEMLOCK" attach --force --max-pause 20 "$L_PID" 2>&1)
rc=$?
check "bounded, over the limit: fails, exit 1 ($rc)" test $rc -eq 1
vcmd L "map 16"
check "bounded, over the limit: no MCL_FUTURE left behind, a later mmap works ($R)" \
	test "${R:0:2}" = 0x

# bounded mode never splits a mapping: an attach interrupted half-way leaves
# it whole, and the program's own mremap of it works (a split one: EFAULT)
victim_start M
vcmd M "map 262144"
addr=$R
"$MEMLOCK" attach --max-pause 1 "$M_PID" >/dev/null 2>&1 &
m=$!
for _ in $(seq 2000); do	# the first chunk is in: now
	[ "$(awk '/^VmLck:/ { print $2 }' /proc/"$M_PID"/status)" -gt 4000 ] && break
done
kill -TERM $m	# (a background job ignores SIGINT)
wait $m
vcmd M "mremap $addr 262144 262400"
is "bounded attach interrupted half-way: the program's mremap of the mapping works" "$?" 0
echo quit >&"${M[1]}"

# memlock killed (SIGKILL) and stopped (SIGTERM) in the middle of a long stop:
# a whole-1-GiB mlockall, the thread stopped for half a second or more
killed_mid_stop() {	# SIGNAL: the victim must come out of it intact
	local sig=$1 m st
	victim_start W
	vcmd W "map 262144"
	"$MEMLOCK" attach "$W_PID" >/dev/null 2>&1 &
	m=$!
	wait_traced "$W_PID"	# the thread is stopped: now the signal
	kill -"$sig" $m
	wait $m
	wait_traced "$W_PID" 0	# the injection finishes in memlock's child
	st=$(awk '/^State:|^TracerPid:/ { printf "%s ", $2 }' /proc/"$W_PID"/status)
	vcmd W status
	# shellcheck disable=SC2016 # expanded by the eval, when check runs it
	check "SIG$sig to memlock during the stop: the target answers, not stopped or traced ($st, $R)" \
		eval '[ "$st" = "S 0 " ] && [ -n "$R" ]'
	vcmd W "munlockall"
}
killed_mid_stop KILL
killed_mid_stop TERM

# SIGKILL to the worker itself, inside a 256 MiB mlockall: the memlock that
# waits for it puts the thread back from the rescue record (the SIGSTOP
# queued at the call's entry held the process until then): intact, running
victim_start K
BAD="" RESC=0 err=$(mktemp)
at_exit "rm -f $err"
for i in $(seq 8); do
	vcmd K "map 65536"; addr=$R
	setsid "$MEMLOCK" attach "$K_PID" >/dev/null 2>"$err" &
	m=$!
	wait_traced "$K_PID"
	w=$(awk '/^TracerPid:/ { print $2 }' /proc/"$K_PID"/status)
	[ "${w:-0}" -gt 1 ] && kill -KILL "$w"
	wait $m 2>/dev/null
	grep -q "is put back as it was" "$err" && RESC=$((RESC + 1))
	for _ in $(seq 100); do	# (R for a moment: it re-enters its read)
		st=$(awk '/^State:|^TracerPid:/ { printf "%s ", $2 }' /proc/"$K_PID"/status)
		[ "$st" = "S 0 " ] && break
		sleep 0.01
	done
	vcmd K status || { BAD="$BAD $i(no answer, $st)"; break; }
	[ "$st" = "S 0 " ] || BAD="$BAD $i($st)"
	vcmd K munlockall
	vcmd K "unmap $addr 65536"
done
is "SIGKILL to the worker mid-stop, 8 times: the target is put back, intact and running" \
	"${BAD:-none}" none
check "SIGKILL to the worker mid-stop: memlock says the thread was put back ($RESC of 8)" \
	test "$RESC" -ge 4
echo quit >&"${K[1]}"

# every catchable signal, to memlock's worker itself (the target's tracer)
# and to memlock's whole process group, in the middle of a 256 MiB mlockall:
# the target comes out intact, untraced and running. A stop signal stops
# the worker after the injection (SIGCONT lets it end).
sig_mid_stop() {	# SIGNAL worker|group
	local sig=$1 to=$2 m w st addr
	vcmd G "map 65536"
	addr=$R
	setsid "$MEMLOCK" attach "$G_PID" >/dev/null 2>&1 &
	m=$!
	wait_traced "$G_PID"
	w=$(awk '/^TracerPid:/ { print $2 }' /proc/"$G_PID"/status)
	# (never "kill 0" or "kill -- -0": that is our own group)
	if [ "${w:-0}" -le 1 ] || [ "$m" -le 1 ]; then
		MISS=1
	elif [ "$to" = worker ]; then
		kill -s "$sig" "$w" 2>/dev/null
	else
		kill -s "$sig" -- -"$m" 2>/dev/null
	fi
	wait_traced "$G_PID" 0
	kill -CONT "$w" 2>/dev/null
	wait $m
	st=$(awk '/^State:|^TracerPid:/ { printf "%s ", $2 }' /proc/"$G_PID"/status)
	vcmd G status || BAD="$BAD $sig/$to(no answer, $st)"
	[ "$st" = "S 0 " ] || BAD="$BAD $sig/$to($st)"
	vcmd G munlockall
	vcmd G "unmap $addr 65536"
}
victim_start G
BAD="" MISSED=0
# sig_retry SIGNAL worker|group: again (up to 3 times) when the stop was over
# before the signal could be sent (a loaded machine)
sig_retry() {
	for _ in 1 2 3; do
		MISS=0
		sig_mid_stop "$@"
		[ $MISS = 0 ] && return
	done
	MISSED=$((MISSED + 1))
}
# (of the real-time signals, which all behave alike, the first, a middle
# one and the last: make check's time)
for sig in $(seq 1 31) 32 33 34 50 64; do
	case $sig in 9 | 19) continue ;; esac	# SIGKILL, SIGSTOP: cannot be caught
	sig_retry "$sig" worker
done
is "every catchable signal (1-34, 50, 64; not KILL and STOP) to the worker mid-stop: target intact" \
	"${BAD:-none}" none
BAD=""
for sig in HUP INT QUIT USR1 KILL; do
	sig_retry "$sig" group
done
is "signals (KILL included) to memlock's process group mid-stop: target intact" "${BAD:-none}" none
check "the signals landed within a stop (missed 3 times: $MISSED of 39)" test "$MISSED" -le 2
echo quit >&"${G[1]}"

# a signal that comes while the thread is stopped meets the interrupted call
# as the kernel left it: pause() returns to its loop, read() without
# SA_RESTART gets EINTR as it would without memlock, sigsuspend()'s mask
# is put back
# (not a coprocess: bash closes the descriptors of the current coprocess
# when an earlier one ends, and the read would see end of file)
out=$(mktemp)
at_exit "rm -f $out"
for mode in pause read sigsuspend; do
	: >"$out"
	{ sleep 30 | $H/sigtarget $mode >"$out"; } &
	for _ in $(seq 200); do grep -q ready "$out" && break; sleep 0.01; done
	sp=$(sed -n 's/^ready //p' "$out")
	at_exit "kill $sp"
	"$MEMLOCK" attach "$sp" >/dev/null 2>&1 &
	m=$!
	wait_traced "$sp"
	kill -USR1 "$sp"
	wait $m
	for _ in $(seq 500); do grep -q woke "$out" && break; sleep 0.01; done
	R=$(grep woke "$out")
	want="woke eintr=0 masked=0"
	[ $mode = read ] && want="woke eintr=1 masked=0"
	[ $mode = sigsuspend ] && want="woke eintr=0 masked=1"
	is "SIGUSR1 during the stop, $mode: handled as without memlock" "$R" "$want"
done
done_testing
