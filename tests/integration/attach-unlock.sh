#!/bin/bash
# attach beyond one call: --mapping over many mappings (the maps read once,
# the calls predicted in turn), and a process locked already.
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
out=$("$MEMLOCK" attach --range "$(printf '%x-%x' $a $((a + 10 * PAGE)))" \
	--range "$(printf '%x-%x' $b $((b + 10 * PAGE)))" "$L_PID" 2>&1)
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

echo quit >&"${A[1]}"
done_testing
