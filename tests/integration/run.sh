#!/bin/bash
# memlock run: the program is locked from its first instruction (dynamic,
# static, a static busybox builtin, python3 behind whatever wrapper), and
# otherwise it is exactly a plain exec: PID, stdio, environment, signals,
# exit status. Unprivileged: --strict, --best-effort and --limit.
# The checks are written check DESC eval '...': the single quotes keep the
# expansions for the eval, run when check runs it (and for sh in sh -c '...').
# shellcheck disable=SC2016
. "$(dirname "$0")/lib.sh"
# the helper of the memlock under test, not an installed one
export MEMLOCK_LIBEXECDIR=${MEMLOCK_LIBEXECDIR:-$(dirname "$MEMLOCK")}

H=build/helpers
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all --)

# selfcheck prints: vmlck= unlocked= onfault= future= touched=
field() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" <<<"$2"; }

for bin in selfcheck selfcheck-static; do
	out=$("$MEMLOCK" run -- $H/$bin)
	check "$bin: VmLck > 0 seen by the program itself ($out)" test "$(field vmlck "$out")" -gt 0
	is "$bin: lo on every lockable mapping" "$(field unlocked "$out")" 0
	is "$bin: MCL_FUTURE holds: a later mapping is lo" "$(field future "$out")" lo
done
out=$("$MEMLOCK" run --onfault -- $H/selfcheck onfault)
is "--onfault: mappings are lf, the later one too" "$(field future "$out")" lf
is "--onfault: Locked of a 16-page mapping grows only with the 4 touched pages" \
	"$(field touched "$out")" 16
out=$($H/selfcheck)
is "without memlock nothing is locked (the check can fail)" "$(field vmlck "$out")" 0

if command -v busybox >/dev/null && ! ldd "$(command -v busybox)" >/dev/null 2>&1; then
	# builtins only (read, echo, case): no other program runs
	v=$("$MEMLOCK" run -- busybox sh -c '
		while read k v r; do [ "$k" = VmLck: ] && echo $v; done </proc/self/status
		n=0 un=0 name=
		while read a b r; do
			case $a in
			VmFlags:)
				case "$name" in *"[vvar"* | *"[vdso]"* | *"[vsyscall]"*) continue ;; esac
				case " $b $r " in *" lo "*) ;; *) un=$((un + 1)) ;; esac ;;
			*-*) n=$((n + 1)) name=$r ;;
			esac
		done </proc/self/smaps
		echo $n $un')
	read -r lck <<<"$(sed -n 1p <<<"$v")"
	read -r n un <<<"$(sed -n 2p <<<"$v")"
	check "static busybox, a shell builtin reads VmLck > 0 ($lck kB)" test "${lck:-0}" -gt 0
	is "static busybox: every mapping but vvar, vdso and vsyscall is lo ($n mappings)" "$un" 0
else
	skip "static busybox" "busybox is not installed"
