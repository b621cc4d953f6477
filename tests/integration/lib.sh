# Shared helpers of the integration tests: TAP output, the victim, cleanup.
# Source it; MEMLOCK and VICTIM come from tests/run.sh (or set them by hand).
set -u
: "${MEMLOCK:=build/memlock}" "${VICTIM:=build/helpers/victim}"
T_N=0
T_FAILED=0
CLEANUPS=()

ok() { T_N=$((T_N + 1)); echo "ok $T_N - $*"; }
not_ok() { T_N=$((T_N + 1)); T_FAILED=1; echo "not ok $T_N - $*"; }
skip() { T_N=$((T_N + 1)); echo "ok $T_N - $1 # SKIP $2"; }
diag() { printf '# %s\n' "$@"; }
done_testing() { echo "1..$T_N"; }

# check "description" COMMAND... : ok when COMMAND succeeds
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else not_ok "$what"; fi
}

# is "description" GOT WANT
is() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1"; diag "got '$2', want '$3'"; fi
}

at_exit() { CLEANUPS+=("$1"); }
run_cleanups() {
	local i
	for ((i = ${#CLEANUPS[@]} - 1; i >= 0; i--)); do
		eval "${CLEANUPS[$i]}" >/dev/null 2>&1
	done
}
trap run_cleanups EXIT
trap 'exit 130' INT TERM

# coproc_start NAME COMMAND...: COMMAND as a coprocess that first prints
# "ready PID"; the PID lands in $NAME_PID and the process is ended on exit.
coproc_start() {
	local name=$1 line pid
	shift
	# (bash warns about every coprocess after the first: it works all the same)
	eval "coproc $name { exec \"\$@\"; }" 2>/dev/null
	local -n fds=$name
	read -r line <&"${fds[0]}" || return 1
	pid=${line#ready }
	printf -v "${name}_PID" '%s' "$pid"
	at_exit "kill -CONT $pid; kill $pid; wait $pid"
}

# victim_start NAME [prefix command...]: the command-driven victim
victim_start() {
	local name=$1
	shift
	coproc_start "$name" "$@" "$VICTIM"
}

# vcmd NAME COMMAND: the reply, without its "ok ", lands in $R; fails on
# "err". (No $(...) or pipes around it: coprocess fds do not reach subshells.)
vcmd() {
	local -n fds=$1
	echo "$2" >&"${fds[1]}"
	read -r R <&"${fds[0]}" || return 1
	case $R in
	ok*) R=${R#ok}; R=${R# } ;;
	*) return 1 ;;
	esac
}


# target_start NAME BINARY MODE [prefix command...]: a tests/helpers/target
target_start() {
	local name=$1 bin=$2 mode=$3
	shift 3
	coproc_start "$name" "$@" "$bin" "$mode"
}

# tcmd NAME LETTER: send a command letter, the reply line lands in $R
tcmd() {
	local -n fds=$1
	echo "$2" >&"${fds[1]}"
	read -r R <&"${fds[0]}"
}

# target_end NAME: 'q', then $R holds the "done ..." line and $RC the exit status
target_end() {
	local -n fds=$1
	local pidvar=${1}_PID
	echo q >&"${fds[1]}"
	read -r R <&"${fds[0]}"
	wait "${!pidvar}"
	RC=$?
}

# wait_traced PID [0]: until PID has a tracer (TracerPid not 0), or with 0
# until it has none; at most about 4 s
wait_traced() {
	local pid=$1 want=${2:-} tp
	for _ in $(seq 400); do
		tp=$(awk '/^TracerPid:/ { print $2 }' /proc/"$pid"/status 2>/dev/null)
		if [ -n "$want" ]; then [ "$tp" = 0 ] && return 0; else [ "${tp:-0}" != 0 ] && return 0; fi
		sleep 0.01
	done
	return 1
}

# jget JSON EXPR: a python expression over the parsed object "j"
jget() { python3 -c 'import json, sys; j = json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$1" "$2"; }
