#!/bin/bash
# make bench, part 4: attach --max-pause on an untouched 1 GiB mapping: how
# many stops, the longest, the total, against one unbounded mlockall. These
# are the times the bound is judged by (the tests assert the chunk sizing,
# not the machine's timing).
set -u
. "$(dirname "$0")/bench-lib.sh"
B=${1:-build}
M=$PWD/$B/memlock
# shellcheck disable=SC2034 # read by the eval'ed coproc in victim()
V=$PWD/build/helpers/victim
RUNS=5

victim() {	# a fresh victim with 1 GiB mapped, untouched: sets PID, IN, OUT, ADDR
	eval 'coproc VIC { exec "$V"; }' 2>/dev/null
	IN=${VIC[1]} OUT=${VIC[0]}
	read -r line <&"$OUT"
	PID=${line#ready }
	echo "map 262144" >&"$IN"
	read -r line <&"$OUT"
	ADDR=${line#ok }
}
done_victim() { kill "$PID"; wait "$PID" 2>/dev/null; }
field() { python3 -c 'import json, sys; j = json.load(sys.stdin); print(" ".join("%g" % j[k] for k in sys.argv[1:]))' "$@"; }

echo "## attach --max-pause: 1 GiB untouched, $RUNS fresh victims per row"
echo
echo "- date: $(date -u +%Y-%m-%d), kernel $(uname -r), $(nproc) CPUs"
echo "- command: make bench (scripts/bench-bounded.sh); \`memlock attach -J [--max-pause MS] [--range A-B] PID\`"
echo "  on build/helpers/victim after \`map 262144\`; stops and times from the JSON output"
echo
echo "| attach | stops (median) | longest stop [ms]: median | max | runs | total [ms] (median) |"
echo "|:---|---:|---:|---:|:---|---:|"
row() {	# row LABEL ARGS...: ARGS may hold @RANGE@
	local label=$1 s l t a r
	shift
	: >/tmp/bb-s; : >/tmp/bb-l; : >/tmp/bb-t
	for _ in $(seq $RUNS); do
		victim
		r=$(printf '%s-0x%x' "$ADDR" $((ADDR + (1 << 30))))
		a=("${@//@RANGE@/$r}")
		read -r s l t < <("$M" attach -J "${a[@]}" "$PID" | field stops longest_stop_ms total_stop_ms)
		echo "$s" >>/tmp/bb-s; echo "$l" >>/tmp/bb-l; echo "$t" >>/tmp/bb-t
		done_victim
	done
	echo "| $label | $(median </tmp/bb-s) | $(median </tmp/bb-l) | $(sort -n /tmp/bb-l | tail -1) |" \
	     "$(tr '\n' ' ' </tmp/bb-l)| $(median </tmp/bb-t) |"
	rm -f /tmp/bb-s /tmp/bb-l /tmp/bb-t
}
row "mlockall(3), unbounded"
row "--max-pause 20" --max-pause 20
row "--max-pause 5" --max-pause 5
row "--max-pause 20 --range (the 1 GiB)" --max-pause 20 --range @RANGE@