fi
py=$("$MEMLOCK" run -- python3 -c '
import re
s = open("/proc/self/smaps").read()
heads = re.findall(r"^[0-9a-f]+-[0-9a-f]+ .*$", s, re.M)
flags = re.findall(r"^VmFlags:(.*)$", s, re.M)
un = sum(1 for h, f in zip(heads, flags) if " lo" not in f and not re.search(r"\[(vvar|vvar_vclock|vdso|vsyscall)\]", h))
lck = [l.split()[1] for l in open("/proc/self/status") if l.startswith("VmLck")][0]
import mmap
m = mmap.mmap(-1, 1 << 20)
a = "%x-" % __import__("ctypes").addressof(__import__("ctypes").c_char.from_buffer(m))
s = open("/proc/self/smaps").read()
later = [b for b in s.split("\n") if b.startswith(a)]
blk = s[s.index(later[0]):].split("VmFlags:")[1].split("\n")[0] if later else ""
print(lck, un, "lo" if " lo" in blk else "no")')
read -r lck un fut <<<"$py"
check "python3 -c ($(command -v python3)): VmLck > 0 ($lck kB)" test "${lck:-0}" -gt 0
is "python3 -c: every lockable mapping lo" "$un" 0
is "python3 -c: MCL_FUTURE holds, a mapping made later is lo" "$fut" lo

# Java: the JVM locked from its launcher's first instruction on, and its
# own mappings after (MCL_FUTURE)
if command -v java >/dev/null; then
	jdir=$(mktemp -d)
	at_exit "rm -rf $jdir"
	cat >"$jdir/V.java" <<'JAVA'
public class V {
	public static void main(String[] a) throws Exception {
		for (String l : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status")))
			if (l.startsWith("VmLck")) System.out.println(l.split("\\s+")[1]);
	}
}
JAVA
	v=$("$MEMLOCK" run -- java -Xmx64m "$jdir/V.java" 2>/dev/null)
	check "java: the JVM sees VmLck > 0 ($v kB)" test "${v:-0}" -gt 0
	is "java: without memlock it sees 0" "$(java -Xmx64m "$jdir/V.java" 2>/dev/null)" 0
else
	skip "java" "no java installed"
fi
command -v go >/dev/null || skip "go" "no Go toolchain installed (Debian's golang-go is not in the deps)"

# the library from another thread than the main one: the exec'ing thread
# takes the process's PID, and the lock follows it
out=$($H/exec-thread $H/selfcheck)
check "exec from a second thread: locked all the same ($out)" test "$(field vmlck "$out")" -gt 0

# refused before the exec, with the reason: a 32-bit program, and a seccomp
# filter (which the program inherits from memlock) that kills or denies mlockall
if [ -x $H/target32 ]; then
	out=$("$MEMLOCK" run -- $H/target32 2>&1)
	rc=$?
	check "32-bit program: refused before it runs, 125 ($rc)" \
		eval '[ $rc -eq 125 ] && grep -q "32-bit" <<<"$out"'
else
	skip "32-bit program" "no ia32 helper on this architecture"
fi
for f in kill errno; do
	out=$($H/seccomp-exec $f "$MEMLOCK" run -- $H/selfcheck 2>&1)
	rc=$?
	check "seccomp $f filter: refused before the program runs, 125 ($rc)" \
		eval '[ $rc -eq 125 ] && grep -q "seccomp filter" <<<"$out" && ! grep -q vmlck= <<<"$out"'
done
out=$($H/seccomp-exec kill "$MEMLOCK" run --best-effort -- $H/selfcheck 2>&1)
rc=$?
check "seccomp kill filter, --best-effort: runs unlocked, alive, and says why ($rc)" \
	eval '[ $rc -eq 0 ] && grep -q "vmlck=0 " <<<"$out" && grep -q "runs unlocked.*seccomp" <<<"$out"'

# -v: the lock of each image, on stderr
out=$("$MEMLOCK" run -v -- $H/selfcheck 2>&1 >/dev/null)
check "-v: the mlockall flags by name, its result and VmLck ($out)" \
	grep -q "^memlock: selfcheck (pid [0-9]*): mlockall(MCL_CURRENT|MCL_FUTURE) = 0, VmLck [0-9.]*[KM]" <<<"$out"

# --follow: the wrapper's exec is locked, and the helper is gone at the deadline
out=$("$MEMLOCK" run --follow 3000 -- sh -c "exec $H/selfcheck")
check "--follow: a wrapper's exec is locked too ($out)" test "$(field vmlck "$out")" -gt 0
out=$("$MEMLOCK" run --follow 0 -- sh -c "exec $H/selfcheck")
is "--follow 0: a wrapper's exec is not locked" "$(field vmlck "$out")" 0
# (polled: the window is 1 s after sh's exec, a launcher's; 60 s at most)
out=$("$MEMLOCK" run --follow 100 -- sh -c 'for i in $(seq 1200); do
	grep -q "^TracerPid:[[:space:]]*0$" /proc/$$/status && break; sleep 0.05; done
	grep TracerPid /proc/$$/status')
is "--follow 100: the helper lets go once the window ended" "$(tr -d ' \t' <<<"$out")" TracerPid:0
# a chain of shims, each slower than the old 500 ms window (pyenv, rbenv and
# nvm run bash and env before the real program, seconds apart on a loaded
# machine): the window after a launcher's exec is ten times as long
out=$("$MEMLOCK" run -- sh -c "sleep 1; exec env sh -c 'sleep 1; exec env $H/selfcheck'" 2>&1)
check "a chain sh, env, sh, env, program, 1 s between execs: the program is locked ($out)" \
	eval '[ "$(field vmlck "$out")" -gt 0 ] && ! grep -q "follow ended" <<<"$out"'
# the window ends on a shell that still runs: said, as its later exec runs unlocked
out=$("$MEMLOCK" run --follow 100 -- sh -c "sleep 2; exec $H/selfcheck" 2>&1)
check "the window ends on a shell: warned that what it executes runs unlocked ($out)" \
	eval 'grep -q "^memlock: warning: --follow ended 1000 ms after dash\|^memlock: warning: --follow ended 1000 ms after [a-z]*sh" <<<"$out" &&
	      grep -q "runs unlocked" <<<"$out" && [ "$(field vmlck "$out")" = 0 ]'
# a SIGTERM to the whole process group (a service manager's stop, ^C's
# SIGINT alike) does not end the helper in the middle: the later exec is locked
# (setsid: a process group of its own, that the signal does not leave)
out=$(setsid -w "$MEMLOCK" run --follow 3000 -- sh -c "trap '' TERM; kill -TERM 0; exec $H/selfcheck")
check "the helper outlives a SIGTERM to the process group ($out)" \
	test "$(field vmlck "$out")" -gt 0

# started by a parent that ignores SIGCHLD (inherited): the helper still
# wakes for each stop, not at the end of --follow (an hour: a helper that
# waits for it is killed by the 120 s timeout, whatever the machine's load)
out=$(timeout -s KILL 120 bash -c "trap '' CHLD; exec \"\$0\" run --follow 3600000 -- sh -c 'exec $H/selfcheck'" "$MEMLOCK")
rc=$?
check "SIGCHLD ignored by the parent: the wrapper's exec locked, not at the window's end ($rc, $out)" \
	eval '[ $rc -eq 0 ] && [ "$(field vmlck "$out")" -gt 0 ]'
# stopped and continued within --follow: it runs on at SIGCONT (sent once
# it has stopped itself: a SIGCONT before would leave it stopped); kept
# stopped to the window's end (an hour), the watchdog's SIGKILL ends it
flag=$(mktemp -u)
"$MEMLOCK" run --follow 3600000 -- sh -c "touch $flag; kill -STOP \$\$; exec true" & m=$!
( sleep 120; kill -KILL $m ) >/dev/null 2>&1 & watchdog=$!
until_state() { for _ in $(seq 6000); do eval "$1" && return; sleep 0.01; done; }
until_state '[ -e $flag ] && grep -q "^State:.*[Tt] (" /proc/$m/status'
kill -CONT $m
wait $m
rc=$?
kill $watchdog 2>/dev/null
rm -f "$flag"
is "SIGSTOP then SIGCONT within --follow: it runs on and ends by itself, not the watchdog" "$rc" 0

# exactly a plain exec
"$MEMLOCK" run -- sh -c 'echo $$ >/tmp/memlock-run-pid.$PPID; exec sleep 5' &
m=$!
until_state '[ "$(cat /proc/$m/comm 2>/dev/null)" = sleep ]'
is "PID: the program runs as memlock's PID" "$(cat /tmp/memlock-run-pid.$$ 2>/dev/null)" "$m"
is "PID: that PID is the program now" "$(cat /proc/$m/comm)" sleep
kill -TERM $m
wait $m
is "signals: SIGTERM to the memlock PID ends the program (143)" "$?" 143
rm -f /tmp/memlock-run-pid.$$
is "stdin and stdout pass through" "$(echo hello | "$MEMLOCK" run -- cat)" hello
is "stderr passes through" "$("$MEMLOCK" run -- sh -c 'echo oops >&2' 2>&1 >/dev/null)" oops
is "environment passes through" "$(FOO=bar "$MEMLOCK" run -- printenv FOO)" bar
"$MEMLOCK" run -- sh -c 'exit 7'
is "exit status passes through" "$?" 7
"$MEMLOCK" run -- sh -c 'kill -SEGV $$' 2>/dev/null
is "death by signal passes through (139)" "$?" 139
"$MEMLOCK" run -- /nonexistent/prog 2>/dev/null
is "not found: 127, as env(1)" "$?" 127
"$MEMLOCK" run -- /etc/passwd 2>/dev/null
is "not executable: 126" "$?" 126
printf 'echo "no #! line: $*"\n' >/tmp/memlock-nosh.$$ && chmod +x /tmp/memlock-nosh.$$
is "a script without #!: run by /bin/sh, locked, as execvp and env(1) do" \
	"$("$MEMLOCK" run -v -- /tmp/memlock-nosh.$$ a b 2>&1 | sort | sed 's/(pid [0-9]*)//; s/VmLck .*/VmLck/')" \
	"$(printf '%s\n' 'memlock: sh : mlockall(MCL_CURRENT|MCL_FUTURE) = 0, VmLck' 'no #! line: a b')"
rm -f /tmp/memlock-nosh.$$
# (an exec that fails after the helper is up: under ASan, LeakSanitizer
# aborts at exit if memlock is still traced)
"$MEMLOCK" run -- /tmp 2>/dev/null
is "a directory: 126, and memlock is not left traced" "$?" 126
"$MEMLOCK" run 2>/dev/null
is "no program: 125" "$?" 125
out=$("$MEMLOCK" run --strict --best-effort -- true 2>&1)
rc=$?
check "--strict with --best-effort: refused, 125, nothing run ($rc)" \
	eval '[ $rc -eq 125 ] && grep -q "cannot go together" <<<"$out"'
"$MEMLOCK" run --bogus -- true 2>/dev/null
is "unknown option: 125" "$?" 125
"$MEMLOCK" run --limit 12Q -- true 2>/dev/null
is "bad --limit: 125" "$?" 125
"$MEMLOCK" run --follow -5 -- true 2>/dev/null
is "bad --follow: 125" "$?" 125
# --limit SOFT:HARD, as prlimit and memlock limit take it (lowering the hard
# limit needs no privilege)
out=$("$MEMLOCK" run --limit 1M:2M -- sh -c 'grep "locked memory" /proc/$$/limits' 2>&1)
check "--limit 1M:2M sets both limits ($out)" \
	eval '[ "$(awk "{ print \$4, \$5 }" <<<"$out")" = "1048576 2097152" ]'
# set-user-ID: a tracer without CAP_SYS_PTRACE would make it run unprivileged
if [ "$(id -u)" -eq 0 ]; then
	out=$("${NOBODY[@]}" "$MEMLOCK" run -- /usr/bin/passwd --help 2>&1)
	rc=$?
	check "set-user-ID program, unprivileged: refused with the reason, 125 ($rc)" \
		eval '[ $rc -eq 125 ] && grep -q "set-user-ID" <<<"$out"'
	out=$("${NOBODY[@]}" "$MEMLOCK" run --best-effort -- /usr/bin/passwd --help 2>&1)
	rc=$?
	check "set-user-ID program, unprivileged, --best-effort: runs, untraced, and says so ($rc)" \
		eval '[ $rc -eq 0 ] && grep -q "^memlock: passwd runs unlocked: mlockall not tried: .*untraced" <<<"$out"'
	out=$("${NOBODY[@]}" "$MEMLOCK" run --follow 1000 -- env /usr/bin/passwd --help 2>&1)
	rc=$?
	check "set-user-ID program exec'ed within --follow: ended before it runs, 125, named ($rc)" \
		eval '[ $rc -eq 125 ] && grep -q "^memlock: cannot lock passwd (executed by env), not running it: EPERM: .*within the follow window" <<<"$out"'
	out=$("${NOBODY[@]}" "$MEMLOCK" run --best-effort --follow 1000 -- env /usr/bin/passwd --help 2>&1)
	check "the same with --best-effort: passwd, not env, runs unlocked, and mlockall was not tried" \
		eval 'grep -q "^memlock: passwd (executed by env) runs unlocked: mlockall not tried" <<<"$out" &&
		      ! grep -q "env runs unlocked" <<<"$out"'
	"$MEMLOCK" run -- /usr/bin/passwd --help >/dev/null 2>&1
	is "set-user-ID program as root (CAP_SYS_PTRACE keeps its privileges): it runs" "$?" 0
	if command -v setcap >/dev/null; then
		fcap=$(mktemp -d)
		at_exit "rm -rf $fcap"
		chmod 755 "$fcap"
		cp $H/selfcheck "$fcap/fcap-selfcheck"
		setcap cap_ipc_lock+ep "$fcap/fcap-selfcheck"
		out=$("${NOBODY[@]}" "$MEMLOCK" run -- "$fcap/fcap-selfcheck" 2>&1)
		rc=$?
		check "file-capability program, unprivileged: refused with the reason, 125 ($rc)" \
			eval '[ $rc -eq 125 ] && grep -q "file-capability" <<<"$out" && ! grep -q vmlck= <<<"$out"'
	else
		skip "file-capability refusal" "no setcap (libcap2-bin)"
	fi
else
	skip "set-user-ID refusal" "needs root to switch to uid 65534"
fi

# unprivileged, a 64 KiB soft limit under an 8 MiB hard one
if [ "$(id -u)" -eq 0 ]; then
	rm -f /tmp/memlock-ran.$$
	out=$("${NOBODY[@]}" prlimit --memlock=65536:8388608 "$MEMLOCK" run -- \
		sh -c "touch /tmp/memlock-ran.$$" 2>&1)
	rc=$?
	check "--strict: fails before the program runs, 125 ($rc)" \
		eval '[ $rc -eq 125 ] && [ ! -e /tmp/memlock-ran.$$ ]'
	check "--strict: with the reason (its start-up under MCL_FUTURE) and a fix" \
		eval 'grep -q "sh maps at least .* before main" <<<"$out" && grep -q "^hint: " <<<"$out"'
	out=$("${NOBODY[@]}" prlimit --memlock=65536:8388608 "$MEMLOCK" run --current -- \
		sh -c "touch /tmp/memlock-ran.$$" 2>&1)
	rc=$?
	check "--strict --current: the lock fails at the exec stop, the program does not run, 125 ($rc)" \
		eval '[ $rc -eq 125 ] && [ ! -e /tmp/memlock-ran.$$ ] && grep -q "MCL_CURRENT needs the whole address space" <<<"$out"'
	out=$("${NOBODY[@]}" prlimit --memlock=4096:8388608 "$MEMLOCK" run --current -- true 2>&1)
	check "a limit of one page is said as 1 page, not 1 pages" \
		eval 'grep -q "of 4 KiB (1 page)" <<<"$out"'
	out=$("${NOBODY[@]}" prlimit --memlock=65536:8388608 "$MEMLOCK" run --best-effort -- \
		sh -c 'grep VmLck /proc/$$/status' 2>&1)
	check "--best-effort: runs unlocked and says so" \
		eval 'grep -q "runs unlocked" <<<"$out" && grep -q "VmLck:.* 0 kB" <<<"$out"'
	out=$("${NOBODY[@]}" prlimit --memlock=65536:8388608 "$MEMLOCK" run --limit 4M -- \
		$H/selfcheck 2>/dev/null)
	check "--limit 4M (below the hard limit) makes it succeed ($out)" \
		test "$(field vmlck "$out")" -gt 0
	out=$("${NOBODY[@]}" prlimit --memlock=65536:8388608 "$MEMLOCK" run --limit 16M -- true 2>&1)
	rc=$?
	check "--limit above the hard limit: refused with CAP_SYS_RESOURCE explained ($rc)" \
		eval '[ $rc -eq 125 ] && grep -q "CAP_SYS_RESOURCE" <<<"$out"'
	out=$("${NOBODY[@]}" prlimit --memlock=65536:8388608 "$MEMLOCK" run --best-effort --limit 16M -- \
		$H/selfcheck 2>&1)
	check "--limit above the hard limit, --best-effort: goes on with the hard limit, locked" \
		eval 'grep -q "going on with the hard limit" <<<"$out" && [ "$(field vmlck "$out")" -gt 0 ]'
	out=$("${NOBODY[@]}" prlimit --memlock=4194304:8388608 "$MEMLOCK" run -- $H/selfcheck 2>&1)
	check "a limit that leaves little room for MCL_FUTURE: warned" \
		grep -q "^memlock: warning: selfcheck has .* of RLIMIT_MEMLOCK left" <<<"$out"
	out=$("$MEMLOCK" run --limit 16M -- $H/selfcheck 2>&1)
	rc=$?
	check "--limit above the hard limit with CAP_IPC_LOCK: the limit does not matter, locked ($rc)" \
		eval '[ $rc -eq 0 ] && grep -q "CAP_IPC_LOCK lifts the limit" <<<"$out" && [ "$(field vmlck "$out")" -gt 0 ]'
else
	skip "unprivileged run" "needs root to switch to uid 65534"
fi
done_testing
