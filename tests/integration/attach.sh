#!/bin/bash
# memlock attach / unlock on live targets of every kind: locked as seen by the
# target itself, unlocked again, and the target undisturbed (no EINTR, no
# short or long sleep, registers intact, normal exit) - except the documented
# case of a lone thread in epoll_wait, which must be reported.
# The checks are written check DESC eval '...': the single quotes keep the
# expansions for the eval, run when check runs it.
# shellcheck disable=SC2016
# (a nanosleep attached in its middle: attach-restart.sh, which runs alone)
. "$(dirname "$0")/lib.sh"

H=build/helpers
if [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP needs root (ptrace of test targets, seccomp suspension)"
	exit 0
fi

# one_mode LABEL BINARY MODE [expect-eintr]
one_mode() {
	local label=$1 bin=$2 mode=$3 eintr=${4:-no} j vm
	target_start T "$bin" "$mode" || { not_ok "$label: target starts"; return; }
	target_settle "$T_PID" "$mode"
	j=$("$MEMLOCK" attach -J "$T_PID" 2>/dev/null)
	is "$label: attach succeeds, one thread stopped once, EINTR risk $eintr" \
		"$(jget "$j" '(j["error"], j["calls"][-1]["ret"], j["stops"], j["eintr_risk"])')" \
		"(None, 0, 1, $([ "$eintr" = yes ] && echo True || echo False))"
	tcmd T s
	vm=${R#vmlck }
	check "$label: the target sees VmLck > 0 ($vm kB)" test "${vm:-0}" -gt 0
	"$MEMLOCK" unlock "$T_PID" >/dev/null 2>&1
	tcmd T s
	is "$label: after unlock the target sees VmLck 0" "$R" "vmlck 0"
	sleep 0.1
	target_end T
	if [ "$eintr" = yes ]; then
		check "$label: the reported EINTR reached the target, nothing else broke ($R)" \
			grep -q "eintr=[1-9].* short=0 .*checksum=ok" <<<"$R"
	else
		is "$label: target exits normally, undisturbed ($R)" "$RC" 0
	fi
}

one_mode "spin" $H/target spin
# the spinning thread itself, stopped in user mode: its registers (the
# checksum it computes in them) come back intact, 5 times over (the torture
# test does it at random, many more times)
target_start T $H/target spin
target_settle "$T_PID" spin
# shellcheck disable=SC2010 # /proc/PID/task holds only thread IDs, digits
tid=$(ls /proc/"$T_PID"/task | grep -vx "$T_PID" | head -1)
bad=0
for _ in $(seq 5); do
	j=$("$MEMLOCK" attach -J --tid "$tid" "$T_PID" 2>/dev/null)
	[ "$(jget "$j" '(j["error"], j["tid"])')" = "(None, $tid)" ] || bad=$((bad + 1))
	"$MEMLOCK" unlock --tid "$tid" "$T_PID" >/dev/null 2>&1 || bad=$((bad + 1))
done
is "spin: 5 attach/unlock through the spinning thread itself" "$bad" 0
target_end T
is "spin: its checksum, computed in registers, survived ($R)" "$RC" 0
one_mode "read" $H/target read
one_mode "nanosleep loop" $H/target sleep
one_mode "timed futex" $H/target futex
one_mode "epoll, single thread" $H/target epoll yes
one_mode "64 threads" $H/target mt64
one_mode "static" $H/target-static sleep
one_mode "static stripped" $H/target-static-stripped read

# --no-eintr refuses the lone epoll thread; --dry-run changes nothing; --tid
target_start T $H/target epoll
target_settle "$T_PID" epoll
out=$("$MEMLOCK" attach --no-eintr "$T_PID" 2>&1)
rc=$?
check "--no-eintr: a lone epoll thread is refused, exit 1 ($rc)" test $rc -eq 1
"$MEMLOCK" attach --dry-run "$T_PID" >/dev/null
tcmd T s
is "--dry-run: nothing locked" "$R" "vmlck 0"
target_end T
check "--no-eintr and --dry-run: the epoll target saw no EINTR ($R)" grep -q "eintr=0 " <<<"$R"
# --mapping and --range: only those are locked, and unlocked again
target_start T $H/target read
target_settle "$T_PID" read
# lomaps [WORD]: mappings with lo (whose path has WORD)
lomaps() { "$MEMLOCK" status --maps "$T_PID" -r -n -o LOCK,PATH | awk -v w="${1:-}" '$1 == "lo" && (w == "" || $2 ~ w)' | wc -l; }
"$MEMLOCK" attach --mapping libc.so.6 "$T_PID" >/dev/null
check "--mapping libc.so.6: its mappings are lo ($(lomaps libc) of them)" test "$(lomaps libc)" -ge 2
is "--mapping libc.so.6: nothing else is" "$(lomaps)" "$(lomaps libc)"
"$MEMLOCK" unlock --mapping libc.so.6 "$T_PID" >/dev/null 2>&1
is "unlock --mapping libc.so.6: none is lo any more" "$(lomaps)" 0
heap=$("$MEMLOCK" status --maps "$T_PID" -r -n -o START,END,PATH | awk '$3 == "[heap]" { print "0x" $1 "-0x" $2 }')
if [ -n "$heap" ]; then
	"$MEMLOCK" attach --range "$heap" "$T_PID" >/dev/null
	is "--range of the heap: the heap alone is lo" "$(lomaps)/$(lomaps heap)" 1/1
	"$MEMLOCK" unlock --range "$heap" "$T_PID" >/dev/null 2>&1
	is "unlock --range: back to none" "$(lomaps)" 0
else
	skip "--range of the heap" "the target has no [heap] mapping"
fi
target_end T
is "--mapping and --range: the target exits normally ($R)" "$RC" 0

# the lone epoll thread with --max-pause: many stops, the risk reported
# (sticky over the stops), the wait for a better thread made once
target_start T $H/target epoll
target_settle "$T_PID" epoll
j=$("$MEMLOCK" attach -J --max-pause 5 "$T_PID" 2>/dev/null)
check "--max-pause on a lone epoll thread: the EINTR risk is reported ($(jget "$j" '(j["stops"], j["eintr_risk"])'))" \
	test "$(jget "$j" 'j["stops"] > 1 and j["eintr_risk"]')" = True
target_end T

# a thread's ID given as the PID: named as a thread of its process
target_start T $H/target spin
target_settle "$T_PID" spin
# shellcheck disable=SC2010 # /proc/PID/task holds only thread IDs, digits
tid=$(ls /proc/"$T_PID"/task | grep -vx "$T_PID" | head -1)
out=$("$MEMLOCK" attach "$tid" 2>&1)
rc=$?
check "attach TID: exit 1, '$tid is a thread of process $T_PID' ($rc)" \
	eval '[ $rc -eq 1 ] && grep -q "$tid is a thread of process $T_PID" <<<"$out"'
target_end T

# --dry-run says "in bounded stops" exactly where the real run makes them
target_start T $H/target read
for args in "--max-pause 20 --onfault:" "--future --max-pause 5:" "--max-pause 5: in bounded stops" \
	"--mapping libc.so.6 --max-pause 5: in bounded stops" "--mapping libc.so.6:"; do
	opts=${args%%:*} want=${args#*:}
	# shellcheck disable=SC2086
	out=$("$MEMLOCK" attach -n $opts "$T_PID")
	got=""
	[[ $out == *" in bounded stops" ]] && got=" in bounded stops"
	is "attach -n $opts: '${want:-one stop}'" "$got" "$want"
done
target_end T

# the flags of a call are named one by one (not "MCL_CURRENT||MCL_ONFAULT")
target_start T $H/target read
j=$("$MEMLOCK" attach -J --current --onfault "$T_PID" 2>/dev/null)
is "attach --current --onfault: the call is mlockall(MCL_CURRENT|MCL_ONFAULT)" \
	"$(jget "$j" 'j["calls"][0]["call"]')" "mlockall(MCL_CURRENT|MCL_ONFAULT)"
target_end T

# --mapping: a name given twice gives its ranges once; a mapping of a file
# deleted since ("... (deleted)" in maps) is found by its name
target_start T $H/target read
once=$("$MEMLOCK" attach -n --mapping libc.so.6 "$T_PID" | head -1)
twice=$("$MEMLOCK" attach -n --mapping libc.so.6 --mapping libc.so.6 "$T_PID" | head -1)
is "--mapping given twice: its ranges once ($once)" "$twice" "$once"
target_end T
del=$(mktemp "$PWD/build/memlock-deleted.XXXXXX")	# (not /tmp: it may be noexec)
cp $H/target-static "$del" && chmod 755 "$del"
target_start T "$del" read
rm -f "$del"
out=$("$MEMLOCK" attach -n --mapping "${del##*/}" "$T_PID" 2>&1)
check "--mapping of a deleted file's name: its ranges are found (${out%%$'\n'*})" \
	eval '[[ $out == *" ranges"* || $out == *" range"* ]]'
target_end T

# a thread in recv() with SO_RCVTIMEO is EINTR-prone (a stop makes it
# return EINTR): the sleeping main thread is chosen instead
target_start T $H/target rcvtimeo
target_settle "$T_PID" rcvtimeo
wait_syscall "$T_PID" sleep
j=$("$MEMLOCK" attach -J "$T_PID" 2>/dev/null)
is "SO_RCVTIMEO: the timed recv() thread is passed over for the sleeping one" \
	"$(jget "$j" '(j["tid"], j["eintr_risk"])')" "($T_PID, False)"
target_end T
# (its eintr count only: the stop itself may lengthen a sleep of main's)
check "SO_RCVTIMEO: the receiver saw no EINTR ($R)" eval '[[ $R == "done eintr=0 "* ]]'

# a process whose only thread is in D state (a vfork parent): refused, at once
{ $H/sigtarget vfork >/tmp/memlock-vfork.$$; } &
job=$!
for _ in $(seq 100); do grep -q ready /tmp/memlock-vfork.$$ && break; sleep 0.01; done
vp=$(sed -n 's/^ready //p' /tmp/memlock-vfork.$$)
wait_state "$vp" D
out=$(timeout 10 "$MEMLOCK" attach "$vp" 2>&1)
rc=$?
check "D state (vfork parent): refused with the reason, exit 1 ($rc)" \
	eval '[ $rc -eq 1 ] && grep -q "uninterruptible" <<<"$out"'
# its vfork child, by PID (ours: started by the helper we started)
# shellcheck disable=SC2013 # children holds PIDs separated by spaces: words
for c in $(cat /proc/"$vp"/task/*/children 2>/dev/null); do kill "$c"; done
wait "$job"
is "D state: the vfork parent exits normally" "$?" 0
rm -f /tmp/memlock-vfork.$$

# the main thread gone (pthread_exit: a zombie leader), another running on:
# its memory is read through the live thread, and it is locked all the same
{ $H/sigtarget leader-exit >/tmp/memlock-zl.$$; } &
job=$!
for _ in $(seq 100); do grep -q ready /tmp/memlock-zl.$$ && break; sleep 0.01; done
zp=$(sed -n 's/^ready //p' /tmp/memlock-zl.$$)
wait_state "$zp" Z
"$MEMLOCK" attach "$zp" >/dev/null 2>&1
is "a zombie leader with a live thread: attach succeeds" "$?" 0
check "a zombie leader with a live thread: status shows it locked" \
	test "$("$MEMLOCK" status -r -n -b -o LOCKED "$zp")" -gt 0
"$MEMLOCK" unlock "$zp" >/dev/null 2>&1
is "a zombie leader with a live thread: unlocked" "$("$MEMLOCK" status -r -n -b -o LOCKED "$zp")" 0
r=$("$MEMLOCK" status --maps "$zp" -r -n -o START,END,PERMS | awk '$3 ~ /^rw/ { print "0x" $1 "-0x" $2; exit }')
"$MEMLOCK" attach --range "$r" "$zp" >/dev/null 2>&1
is "a zombie leader with a live thread: its maps are read, and --range ($r) works" "$?" 0
"$MEMLOCK" attach --max-pause 5 "$zp" >/dev/null 2>&1
check "a zombie leader with a live thread: bounded attach locks it all" \
	test "$("$MEMLOCK" status -r -n -b -o LOCKED "$zp")" -gt 1000000
kill -USR1 "$zp"
wait "$job"
is "a zombie leader with a live thread: the process ends normally" "$?" 0
rm -f /tmp/memlock-zl.$$

target_start T $H/target mt64
target_settle "$T_PID" mt64
# shellcheck disable=SC2012 # /proc/PID/task holds only thread IDs, digits
tid=$(ls /proc/"$T_PID"/task | sort -n | tail -1)
j=$("$MEMLOCK" attach -J --onfault --tid "$tid" "$T_PID")
is "--tid: the injection goes through the thread asked for" "$(jget "$j" 'j["tid"]')" "$tid"
target_end T
is "--tid: the 64-thread target exits normally" "$RC" 0

# a job-control-stopped target stays stopped, then resumes cleanly
target_start T $H/target sleep
target_settle "$T_PID" sleep
kill -STOP "$T_PID"
wait_state "$T_PID" T
j=$("$MEMLOCK" attach -J "$T_PID")
is "stopped: attach works and reports the stop" "$(jget "$j" '(j["error"], j["job_stopped"])')" \
	"(None, True)"
is "stopped: still stopped afterwards" "$(awk '/^State:/ { print $2 }' /proc/"$T_PID"/status)" T
kill -CONT "$T_PID"
tcmd T s
check "stopped: after SIGCONT it runs, locked ($R)" test "${R#vmlck }" -gt 0
target_end T
# (its nanosleep overran while it was stopped: that is job control, not memlock)
check "stopped: no EINTR, no short sleep, registers intact ($R)" \
	grep -q "eintr=0 short=0 .*checksum=ok" <<<"$R"

# refusals: clear message, exit 1, nothing touched
refused() {	# refused LABEL PATTERN ARGS...
	local label=$1 pat=$2 out rc
	shift 2
	out=$("$MEMLOCK" "$@" 2>&1 >/dev/null)
	rc=$?
	if [ $rc -eq 1 ] && grep -q "$pat" <<<"$out"; then ok "$label"; else
		not_ok "$label"; diag "exit $rc: $out"; fi
}
refused "refused: no such process" "there is no process" attach 4194303
refused "refused: kernel thread" "kernel thread" attach 2
( sleep 0.01 & exec sleep 3 ) & zparent=$!
for _ in $(seq 1000); do	# its child exited, unreaped (exec'd sleep never waits)
	zombie=$(ps -o pid=,stat= --ppid $zparent | awk '$2 ~ /^Z/ { print $1 }')
	[ -n "$zombie" ] && break
	sleep 0.01
done
refused "refused: zombie" "zombie" attach "$zombie"
kill $zparent; wait $zparent 2>/dev/null
# The kernel may have IA32 emulation built in and still refuse ia32 binaries
# (ia32_emulation=0, or binfmt restrictions): probe by running one first.
t32_why=""
if [ ! -x $H/target32 ]; then
	t32_why="no ia32 helper (not an x86_64 build)"
elif ! timeout 5 $H/target32 probe </dev/null >/dev/null 2>&1; then
	t32_why="this machine does not run ia32 binaries (Exec format error)"
fi
if [ -z "$t32_why" ]; then
	$H/target32 & t32=$!
	for _ in $(seq 1000); do	# (until the fork has exec'd it)
		[ "$(readlink /proc/$t32/exe)" = "$(readlink -f $H/target32)" ] && break
		sleep 0.01
	done
	refused "refused: a 32-bit task" "32-bit" attach $t32
	kill $t32; wait $t32 2>/dev/null
else
	skip "refused: a 32-bit task" "$t32_why"
fi

if command -v strace >/dev/null; then
	target_start T $H/target read
	strace -p "$T_PID" -o /dev/null & st=$!
	wait_traced "$T_PID"
	refused "refused: already traced, tracer named" "already traced by $st (strace)" attach "$T_PID"
	kill $st; wait $st 2>/dev/null
	target_end T
	is "traced target unharmed" "$RC" 0
else
	skip "refused: already traced" "strace is not installed"
fi

# unprivileged target with a 64 KiB limit: the predictor refuses, with the fix
target_start T $H/target read prlimit --memlock=65536:65536 setpriv --reuid=65534 \
	--regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all --
refused "refused: the target's RLIMIT_MEMLOCK is too small" "would refuse the lock with ENOMEM" \
	attach "$T_PID"
j=$("$MEMLOCK" attach -J --force "$T_PID" 2>/dev/null)
is "--force: the target kernel answers ENOMEM, reported as such" \
	"$(jget "$j" 'j["calls"][-1]["errno"]')" "ENOMEM"
target_end T
is "refused target unharmed" "$RC" 0

# memlock without privileges against a root process: ptrace is not permitted
target_start T $H/target read
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all \
	"$MEMLOCK" attach --force "$T_PID" 2>&1)
rc=$?
if [ $rc -eq 1 ] && grep -q "belongs to uid 0.*CAP_SYS_PTRACE" <<<"$out"; then
	ok "refused: ptrace not permitted, with the reason"
else
	not_ok "refused: ptrace not permitted, with the reason"; diag "exit $rc: $out"
fi
target_end T
is "root target unharmed" "$RC" 0
done_testing
