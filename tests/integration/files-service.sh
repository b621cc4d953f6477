#!/bin/bash
# memlock files --lock as a service: the control socket (--status, --add,
# --remove, its permissions), --daemon (the parent's exit status is the
# holder's outcome), --pidfile (a second holder on it refused), the systemd
# notify protocol (READY=1 only after the locking, on a socket this test
# listens on) and the unit in contrib/ (systemd-analyze verify).
. "$(dirname "$0")/lib.sh"

dir=$(mktemp -d)
at_exit "rm -rf '$dir'"
chmod 755 "$dir"
mkdir -p "$dir/tree/sub"
for f in a b; do head -c $((1 << 20)) /dev/urandom >"$dir/tree/$f"; done
head -c 8192 /dev/urandom >"$dir/tree/sub/x"
sock=$dir/ctl.sock
ml() { "$MEMLOCK" files "$@"; }
as_nobody() { setpriv --reuid 65534 --regid 65534 --clear-groups --inh-caps=-all "$@"; }

# --- the control socket
"$MEMLOCK" files --lock --socket "$sock" "$dir/tree/a" >"$dir/h.out" 2>&1 &
holder=$!
at_exit "kill $holder 2>/dev/null"
for ((i = 0; i < 100; i++)); do [ -S "$sock" ] && break; sleep 0.05; done
check "the holder says where its control socket is" grep -q "^control socket: $sock" "$dir/h.out"
is "the socket is its owner's alone (0600)" "$(stat -c %a "$sock")" 600
out=$(ml --status --socket "$sock" -n -r -o PATH,LOCKED,STATE -b)
is "--status lists what it holds" "$out" "$dir/tree/a 1048576 locked"
out=$(ml --add "$dir/tree/b" --socket "$sock")
check "--add locks a file without a restart ($out)" grep -q "^added 1 files, 1M" <<<"$out"
is "--status: both now" "$(ml --status --socket "$sock" -n -r -o PATH | wc -l)" 2
json=$(ml --status --socket "$sock" -J -b)
is "--status -J: the locked bytes as numbers" \
	"$(jget "$json" 'sum(f["locked"] for f in j["files"])')" $((2 << 20))
ml --add "$dir/tree/sub" --socket "$sock" >/dev/null 2>"$dir/err"
is "--add of a directory to a holder without -R: refused (exit status 1)" "$?" 1
check "... with the reason" grep -q "hint: the holder walks no directory" "$dir/err"
out=$(cd "$dir/tree" && ml --remove a --socket "$sock")
check "--remove of a relative path releases it ($out)" grep -q "^removed 1 files, 1M" <<<"$out"
is "--status: one left" "$(ml --status --socket "$sock" -n -r -o PATH)" "$dir/tree/b"
ml --remove "$dir/tree/nothing" --socket "$sock" >/dev/null 2>&1
is "--remove of what it does not hold: exit status 1" "$?" 1
as_nobody "$MEMLOCK" files --status --socket "$sock" >/dev/null 2>"$dir/err"
is "another user cannot reach it (exit status 1)" "$?" 1
check "... and is told why" grep -q "Permission denied" "$dir/err"
kill -TERM "$holder"
wait "$holder"
check "the socket is removed at exit" test ! -e "$sock"
ml --status --socket "$sock" >/dev/null 2>"$dir/err"
is "--status with no holder: exit status 1" "$?" 1
check "... and the hint to start one" grep -q "hint: is it running" "$dir/err"

# --- --daemon and --pidfile
pidf=$dir/run/holder.pid
mkdir -p "$dir/run"
ml --lock --daemon --pidfile "$pidf" -R "$dir/tree" >"$dir/d.out" 2>&1
is "--daemon: the parent exits 0 once everything is locked" "$?" 0
dpid=$(cat "$pidf" 2>/dev/null)
check "--pidfile names the holder ($dpid)" test -n "$dpid" -a -d "/proc/$dpid"
at_exit "kill $dpid 2>/dev/null"
is "the holder holds the tree (VmLck, kB)" "$(awk '/^VmLck:/ { print $2 }' "/proc/$dpid/status")" 2056
check "its control socket is beside the PID file" test -S "$dir/run/holder.sock"
ml --lock --pidfile "$pidf" "$dir/tree/a" >/dev/null 2>"$dir/err"
is "a second holder on the same PID file: refused (exit status 1)" "$?" 1
check "... naming the first one" grep -q "another holder runs with the PID file .*(PID $dpid)" "$dir/err"
kill -TERM "$dpid"
for ((i = 0; i < 100; i++)); do [ -e "/proc/$dpid" ] || break; sleep 0.05; done
check "the PID file is removed at exit" test ! -e "$pidf"
ml --lock --daemon --strict --budget 1M -R "$dir/tree" >/dev/null 2>&1
is "--daemon --strict when not all fits: the parent exits 1" "$?" 1

# --- the notify protocol, on a socket of our own
nsock=$dir/notify.sock
python3 - "$nsock" >"$dir/notify.log" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(10)
try:
    while True:
        m = s.recv(4096).decode()
        print(m.replace("\n", "|"), flush=True)
        if "STOPPING=1" in m:
            break
except socket.timeout:
    pass
PY
listener=$!
at_exit "kill $listener 2>/dev/null"
for ((i = 0; i < 100; i++)); do [ -S "$nsock" ] && break; sleep 0.05; done
NOTIFY_SOCKET=$nsock "$MEMLOCK" files --lock --socket "$dir/n.sock" "$dir/tree/a" "$dir/tree/b" \
	>"$dir/n.out" 2>&1 &
holder=$!
for ((i = 0; i < 100; i++)); do grep -q READY "$dir/notify.log" && break; sleep 0.05; done
check "READY=1 with the locked total in STATUS= ($(head -c 200 "$dir/notify.log"))" \
	grep -q "^READY=1|STATUS=holding 2M in 2 files" "$dir/notify.log"
check "READY=1 came after the locking was done" grep -q "^locked 2M of 2M" "$dir/n.out"
kill -HUP "$holder"
for ((i = 0; i < 100; i++)); do [ "$(grep -c READY "$dir/notify.log")" -ge 2 ] && break; sleep 0.05; done
check "SIGHUP: RELOADING=1, then READY=1 again" grep -q "^RELOADING=1" "$dir/notify.log"
kill -TERM "$holder"
wait "$holder"
wait "$listener"
check "SIGTERM: STOPPING=1" grep -q "^STOPPING=1" "$dir/notify.log"

# --- the unit in contrib/
if ! command -v systemd-analyze >/dev/null; then
	skip "systemd unit" "no systemd-analyze"
else
	sed "s|@BINDIR@|$(dirname "$MEMLOCK")|" "$(dirname "$0")/../../contrib/systemd/memlock-files.service.in" \
		>"$dir/memlock-files.service"
	# (--man=no: memlock(1) is not installed where the tests run)
	out=$(systemd-analyze verify --man=no "$dir/memlock-files.service" 2>&1)
	rc=$?
	is "contrib/systemd/memlock-files.service passes systemd-analyze verify ($out)" "$rc" 0
fi
done_testing
