#!/bin/bash
# memlock limit: show, lower soft, lower hard, a raise refused with the
# explanation; bad sizes and PIDs. Targets are sleep processes of our own.
# The checks are written check DESC eval '...': the single quotes keep the
# expansions for the eval, run when check runs it.
# shellcheck disable=SC2016
. "$(dirname "$0")/lib.sh"

M=1048576
sleep 3600 & p=$!	# (a whole run: at_exit ends it; 60 s ran out in lanes on a loaded machine)
at_exit "kill $p"
lim() { "$MEMLOCK" limit -r -n -b -o SOFT,HARD "$1"; }
proc() { awk '/^Max locked memory/ { print $4, $5 }' /proc/"$1"/limits; }

is "show: SOFT HARD as in /proc/PID/limits" "$(lim $p)" "$(proc $p)"
j=$("$MEMLOCK" limit -J -b $p)
is "show -J: numbers, CAP_IPC_LOCK a boolean" \
	"$(jget "$j" '(j["limits"][0]["pid"], type(j["limits"][0]["soft"]).__name__, type(j["limits"][0]["cap_ipc_lock"]).__name__)')" \
	"($p, 'int', 'bool')"
hard=$(proc $p | cut -d' ' -f2)
"$MEMLOCK" limit $p 1M >/dev/null
is "lower the soft limit, the hard one kept" "$(proc $p)" "$M $hard"
"$MEMLOCK" limit $p 1M:2M >/dev/null
is "lower the hard limit" "$(proc $p)" "$M $((2 * M))"
"$MEMLOCK" limit $p 2M >/dev/null
is "raise the soft limit up to the hard one" "$(proc $p)" "$((2 * M)) $((2 * M))"

