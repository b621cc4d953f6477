#!/bin/bash
# Selectors on the command line (issue 12): status, attach and unlock by
# --comm/--exe/--user/--tree and KEY=VALUE, against victims of their own: a
# copy of the victim under a name no other test uses, since other tests may
# run victims beside these. Bad selectors are usage errors with a hint;
# status --interval shows what changed between two samples and ends on ^C.
# shellcheck disable=SC2016
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP needs root (ptrace of test victims)"
	exit 0
fi
tmp=$(mktemp -d "$PWD/build/select.XXXXXX")
at_exit "rm -rf '$tmp'"
name=sel$$
name=${name:0:15}
cp "$VICTIM" "$tmp/$name"
coproc_start A "$tmp/$name"
coproc_start B "$tmp/$name"
both=$(printf '%s\n' "$A_PID" "$B_PID" | sort -n)

pids() { "$MEMLOCK" status -rn -o PID "$@" | sort -n; }
# (each run of memlock under ASan takes half a second: few of them)
is "status comm=NAME: the two victims" "$(pids "comm=$name")" "$both"
is "status --exe PATH" "$(pids --exe "$tmp/$name")" "$both"
is "status --comm GLOB --comm NAME (same key: or)" "$(pids --comm "sel$$*" --comm none)" "$both"
is "status comm= pid= (different keys: and)" "$(pids "comm=$name" "pid=$A_PID")" "$A_PID"
out=$("$MEMLOCK" status -rn "comm=$name" --user 65534)
is "status: no match is an empty table, status 0" "$?/$out" "0/"

# attach and unlock act on every match, one report each
out=$("$MEMLOCK" attach --exe "$tmp/$name" 2>&1)
rc=$?
vcmd A status && la=${R%% *}
vcmd B status && lb=${R%% *}
check "attach --exe: both locked (status $rc, VmLck $la and $lb kB)" \
	test "$rc" -eq 0 -a "${la:-0}" -gt 0 -a "${lb:-0}" -gt 0
is "attach --exe: one report per process" \
	"$(grep -c "^process [0-9]* ($name): VmLck" <<<"$out")" 2
"$MEMLOCK" unlock "comm=$name" >/dev/null 2>&1
rc=$?
vcmd A status && la=${R%% *}
vcmd B status && lb=${R%% *}
is "unlock comm=NAME: both unlocked" "$rc/$la/$lb" "0/0/0"

out=$("$MEMLOCK" attach "comm=none$$" 2>&1)
is "attach, no match: an error" "$?/$(head -1 <<<"$out")" "1/memlock: no process matches comm=none$$"
check "attach, no match: a hint follows" grep -q '^hint: ' <<<"$out"

# --tree: a shell and the children it forked; never memlock itself
bash -c 'sleep 60 & sleep 60 & wait' &
sh_pid=$!
at_exit "kill $sh_pid"
for _ in $(seq 200); do
	kids=$(tr ' ' '\n' </proc/"$sh_pid"/task/"$sh_pid"/children 2>/dev/null | grep -c .)
	[ "$kids" -ge 2 ] && break
	sleep 0.02
done
kids=$(tr ' ' '\n' </proc/"$sh_pid"/task/"$sh_pid"/children | grep .)
for k in $kids; do at_exit "kill $k"; done
is "status --tree PID: the shell and its 2 children" "$(pids --tree "$sh_pid")" \
	"$(printf '%s\n' "$sh_pid" "$kids" | sort -n)"
out=$("$MEMLOCK" status --tree $$ -rn -o PID,COMMAND)
check "status --tree \$\$ leaves memlock itself out" eval '! grep -q " memlock$" <<<"$out"'
out=$("$MEMLOCK" attach -n --tree $$ 2>&1)
check "attach -n --tree \$\$ leaves out memlock and the memlock waiting for it" \
	eval '! grep -q "(memlock)" <<<"$out" && grep -q "($name)" <<<"$out"'

# --interval: the change made between two samples
"$MEMLOCK" status --interval 1.5 --count 2 -J -b "comm=$name" >"$tmp/samples" &
st=$!
for _ in $(seq 300); do
	grep -q '^}' "$tmp/samples" && break
	sleep 0.02
done
vcmd A "map 64" && addr=$R
vcmd A "mlock $addr 262144"
wait "$st"
rc=$?
got=$(python3 - "$tmp/samples" "$A_PID" <<'EOF'
import json, sys
text, dec, at, out = open(sys.argv[1]).read(), json.JSONDecoder(), 0, []
while text[at:].strip():
    j, n = dec.raw_decode(text[at:].lstrip())
    at = len(text) - len(text[at:].lstrip()) + n
    out.append({p["pid"]: p for p in j["processes"]})
a = int(sys.argv[2])
print(len(out), out[0][a]["locked_delta"], out[1][a]["locked_delta"],
      out[1][a]["locked"] - out[0][a]["locked"])
EOF
)
is "status --interval 1.5 --count 2 -J: 2 samples, the second with the 256 KiB locked between" \
	"$rc/$got" "0/2 None 262144 262144"
"$MEMLOCK" status --interval 0.2 "comm=$name" >/dev/null &
st=$!
sleep 0.5
kill -INT "$st"
wait "$st"
is "status --interval: SIGINT ends it with status 0" "$?" 0

# bad selectors: a usage error, what is wrong, and a hint
bad() {
	local out rc
	out=$("$MEMLOCK" "$@" 2>&1)
	rc=$?
	is "$* : status 1, what is wrong, a hint" \
		"$rc/$(head -1 <<<"$out")/$(sed -n 2p <<<"$out" | cut -c1-5)" "1/$want/hint:"
}
want="memlock: invalid selector 'color=red': unknown key (pid, comm, exe, user, cgroup, unit or tree)"
bad status color=red
want="memlock: invalid selector 'comm=0123456789abcdef': a comm is at most 15 bytes (the kernel cuts longer names)"
bad unlock --comm 0123456789abcdef
want="memlock: invalid selector 'exe=bin/sh': exe= takes an absolute path"
bad attach exe=bin/sh
echo quit >&"${A[1]}"
echo quit >&"${B[1]}"
done_testing
