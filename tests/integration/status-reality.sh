#!/bin/bash
# memlock status against reality: a victim locks known amounts with mlock
# (through libmemlock), mlock2(MLOCK_ONFAULT) after touching some pages, and
# mlockall; status must report exactly what the kernel shows the victim itself.
. "$(dirname "$0")/lib.sh"

PAGE=$(getconf PAGESIZE)
victim_start V || { not_ok "victim starts"; done_testing; exit 0; }
pid=$V_PID

own_vmlck() { vcmd V status && OWN=${R%% *}; }	# kB, the victim's own view
locked() { "$MEMLOCK" status -r -n -b -o LOCKED "$pid"; }
# map_row ADDR COLUMNS: the --maps row of the mapping that starts at ADDR, from
# the JSON output (an empty cell prints as "-")
map_row() {
	"$MEMLOCK" status --maps "$pid" -J -b -o "START,$2" | python3 -c '
import json, sys
want, cols = sys.argv[1], sys.argv[2].lower().split(",")
for m in json.load(sys.stdin)["mappings"]:
    if m["start"] == want:
        print(" ".join(str(m[c]) if m[c] not in ("", None) else "-" for c in cols))
' "${1#0x}" "$2"
}

is "nothing locked at start" "$(locked)" 0

# 1. mlock of 16 pages out of 64, through memlock_self_lock
vcmd V "map 64"; a=$R
vcmd V "lib-lock $a $((16 * PAGE)) 0" || not_ok "lib-lock"
is "mlock: LOCKED = 16 pages" "$(locked)" $((16 * PAGE))
own_vmlck
is "mlock: victim's own VmLck agrees" "$OWN" $((16 * PAGE / 1024))
is "mlock: the locked part is split off with lo, fully resident" \
	"$(map_row "$a" LOCK,SIZE,RSS,LOCKED,SWAP)" "lo $((16 * PAGE)) $((16 * PAGE)) $((16 * PAGE)) 0"
b=$(printf '0x%x' $((a + 16 * PAGE)))
is "mlock: the rest stays unlocked and untouched" "$(map_row "$b" LOCK,SIZE,RSS,LOCKED)" \
	"- $((48 * PAGE)) 0 0"

# 2. mlock2(MLOCK_ONFAULT) of 32 pages after touching 8: lf, Locked = 8 pages
vcmd V "map 32"; c=$R
vcmd V "touch $c 8"
vcmd V "lib-lock $c $((32 * PAGE)) 4" || not_ok "lib-lock onfault"
is "onfault: LOCK lf, VmLck counts the whole mapping, Locked only touched pages" \
	"$(map_row "$c" LOCK,SIZE,RSS,LOCKED)" "lf $((32 * PAGE)) $((8 * PAGE)) $((8 * PAGE))"
is "onfault: LOCKED = 16 + 32 pages" "$(locked)" $((48 * PAGE))
is "onfault: RLOCKED (resident, smaps_rollup) = 16 + 8 pages" \
	"$("$MEMLOCK" status -r -n -b -o RLOCKED "$pid")" $((24 * PAGE))
vcmd V "touch $c 20"
is "onfault: touching 20 pages makes them locked" "$(map_row "$c" LOCKED)" $((20 * PAGE))
own_vmlck
is "onfault: own VmLck agrees" "$OWN" $((48 * PAGE / 1024))

# 3. mlockall(MCL_CURRENT|MCL_FUTURE) through memlock_self_lock_all
vcmd V "lib-lockall 3" || not_ok "lib-lockall"
own_vmlck
own=$OWN
is "mlockall: LOCKED = the victim's own VmLck" "$(locked)" $((own * 1024))
unlocked=$("$MEMLOCK" status --maps "$pid" -r -n -o LOCK,PATH |
	awk '$1 != "lo" && $NF !~ /^\[(vvar|vvar_vclock|vdso|vsyscall)\]$/' | wc -l)
