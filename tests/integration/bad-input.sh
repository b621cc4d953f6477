#!/bin/bash
# Bad input: a clear "memlock: ..." error, exit 1, never a crash (the CLI runs
# under ASan+UBSan in make check, which abort on any memory error).
# The checks are written check DESC eval '...': the single quotes keep the
# expansions for the eval, run when check runs it.
# shellcheck disable=SC2016
. "$(dirname "$0")/lib.sh"

# fails "description" ARGS...: exit 1, first stderr line "memlock: ..."
fails() {
	local what=$1 err rc
	shift
	err=$("$MEMLOCK" "$@" 2>&1 >/dev/null)
	rc=$?
	if [ $rc -eq 1 ] && [[ $err == memlock:* ]]; then
		ok "$what"
	else
		not_ok "$what"
		diag "exit $rc, stderr: ${err:0:300}"
	fi
}

fails "no command"
fails "unknown command" frobnicate
fails "unknown global option" --bogus status
fails "status: unknown option" status --bogus
fails "status: unknown column" status -o NOPE
fails "status: -J and -r together" status -J -r 1
fails "status: -o naming no column" status -o '' 1
fails "status: -o of commas only" status -o , 1
fails "limit: -o naming no column" limit -o '' 1
fails "status: unknown sort column" status --sort NOPE
fails "status: --maps and --system together" status --maps 1 --system
fails "status: PID 0" status 0
fails "status: negative PID" status -- -5
fails "status: PID with junk" status 12abc
fails "status: PID overflow" status 99999999999999999999
fails "status: PID beyond pid_max" status 4194305
fails "status: nonexistent PID" status 4194303
fails "status --maps: nonexistent PID" status --maps 4194303
fails "status --maps: a kernel thread (no mappings)" status --maps 2
fails "status --maps: no PID" status --maps
fails "check: unknown option" check --bogus
fails "check: nonexistent PID" check -p 4194303
fails "check: a kernel thread" check -p 2
fails "check: garbage size" check --size abc
fails "check: unknown suffix" check --size 12Q
fails "check: negative size" check --size -5
fails "check: huge size" check --size 99999999999999999999999
fails "check: size overflow with suffix" check --size 99999999999E
fails "check: fractional bytes" check --size 1.5
fails "check: empty size" check --size ''
fails "check: garbage range" check --range zz-10
fails "check: range without dash" check --range 1000
fails "check: reversed range" check --range 2000-1000
fails "check: range too long" check --range 0-11112222333344445
fails "check: --size with --range" check --size 4K --range 1000-2000
fails "check: --size with --current" check --size 4K --current
fails "check: stray argument" check extra
fails "attach: no PID" attach
fails "attach: --mapping with an empty name (would match every anonymous mapping)" \
	attach --mapping '' 1
fails "attach: two PIDs" attach 1 2
fails "attach: bad PID" attach 12x
fails "attach: garbage range" attach --range 5-2 1
fails "attach: --range with --current" attach --range 1000-2000 --current 1
fails "attach: bad --max-pause" attach --max-pause 0 1
fails "attach: negative --max-pause" attach --max-pause -5 1
fails "attach: --max-pause with junk" attach --max-pause 5ms 1
fails "attach: no such mapping" attach --mapping no-such-file.so $$
fails "attach: no such thread" attach --tid 4194303 $$
fails "unlock: no PID" unlock
err=$("$MEMLOCK" unlock 2 2>&1 >/dev/null)
check "unlock of a kernel thread says 'cannot unlock', not 'attach'" \
	grep -q "^memlock: cannot unlock process 2: " <<<"$err"
err=$("$MEMLOCK" attach --tid 0 1 2>&1 >/dev/null)
check "attach --tid 0: an invalid thread ID, not an invalid PID" \
	grep -q "^memlock: invalid thread ID: '0'" <<<"$err"
fails "unlock: nonexistent PID" unlock 4194303

# the hint line names the fix
# (exit 1 exactly: under LeakSanitizer a table left unfreed aborts, 134)
err=$("$MEMLOCK" --proc-root /nonexistent status 2>&1 >/dev/null)
rc=$?
check "--proc-root without proc/: a hint says so, exit 1 ($rc)" \
	eval '[ $rc -eq 1 ] && grep -q "^hint: --proc-root /nonexistent has no proc/" <<<"$err"'
err=$("$MEMLOCK" --proc-root tests/fixtures/proc/truncated status --system 2>&1 >/dev/null)
rc=$?
check "a cut-short meminfo: a hint says so, exit 1 ($rc)" \
	eval '[ $rc -eq 1 ] && grep -q "^hint: .*meminfo is not in the kernel'"'"'s format" <<<"$err"'

# --help and --version work everywhere and exit 0
quiet() { "$@" >/dev/null; }
for c in "" status check attach unlock run limit; do
	check "${c:-memlock} --help" quiet "$MEMLOCK" $c --help
	check "${c:-memlock} --version" quiet "$MEMLOCK" $c --version
done