caps=$(awk '/^CapEff:/ { print $2 }' /proc/self/status)
if (( (16#$caps >> 24) & 1 )); then
	skip "raise of the hard limit refused" "memlock has CAP_SYS_RESOURCE here"
else
	out=$("$MEMLOCK" limit $p 4M:4M 2>&1)
	rc=$?
	check "raise of the hard limit: refused, exit 1, CAP_SYS_RESOURCE explained ($rc)" \
		eval '[ $rc -eq 1 ] && grep -q "needs CAP_SYS_RESOURCE" <<<"$out"'
	check "raise of the hard limit: the fix for the context" grep -q "^hint: .*limits.conf\|^hint: .*LimitMEMLOCK" <<<"$out"
	is "raise refused: nothing changed" "$(proc $p)" "$((2 * M)) $((2 * M))"
	# a soft limit alone over the hard one: not "SOFT <= HARD" (SOFT:SOFT
	# fails too), but CAP_SYS_RESOURCE, where to set it, or up to the hard
	"$MEMLOCK" limit $p 1M >/dev/null
	out=$("$MEMLOCK" limit $p 4M 2>&1)
	rc=$?
	check "soft over the hard limit: the hard one's raise explained ($rc)" \
		eval '[ $rc -eq 1 ] && grep -q "needs CAP_SYS_RESOURCE" <<<"$out" &&
		      ! grep -q "SOFT <= HARD" <<<"$out"'
	check "soft over the hard limit: fixes where it is set, and up to the hard one" \
		eval 'grep -q "^hint: .*limits.conf\|^hint: .*LimitMEMLOCK" <<<"$out" &&
		      grep -q "^hint: or keep the hard limit.*: memlock limit $p 2M, or prlimit" <<<"$out"'
	is "soft over the hard limit: nothing changed" "$(proc $p)" "$M $((2 * M))"
	if [ "$(id -u)" -eq 0 ]; then
		setpriv --reuid=65534 --regid=65534 --clear-groups sleep 60 & q=$!
		at_exit "kill $q"
		sleep 0.2
		out=$("$MEMLOCK" limit $q 1M 2>&1)
		rc=$?
		check "another user's process: refused, the reason named" \
			eval '[ $rc -eq 1 ] && grep -q "another user" <<<"$out"'
		check "another user's process: the fix needs CAP_SYS_RESOURCE, not a ulimit" \
			eval 'grep -q "^hint: as root with CAP_SYS_RESOURCE: memlock limit $q 1048576:[^,]*, or prlimit --pid $q --memlock=1048576:" <<<"$out" &&
			      ! grep -q "ulimit" <<<"$out"'
		is "a process without CAP_IPC_LOCK: the column says false" \
			"$(jget "$("$MEMLOCK" limit -J $q)" 'j["limits"][0]["cap_ipc_lock"]')" False
	fi
fi
# sizes: K, M, G, T suffixes, fractions, unlimited
"$MEMLOCK" limit $p 512K:1536K >/dev/null
is "K suffixes" "$(proc $p)" "524288 1572864"
"$MEMLOCK" limit $p 0.5M >/dev/null
is "a fraction of M" "$(proc $p)" "524288 1572864"
for big in 1G 1T unlimited; do
	out=$("$MEMLOCK" limit $p $big 2>&1)
	rc=$?
	check "soft $big over the hard 1.5M: refused with the reason ($rc)" \
		eval '[ $rc -eq 1 ] && grep -q "cannot be above the hard limit" <<<"$out"'
done
is "the refusals changed nothing" "$(proc $p)" "524288 1572864"
"$MEMLOCK" limit $p 1M:1M >/dev/null
is "lower both" "$(proc $p)" "$M $M"
out=$("$MEMLOCK" limit $p 3M:2M 2>&1)
rc=$?
check "soft above hard: refused with the reason" eval '[ $rc -eq 1 ] && grep -q "cannot be above" <<<"$out"'

fails() {
	local what=$1 err
	shift
	err=$("$MEMLOCK" limit "$@" 2>&1 >/dev/null)
	if [ $? -eq 1 ] && [[ $err == memlock:* ]]; then ok "$what"; else not_ok "$what"; diag "$err"; fi
}
fails "bad size" $p abc
fails "bad suffix" $p 1Q
fails "empty soft and hard" $p :
fails "three fields" $p 1M:2M:3M
fails "negative" $p -- -1
fails "no PID" 
fails "bad PID" 12ab
fails "nonexistent PID" 4194303
fails "too many arguments" $p 1M 2M
# `memlock limit $(pidof x)` with two x: the second PID is not a size
before=$(proc $p)
fails "a bare number (a second PID?) as the limit" $p 28006
is "a bare number: the limit is unchanged" "$(proc $p)" "$before"
"$MEMLOCK" limit $p 28672B >/dev/null
is "the same in bytes, with its unit, is a limit" "$(proc $p | cut -d' ' -f1)" 28672
# a limit is shown exactly: 4095 bytes are not "4.0K", a sub-page limit
# (nothing can be locked) is in bytes and warned about when set
out=$("$MEMLOCK" limit -r -n -o SOFT $p 4095B 2>&1)
is "4095B is shown as 4095B, with the sub-page warning" "$out" \
	"memlock: the soft limit of process $p, 4095 bytes, is less than a page ($(getconf PAGESIZE) bytes): the kernel counts whole pages, so it can lock nothing
4095B"
is "1000000B is shown as 1000000B, not 977K" \
	"$("$MEMLOCK" limit -r -n -o SOFT $p 1000000B 2>&1)" 1000000B
is "an exact 768K stays 768K" "$("$MEMLOCK" limit -r -n -o SOFT $p 768K 2>&1)" 768K
out=$("$MEMLOCK" limit $p 1025K 2>&1)
check "over the hard 1M by 1K: said exactly, not as 1.0 MiB over 1 MiB" \
	grep -q "the soft limit (1025 KiB) cannot be above the hard limit (1 MiB)" <<<"$out"

# --proc-root: a captured tree copied under the PID of our live sleep, whose
# limits differ from the captured ones; the row is the tree's alone, and a
# change is refused there, the live process left as it was
tree=$(mktemp -d)
at_exit "rm -rf $tree"
mkdir -p "$tree/proc/$p"
cp tests/fixtures/proc/locked/proc/9914/status tests/fixtures/proc/locked/proc/9914/limits \
	"$tree/proc/$p/"
before=$(proc $p)
is "--proc-root: every column from the captured tree (its limits, not the live ones)" \
	"$("$MEMLOCK" --proc-root "$tree" limit -r -n -b -o COMMAND,SOFT,HARD,LOCKED $p)" \
	"helper 8388608 8388608 212992"
out=$("$MEMLOCK" --proc-root "$tree" limit $p 20K 2>&1)
rc=$?
check "--proc-root: a change is refused, the tree named read-only ($rc)" \
	eval '[ $rc -eq 1 ] && grep -q "captured tree, which is read-only" <<<"$out"'
is "--proc-root: the live process of that PID is unchanged" "$(proc $p)" "$before"
# attach --range that the kernel refuses: "see why" checks that very range
if [ "$(id -u)" -ne 0 ]; then
	skip "a refused --range: see why names it" "needs root for a process without CAP_IPC_LOCK"
else
	prlimit --memlock=65536:65536 setpriv --reuid=65534 --regid=65534 --clear-groups \
		--inh-caps=-all --bounding-set=-all sleep 60 & n=$!
	at_exit "kill $n"
	for _ in $(seq 100); do [ "$(cat /proc/$n/comm)" = sleep ] && break; sleep 0.05; done
	r=$(awk '/libc\.so/ && $2 ~ /x/ { print $1; exit }' /proc/$n/maps)
	want="memlock check -p $n --range 0x${r%-*}-0x${r#*-}"
	out=$("$MEMLOCK" attach --force --range "$r" $n 2>&1)
	check "a refused --range ($r, over 64K): see why names the range" \
		grep -qx "hint: see why: $want" <<<"$out"
	# shellcheck disable=SC2086 # the suggested command line, split into its words
	out=$("$MEMLOCK" ${want#memlock } 2>&1)
	rc=$?
	check "the suggested check predicts that mlock's refusal ($rc)" \
		eval '[ $rc -eq 3 ] && grep -q "^fail: mlock(0x${r%-*}, " <<<"$out"'
fi
done_testing
