#!/bin/bash
# memlock run's helper (issue 8): memlock-exec-helper, a program of its own,
# spawned without a fork child that runs library code (a multithreaded
# caller's fork children may only call async-signal-safe functions); a
# report callback only for a single-threaded caller; a helper outside the
# program's process group; and a helper killed at any moment leaves no
# program that runs unlocked against --strict, nor one with changed
# registers, and no signal to the program is lost meanwhile.
# The checks are written check DESC eval '...': the single quotes keep the
# expansions for the eval, run when check runs it (and for sh in sh -c '...').
# shellcheck disable=SC2016
. "$(dirname "$0")/lib.sh"
# the helper of the memlock under test, not an installed one
export MEMLOCK_LIBEXECDIR=${MEMLOCK_LIBEXECDIR:-$(dirname "$MEMLOCK")}

H=build/helpers
field() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" <<<"$2"; }

# a pthread_atfork() child handler prints "fork child ran" at every fork()
out=$($H/run-mtcaller fork $H/selfcheck 2>&1)
check "a multithreaded caller: no fork child of it runs library code, and it is locked ($out)" \
	eval '! grep -q "fork child ran" <<<"$out" && [ "$(field vmlck "$out")" -gt 0 ]'
# its report callback takes a mutex another thread holds: in a fork child
# it would wait forever (2 s here, then "report: deadlocked")
out=$(timeout -s KILL 20 $H/run-mtcaller report $H/selfcheck 2>&1)
rc=$?
check "a multithreaded caller with a report callback: refused, EINVAL and why, never run in a fork child ($rc)" \
	eval '[ $rc -eq 125 ] && grep -q "Invalid argument: a report callback needs a single-threaded caller" <<<"$out" &&
	      ! grep -q "report:" <<<"$out" && ! grep -q vmlck= <<<"$out"'

# where the helper is looked for
out=$(MEMLOCK_LIBEXECDIR=/nonexistent "$MEMLOCK" run -- $H/selfcheck 2>&1)
rc=$?
check "no helper: 125 (not 127, the program is there), the reason and the fix ($rc)" \
	eval '[ $rc -eq 125 ] && grep -q "helper /nonexistent/memlock-exec-helper cannot be run" <<<"$out" &&
	      grep -q "^hint: .*MEMLOCK_LIBEXECDIR" <<<"$out" && ! grep -q vmlck= <<<"$out"'
out=$(MEMLOCK_LIBEXECDIR=/nonexistent "$MEMLOCK" run --best-effort -- $H/selfcheck 2>&1)
rc=$?
check "no helper, --best-effort: runs unlocked and says why, reported before the exec ($rc)" \
	eval '[ $rc -eq 0 ] && grep -q "vmlck=0 " <<<"$out" && grep -q "runs unlocked: ENOENT: memlock.s helper" <<<"$out"'

# the helper is in a process group (a session) of its own: ^C, timeout -s
# KILL and service managers signal the program's group, and miss it
out=$("$MEMLOCK" run --follow 3000 -- sh -c '
	read -r a b c d pg r </proc/$$/stat
	while read -r k v; do [ "$k" = TracerPid: ] && t=$v; done </proc/$$/status
	read -r a b c d hpg r </proc/$t/stat
	echo "pgrp=$pg helper=$hpg"')
check "the helper is not in the program's process group ($out)" \
	eval '[ -n "$(field helper "$out")" ] && [ "$(field helper "$out")" != "$(field pgrp "$out")" ]'
# neither the helper nor the reporter is ever the program's child
# (once it is not traced any more: polled, 60 s at most)
out=$("$MEMLOCK" run -v --follow 100 -- sh -c 'for i in $(seq 1200); do
	grep -q "^TracerPid:[[:space:]]*0$" /proc/$$/status && break; sleep 0.05; done
	read -r c </proc/$$/task/$$/children; echo "children=[$c]"' 2>/dev/null)
is "the program has no child it did not make, after the helper and the reporter are gone" "$out" "children=[]"

# SIGKILL to the helper at random moments: from its start, or from its
# seize, within 3 ms (it lives a few ms with --follow 0)
for mode in strict best; do
	opt=--$mode
	[ $mode = best ] && opt=--best-effort
	out=$($H/run-chaos kill-$mode 20 3000 -- "$MEMLOCK" run $opt --follow 0 -- $H/selfcheck)
	check "helper killed at random moments, $opt: $(tail -n 1 <<<"$out")" \
		eval '[ "$(tail -n 1 <<<"$out")" = "20 of 20 as expected" ]'
	grep "^# BAD" <<<"$out"
done
# the program's signals pass through the helper's stops, from memlock's start on
out=$($H/run-chaos term 10 15000 -- "$MEMLOCK" run -- /bin/sleep 2)
check "SIGTERM at random moments of the start: the program dies of it, none lost: $(tail -n 1 <<<"$out")" \
	eval '[ "$(tail -n 1 <<<"$out")" = "10 of 10 as expected" ]'
out=$($H/run-chaos stopcont 6 15000 -- "$MEMLOCK" run -- /bin/sleep 0.05)
check "SIGSTOP then SIGCONT at random moments: it finishes: $(tail -n 1 <<<"$out")" \
	eval '[ "$(tail -n 1 <<<"$out")" = "6 of 6 as expected" ]'
done_testing
