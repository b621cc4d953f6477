#!/bin/bash
# make demo: start the bundled sample process and show memlock on it.
set -u
B=${1:-build}
M=$B/memlock
cc_sample() {
	${CC:-cc} -std=gnu11 -O2 -Iinclude -o "$B/sample" examples/sample.c "$B/libmemlock.a"
}
[ "$B/sample" -nt examples/sample.c ] || cc_sample || exit 1

pids=()
# shellcheck disable=SC2317 # called by the trap below
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; }
trap cleanup EXIT

# start_sample [prefix...]: runs the sample, waits for "ready", sets $PID
start_sample() {
	local fifo line
	fifo=$(mktemp -u) && mkfifo "$fifo" || return 1
	"$@" "$B/sample" >"$fifo" &
	pids+=($!)
	read -r line <"$fifo"
	rm -f "$fifo"
	PID=${line#ready }
}

show() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }

start_sample || { echo "memlock: demo: the sample did not start" >&2; exit 1; }
echo "The sample process (PID $PID) locked a 64 KiB key buffer with mlock, left a"
echo "4 MiB cache unlocked, and locked a 1 MiB ring on fault (a quarter touched)."
show "$M" status "$PID"
show "$M" status --maps "$PID"
show "$M" status --system
show "$M" check -p "$PID"
show "$M" check -p "$PID" --size 1G

echo
echo "Lock all of it from outside: mlockall(MCL_CURRENT|MCL_FUTURE) injected into one thread"
echo "of the running sample (no gdb, no code written into it), then unlock it again."
show "$M" attach "$PID"
show "$M" status -o PID,COMMAND,LOCKED,RLOCKED,RSS "$PID"
show "$M" unlock "$PID"

echo
echo "Start a program locked from its very first instruction (locks do not survive exec,"
echo "so mlockall is injected into the new image before it runs). The sample again, now"
echo "started with: $M run -v -- $B/sample"
start_sample "$M" run -v -- || { echo "memlock: demo: the locked sample did not start" >&2; exit 1; }
show "$M" status -o PID,COMMAND,LOCKED,RLOCKED,RSS "$PID"
show "$M" status --maps "$PID" -o START,END,LOCK,SIZE,LOCKED,PATH

if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	start_sample prlimit --memlock=2097152:2097152 setpriv --reuid=65534 --regid=65534 \
		--clear-groups --inh-caps=-all --bounding-set=-all --
	echo
	echo "A second sample (PID $PID) runs as uid 65534 without capabilities and with"
	echo "RLIMIT_MEMLOCK 2 MiB: its own mlock calls fit, but would mlockall(3)?"
	show "$M" status -o PID,COMMAND,LOCKED,VMSIZE,LIMIT,HARDLIMIT,CAP_IPC_LOCK "$PID"
	show "$M" check -p "$PID"
	show "$M" check -p "$PID" --future
	show "$M" limit "$PID"
fi
echo
echo "More: $M --help, man -l man/memlock.1"
exit 0
