#!/bin/bash
# Swap for real: a swapfile, and a victim in a memory cgroup (v1, or v2 where
# that is the memory controller's hierarchy) smaller than its memory, with
# one region locked. status must show SWAP > 0 for the unlocked part while
# the locked mapping stays fully resident with SWAP 0. Swapfile, cgroup and
# victim are removed even when the test fails.
# run.sh: alone (swapon: the machine's swap; a memory cgroup squeezed into it)
. "$(dirname "$0")/lib.sh"

PAGE=$(getconf PAGESIZE)
SWAPFILE=${TMPDIR:-/tmp}/memlock-test-swap.$$
LOCK_MB=16 FREE_MB=96 LIMIT_MB=48

if [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP needs root (swapon and a memory cgroup)"
	exit 0
fi
if [ -w /sys/fs/cgroup/memory ]; then
	CG=/sys/fs/cgroup/memory/memlock-test.$$ CGV=1
elif grep -qw memory /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
	CG=/sys/fs/cgroup/memlock-test.$$ CGV=2
else
	echo "1..0 # SKIP no memory cgroup controller (v1 or v2)"
	exit 0
fi
if ! command -v swapon >/dev/null; then
	echo "1..0 # SKIP no swapon"
	exit 0
fi

at_exit "rm -f $SWAPFILE"
# shellcheck disable=SC2015 # any of the three failing is the failure
dd if=/dev/zero of="$SWAPFILE" bs=1M count=256 status=none && chmod 600 "$SWAPFILE" &&
	mkswap "$SWAPFILE" >/dev/null || { not_ok "swapfile created"; done_testing; exit 0; }
at_exit "swapoff $SWAPFILE"
if ! swapon "$SWAPFILE" 2>/dev/null; then
	echo "1..0 # SKIP swapon refused here (filesystem or kernel does not allow a swapfile)"
	exit 0
fi
ok "swapfile enabled"
if [ $CGV = 2 ] && ! grep -qw memory /sys/fs/cgroup/cgroup.subtree_control; then
	echo +memory >/sys/fs/cgroup/cgroup.subtree_control ||
		{ not_ok "memory controller enabled for child cgroups"; done_testing; exit 0; }
	at_exit "echo -memory >/sys/fs/cgroup/cgroup.subtree_control"
fi
mkdir "$CG" || { not_ok "cgroup created"; done_testing; exit 0; }
at_exit "rmdir $CG"
if [ $CGV = 1 ]; then
	echo $((LIMIT_MB << 20)) >"$CG/memory.limit_in_bytes"
	echo 100 >"$CG/memory.swappiness" 2>/dev/null
else
	echo $((LIMIT_MB << 20)) >"$CG/memory.max"
	echo max >"$CG/memory.swap.max" 2>/dev/null
fi
diag "cgroup v$CGV: $CG"

swap_row=$("$MEMLOCK" status --system -r -n -b -o NAME,VALUE,TOTAL | grep "^swap:$SWAPFILE ")
is "status --system lists the swapfile with its size" "$(echo "$swap_row" | cut -d' ' -f3)" \
	$(((256 << 20) - PAGE))

# The victim joins the cgroup before it allocates, so all its pages are charged.
# shellcheck disable=SC2016 # $$ and $0 are the sh -c's own
victim_start V sh -c 'echo $$ > '"$CG"'/cgroup.procs && exec "$0"'
pid=$V_PID
is "victim is in the cgroup" "$(grep -c "^$pid\$" "$CG/cgroup.procs")" 1
vcmd V "map $((LOCK_MB << 20 >> 12))"; locked=$R
if vcmd V "mlock $locked $((LOCK_MB << 20))"; then ok "victim locks $LOCK_MB MiB"; else not_ok "mlock: $R"; fi
vcmd V "map $((FREE_MB << 20 >> 12))"; free=$R
if vcmd V "touch $free $((FREE_MB << 20 >> 12))"; then
	ok "victim touches $FREE_MB MiB in a $LIMIT_MB MiB cgroup"
else
	not_ok "touch"
fi

row() {	# row ADDR: SIZE RSS LOCKED SWAP LOCK of the mapping at ADDR
	"$MEMLOCK" status --maps "$pid" -J -b -o START,SIZE,RSS,LOCKED,SWAP,LOCK | python3 -c '
import json, sys
for m in json.load(sys.stdin)["mappings"]:
    if m["start"] == sys.argv[1]:
        print(m["size"], m["rss"], m["locked"], m["swap"], m["lock"] or "-")' "${1#0x}"
}
read -r size rss lck swp lock < <(row "$locked")
is "locked mapping: lo, fully resident, SWAP 0" "$lock $rss $lck $swp" \
	"lo $((LOCK_MB << 20)) $((LOCK_MB << 20)) 0"
read -r size rss lck swp lock < <(row "$free")
check "unlocked mapping: SWAP > 0 ($swp bytes), RSS + SWAP = SIZE" \
	test "$swp" -gt 0 -a $((rss + swp)) -eq "$size"
read -r pswap plocked < <("$MEMLOCK" status -r -n -b -o SWAP,LOCKED "$pid")
check "process row: SWAP > 0 ($pswap), LOCKED = $LOCK_MB MiB" \
	test "$pswap" -gt 0 -a "$plocked" -eq $((LOCK_MB << 20))
used=$("$MEMLOCK" status --system -r -n -b -o NAME,VALUE | awk -v n="swap:$SWAPFILE" '$1 == n { print $2 }')
check "status --system: the swapfile is in use ($used bytes)" test "${used:-0}" -gt 0
done_testing
