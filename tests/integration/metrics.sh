#!/bin/bash
# memlock metrics: promtool accepts the text format, a process named with
# quotes, a backslash, a newline and invalid UTF-8 keeps it valid (and its
# name comes back byte for byte, U+FFFD for the bad byte), a victim locked
# by memlock attach shows its VmLck, --output replaces a file atomically
# (mode 0644) that node_exporter's textfile collector serves.
. "$(dirname "$0")/lib.sh"

H=build/helpers
tmp=$(mktemp -d)
at_exit "rm -rf '$tmp'"

# valid FILE: the bytes are UTF-8 (promtool checks it too, and the escapes)
valid() { iconv -f UTF-8 -t UTF-8 "$1" >/dev/null 2>&1 && echo valid; }
# prom_value FILE SAMPLE: the value of the sample line that starts with SAMPLE
prom_value() { awk -v s="$2" 'index($0, s) == 1 { print $NF }' "$1"; }

"$MEMLOCK" metrics >"$tmp/all.prom"
is "metrics: exit status 0" "$?" 0
check "metrics: system and process families are there" \
	grep -q '^memlock_mlocked_bytes [0-9]' "$tmp/all.prom"
if command -v promtool >/dev/null; then
	is "promtool check metrics accepts every process's metrics, no lint problem" \
		"$(promtool check metrics <"$tmp/all.prom" 2>&1; echo "rc=$?")" "rc=0"
else
	skip "promtool check metrics" "promtool is not installed (Debian: prometheus)"
fi

# ---- a name that is not text
NAME=$'a"b\\c\nd\xffe'
coproc_start ODD "$H/oddname" "$NAME" || { not_ok "oddname starts"; done_testing; exit 0; }
"$MEMLOCK" metrics "$ODD_PID" >"$tmp/odd.prom"
# the name's quote, backslash and newline escaped, U+FFFD for \xff
ESC='a\"b\\c\nd'$'\xef\xbf\xbd''e'
is "odd name: the label escaped exactly, in each family" \
	"$(grep -cF "{pid=\"$ODD_PID\",comm=\"$ESC\",unit=\"" "$tmp/odd.prom")" 5
is "odd name: the output is valid UTF-8" "$(valid "$tmp/odd.prom")" valid
is "odd name: one process selected, five process families, one sample each" \
	"$(grep -c '^memlock_process_' "$tmp/odd.prom")" 5
if command -v promtool >/dev/null; then
	is "odd name: promtool accepts it" \
		"$(promtool check metrics <"$tmp/odd.prom" 2>&1; echo "rc=$?")" "rc=0"
else
	skip "promtool and the odd name" "promtool is not installed (Debian: prometheus)"
fi

# ---- a victim locked by memlock attach
if [ "$(id -u)" -eq 0 ]; then
	victim_start V || { not_ok "victim starts"; done_testing; exit 0; }
	vcmd V "map 64"
	"$MEMLOCK" attach "$V_PID" >/dev/null 2>&1
	vcmd V status
	own=$((${R%% *} * 1024))
	"$MEMLOCK" metrics --output "$tmp/v.prom" "$V_PID" "$ODD_PID"
	check "attach: the victim sees VmLck > 0 ($own)" test "$own" -gt 0
	is "attach: memlock_process_locked_bytes is the victim's own VmLck" \
		"$(prom_value "$tmp/v.prom" "memlock_process_locked_bytes{pid=\"$V_PID\",")" "$own"
	is "two PIDs: both there" "$(grep -c '^memlock_process_locked_bytes{' "$tmp/v.prom")" 2
else
	skip "locked bytes of an attached victim" "needs root to attach"
fi

# ---- --output
echo old >"$tmp/out.prom"
"$MEMLOCK" metrics --output "$tmp/out.prom" "$ODD_PID"
is "--output: replaced, mode 0644" "$(stat -c %a "$tmp/out.prom")" 644
is "--output: the same metrics as stdout" \
	"$(grep -c "^memlock_process_.*pid=\"$ODD_PID\"" "$tmp/out.prom")" 5
is "--output: no temporary file left" "$(find "$tmp" -name '.out.prom.*' | wc -l)" 0
out=$("$MEMLOCK" metrics --output "$tmp/none/x.prom" 2>&1)
is "--output into a missing directory: exit 1, says so" "$?:$out" \
	"1:memlock: cannot create a file beside $tmp/none/x.prom: No such file or directory"
out=$("$MEMLOCK" metrics --tree nope 2>&1)
is "a bad selector: exit 1" "$?" 1
check "a bad selector: named in the message (${out%%$'\n'*})" grep -q "^memlock: invalid selector 'tree=nope': " <<<"$out"

# ---- node_exporter's textfile collector serves the file
NE=$(command -v prometheus-node-exporter || command -v node_exporter)
if [ -z "$NE" ]; then
	skip "node_exporter serves the file" "node_exporter is not installed (Debian: prometheus-node-exporter)"
	done_testing
	exit 0
fi
mkdir "$tmp/textfile"
"$MEMLOCK" metrics --output "$tmp/textfile/memlock.prom" "$ODD_PID"
get() {
	if command -v curl >/dev/null; then
		curl -sf "http://127.0.0.1:$port/metrics"
	else
		python3 -c 'import sys, urllib.request; sys.stdout.buffer.write(urllib.request.urlopen(sys.argv[1]).read())' \
			"http://127.0.0.1:$port/metrics"
	fi
}
# a port nothing listens on; node_exporter ends at once if it is taken meanwhile
for _ in 1 2 3; do
	port=$((20000 + RANDOM % 40000))
	(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && continue
	"$NE" --web.listen-address="127.0.0.1:$port" --collector.disable-defaults \
		--collector.textfile --collector.textfile.directory="$tmp/textfile" >"$tmp/ne.log" 2>&1 &
	ne=$!
	at_exit "kill $ne; wait $ne"
	for _ in $(seq 100); do
		get >"$tmp/scrape" 2>/dev/null && break 2
		kill -0 "$ne" 2>/dev/null || break
		sleep 0.05
	done
done
is "node_exporter: the file read without an error" \
	"$(prom_value "$tmp/scrape" 'node_textfile_scrape_error ')" 0
# node_exporter sorts the labels by name
is "node_exporter: serves the odd name, every byte" \
	"$(grep -cF "memlock_process_rss_bytes{comm=\"$ESC\",pid=\"$ODD_PID\"," "$tmp/scrape")" 1
check "node_exporter: serves the system families" grep -q '^memlock_unevictable_pgs_mlocked_total ' "$tmp/scrape"
done_testing
