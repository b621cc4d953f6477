#!/bin/bash
# memlockd with a configuration and a socket of its own: processes matched
# after their exec (and again after a restart or another exec), forked
# workers of a tree= rule, one it must not touch, reloads (socket and
# SIGHUP) that add, remove or are refused, bad input, the poll mode, the
# notify protocol, and fatal signals in the middle of an injection.
# Every process it may match has a name of this test's own.
. "$(dirname "$0")/lib.sh"

MEMLOCKD=${MEMLOCK%/memlock}/memlockd
H=build/helpers
if [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP needs root (ptrace of the test's processes, the process events connector)"
	exit 0
fi
T=$(mktemp -d /tmp/memlockd-test.XXXXXX)
chmod 755 "$T"	# (a process of nobody runs a program from it)
at_exit "rm -rf $T"
for n in A B N P T; do cp $H/workers "$T/mlkd$n$$"; done
cp "$VICTIM" "$T/mlkdK$$"
CONF=$T/memlockd.conf SOCK=$T/memlockd.sock
# (the system's python, not a version manager's shim: seconds each under load)
PY=/usr/bin/python3
[ -x $PY ] || PY=python3
jg() { "$PY" -c 'import json, sys; j = json.load(sys.stdin); print(eval(sys.argv[1]))' "$2" <<<"$1"; }

vmlck() { awk '/^VmLck:/ { print $2 }' /proc/"$1"/status 2>/dev/null; }
# locked_within PID SECONDS: until VmLck of PID is above 0
locked_within() {
	local i
	for ((i = 0; i < $2 * 100; i++)); do
		[ "$(vmlck "$1")" -gt 0 ] 2>/dev/null && return 0
		sleep 0.01
	done
	return 1
}
# start NAME PROGRAM: a workers coprocess, its PID in $NAME_PID
start() { coproc_start "$1" "$2"; }
quit() { local -n fds=$1; echo quit >&"${fds[1]}"; }
ctl() { "$MEMLOCK" daemon "$@" --socket "$SOCK"; }
json_status() { ctl status -J; }

cat >"$CONF" <<EOC
# memlockd.sh's rules
process comm=mlkdA$$ lock=all max-pause=50
process comm=mlkdB$$ lock=all
poll interval=200
metrics $T/memlockd.prom interval=1
EOC

# the notify protocol: a datagram socket of the test's own
NOTIFY=$T/notify
"$PY" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sys.argv[1])
open(sys.argv[2], "w").close()
while True:
    m = s.recv(4096)
    with open(sys.argv[2], "a") as f: f.write(m.decode(errors="replace") + "\n")
' "$NOTIFY" "$T/notified" &
at_exit "kill $!"
for _ in $(seq 200); do [ -S "$NOTIFY" ] && break; sleep 0.01; done

start A0 "$T/mlkdA$$"	# (running before the daemon: the initial locking)
# (WATCHDOG_PID unset: the watchdog is this daemon's, sd_watchdog_enabled(3))
NOTIFY_SOCKET=$NOTIFY WATCHDOG_USEC=400000 "$MEMLOCKD" -c "$CONF" --socket "$SOCK" 2>"$T/log" &
D=$!
at_exit "kill $D; wait $D"
for _ in $(seq 500); do grep -q READY=1 "$T/notified" 2>/dev/null && break; sleep 0.01; done
v=$(vmlck "$A0_PID")
check "READY=1 on NOTIFY_SOCKET once the processes running are locked ($v kB)" test "${v:-0}" -gt 0
quit A0
for _ in $(seq 100); do grep -q WATCHDOG=1 "$T/notified" 2>/dev/null && break; sleep 0.01; done
check "WATCHDOG_USEC: WATCHDOG=1 keep-alives" grep -q WATCHDOG=1 "$T/notified"

start A1 "$T/mlkdA$$"
a=$A1_PID
check "a matching process started afterwards is locked within 1 s of its exec" locked_within "$a" 1
for _ in $(seq 100); do	# (the line follows the lock)
	grep -q "memlockd: locked $a (mlkdA$$) by rule at memlockd.conf:2: " "$T/log" && break
	sleep 0.01
done
check "the lock is logged with its rule's file:line" \
	grep -q "memlockd: locked $a (mlkdA$$) by rule at memlockd.conf:2: " "$T/log"
quit A1
wait "$a" 2>/dev/null
start A2 "$T/mlkdA$$"
a=$A2_PID
check "restarted, it is locked again" locked_within "$a" 1

start N "$T/mlkdN$$"
# it execs another matching program: the kernel drops the locks, memlockd makes them again
echo "exec $T/mlkdB$$" >&"${A2[1]}"
read -r line <&"${A2[0]}"
is "the exec'd program runs in the same process" "$line" "ready $a"
check "after an exec of another matching program, locked again" locked_within "$a" 1
sleep 0.3
is "a process no rule matches is never touched (VmLck)" "$(vmlck "$N_PID")" 0

j=$(json_status)
is "status -J: the rules, the processes, the mode" \
	"$(jg "$j" '(len(j["rules"]), sorted(p["pid"] for p in j["processes"] if p["state"] == "locked"), j["mode"])')" \
	"(2, [$a], 'connector')"
for _ in $(seq 300); do	# (written every second, renamed into place)
	grep -q "^memlock_process_locked_bytes{pid=\"$a\"" "$T/memlockd.prom" 2>/dev/null && break
	sleep 0.01
done
check "the metrics textfile: the followed process and the daemon's families" \
	grep -q "^memlock_daemon_matched_processes{rule=\"memlockd.conf:3\"} 1" "$T/memlockd.prom"
if command -v promtool >/dev/null; then
	out=$(promtool check metrics <"$T/memlockd.prom" 2>&1)
	is "the metrics textfile passes promtool check metrics ($out)" "$?" 0
else
	skip "promtool check metrics" "no promtool"
fi
# node_exporter's textfile collector serves the file (its directory is $T)
if command -v prometheus-node-exporter >/dev/null && command -v curl >/dev/null; then
	port=$((20000 + $$ % 20000))
	prometheus-node-exporter --web.listen-address=127.0.0.1:$port --collector.disable-defaults \
		--collector.textfile --collector.textfile.directory="$T" 2>"$T/node.log" &
	ne=$!
	at_exit "kill $ne; wait $ne"
	for _ in $(seq 500); do
		out=$(curl -s "http://127.0.0.1:$port/metrics") && break
		sleep 0.01
	done
	check "prometheus-node-exporter serves the daemon's textfile (curl)" \
		grep -q "^memlock_daemon_matched_processes{rule=\"memlockd.conf:3\"} 1" <<<"$out"
	kill $ne
else
	skip "prometheus-node-exporter serves the textfile" "no prometheus-node-exporter or curl"
fi
out=$(ctl status)
check "status: a table with the process and its rule" grep -q "^ *$a mlkdB$$ .*memlockd.conf:3 .*locked" <<<"$out"

# a lock the predictor refuses (the process's own RLIMIT_MEMLOCK, without
# CAP_IPC_LOCK): a failure with the reason, retried when the limit changes
# (root without capabilities: prlimit of another user's process would need
# CAP_SYS_RESOURCE, which a container may not give the test)
coproc_start F prlimit --memlock=65536: setpriv --inh-caps=-all --bounding-set=-all -- \
	"$T/mlkdA$$"
f=$F_PID
for _ in $(seq 300); do
	j=$(json_status)
	[ "$(jg "$j" '[p["state"] for p in j["processes"] if p["pid"] == '"$f"']')" = "['failed']" ] && break
	sleep 0.01
done
is "over its RLIMIT_MEMLOCK: a failure with the errno and the predictor's reason" \
	"$(jg "$j" '[(p["state"], p["error"], "RLIMIT_MEMLOCK" in p["reason"]) for p in j["processes"] if p["pid"] == '"$f"']')" \
	"[('failed', 'ENOMEM', True)]"
diag "the reason: $(jg "$j" '[p["reason"] for p in j["processes"] if p["pid"] == '"$f"'][0]')"
grep -q "cannot lock $f (mlkdA$$) by rule at memlockd.conf:2: " "$T/log"
check "the failure is logged with its rule's file:line" test $? -eq 0
hard=$(ulimit -Hl)
[ "$hard" = unlimited ] || hard=$((hard * 1024))
prlimit --pid "$f" --memlock="$hard:"
check "its limit raised: retried and locked" locked_within "$f" 2
quit F

# reload: a tree= rule catches 20 forked workers; a removed rule no longer locks
start P "$T/mlkdT$$"
sed -i "/comm=mlkdB$$/d" "$CONF"
echo "process tree=$P_PID" >>"$CONF"
out=$(ctl reload 2>&1)
is "reload: accepted" "$out" "memlockd reloaded: 2 rules"
check "reload: the parent of the tree= rule is locked" locked_within "$P_PID" 1
echo "fork 20" >&"${P[1]}"
read -r line <&"${P[0]}"
read -r -a W <<<"${line#ok }"
bad=0
for w in "${W[@]}"; do locked_within "$w" 2 || bad=$((bad + 1)); done
is "a tree= rule locks 20 forked workers (${#W[@]} forked, unlocked:)" "$bad" 0
start B1 "$T/mlkdB$$"
sleep 0.5
is "a rule removed by the reload locks no new process" "$(vmlck "$B1_PID")" 0
quit B1

# a broken configuration: refused with file:line, the old rules go on
cp "$CONF" "$T/good.conf"
bad_line=$(($(wc -l <"$CONF") + 2))
printf 'process comm=mlkdZ\nprocess color=red\n' >>"$CONF"
out=$(ctl reload 2>&1)
rc=$?
check "reload of a broken configuration: refused, exit 1 ($rc)" test $rc -eq 1
check "reload refused: says file:line and what (${out%%$'\n'*})" grep -q "memlockd.conf:$bad_line: color=red" <<<"$out"
start A3 "$T/mlkdA$$"
check "reload refused: the old rules go on" locked_within "$A3_PID" 1
quit A3
kill -HUP $D
for _ in $(seq 200); do [ "$(grep -c "reload refused" "$T/log")" -ge 2 ] && break; sleep 0.01; done
check "SIGHUP with the broken configuration: refused with file:line" \
	test "$(grep -c "reload refused.*memlockd.conf:$bad_line: color=red" "$T/log")" -eq 2
cp "$T/good.conf" "$CONF"
echo "process comm=mlkdB$$" >>"$CONF"
kill -HUP $D
start B2 "$T/mlkdB$$"
check "SIGHUP with a good configuration: the rule it adds locks" locked_within "$B2_PID" 1
quit B2

out=$("$MEMLOCKD" -c "$CONF" --socket "$SOCK" 2>&1)
rc=$?
# shellcheck disable=SC2016 # expanded by the eval, when check runs it
check "a second memlockd on the same socket is refused, exit 1 ($rc: $out)" \
	eval '[ $rc -eq 1 ] && grep -q "Address already in use" <<<"$out"'

# bad input: configurations refused with FILE:LINE, socket peers that misbehave
printf 'process comm=x\nprocess comm=x\n' >"$T/dup.conf"
out=$("$MEMLOCKD" --check -c "$T/dup.conf" 2>&1)
check "a duplicate rule: refused with file:line ($out)" grep -q "dup.conf:2: duplicate rule" <<<"$out"
printf 'process comm=x frob=1\n' >"$T/key.conf"
out=$("$MEMLOCKD" --check -c "$T/key.conf" 2>&1)
check "an unknown key: refused with file:line ($out)" grep -q "key.conf:1: frob=1: " <<<"$out"
head -c 10000000 /dev/zero | tr '\0' '#' >"$T/big.conf"
out=$("$MEMLOCKD" --check -c "$T/big.conf" 2>&1)
check "a config of 10 MB: refused ($out)" grep -q "big.conf: too big" <<<"$out"
cp "$CONF" "$T/keep.conf"
cp "$T/big.conf" "$CONF"
out=$(ctl reload 2>&1)
check "reload of 10 MB: refused (${out%%$'\n'*})" grep -q "too big" <<<"$out"
cp "$T/keep.conf" "$CONF"
"$PY" - "$SOCK" "$T/dropped" <<'EOP' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.settimeout(10)
open(sys.argv[2] + ".in", "w").close()
try:
    s.recv(1)	# says nothing: the daemon drops it at its 2 s deadline
except OSError:
    pass
open(sys.argv[2], "w").write("%.6f" % time.time())
EOP
silent=$!
for _ in $(seq 500); do [ -e "$T/dropped.in" ] && break; sleep 0.01; done
out=$(printf 'hello\n' | "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b"\x00\xffgarbage" * 1000)
print(s.recv(4096).decode(errors="replace"))' "$SOCK")
check "a peer that sends garbage gets an error ($out)" grep -q '"error"' <<<"$out"
"$PY" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b"status\n"); s.close()' "$SOCK"
"$PY" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.close()' "$SOCK"
out=$(ctl status -J)
t1=$EPOCHREALTIME
wait $silent
check "with a silent peer connected, status is answered before that peer is dropped" \
	awk -v b="$t1" -v d="$(cat "$T/dropped")" 'BEGIN { exit !(b < d) }'
check "after the bad peers the daemon runs and answers" kill -0 $D
is "status after it all: the mode" "$(jg "$out" 'j["mode"]')" connector
kill -TERM $D
wait $D
is "SIGTERM: memlockd ends, exit 0" $? 0
check "SIGTERM: the socket is removed" test ! -e "$SOCK"

# the poll fallback, forced
mkdir "$T/data" "$T/one"
head -c 1000000 /dev/urandom >"$T/data/a.bin"
head -c 1000000 /dev/urandom >"$T/one/held.dat"
printf 'process comm=mlkdP%s\npoll interval=100\nfile %s/data/*.bin budget=64M\nfile %s\n' \
	$$ "$T" "$T/one/held.dat" >"$T/poll.conf"
"$MEMLOCKD" --poll -c "$T/poll.conf" --socket "$SOCK" 2>"$T/log" &
D=$!
for _ in $(seq 500); do grep -q started "$T/log" && break; sleep 0.01; done
start Q "$T/mlkdP$$"
check "--poll (every 100 ms): a matching process is locked within 2 s" locked_within "$Q_PID" 2
j=$(json_status)
is "--poll: status says the mode" "$(jg "$j" 'j["mode"]')" poll
is "a file rule holds its file, locked" "$(jg "$j" '(j["rules"][1]["matched"], j["rules"][1]["locked_bytes"] >= 1000000)')" \
	"(1, True)"
quit Q

# the file rules follow their files (inotify, batched 100 ms after the last event)
# until_status EXPR WANT: status -J (in $j) until EXPR over it says WANT, 1.5 s at most
until_status() {
	local t0=$EPOCHREALTIME
	while :; do
		j=$(json_status)
		[ "$(jg "$j" "$1")" = "$2" ] && return 0
		awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { exit !(b - a > 1.5) }' && return 1
		sleep 0.02
	done
}
# the VmLck of the daemon's worker (its only child: it holds the files) against
# the rules' locked bytes
vmlck_agrees() {
	local w
	read -r w _ </proc/"$D"/task/"$D"/children
	[ "$(($(vmlck "$w") * 1024))" = "$(jg "$(json_status)" 'sum(r["locked_bytes"] for r in j["rules"])')" ]
}
files_of() { echo "[(f['path'].rsplit('/', 1)[1], f['size'], f['state'], f['locked_bytes'] >= f['size']) for f in sorted(j['rules'][$1]['files'], key=lambda f: f['path'])]"; }
old_ino=$(stat -c %i "$T/one/held.dat")
head -c 2000000 /dev/urandom >"$T/one/.held.new"
mv "$T/one/.held.new" "$T/one/held.dat"
new_ino=$(stat -c %i "$T/one/held.dat")
want="([2000000], [$new_ino], ['locked'], True)"
expr='([f["size"] for f in j["rules"][2]["files"]], [f.get("ino") for f in j["rules"][2]["files"]], [f["state"] for f in j["rules"][2]["files"]], j["rules"][2]["locked_bytes"] == j["rules"][2]["files"][0]["locked_bytes"] >= 2000000)'
until_status "$expr" "$want"
is "a held file replaced (a new file renamed over it): the new inode ($new_ino, was $old_ino) locked within 1.5 s, the old one released" \
	"$(jg "$j" "$expr")" "$want"
check "... and said in the log" grep -q "file rule at poll.conf:4: locked $T/one/held.dat again (replaced): " "$T/log"
check "... the daemon's VmLck is the rules' locked bytes" vmlck_agrees
head -c 500000 /dev/urandom >>"$T/data/a.bin"
until_status "$(files_of 1)" "[('a.bin', 1500000, 'locked', True)]"
is "a held file grown: locked again at its new size" "$(jg "$j" "$(files_of 1)")" \
	"[('a.bin', 1500000, 'locked', True)]"
out=$(ctl reload 2>&1)
is "reload of the same rules: accepted" "$out" "memlockd reloaded: 3 rules"
is "... the file rules' holders and follows kept, not taken again" \
	"$(grep -c "holding .* files by rule at poll.conf:[34]: " "$T/log")" 2
head -c 8192 /dev/urandom >"$T/data/new.bin"
head -c 8192 /dev/urandom >"$T/data/new.txt"
want="[('a.bin', 1500000, 'locked', True), ('new.bin', 8192, 'locked', True)]"
until_status "$(files_of 1)" "$want"
is "after it (the rule's follow kept): a new file the glob matches is adopted, one it does not match is not (same batch)" \
	"$(jg "$j" "$(files_of 1)")" "$want"
rm "$T/data/a.bin"
want="([('a.bin', 0, 'not locked', True), ('new.bin', 8192, 'locked', True)], 1, 8192, ['ENOENT'])"
expr="($(files_of 1), j['rules'][1]['matched'], j['rules'][1]['locked_bytes'], [f['error'] for f in j['rules'][1]['files'] if f['path'].endswith('/a.bin')])"
until_status "$expr" "$want"
is "a held file deleted: released (the rule holds the rest)" "$(jg "$j" "$expr")" "$want"
check "... the daemon's VmLck is the rules' locked bytes" vmlck_agrees
kill -TERM $D; wait $D

# a fatal signal to memlockd in the middle of a long stop (an mlockall of
# 512 MiB in one stop): the target comes out running, untraced, unstopped
killed_mid_stop() {
	local sig=$1 st tracer
	victim_start K "$T/mlkdK$$"
	vcmd K "map 131072"
	printf 'process comm=mlkdK%s max-pause=3600000\n' $$ >"$T/k.conf"
	"$MEMLOCKD" -c "$T/k.conf" --socket "$SOCK" 2>"$T/log" &
	D=$!
	wait_traced "$K_PID"
	tracer=$(awk '/^TracerPid:/ { print $2 }' /proc/"$K_PID"/status)	# the worker
	kill -"$sig" $D
	wait $D 2>/dev/null
	# the worker finishes its stop (a 128 MiB mlockall: seconds on a loaded
	# machine) before it takes its parent's death: what counts is the target
	# once memlockd is gone, whenever that is (at most 60 s)
	for _ in $(seq 600); do
		grep -qs '^State:[[:space:]]*[^Z]' /proc/"$tracer"/status || break	# gone, or a zombie
		sleep 0.1
	done
	wait_traced "$K_PID" 0
	st=$(awk '/^State:|^TracerPid:/ { printf "%s ", $2 }' /proc/"$K_PID"/status)
	vcmd K status
	# shellcheck disable=SC2016 # expanded by the eval, when check runs it
	check "SIG$sig to memlockd during a stop: the target answers, not stopped or traced ($st, $R)" \
		eval '[ "$st" = "S 0 " ] && [ -n "$R" ]'
	vcmd K munlockall
	echo quit >&"${K[1]}"
}
killed_mid_stop KILL
killed_mid_stop TERM

# --daemon --pidfile: the command returns once the initial locking is done
# (the process it matched locked by then), the PID file names the daemon,
# a second one on the same PID file is refused, SIGTERM removes the file
# and the socket; the log goes on to the file stderr was sent to
start A3 "$T/mlkdA$$"
DSOCK=$T/bg.sock PIDF=$T/run/memlockd.pid
"$MEMLOCKD" -c "$CONF" -s "$DSOCK" --poll --daemon --pidfile "$PIDF" 2>"$T/bglog" </dev/null
rc=$?
is "--daemon: exits 0 once ready" "$rc" 0
bg=$(cat "$PIDF" 2>/dev/null)
# shellcheck disable=SC2016 # expanded by the eval, when check runs it
check "... the PID file names a running memlockd ($bg)" \
	eval '[ -n "$bg" ] && [ "$(cat /proc/"$bg"/comm 2>/dev/null)" = memlockd ]'
check "... the matching process was locked before it returned" test "$(vmlck "$A3_PID")" -gt 0
[ -n "$bg" ] && at_exit "kill $bg 2>/dev/null"
out=$("$MEMLOCKD" -c "$CONF" -s "$T/bg2.sock" --poll --daemon --pidfile "$PIDF" 2>&1 </dev/null)
rc=$?
# shellcheck disable=SC2016 # expanded by the eval, when check runs it
check "a second --pidfile on it: refused, naming the first ($rc: $out)" \
	eval '[ $rc -ne 0 ] && grep -q "PID file .*(PID $bg)" <<<"$out"'
check "... the log goes to the file stderr was sent to" grep -q "memlockd: started: " "$T/bglog"
"$MEMLOCK" daemon status --socket "$DSOCK" >/dev/null 2>&1
is "... it answers on its socket" "$?" 0
kill "$bg" 2>/dev/null
for _ in $(seq 300); do [ -e "$PIDF" ] || [ -S "$DSOCK" ] || break; [ -d /proc/"$bg" ] || break; sleep 0.01; done
for _ in $(seq 300); do [ -d /proc/"$bg" ] || break; sleep 0.01; done
# shellcheck disable=SC2016 # expanded by the eval, when check runs it
check "SIGTERM: it ends, the PID file and the socket removed" \
	eval '[ ! -d /proc/"$bg" ] && [ ! -e "$PIDF" ] && [ ! -e "$DSOCK" ]'
quit A3

quit N
quit P
quit A2

# the unit in contrib/
if ! command -v systemd-analyze >/dev/null; then
	skip "systemd unit" "no systemd-analyze"
else
	sed "s|@SBINDIR@|$(cd "$(dirname "$MEMLOCKD")" && pwd)|" "$(dirname "$0")/../../contrib/systemd/memlockd.service.in" \
		>"$T/memlockd.service"
	# (--man=no: memlockd(8) is not installed where the tests run)
	out=$(systemd-analyze verify --man=no "$T/memlockd.service" 2>&1)
	is "contrib/systemd/memlockd.service passes systemd-analyze verify ($out)" "$?" 0
fi
done_testing
