#!/bin/bash
# make bench, part 3: the start overhead of memlock run against a plain exec
# of the same program, paired in one hyperfine run.
set -u
B=${1:-build}
M=$PWD/$B/memlock
PY=/usr/bin/python3
[ -x $PY ] || PY=$(command -v python3)

echo "## memlock run: start overhead"
echo
echo "- date: $(date -u +%Y-%m-%d), kernel $(uname -r), $(nproc) CPUs"
echo "- command: \`make bench\` (scripts/bench-run.sh); hyperfine 1.15 \`-N --warmup 10 --runs 200\`,"
echo "  the commands of a pair alternating in one run; python is $PY (not a pyenv shim)"
echo
hyperfine -N --warmup 10 --runs 200 --style none --export-markdown /tmp/bench-run.md \
	--export-json /tmp/bench-run.json \
	-n "true" "true" \
	-n "memlock run --future -- true" "$M run --future -- true" \
	-n "memlock run -- true" "$M run -- true" \
	-n "python3 -c pass" "$PY -c pass" \
	-n "memlock run --future -- python3 -c pass" "$M run --future -- $PY -c pass" >/dev/null 2>&1
cat /tmp/bench-run.md
echo
python3 - <<'PY'
import json
r = {x["command"]: x["median"] * 1000 for x in json.load(open("/tmp/bench-run.json"))["results"]}
print("Median overhead: `memlock run --future -- true` %+.2f ms, `memlock run -- true` %+.2f ms, "
      "`memlock run --future -- python3 -c pass` %+.2f ms (goal: at most +2 ms)." % (
      r["memlock run --future -- true"] - r["true"], r["memlock run -- true"] - r["true"],
      r["memlock run --future -- python3 -c pass"] - r["python3 -c pass"]))
PY
rm -f /tmp/bench-run.md /tmp/bench-run.json
