#!/bin/bash
# memlock status and secrets: the FLAGS column of --maps shows dd
# (MADV_DONTDUMP) and wf (MADV_WIPEONFORK) as the kernel's VmFlags have them,
# the SECRET column the bytes a process holds in memfd_secret(2), with the
# hint that they block hibernation; the default columns stay as they were.
. "$(dirname "$0")/lib.sh"

H=$(dirname "$VICTIM")/secretmaps
if [ ! -x "$H" ]; then
	echo "1..0 # SKIP $H is not built (make helpers)"
	exit 0
fi
coproc_start S "$H" || { not_ok "secretmaps starts"; done_testing; exit 0; }
pid=$S_PID
declare -A at
while read -r name addr size <&"${S[0]}"; do
	[ "$name" = "done" ] && break
	at[$name]=$addr
	[ "$name" = secret ] && secret_size=$size
done

# the --maps table, read once (raw: an empty cell as "-", PATH's blanks
# escaped as \x20)
maps=$("$MEMLOCK" status --maps "$pid" -r -n -o START,END,LOCK,FLAGS,PATH |
	awk '{ for (i = 1; i <= NF; i++) if ($i == "") $i = "-" } 1' FS='[ ]' OFS=' ')
# flags_at ADDR: LOCK FLAGS PATH of the mapping holding ADDR (hex)
flags_at() {
	local a=$((16#$1)) start end rest
	while read -r start end rest; do
		if ((16#$start <= a && a < 16#$end)); then
			echo "$rest"
			return
		fi
	done <<<"$maps"
}

for n in plain dd wf ddwf; do
	[ -n "${at[$n]:-}" ] || not_ok "the helper maps its $n area"
done
is "FLAGS of a plain mapping: empty" "$(flags_at "${at[plain]}")" "- - -"
is "MADV_DONTDUMP: dd" "$(flags_at "${at[dd]}")" "- dd -"
is "MADV_WIPEONFORK: wf" "$(flags_at "${at[wf]}")" "- wf -"
is "both: dd,wf, and LOCK stays empty" "$(flags_at "${at[ddwf]}")" "- dd,wf -"
is "the default --maps columns: FLAGS next to LOCK" \
	"$("$MEMLOCK" status --maps "$pid" | head -1 | tr -s ' ' | sed 's/^ //')" \
	"START END PERMS LOCK FLAGS SIZE RSS LOCKED SWAP PATH"
is "the default process columns are those of 1.0" \
	"$("$MEMLOCK" status "$pid" | head -1 | tr -s ' ' | sed 's/^ //')" \
	"PID COMMAND LOCKED PINNED RSS SWAP LIMIT CAP_IPC_LOCK"

if [ -z "${at[secret]:-}" ]; then
	skip "memfd_secret areas and SECRET" \
		"memfd_secret is not available (${at[secret-unavailable]:-?}): secretmem.enable=1 on kernels before 6.5"
	done_testing
	exit 0
fi
is "memfd_secret area: locked, dont-dump, its path" \
	"$(flags_at "${at[secret]}")" 'lo dd /secretmem\x20(deleted)'
errf=$(mktemp)
at_exit "rm -f '$errf'"
out=$("$MEMLOCK" status -r -n -b -o SECRET "$pid" 2>"$errf")
err=$(<"$errf")
is "SECRET: the bytes of the area" "$out" "$secret_size"
check "... and the hint that they block hibernation ($err)" \
	grep -q '^hint: while memory is held in memfd_secret (SECRET), the system cannot hibernate$' <<<"$err"
check "-J: secret is a number" \
	grep -q "\"secret\": $secret_size\$" <<<"$("$MEMLOCK" status -J -b -o PID,SECRET "$pid" 2>/dev/null)"
is "a process without secrets: 0, and no hint" "$("$MEMLOCK" status -r -n -b -o SECRET $$ 2>&1)" 0
done_testing
