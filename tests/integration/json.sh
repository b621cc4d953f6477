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
else
	skip "JSON of names and paths round-trips" "$(strict_json </dev/null)"
fi
out=$("$MEMLOCK" status -r -n -o COMMAND "$pid"; "$MEMLOCK" status --maps "$pid" -r -n -o PATH
	[ "$(id -u)" -ne 0 ] || "$MEMLOCK" attach --future "$pid")
check "text output (status, attach): no raw control character or byte above 0x7e" \
	test -z "$(LC_ALL=C tr -d '\n -~' <<<"$out")"

done_testing