# a column named twice is shown once (a JSON key twice would be invalid)
is "status -o PID,PID: one PID column" "$("$MEMLOCK" status -n -o PID,PID 1)" \
	"$("$MEMLOCK" status -n -o PID 1)"
is "status -J -o PID,LOCKED,LOCKED: the key once" \
	"$("$MEMLOCK" status -J -o PID,LOCKED,LOCKED 1 | grep -c '"locked"')" 1
is "status -o +PID: PID not appended again" "$("$MEMLOCK" status -o +PID 1 | head -1 | grep -o PID | wc -l)" 1

# a PID that exits while (or just before) it is read: exit 0 or 1, no crash
bad=0
# each run costs ~80 ms under ASan+LSan, seconds in make check's lanes:
# 25 here, 200 in make check-long
long=$([ "${MEMLOCK_TEST_LONG:-0}" = 1 ] && echo 8 || echo 1)
n=${EXITING_TRIALS:-$((25 * long))}
for i in $(seq "$n"); do
	( exit 0 ) & p=$!
	"$MEMLOCK" status "$p" >/dev/null 2>&1
	rc=$?
	[ $rc -le 1 ] || bad=$((bad + 1))
	"$MEMLOCK" status --maps "$p" >/dev/null 2>&1
	rc=$?
	[ $rc -le 1 ] || bad=$((bad + 1))
	wait "$p"
done
is "$n processes exiting mid-read: every run exits 0 or 1" "$bad" 0

# a zombie (its parent, an exec'ed sleep, never reaps it): said so, exit 1
z=$(sh -c 'sleep 0 & echo $!; exec sleep 120 >/dev/null' &)
sleep 0.3
# its parent lives until the end (a slow, loaded machine: seconds per run)
zp=$(awk '/^PPid:/ { print $2 }' /proc/"$z"/status)
[ -n "$zp" ] && [ "$zp" -gt 1 ] && at_exit "kill $zp"
for c in "check -p" attach; do
	# shellcheck disable=SC2086 # "check -p" is two arguments
	err=$("$MEMLOCK" $c "$z" 2>&1 >/dev/null)
	rc=$?
	check "$c of a zombie: exit 1, named a zombie ($rc)" \
		eval '[ $rc -eq 1 ] && grep -qi "zombie" <<<"$err"'
done

j=$("$MEMLOCK" attach -J "$z" 2>/dev/null)
is "attach -J of a zombie: the refusal as JSON" \
	"$(python3 -c 'import json, sys; j = json.loads(sys.argv[1]); print(j["pid"], j["error"], j["cause"], bool(j["reason"]))' "$j" 2>&1)" \
	"$z ESRCH zombie True"

# a process whose files go missing between reads (captured trees with a
# file left out or cut short): exit 1 with the reason, never a crash
tree=$(mktemp -d)
at_exit "rm -rf $tree"
mkdir -p "$tree/proc/4242"
cp tests/fixtures/ctx-systemd/proc/4242/status "$tree/proc/4242/"
err=$("$MEMLOCK" --proc-root "$tree" check -p 4242 2>&1 >/dev/null)
rc=$?
check "check, limits missing: exit 1 with the reason ($rc)" \
	eval '[ $rc -eq 1 ] && grep -q "^memlock: cannot check process 4242" <<<"$err"'
head -c 40 tests/fixtures/ctx-systemd/proc/4242/limits >"$tree/proc/4242/limits"
err=$("$MEMLOCK" --proc-root "$tree" check -p 4242 2>&1 >/dev/null)
rc=$?
check "check, limits cut short: exit 1 with the reason ($rc)" \
	eval '[ $rc -eq 1 ] && grep -q "^memlock: cannot check process 4242" <<<"$err"'
err=$("$MEMLOCK" --proc-root "$tree" status --maps 4242 2>&1 >/dev/null)
rc=$?
check "status --maps, smaps missing: exit 1 with the reason ($rc)" \
	eval '[ $rc -eq 1 ] && grep -q "^memlock: " <<<"$err"'
head -c 7 tests/fixtures/ctx-systemd/proc/4242/status >"$tree/proc/4242/status"
err=$("$MEMLOCK" --proc-root "$tree" status 4242 2>&1 >/dev/null)
rc=$?
check "status, status cut short: exit 1 with the reason ($rc)" \
	eval '[ $rc -eq 1 ] && grep -q "^memlock: " <<<"$err"'

# status of all processes while processes come and go
( for i in $(seq 300); do /bin/true; done ) & churn=$!
bad=0
runs=$((6 * long))
for _ in $(seq "$runs"); do
	"$MEMLOCK" status >/dev/null 2>&1 || bad=$((bad + 1))
done
wait $churn
is "status of all processes under process churn: $runs runs succeed" "$bad" 0

# write errors fail the command (close_stdout)
if [ -w /dev/full ]; then
	"$MEMLOCK" status --system >/dev/full 2>/dev/null
	is "write error on stdout: exit 1" "$?" 1
fi
done_testing
