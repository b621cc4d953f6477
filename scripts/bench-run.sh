#!/bin/bash
# make bench, part 3: the start overhead of memlock run against a plain exec
# of the same program. pairtime alternates the two commands run by run (A, B,
# A, B...), so both see the same machine, and reports the median of the
# paired differences.
set -u
B=${1:-build}
M=$PWD/$B/memlock
P=$PWD/build/helpers/pairtime
PY=/usr/bin/python3
[ -x $PY ] || PY=$(command -v python3)
N=300

echo "## memlock run: start overhead"
echo
echo "- date: $(date -u +%Y-%m-%d), kernel $(uname -r), $(nproc) CPUs, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
echo "- command: \`make bench\` (scripts/bench-run.sh): \`build/helpers/pairtime $N A :: B\`, A and B"
echo "  alternating run by run; python is $PY (not a pyenv shim)"
echo
echo "| A (plain exec) | B | A median [ms] | B median [ms] | B - A median [ms] | B - A p90 [ms] |"
echo "|:---|:---|---:|---:|---:|---:|"
pair() {	# pair NAME-A NAME-B A... :: B...
	local na=$1 nb=$2 r
	shift 2
	r=$("$P" $N "$@") || return
	read -r a b d p <<<"$r"
	echo "| \`$na\` | \`$nb\` | $a | $b | **$d** | $p |"
}
pair "true" "nice -n 0 true (any exec prefix, for scale)" true :: nice -n 0 true
pair "true" "memlock run --future -- true" true :: "$M" run --future -- true
pair "true" "memlock run -- true" true :: "$M" run -- true
pair "true" "memlock run --onfault --future -- true" true :: "$M" run --onfault --future -- true
pair "python3 -c pass" "memlock run --future -- python3 -c pass" "$PY" -c pass :: "$M" run --future -- "$PY" -c pass
pair "python3 -c pass" "memlock run --onfault --future -- python3 -c pass" \
	"$PY" -c pass :: "$M" run --onfault --future -- "$PY" -c pass
echo
echo "(goal: at most +2 ms, median; --onfault leaves out faulting the pages in, so its row is"
echo "the cost of the mechanism alone: helper, ptrace handshake, exec stop, one injection)"
