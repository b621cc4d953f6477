#!/bin/bash
# Every JSON object memlock prints is valid UTF-8 and strict JSON, whatever
# the bytes of a process name or a mapped file's path; the JSON keys and
# errors keep one shape; messages that echo an argument shorten and escape it.
. "$(dirname "$0")/lib.sh"

H=$(dirname "$VICTIM")
NAME=$'a "b\\\t\n\xff\xfe'	# 9 bytes: quote, backslash, tab, newline, not UTF-8
DIR=$(mktemp -d /tmp/memlock-json.XXXXXX)
at_exit "rm -rf '$DIR'"
FILE="$DIR/"$'m "q\\x\t\n\xff\xfe.bin'	# and a "\x" already in it
head -c 4096 /dev/zero >"$FILE"

# strict JSON on stdin: valid UTF-8 (decoded without error handlers) and no
# raw control characters in strings; prints the python expression $1 over
# the parsed object "j", with unesc(s) the bytes a string stands for (\xHH
# is the byte HH, as util-linux writes bytes that are not UTF-8)
if command -v python3 >/dev/null; then
	strict_json() {
		python3 -c '
import json, os, re, sys
j = json.loads(sys.stdin.buffer.read().decode("utf-8", errors="strict"))
def unesc(s):
    return re.sub(rb"\\x([0-9a-f]{2})", lambda m: bytes([int(m.group(1), 16)]), s.encode())
want = [os.fsencode(a) for a in sys.argv[2:]]
print(eval(sys.argv[1]))' "$@"
	}
elif command -v jq >/dev/null && command -v iconv >/dev/null; then
	# (no round trip of the bytes without python: validity only)
	strict_json() { local t; t=$(iconv -f UTF-8 -t UTF-8) && jq -e . <<<"$t" >/dev/null && echo valid; }
else
	strict_json() { echo "no python3, no jq"; }
fi

# ---- item: names and paths are bytes -------------------------------------
coproc_start ODD "$H/oddname" "$NAME" "$FILE" || { not_ok "oddname starts"; done_testing; exit 0; }
pid=$ODD_PID
cmp_name='unesc([p for p in j["processes"] if p["pid"] == int(want[1])][0]["command"]) == want[0]'
if command -v python3 >/dev/null; then
	is "status -J: valid UTF-8, and the name's every byte is there" \
		"$("$MEMLOCK" status -J -o PID,COMMAND "$pid" | strict_json "$cmp_name" "$NAME" "$pid")" True
	is "status -J -b: the same" \
		"$("$MEMLOCK" status -J -b "$pid" | strict_json "$cmp_name" "$NAME" "$pid")" True
	is "status -J of every process (what any user can break): valid, the name there" \
		"$("$MEMLOCK" status -J -o PID,COMMAND | strict_json "$cmp_name" "$NAME" "$pid")" True
	is "limit -J: valid, the name there" \
		"$("$MEMLOCK" limit -J "$pid" | strict_json 'unesc(j["limits"][0]["command"]) == want[0]' "$NAME")" True
	is "status --maps -J: valid, the path's every byte there (the kernel's \\012 undone)" \
		"$("$MEMLOCK" status --maps "$pid" -J -o PATH |
			strict_json 'any(unesc(m["path"] or "") == want[0] for m in j["mappings"])' "$FILE")" True
	if [ "$(id -u)" -eq 0 ]; then
		is "attach -J (hand-written JSON): valid, the name there" \
			"$("$MEMLOCK" attach -J --future "$pid" | strict_json 'unesc(j["command"]) == want[0]' "$NAME")" True
	else
		skip "attach -J with the name" "needs root to attach"
	fi
	# valid UTF-8 stays as it is; a UTF-8 surrogate and an overlong '/'
	# are not UTF-8 for a strict decoder: bytes
	name2=$'\xc3\xa9\xf0\x9f\x98\x80\xed\xa0\x80\xc0\xaf'
	coproc_start ODD2 "$H/oddname" "$name2" || not_ok "oddname starts"
	is "status -J: UTF-8 kept, surrogate and overlong bytes as \\xHH" \
		"$("$MEMLOCK" status -J -o COMMAND "$ODD2_PID" | strict_json 'j["processes"][0]["command"]')" \
		"$(printf '\u00e9\U0001f600')\\xed\\xa0\\x80\\xc0\\xaf"
else
	skip "JSON of names and paths round-trips" "$(strict_json </dev/null)"
fi
out=$("$MEMLOCK" status -r -n -o COMMAND "$pid"; "$MEMLOCK" status --maps "$pid" -r -n -o PATH
	[ "$(id -u)" -ne 0 ] || "$MEMLOCK" attach --future "$pid")
check "text output (status, attach): no raw control character or byte above 0x7e" \
	test -z "$(LC_ALL=C tr -d '\n -~' <<<"$out")"

