#!/bin/bash
# The secret heap (issue 13), through tests/integration/secret-heap.c: the
# API, guard pages and debug canaries, fork children, memfd_secret; then
# 1,000,000 live 32-byte secrets (root), 8 threads for 10 s, strict and
# best-effort under an 8 MiB limit as nobody, and core dumps without the
# secret's bytes (root: the core pattern is set here and put back on exit).
. "$(dirname "$0")/lib.sh"

B=$(dirname "$MEMLOCK")
H=$B/tests/secret-heap
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all --)
tmp=$(mktemp -d)
chmod 755 "$tmp"
at_exit "rm -rf '$tmp'"

# tap_of NAME RC OUT: the TAP lines of OUT renumbered as ours, and RC
tap_of() {
	local name=$1 rc=$2 out=$3 line
	while IFS= read -r line; do
		case $line in
		"ok "*" - "*) ok "$name: ${line#ok * - }" ;;
		"not ok "*" - "*) not_ok "$name: ${line#not ok * - }" ;;
		esac
	done <<<"$out"
	[ "$rc" -eq 0 ] || { not_ok "$name: exit status $rc"; diag "$(head -c 2000 "$tmp/err.$name")"; }
}

# run_sub NAME COMMAND...
run_sub() {
	local name=$1 out rc
	shift
	out=$("$@" 2>"$tmp/err.$name")
	rc=$?
	tap_of "$name" $rc "$out"
}

root=0
[ "$(id -u)" -eq 0 ] && root=1
cap_ipc_lock() { (( (16#$(awk '/^CapEff:/ { print $2 }' /proc/self/status) >> 14) & 1 )); }

# the 10 s stress runs beside the rest (its TAP is read at the end)
"$H" stress 10 >"$tmp/stress" 2>"$tmp/err.stress" &
stress_pid=$!
at_exit "kill $stress_pid"
run_sub quick "$H" quick
if cap_ipc_lock; then
	run_sub million "$H" million
else
	skip "1,000,000 live secrets" "needs CAP_IPC_LOCK (32 MB of payload is past the limit)"
fi

if [ $root -eq 1 ] && command -v setpriv >/dev/null; then
	for mode in strict best; do
		run_sub "nobody, 8 MiB, $mode" prlimit --memlock=8388608:8388608 "${NOBODY[@]}" "$H" $mode
	done
else
	skip "strict and best effort as nobody under 8 MiB" "needs root and setpriv"
fi

# --- core dumps: the secret's bytes are in none (and in the control, where
# the same bytes are in malloc(3) memory, they are)
if [ $root -eq 0 ]; then
	skip "core dumps contain no secret bytes" "needs root to set /proc/sys/kernel/core_pattern"
	wait $stress_pid
	tap_of stress $? "$(cat "$tmp/stress")"
	done_testing
	exit 0
fi
cp /proc/sys/kernel/core_pattern "$tmp/pattern"
at_exit "cat '$tmp/pattern' >/proc/sys/kernel/core_pattern"
echo "$tmp/core.%p" >/proc/sys/kernel/core_pattern
hex=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
secret=$(python3 -c 'import sys; print(bytes(b ^ 0x5a for b in bytes.fromhex(sys.argv[1])).hex())' "$hex")
count() { python3 -c 'import sys; print(open(sys.argv[1], "rb").read().count(bytes.fromhex(sys.argv[2])))' "$1" "$secret"; }
for how in plain mlock memfd; do
	rm -f "$tmp"/core.*
	{ (ulimit -c unlimited; ASAN_OPTIONS=disable_coredump=0:abort_on_error=1 exec "$H" core "$hex" $how); } 2>/dev/null
	cores=("$tmp"/core.*)
	core=${cores[0]}
	if [ ! -e "$core" ]; then
		not_ok "core ($how): a core file was written"
		continue
	fi
	n=$(count "$core")
	if [ $how = plain ]; then
		check "core (control): the bytes in malloc memory are found in the core ($n)" test "$n" -ge 1
	else
		is "core ($how backend): the secret's bytes are not in the core" "$n" 0
	fi
done
wait $stress_pid
tap_of stress $? "$(cat "$tmp/stress")"
done_testing
