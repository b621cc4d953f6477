#!/bin/bash
# memlock run never starts a program that then cannot load (issue 9, item
# 5): under MCL_FUTURE every mapping counts against RLIMIT_MEMLOCK, so a
# start-up (the loader mapping the libraries) larger than the limit made
# the loader fail, exit 127, after a mere warning. --strict refuses before
# the exec, with the reason and the fixes; --best-effort locks without
# MCL_FUTURE and the program runs. As uid 65534 with the default 8 MiB.
# The checks are written check DESC eval '...': the single quotes keep the
# expansions for the eval, run when check runs it.
# shellcheck disable=SC2016
. "$(dirname "$0")/lib.sh"
export MEMLOCK_LIBEXECDIR=${MEMLOCK_LIBEXECDIR:-$(dirname "$MEMLOCK")}

H=build/helpers
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all --)
LIM=(prlimit --memlock=8388608:8388608)

if [ "$(id -u)" -ne 0 ]; then
	skip "start-up under MCL_FUTURE" "needs root to switch to uid 65534"
	done_testing
	exit 0
fi
if ! command -v setpriv >/dev/null; then
	skip "start-up under MCL_FUTURE" "no setpriv (util-linux) to switch to uid 65534"
	done_testing
	exit 0
fi

# run-bigload needs librun-big.so, 12 MiB, before main
out=$("${NOBODY[@]}" "${LIM[@]}" "$MEMLOCK" run -- $H/run-bigload 2>&1)
rc=$?
check "start-up over the limit, --strict: refused before the exec, 125, not run ($rc)" \
	eval '[ $rc -eq 125 ] && ! grep -q started <<<"$out" && ! grep -q "error while loading" <<<"$out"'
check "--strict: the reason, and the fixes: the limit, or --current" \
	eval 'grep -q "run-bigload maps at least 1[0-9.]* MiB before main" <<<"$out" &&
	      grep -q "^hint: .*limit" <<<"$out" && grep -q "^hint: or lock without MCL_FUTURE: memlock run --current" <<<"$out"'
out=$("${NOBODY[@]}" "${LIM[@]}" "$MEMLOCK" run --best-effort -- $H/run-bigload 2>&1)
rc=$?
check "--best-effort: it runs, locked with MCL_CURRENT alone, and says so ($rc)" \
	eval '[ $rc -eq 0 ] && grep -q "^started vmlck=[1-9]" <<<"$out" &&
	      grep -q "locked with mlockall(MCL_CURRENT) only, without MCL_FUTURE" <<<"$out"'
out=$("${NOBODY[@]}" "${LIM[@]}" "$MEMLOCK" run --best-effort --future -- $H/run-bigload 2>&1)
rc=$?
check "--best-effort --future: nothing left to lock, it runs unlocked and says so ($rc)" \
	eval '[ $rc -eq 0 ] && grep -q "^started vmlck=0" <<<"$out" && grep -q "runs unlocked: ENOMEM" <<<"$out"'
out=$("${NOBODY[@]}" "${LIM[@]}" "$MEMLOCK" run --current -- $H/run-bigload 2>&1)
check "--current (no MCL_FUTURE): it runs, locked" grep -q "^started vmlck=[1-9]" <<<"$out"
# behind a wrapper: the followed image is checked at its exec stop
out=$("${NOBODY[@]}" "${LIM[@]}" "$MEMLOCK" run -- env $H/run-bigload 2>&1)
rc=$?
check "through env, --strict: ended before its first instruction, 125, with the reason ($rc)" \
	eval '[ $rc -eq 125 ] && ! grep -q started <<<"$out" && grep -q "cannot lock run-bigload (executed by env)" <<<"$out"'
out=$("${NOBODY[@]}" "${LIM[@]}" "$MEMLOCK" run --best-effort -- env $H/run-bigload 2>&1)
check "through env, --best-effort: it runs, without MCL_FUTURE" \
	eval 'grep -q "^started vmlck=[1-9]" <<<"$out" && grep -q "without MCL_FUTURE" <<<"$out"'
# a start-up that fits: locked as asked, MCL_FUTURE included
out=$("${NOBODY[@]}" "${LIM[@]}" "$MEMLOCK" run -v -- $H/selfcheck 2>&1)
check "a start-up that fits: MCL_CURRENT|MCL_FUTURE as before" \
	eval 'grep -q "mlockall(MCL_CURRENT|MCL_FUTURE) = 0" <<<"$out" && grep -q "future=lo" <<<"$out"'

# python3, the case reported (its own binary: a pyenv shim may be first in PATH)
py=$(PATH=/usr/local/bin:/usr/bin:/bin command -v python3)
if [ -n "$py" ]; then
	out=$("${NOBODY[@]}" "${LIM[@]}" "$MEMLOCK" run -- "$py" -c 'print("ran")' 2>&1)
	rc=$?
	# python3 fits 8 MiB on some builds: then it must run, locked
	if grep -q "maps at least" <<<"$out"; then
		check "python3 ($py) over the limit: refused before the exec, 125, not 127 ($rc)" \
			eval '[ $rc -eq 125 ] && ! grep -q "^ran" <<<"$out"'
		out=$("${NOBODY[@]}" "${LIM[@]}" "$MEMLOCK" run --best-effort -- "$py" -c 'print("ran")' 2>&1)
		rc=$?
		check "python3 --best-effort: it runs ($rc)" eval '[ $rc -eq 0 ] && grep -q "^ran" <<<"$out"'
	else
		check "python3 ($py) fits the limit: it runs ($rc)" eval '[ $rc -eq 0 ] && grep -q "^ran" <<<"$out"'
	fi
else
	skip "python3" "not installed"
fi
done_testing
