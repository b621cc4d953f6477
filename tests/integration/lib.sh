# Shared helpers of the integration tests: TAP output, the victim, cleanup.
# Source it; MEMLOCK and VICTIM come from tests/run.sh (or set them by hand).
# shellcheck shell=bash
set -u
: "${MEMLOCK:=build/memlock}" "${VICTIM:=build/helpers/victim}"
T_N=0
T_FAILED=0	# 1 after a not_ok: for scripts that exit with it (tests/make, tests/pkgconfig)
CLEANUPS=()

ok() { T_N=$((T_N + 1)); echo "ok $T_N - $*"; }
# shellcheck disable=SC2034 # (T_FAILED is read by the scripts that source this)
not_ok() { T_N=$((T_N + 1)); T_FAILED=1; echo "not ok $T_N - $*"; }
skip() { T_N=$((T_N + 1)); echo "ok $T_N - $1 # SKIP $2"; }
diag() { printf '# %s\n' "$@"; }
done_testing() { echo "1..$T_N"; }

# check "description" COMMAND... : ok when COMMAND succeeds
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else not_ok "$what"; fi
}

# is "description" GOT WANT
is() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1"; diag "got '$2', want '$3'"; fi
}

# The cleanups and the exit on INT or TERM belong to the test's own shell.
# A fork of it ("cmd &") keeps the test's traps until it resets them before
# its exec: a signal sent at once to $! (memlock killed at a random moment)
# can land in that window, and the fork ran the test's cleanups there,
# ending every target of the test. Now a fork cleans up nothing and exits
# as the command would have on that signal (128 + its number). (bash may
# also take the signal in the fork with its own handler, which runs the EXIT
# trap and warns "wait_for: No record of process", or drop it: then the
# command runs to its end.)
T_SHELL=$BASHPID
at_exit() { CLEANUPS+=("$1"); }
run_cleanups() {
	local i
	[ "$BASHPID" = "$T_SHELL" ] || return 0
	for ((i = ${#CLEANUPS[@]} - 1; i >= 0; i--)); do
		eval "${CLEANUPS[$i]}" >/dev/null 2>&1
	done
}
on_signal() {	# NUMBER
	if [ "$BASHPID" != "$T_SHELL" ]; then
		trap - EXIT
		exit $((128 + $1))
	fi
	exit 130
}
trap run_cleanups EXIT
trap 'on_signal 2' INT
trap 'on_signal 15' TERM

# coproc_start NAME COMMAND...: COMMAND as a coprocess that first prints
# "ready PID"; the PID lands in $NAME_PID and the process is ended on exit.
coproc_start() {
	local name=$1 line pid
	shift
	# (bash warns about every coprocess after the first: it works all the same)
	eval "coproc $name { exec \"\$@\"; }" 2>/dev/null
	local -n fds=$name
	read -r line <&"${fds[0]}" || return 1
	pid=${line#ready }
	printf -v "${name}_PID" '%s' "$pid"
	at_exit "kill -CONT $pid; kill $pid; wait $pid"
}

# victim_start NAME [prefix command...]: the command-driven victim
victim_start() {
	local name=$1
	shift
	coproc_start "$name" "$@" "$VICTIM"
}

# vcmd NAME COMMAND: the reply, without its "ok ", lands in $R; fails on
# "err". (No $(...) or pipes around it: coprocess fds do not reach subshells.)
vcmd() {
	local -n fds=$1
	echo "$2" >&"${fds[1]}"
	read -r R <&"${fds[0]}" || return 1
	case $R in
	ok*) R=${R#ok}; R=${R# } ;;
	*) return 1 ;;
	esac
}


# target_start NAME BINARY MODE [prefix command...]: a tests/helpers/target
target_start() {
	local name=$1 bin=$2 mode=$3
	shift 3
	coproc_start "$name" "$@" "$bin" "$mode"
}

# tcmd NAME LETTER: send a command letter, the reply line lands in $R
tcmd() {
	local -n fds=$1
	echo "$2" >&"${fds[1]}"
	read -r R <&"${fds[0]}"
}

# target_end NAME: 'q', then $R holds the "done ..." line and $RC the exit status
target_end() {
	local -n fds=$1
	local pidvar=${1}_PID
	echo q >&"${fds[1]}"
	read -r R <&"${fds[0]}"
	wait "${!pidvar}"
	# shellcheck disable=SC2034 # read by the tests
	RC=$?
}

# wait_traced PID [0]: until PID has a tracer (TracerPid not 0), or with 0
# until it has none; at most about 4 s
wait_traced() {
	local pid=$1 want=${2:-} tp
	for _ in $(seq 400); do
		tp=$(awk '/^TracerPid:/ { print $2 }' /proc/"$pid"/status 2>/dev/null)
		if [ -n "$want" ]; then [ "$tp" = 0 ] && return 0; else [ "${tp:-0}" != 0 ] && return 0; fi
		sleep 0.01
	done
	return 1
}

# jget JSON EXPR: a python expression over the parsed object "j" (the JSON
# through stdin: an argument is limited to 128 KiB, 4096 calls are more)
jget() { python3 -c 'import json, sys; j = json.load(sys.stdin); print(eval(sys.argv[1]))' "$2" <<<"$1"; }

# syscall_nrs CALL...: the numbers of the system calls a libc call of that
# name makes (sleep: nanosleep or clock_nanosleep; epoll: epoll_wait or
# epoll_pwait(2)), as /proc/PID/task/TID/syscall shows them
syscall_nrs() {
	local c
	for c in "$@"; do
		case $(uname -m)/$c in
		x86_64/read) echo 0 ;; x86_64/epoll) echo 232 281 441 ;;
		x86_64/sleep) echo 35 230 ;; x86_64/futex) echo 202 ;; x86_64/recv) echo 45 ;;
		aarch64/read) echo 63 ;; aarch64/epoll) echo 22 441 ;;
		aarch64/sleep) echo 101 115 ;; aarch64/futex) echo 98 ;; aarch64/recv) echo 207 ;;
		esac
	done
}

