#!/bin/bash
# memlock check from the command line: verdict, errno, exit status and JSON
# against what the kernel then does in a live victim, and the fix wording for
# systemd, container and user-namespace contexts on captured /proc trees.
. "$(dirname "$0")/lib.sh"

PAGE=$(getconf PAGESIZE)
FIX=tests/fixtures

# json_get JSON EXPR: a python expression over the parsed object "j"
json_get() { python3 -c 'import json, sys; j = json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$1" "$2"; }

if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	victim_start V setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		--bounding-set=-all --
	pid=$V_PID
	vcmd V "limit 65536 65536"

	out=$("$MEMLOCK" check -p "$pid")
	is "unprivileged, 64 KiB: mlockall(3) would fail, exit 3" "$?" 3
	check "text names the call and ENOMEM" grep -q "^fail: mlockall(MCL_CURRENT|MCL_FUTURE) in process $pid would fail with ENOMEM" <<<"$out"
	check "text gives a reason and a fix" grep -q "^fix: " <<<"$out"
	j=$("$MEMLOCK" check -p "$pid" -J)
	is "JSON: verdict fail, errno ENOMEM, cause address-space" \
		"$(json_get "$j" 'j["verdict"], j["errno"], j["cause"], j["limit"], j["cap_ipc_lock"]')" \
		"('fail', 'ENOMEM', 'address-space', 65536, False)"
	check "JSON: fix is a non-empty list of strings" \
		test "$(json_get "$j" 'len(j["fix"]) > 0 and all(isinstance(f, str) for f in j["fix"])')" = True
	vcmd V "mlockall 3"
	is "the kernel agrees: mlockall(3) fails with ENOMEM" "$R" "err ENOMEM"

	"$MEMLOCK" check -p "$pid" --future >/dev/null
	is "MCL_FUTURE alone would succeed, exit 0" "$?" 0
	vcmd V "mlockall 2"
	is "the kernel agrees: mlockall(MCL_FUTURE) succeeds" "$R" ""
	vcmd V munlockall

	# a range, partly locked already: the overlap discount decides
	vcmd V "map 20"; a=$R
	vcmd V "mlock $a $((8 * PAGE))"
	range=$(printf '%x-%x' $((a + 4 * PAGE)) $((a + 16 * PAGE)))
	"$MEMLOCK" check -p "$pid" --range "$range" >/dev/null
	is "range overlapping 4 locked pages fits by the discount, exit 0" "$?" 0
	over=$(printf '%x-%x' $((a + 4 * PAGE)) $((a + 17 * PAGE)))
	j=$("$MEMLOCK" check -p "$pid" --range "$over" -J)
	is "one page more would fail: ENOMEM over-limit, 4 pages already locked" \
		"$(json_get "$j" 'j["errno"], j["cause"], j["already_locked"]')" \
		"('ENOMEM', 'over-limit', $((4 * PAGE)))"
	vcmd V "mlock $((a + 4 * PAGE)) $((13 * PAGE))"
	is "the kernel agrees" "$R" "err ENOMEM"
	vcmd V "mlock $((a + 4 * PAGE)) $((12 * PAGE))"
	is "the kernel agrees on the fitting range" "$R" ""

	vcmd V "limit 0 0"
	j=$("$MEMLOCK" check -p "$pid" --size 1 -J)
	is "limit 0: mlock of 1 byte would be EPERM" "$(json_get "$j" 'j["errno"], j["cause"]')" \
		"('EPERM', 'limit-zero')"
	"$MEMLOCK" check -p "$pid" --onfault --size 4K >/dev/null
	is "limit 0: mlock2 ONFAULT fails too, exit 3" "$?" 3
else
	skip "live victim checks" "needs root and setpriv to run a victim as uid 65534"
fi

# CAP_IPC_LOCK (bit 14 of CapEff) lifts the limit: then mlockall(3) of a
# process like memlock would succeed, whatever its size
capeff=$(awk '/^CapEff:/ { print $2 }' /proc/self/status)
if (((0x${capeff:-0} >> 14) & 1)); then
	"$MEMLOCK" check >/dev/null
	is "memlock itself, with CAP_IPC_LOCK: mlockall(3) would succeed" "$?" 0
else
	skip "memlock itself: mlockall(3) would succeed" "needs CAP_IPC_LOCK (root)"
fi
is "sizes are binary and fractions exact: 1.5G" \
	"$(json_get "$("$MEMLOCK" check --size 1.5G -J)" 'j["request"]')" 1610612736

# contexts, on captured trees (process 4242, RLIMIT_MEMLOCK 64 KiB, VmSize 100 MiB: with
# MCL_FUTURE the fixes suggest twice that)
out=$("$MEMLOCK" --proc-root $FIX/ctx-systemd check -p 4242)
check "systemd unit: the fix edits the unit's LimitMEMLOCK" \
	grep -q "^fix: systemctl edit rtapp.service: add \[Service\] LimitMEMLOCK=204800K" <<<"$out"
check "systemd unit: or AmbientCapabilities=CAP_IPC_LOCK" grep -q "AmbientCapabilities=CAP_IPC_LOCK" <<<"$out"
check "systemd unit: hazard notes for MCL_FUTURE and 4 thread stacks" \
	grep -q "the stacks of all 4 threads" <<<"$out"
j=$("$MEMLOCK" --proc-root $FIX/ctx-container check -p 4242 -J)
is "container: context and docker/podman fixes" \
	"$(json_get "$j" 'j["context"], any("--ulimit memlock=209715200:209715200" in f for f in j["fix"]), any("--cap-add IPC_LOCK" in f for f in j["fix"])')" \
	"('container', True, True)"
j=$("$MEMLOCK" --proc-root $FIX/ctx-userns check -p 4242 --size 1M -J)
is "child user namespace: full CapEff there does not count" \
	"$(json_get "$j" 'j["verdict"], j["cap_ipc_lock"], j["child_user_namespace"]')" "('fail', False, True)"
s=$("$MEMLOCK" --proc-root $FIX/ctx-userns status -r -n -o PID,CAP_IPC_LOCK 4242)
is "status shows CAP_IPC_LOCK no for it" "$s" "4242 no"
done_testing
