#!/bin/bash
# attach and unlock beyond one call: --mapping over many mappings (the maps
# read once), a process locked already, and unlock's --dry-run, --max-pause
# and its warning.
# The checks are written check DESC eval '...': the single quotes keep the
# expansions for the eval, run when check runs it.
# shellcheck disable=SC2016
. "$(dirname "$0")/lib.sh"

NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all --)
PAGE=$(getconf PAGESIZE)
if [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP needs root (ptrace of test victims, uid switches)"
	exit 0
fi

# --mapping NAME over 500 mappings of one file: the maps are read once for
# all of them, not once per range (30,000 mappings took minutes). Counted as
# the opens of smaps, not timed.
many=$(mktemp "$PWD/build/memlock-many.XXXXXX")
at_exit "rm -f $many"
echo data >"$many"
victim_start V
vcmd V "mapfile $many 500"
n=$(grep -c "${many##*/}" /proc/"$V_PID"/maps)
is "the victim has 500 mappings of one file" "$n" 500
if command -v strace >/dev/null; then
	log=$(mktemp)
	at_exit "rm -f $log"
	# (LeakSanitizer cannot run under ptrace)
	out=$(ASAN_OPTIONS=${ASAN_OPTIONS:-}:detect_leaks=0 timeout 300 strace -f -qq -e trace=openat -o "$log" "$MEMLOCK" attach -n \
		--mapping "${many##*/}" "$V_PID")
	reads=$(grep -c "/proc/$V_PID/smaps\"" "$log")
	is "attach -n --mapping over 500 mappings: all of them ($out)" "$out" \
		"would lock process $V_PID (victim): 500 ranges"
	check "attach -n --mapping over 500 mappings: smaps read at most twice, not per range ($reads)" \
		test "$reads" -le 2
else
	skip "attach --mapping over 500 mappings: smaps read once" "strace is not installed"
fi
j=$("$MEMLOCK" attach -J --mapping "${many##*/}" "$V_PID")
lo=$("$MEMLOCK" status --maps "$V_PID" -r -n -o LOCK,PATH | awk -v w="${many##*/}" '$1 == "lo" && $2 ~ w' | wc -l)
is "attach --mapping over 500 mappings: 500 calls, all locked" \
	"$(jget "$j" '(len(j["calls"]), j["error"])')/$lo" "(500, None)/500"
"$MEMLOCK" unlock --mapping "${many##*/}" "$V_PID" >/dev/null 2>&1
echo quit >&"${V[1]}"

# ranges that fit the limit each but not together: the predictor takes each
# call on top of the ones before it, and refuses before locking any
victim_start L prlimit --memlock=65536:65536 "${NOBODY[@]}"
vcmd L "map 10"; a=$R
vcmd L "map 10"; b=$R
out=$("$MEMLOCK" attach --range "$(printf '%x-%x' "$a" $((a + 10 * PAGE)))" \
	--range "$(printf '%x-%x' "$b" $((b + 10 * PAGE)))" "$L_PID" 2>&1)
rc=$?
vcmd L status
check "two ranges of 40 KiB under a 64 KiB limit: refused beforehand, nothing locked ($rc, $R)" \
	eval '[ $rc -eq 1 ] && [[ $out == *"would refuse the lock with ENOMEM"* ]] && [ "${R%% *}" = 0 ]'
echo quit >&"${L[1]}"

# a process locked already is said to be so (and with -J, a field)
victim_start A
j=$("$MEMLOCK" attach -J "$A_PID")
is "a process that was not locked: already_locked false" "$(jget "$j" 'j["already_locked"]')" False
vcmd A "munlockall"
vcmd A "mlockall 3"
out=$("$MEMLOCK" attach "$A_PID")
check "a process locked by itself: attach says so" grep -q "had every mapping locked already" <<<"$out"
j=$("$MEMLOCK" attach -J "$A_PID")
is "... and -J says already_locked true" "$(jget "$j" 'j["already_locked"]')" True
out=$("$MEMLOCK" attach -n "$A_PID")
check "... and so does attach -n" grep -q "locked already" <<<"$out"
j=$("$MEMLOCK" attach -J --future "$A_PID")
is "--future alone: already_locked null (MCL_FUTURE is not in /proc)" \
	"$(jget "$j" 'j["already_locked"]')" None

# unlock: the warning says what memlock can know - not that the locks are
# the program's own, which it cannot tell from an attach's
vcmd A "munlockall"
"$MEMLOCK" attach "$A_PID" >/dev/null
out=$("$MEMLOCK" unlock --dry-run "$A_PID" 2>/dev/null)
vcmd A status
check "unlock --dry-run: says what it would do, unlocks nothing ($out; VmLck ${R%% *} kB)" \
	eval '[[ $out == "would unlock process $A_PID (victim, VmLck "*"): munlockall()" ]] && [ "${R%% *}" -gt 0 ]'
err=$("$MEMLOCK" unlock "$A_PID" 2>&1 >/dev/null)
check "unlock after an attach: no claim that the process locked memory itself ($err)" \
	eval '! grep -q "drops the locks process $A_PID took itself" <<<"$err" && grep -q "cannot tell" <<<"$err"'
err=$("$MEMLOCK" unlock 2 2>&1)
check "unlock of a kernel thread: the refusal says unlock ($err)" \
	eval '[[ $err == *"no user memory to unlock"* ]]'

# unlock --max-pause: 256 MiB locked, unlocked in many stops, MCL_FUTURE
# ended, and the mapping whole again (the program's mremap of it works)
vcmd A "map 65536"; big=$R
vcmd A "munlockall"
"$MEMLOCK" attach "$A_PID" >/dev/null
j=$("$MEMLOCK" unlock -J --max-pause 5 "$A_PID")
is "unlock --max-pause 5 of 256 MiB: many stops, all unlocked, munlockall last" \
	"$(jget "$j" '(j["stops"] > 5, j["vmlck_after"], j["calls"][-1]["call"], j["error"])')" \
	"(True, 0, 'munlockall()', None)"
check "unlock --max-pause: every munlock chunk far below the 256 MiB" \
	test "$(jget "$j" 'max(int(c["call"].split(", ")[1].rstrip(")")) for c in j["calls"] if c["call"].startswith("munlock("))')" \
	-lt $((64 << 20))
vcmd A "map 16"
vcmd A status
is "unlock --max-pause: MCL_FUTURE ended, a later mapping is not locked" "${R%% *}" 0
vcmd A "mremap $big 65536 65600"
is "unlock --max-pause: the mapping is whole again, its mremap works" "$?" 0
big=$R
range=$(printf '%x-%x' "$big" $((big + 65600 * PAGE)))
"$MEMLOCK" attach --range "$range" "$A_PID" >/dev/null
j=$("$MEMLOCK" unlock -J --max-pause 5 --range "$range" "$A_PID")
is "unlock --max-pause --range: many munlock stops, all unlocked" \
	"$(jget "$j" '(j["stops"] > 5, j["vmlck_after"], j["calls"][-1]["call"].startswith("munlock("), j["error"])')" \
	"(True, 0, True, None)"
echo quit >&"${A[1]}"
done_testing