# wait_syscall PID CALL...: until a thread of PID is blocked in one of the
# CALLs (see syscall_nrs): the thread is in its wait now, not on its way
# there; at most about 10 s
wait_syscall() {
	local pid=$1 want f nr
	shift
	want=" $(syscall_nrs "$@" | tr '\n' ' ') "
	for _ in $(seq 1000); do
		for f in /proc/"$pid"/task/*/syscall; do
			read -r nr _ <"$f" 2>/dev/null || continue
			[[ $want == *" $nr "* ]] && return 0
		done
		sleep 0.01
	done
	return 1
}

# wait_state PID STATE: until PID's State: is STATE (Z, T, D...); about 10 s
wait_state() {
	for _ in $(seq 1000); do
		[ "$(awk '/^State:/ { print $2 }' /proc/"$1"/status 2>/dev/null)" = "$2" ] && return 0
		sleep 0.01
	done
	return 1
}

# wait_threads PID N: until PID has at least N threads; about 10 s
wait_threads() {
	local t
	for _ in $(seq 1000); do
		t=(/proc/"$1"/task/*)
		[ ${#t[@]} -ge "$2" ] && [ -e "${t[0]}" ] && return 0
		sleep 0.01
	done
	return 1
}

# target_settle PID MODE: until a tests/helpers/target in MODE is where the
# test wants it: its threads started, the waiting one in its wait
target_settle() {
	case $2 in
	spin) wait_threads "$1" 2 ;;
	mt64) wait_threads "$1" 64 && wait_syscall "$1" read ;;
	read | seccomp-*) wait_syscall "$1" read ;;
	sleep) wait_syscall "$1" sleep ;;
	rcvtimeo) wait_syscall "$1" recv ;;
	*) wait_syscall "$1" "$2" ;;
	esac
}
