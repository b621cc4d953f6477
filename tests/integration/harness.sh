#!/bin/bash
# The test harness itself (lib.sh): a signal sent at once to a background
# command ("cmd & kill -TERM $!", as attach-stress.sh does to memlock) can
# reach bash's fork before it execs cmd, while it still has the test's
# traps. Its cleanups must not run there: they ended every target of the
# test (attach-stress: T2 gone at the first SIGTERM to memlock, then the
# script dead of SIGPIPE writing to T0). Here the fork is killed at once,
# many times; the test's coprocess must live on, and the cleanups must run
# in the test's own shell only.
. "$(dirname "$0")/lib.sh"

N=${HARNESS_FORKS:-20}
log=$(mktemp)
coproc_start S sh -c 'echo ready $$; exec sleep 600'
sp=$S_PID
# shellcheck disable=SC2016 # ($BASHPID is the one of the shell that cleans up)
at_exit 'echo $BASHPID >>'"$log"

gone=""
# (a signal that lands in the fork may also be lost there: bash drops the
# pending trap when it resets its traps, and the command runs to its end;
# and the fork's bash warns "wait_for: No record of process": stderr off)
for ((i = 0; i < N; i++)); do
	sleep 0.2 &
	m=$!
	kill -TERM "$m"
	wait "$m"
	[ -e /proc/"$sp" ] || { gone=" (gone after $((i + 1)))"; break; }
done 2>/dev/null
check "$N background commands killed at once: the test's coprocess lives on$gone" \
	test -e /proc/"$sp"
is "... and no fork of the test's shell ran its cleanups" "$(cat "$log" 2>&1)" ""
rm -f "$log"

# the test's own shell still cleans up on exit: a child script's coprocess
# is ended by its cleanups, and a TERM to the script ends it with 130
pidf=$(mktemp)
bash -c '. "$1"; coproc_start C sh -c "echo ready \$\$; exec sleep 600"
	echo "$C_PID" >"$2"; kill -TERM $$; sleep 5' _ "$(dirname "$0")/lib.sh" "$pidf"
is "a TERM to a test: it exits with 130" "$?" 130
cp=$(cat "$pidf")
rm -f "$pidf"
for _ in $(seq 100); do [ -e /proc/"$cp" ] || break; sleep 0.01; done
ended() { [ -n "$1" ] && [ ! -e /proc/"$1" ]; }
check "... and its cleanups end its coprocess (${cp:-none})" ended "$cp"
done_testing