# ---- item: one shape for keys, numbers, errors ----------------------------
if command -v python3 >/dev/null; then
	# keys: lower-case words joined by "_", the same word for the same thing
	keys='sorted(set(k for o in (j if isinstance(j, list) else next(iter(j.values())) if len(j) == 1 else [j]) for k in o))'
	sk=$("$MEMLOCK" status -J --output-all "$pid" | strict_json "$keys")
	ck=$("$MEMLOCK" check -J | strict_json "$keys")
	is "status -J and check -J: hard_limit and vm_size in both" \
		"$(python3 -c 'import sys; s, c = (eval(a) for a in sys.argv[1:]); print([k for k in ("hard_limit", "vm_size") if k in s and k in c])' "$sk" "$ck")" \
		"['hard_limit', 'vm_size']"
	check "every key of status, limit and check -J is snake_case" \
		python3 -c 'import re, sys; sys.exit(not all(re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)*", k) for a in sys.argv[1:] for k in eval(a)))' \
		"$sk" "$ck" "$("$MEMLOCK" limit -J "$pid" | strict_json "$keys")"
	is "the old column names HARDLIMIT and VMSIZE are still accepted by -o" \
		"$("$MEMLOCK" status -J -o hardlimit,VMSIZE "$pid" | strict_json "$keys")" "['hard_limit', 'vm_size']"

	# errors: "error" the errno symbol, "message" its text, in a refusal
	# and in an attach result alike
	is "attach -J refusal (a kernel thread): error symbol and message" \
		"$("$MEMLOCK" attach -J 2 2>/dev/null | strict_json 'j["error"], j["message"]')" \
		"('EINVAL', 'Invalid argument')"
	if [ "$(id -u)" -eq 0 ]; then
		is "attach -J result: error and message both null when it worked" \
			"$("$MEMLOCK" attach -J --future "$pid" | strict_json 'j["error"], j["message"]')" \
			"(None, None)"
	else
		skip "attach -J result's error and message" "needs root to attach"
	fi

	# numbers: --system counters are numbers without -b as well
	is "status --system -J: every value and total a number (or null)" \
		"$("$MEMLOCK" status --system -J | strict_json 'all(isinstance(r[k], int) or r[k] is None for r in j["system"] for k in ("value", "total"))')" \
		True

	# -J -b: unlimited is "unlimited", null only what is not there
	root=$DIR/root
	mkdir -p "$root/proc"
	cp -r tests/fixtures/ctx-systemd/proc/4242 "$root/proc/"
	sed -i 's/^Max locked memory .*/Max locked memory         unlimited            unlimited            bytes/' \
		"$root/proc/4242/limits"
	is "-J -b: an unlimited limit is \"unlimited\", not null" \
		"$("$MEMLOCK" --proc-root "$root" status -J -b -o PID,LIMIT,HARD_LIMIT 4242 | strict_json 'j["processes"][0]["limit"], j["processes"][0]["hard_limit"]')" \
		"('unlimited', 'unlimited')"
	if grep -q "^Max locked memory  *unlimited" /proc/1/limits; then
		is "limit -J -b: the same (process 1)" \
			"$("$MEMLOCK" limit -J -b 1 | strict_json 'j["limits"][0]["soft"]')" unlimited
	else
		skip "limit -J -b with an unlimited limit" "process 1 has a limit"
	fi
	is "check -J: the same" \
		"$("$MEMLOCK" --proc-root "$root" check -J -p 4242 | strict_json 'j["limit"], j["hard_limit"]')" \
		"('unlimited', 'unlimited')"
	is "-J -b: a kernel thread's LOCKED (not there) is null" \
		"$("$MEMLOCK" status -J -b -o PID,LOCKED 2 | strict_json 'j["processes"][0]["locked"]')" None

	# check without -p: a new process like memlock, not memlock's own PID
	is "check -J without -p: pid null" "$("$MEMLOCK" check -J | strict_json 'j["pid"]')" None
else
	skip "JSON keys, errors and numbers" "$(strict_json </dev/null)"
fi
check "check without -p: 'in a new process like memlock', no PID" \
	grep -q "^ok: mlockall(MCL_CURRENT|MCL_FUTURE) in a new process like memlock would" \
	<<<"$("$MEMLOCK" check)"

# -o all: column names ignore case, so does "all"
is "-o all is --output-all" "$("$MEMLOCK" status -o all -r "$pid")" "$("$MEMLOCK" status --output-all -r "$pid")"
is "-o All is --output-all for limit too" "$("$MEMLOCK" limit -o All -r "$pid")" \
	"$("$MEMLOCK" limit --output-all -r "$pid")"

# errors echo an argument shortened and escaped, not 100 kB of it raw
long=$(head -c 100000 /dev/zero | tr '\0' 7)
for args in "status x$long" "status -o $long" "check --size $long" "limit 1 x$long" \
	"status --x$long" "--x$long status"; do
	# shellcheck disable=SC2086 # the words of $args are the arguments
	err=$("$MEMLOCK" $args 2>&1 >/dev/null)
	# shellcheck disable=SC2016 # expanded by the eval, when check runs it
	check "${args:0:14}... (100 kB): the echo is cut (${#err} bytes)" \
		eval '[ ${#err} -lt 400 ] && grep -q "7\.\.\." <<<"$err"'
done
err=$("$MEMLOCK" check --size $'\xff\x1b[31m' 2>&1 >/dev/null)
is "check --size with raw bytes: echoed as \\xHH" "$(head -1 <<<"$err")" \
	"memlock: invalid size: '\\xff\\x1b[31m'"
is "an unknown option letter: escaped too" "$("$MEMLOCK" check -J$'\x1b' 2>&1 >/dev/null | head -1)" \
	"memlock: invalid option -- '\\x1b'"
err=$("$MEMLOCK" status $'1\x1b]0;x\a' 2>&1 >/dev/null)
check "status PID with control characters: none reaches the terminal" \
	test -z "$(LC_ALL=C tr -d '\n -~' <<<"$err")"

done_testing