is "mlockall: every mapping but vvar/vdso/vsyscall is lo" "$unlocked" 0
is "mlockall: MCL_CURRENT turns the onfault mapping into lo, fully resident" \
	"$(map_row "$c" LOCK,RSS,LOCKED)" "lo $((32 * PAGE)) $((32 * PAGE))"
vcmd V "map 8"; d=$R
is "mlockall: MCL_FUTURE locks a later mapping" "$(map_row "$d" LOCK,RSS)" "lo $((8 * PAGE))"

# 4. the same numbers in JSON (-J -b: numbers), and the --maps total
json=$("$MEMLOCK" status -J -b -o PID,LOCKED,CAP_IPC_LOCK "$pid")
is "json: LOCKED is a number equal to VmLck" \
	"$(python3 -c 'import json,sys; p=json.load(sys.stdin)["processes"][0]; print(p["pid"], p["locked"], p["cap_ipc_lock"])' <<<"$json")" \
	"$pid $(((own + 32) * 1024)) True"
# Rss adds up exactly (Locked is proportional: it moves as other processes
# map the same library pages, so it has no stable total to compare with)
rss=$("$MEMLOCK" status --maps "$pid" -r -n -b -o RSS | awk '{ r += $1 } END { print r }')
is "maps: RSS sums to smaps_rollup's Rss" "$rss" "$(awk '/^Rss:/ { print $2 * 1024 }' "/proc/$pid/smaps_rollup")"

# 5. munlockall: back to zero
vcmd V munlockall
is "munlockall: LOCKED back to 0" "$(locked)" 0

# 6. --sort by a column not shown (added hidden, as lsblk does)
python3 -c 'import time; b = bytearray(64 << 20); time.sleep(30)' & big=$!
sleep 30 & small=$!
at_exit "kill $small $big"
for _ in $(seq 100); do
	[ "$(awk '/VmRSS/ { print $2 }' /proc/$big/status)" -gt 60000 ] && break
	sleep 0.05
done
is "--sort RSS with RSS hidden: smallest first, one column" \
	"$("$MEMLOCK" status -r -n -o PID --sort RSS "$big" "$small" | tr '\n' ' ')" "$small $big "
# 7. a process of memlock's own user that it may not read: the hint names the
# capability it holds and memlock lacks (the kernel's ptrace access check),
# not "another user"
capbit() { (( 0x$(awk -v k="$1:" '$1 == k { print $2 }' "/proc/$2/status") >> $3 & 1 )); }
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null && capbit CapPrm $small 12; then
	# without CAP_SYS_PTRACE, and without CAP_PERFMON and CAP_SYS_ADMIN
	# (with which newer kernels let smaps be read anyway)
	drop=-net_admin,-sys_ptrace,-perfmon,-sys_admin
	err=$(setpriv --inh-caps=$drop --bounding-set=$drop -- \
		"$MEMLOCK" status --maps "$small" 2>&1 >/dev/null)
	check "a root process holding CAP_NET_ADMIN, read without it: the hint names it" \
		grep -q "^hint: process $small has memlock's user ID (0) but holds .*CAP_NET_ADMIN" <<<"$err"
	# shellcheck disable=SC2016 # expanded by the eval, when check runs it
	check "... and does not say it belongs to another user" \
		eval '! grep -q "another user" <<<"$err"'
else
	skip "hint names a capability memlock lacks" "needs root, setpriv and CAP_NET_ADMIN"
fi
err=$("$MEMLOCK" status --maps 1 2>&1 >/dev/null)
rc=$?
if [ $rc -ne 0 ] && [[ $err == *"Permission denied"* ]] && capbit CapPrm 1 24 &&
	! capbit CapEff self 24 && [ "$(awk '/^Uid:/ { print $2 }' /proc/1/status)" = "$(id -u)" ]; then
	check "status --maps 1, which holds CAP_SYS_RESOURCE memlock lacks: said so" \
		grep -q "^hint: process 1 has memlock's user ID .* lacks: CAP_SYS_RESOURCE" <<<"$err"
else
	skip "status --maps 1 names CAP_SYS_RESOURCE" "process 1 is readable or does not hold it alone"
fi
done_testing
