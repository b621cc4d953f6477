#!/bin/bash
# The torture test of the injection engine (issue 8): attach and unlock with
# random options on multithreaded victims that check themselves
# (tests/helpers/torture-victim.c: sleeps, reads, futex and condition waits,
# signal handlers, registers, memory), while SIGKILL, SIGINT, SIGQUIT,
# SIGTERM or SIGUSR1 goes to memlock, to its worker child or to its whole
# process group at a random moment, and SIGUSR1, SIGUSR2 or SIGRTMIN+3 to a
# victim. After every trial every victim must be alive, traced by nobody,
# not stopped, with each thread's signal mask as it was, every signal sent
# to it handled exactly once as without memlock, and its own checks passing.
#
#   TORTURE_TRIALS   number of trials (100; make check-long: 1,000)
#   TORTURE_SEED     the seed of the choices (random by default, printed):
#                    the same seed makes the same choices again (the timing
#                    of the signals, in milliseconds, cannot be replayed)
#   TORTURE_VICTIM   the victim (build/helpers/torture-victim)
#   TORTURE_VERBOSE  set: a diag line for every memlock run, not only failed
#   TORTURE_WORKER_KILL=1  SIGKILL to the worker alone too (the rescue's
#                    window of a few microseconds can be hit: see memlock(1))
#
# A trial: 1 to 3 of 3 long-lived victims, a memlock attach or unlock with
# random options on each at once, each under setsid (its group holds memlock
# and its worker, which has a group of its own); a signal for it (or none, one time in six) at 0-50 ms
# after its start or its worker's birth, or 0-10 ms after the thread it
# stops is seen in the ptrace stop; now and then a signal for the victim
# too. Then every victim is checked. A victim found harmed is reported
# (seed, trial, options, signals and their moments, what was wrong), then
# replaced; the end tallies the harm by the signal that came before it.
. "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/../.." || exit 1

TV=${TORTURE_VICTIM:-build/helpers/torture-victim}
TRIALS=${TORTURE_TRIALS:-60}	# 1000 in make check-long
SEED=${TORTURE_SEED:-$((SRANDOM % 1000000))}
NV=3			# victims
UNTOUCHED_KIB=16384	# fresh memory for each attach to fault in
TOUCHED_KIB=2048
STALL_MS=3000		# a busy thread silent that long is stuck
if [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP needs root (ptrace; the victims lock more than RLIMIT_MEMLOCK)"
	exit 0
fi
if [ ! -x "$TV" ]; then
	echo "1..0 # SKIP $TV is not built (make build/helpers/torture-victim)"
	exit 0
fi
ulimit -c 0		# a worker killed by SIGQUIT, a victim that crashes: no core files
# LeakSanitizer's check at exit (of memlock and of its worker) takes longer
# than the rest of a sanitized memlock's run, and a memlock killed never
# gets to it: leaks are the other tests' business, errors stay fatal here
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
RANDOM=$SEED
diag "TORTURE_SEED=$SEED TORTURE_TRIALS=$TRIALS (set TORTURE_SEED=$SEED to replay the choices)"

DIR=$(mktemp -d /tmp/memlock-torture.XXXXXX)
mkfifo "$DIR/sleep"
exec {SLP}<>"$DIR/sleep"	# nobody writes: read -t on it sleeps without a fork
read -r -a _st </proc/$$/stat
OWN_PGRP=${_st[4]}
declare -a VPID VW VR VNAME USED LAST UNTOUCHED TOUCHED MAPNAMES SENT_USR1 SENT_USR2 SENT_RT
declare -A TID ROLE BASE
GEN=0

# rnd N: a number from 0 to N-1 in $RN (RANDOM, seeded: no subshells)
rnd() { RN=$((RANDOM % $1)); }
# sleep_ms MS: sleeps MS milliseconds (a whole number)
sleep_ms() {
	local t
	printf -v t '%d.%06d' $(($1 / 1000)) $(($1 % 1000 * 1000))
	read -r -t "$t" -u "$SLP" _
}
# NOW: microseconds, no fork
now_us() { NOW=${EPOCHREALTIME/./}; NOW=$((10#$NOW)); }

# ------------------------------------------------------------------ victims
# vsay I COMMAND: the reply line in $VREPLY (fails on none within 3 s)
vsay() {
	VREPLY=""
	echo "$2" >&"${VW[$1]}" || return 1
	read -r -t 3 -u "${VR[$1]}" VREPLY
}

# pstatus FILE: State, TracerPid and SigBlk of a /proc status file into
# ST, TP and BLK (empty when it cannot be read). One read(2) after another
# without a seek: a line-by-line read seeks back after each line, and the
# kernel makes the text anew at each seek, shifted when a number changed.
pstatus() {
	local all=""
	ST="" TP="" BLK=""
	read -r -d '' all 2>/dev/null <"$1"
	[ -n "$all" ] || return 1
	ST=${all#*State:}; ST=${ST%%$'\n'*}; ST=${ST//[[:space:]]/}; ST=${ST:0:1}
	TP=${all#*TracerPid:}; TP=${TP%%$'\n'*}; TP=${TP//[[:space:]]/}
	BLK=${all#*SigBlk:}; BLK=${BLK%%$'\n'*}; BLK=${BLK//[[:space:]]/}
}

# masks I: every thread's SigBlk into MASKS ("tid:mask tid:mask ...")
masks() {
	local t out=""
	for t in /proc/"${VPID[$1]}"/task/*; do
		pstatus "$t/status" && out+="${t##*/}:$BLK "
	done
	MASKS=$out
}

victim_up() {	# I
	local i=$1 line t name w r kv
	GEN=$((GEN + 1))
	VNAME[i]="v$i.$GEN"
	mkfifo "$DIR/c.$GEN" "$DIR/r.$GEN"
	exec {w}<>"$DIR/c.$GEN" {r}<>"$DIR/r.$GEN"
	VW[i]=$w VR[i]=$r
	"$TV" $UNTOUCHED_KIB $TOUCHED_KIB <"$DIR/c.$GEN" >"$DIR/r.$GEN" 2>"$DIR/e.$GEN" &
	VPID[i]=$!
	USED[i]=0 SENT_USR1[i]=0 SENT_USR2[i]=0 SENT_RT[i]=0 LAST[i]="(none yet)"
	read -r -t 5 -u "${VR[i]}" line && [ "$line" = "ready ${VPID[i]}" ] || return 1
	vsay "$i" tids || return 1
	for kv in ${VREPLY#ok }; do TID[$i.${kv%%=*}]=${kv#*=} ROLE[$i.${kv#*=}]=${kv%%=*}; done
	vsay "$i" regions || return 1
	for kv in ${VREPLY#ok }; do
		case $kv in touched=*) TOUCHED[i]=${kv#*=} ;; untouched=*) UNTOUCHED[i]=${kv#*=} ;; esac
	done
	# the names --mapping can use: those this victim has
	MAPNAMES[i]=""
	while read -r _ _ _ _ _ name; do
		name=${name##*/}
		case " ${MAPNAMES[i]} " in *" $name "*) continue ;; esac
		case $name in "[heap]" | "[stack]" | libc.so.6 | torture-victim) MAPNAMES[i]+="$name " ;; esac
	done </proc/"${VPID[i]}"/maps
	# every thread's mask, once it holds still (sigwaitinfo changes it)
	masks "$i"
	for _ in 1 2 3 4 5; do
		line=$MASKS
		sleep_ms 30
		masks "$i"
		[ "$line" = "$MASKS" ] && break
	done
	for t in $MASKS; do BASE[$i.${t%%:*}]=${t#*:}; done
}

victim_down() {	# I: ends it (SIGKILL, by PID: it is ours), closes its fifos
	local i=$1 w=${VW[$1]:-} r=${VR[$1]:-}
	if [ -n "${VPID[i]:-}" ]; then
		kill -KILL "${VPID[i]}" 2>/dev/null
		wait "${VPID[i]}" 2>/dev/null
	fi
	[ -n "$w" ] && exec {w}>&- {r}<&-
	VPID[i]="" VW[i]="" VR[i]=""
}

all_down() {
	local i f mp
	# a trial cut short: its drivers (ours, by PID) first
	for i in "${DJOB[@]}"; do kill "$i" 2>/dev/null; done
	# memlock sessions of a trial cut short: their group, if still theirs
	for f in "$DIR"/res.*; do
		[ -f "$f" ] || continue
		mp=$(sed -n 's/^mp=//p' "$f")
		[ -n "$mp" ] || continue
		read -r -a _st 2>/dev/null </proc/"$mp"/stat || continue
		[ "${_st[5]}" = "$mp" ] && [ "$mp" != "$OWN_PGRP" ] && kill -KILL -- -"$mp" 2>/dev/null
	done
	for ((i = 0; i < NV; i++)); do victim_down "$i"; done
	rm -rf "$DIR"
}
at_exit all_down

# check_victim I: PROBLEMS gets what is wrong with it (empty: fine)
check_victim() {
	local i=$1 pid=${VPID[$1]} t st tp blk n=0 try f viol bad u1 u2 rt age status kv
	local h1 e1 h2 r2 amsg
	PROBLEMS=()
	read -r -a f 2>/dev/null </proc/"$pid"/stat
	if [ "${f[2]:-Z}" = Z ] || [ "${f[2]:-}" = X ]; then
		wait "$pid"
		status=$?
		if [ $status -gt 128 ]; then
			PROBLEMS+=("died of signal $((status - 128)) ($(kill -l $((status - 128)) 2>/dev/null))")
		else
			PROBLEMS+=("exited with status $status")
		fi
		[ -s "$DIR/e.${VNAME[i]#*.}" ] && PROBLEMS+=("stderr: $(tr '\n' ' ' <"$DIR/e.${VNAME[i]#*.}")")
		VPID[i]=""
		return
	fi
	# its own checks and the signals it was sent: a signal sent in the
	# last moments may still be on its way, so the counts get a second
	for ((try = 0; try < 50; try++)); do
		if ! vsay "$i" report; then
			PROBLEMS+=("no answer to 'report' within 3 s")
			break
		fi
		for kv in ${VREPLY#ok }; do
			case $kv in
			viol=*) viol=${kv#*=} ;;
			bad=*) bad=${kv#*=} ;;
			usr1=*) u1=${kv#*=} ;;
			pause=*) u2=${kv#*=} ;;
			rt=*) rt=${kv#*=} ;;
			age=*) age=${kv#*=} ;;
			esac
		done
		h1=${u1%/*} e1=${u1#*/} h2=${u2%/*} r2=${u2#*/}
		[ "$h1" = "${SENT_USR1[i]}" ] && [ "$e1" = "$h1" ] && [ "$h2" = "${SENT_USR2[i]}" ] &&
			[ "$r2" = "$h2" ] && [ "$rt" = "${SENT_RT[i]}" ] && break
		sleep_ms 20
	done
	if [ -n "$VREPLY" ]; then
		[ "$viol" = 0 ] || PROBLEMS+=("its own checks failed: $bad")
		[ "$h1" = "${SENT_USR1[i]}" ] ||
			PROBLEMS+=("SIGUSR1 sent ${SENT_USR1[i]} times, its handler ran $h1 times")
		[ "$e1" = "$h1" ] ||
			PROBLEMS+=("SIGUSR1 handler ran $h1 times, the read() it interrupts returned EINTR $e1 times")
		[ "$h2" = "${SENT_USR2[i]}" ] ||
			PROBLEMS+=("SIGUSR2 sent ${SENT_USR2[i]} times, its handler ran $h2 times")
		[ "$r2" = "$h2" ] ||
			PROBLEMS+=("SIGUSR2 handler ran $h2 times, the pause() it interrupts returned $r2 times")
		[ "$rt" = "${SENT_RT[i]}" ] ||
			PROBLEMS+=("SIGRTMIN+3 sent ${SENT_RT[i]} times, sigwaitinfo() took $rt")
		[ "${age%@*}" -le $STALL_MS ] || PROBLEMS+=("thread ${age#*@} made no progress for ${age%@*} ms")
	fi
	# every thread: not stopped, not traced, its mask as it was
	for t in /proc/"$pid"/task/*; do
		n=$((n + 1))
		amsg="thread ${t##*/} (${ROLE[$i.${t##*/}]:-?})"
		if ! pstatus "$t/status"; then
			PROBLEMS+=("$amsg: its status cannot be read (the thread is gone?)")
			continue
		fi
		st=$ST tp=$TP blk=$BLK
		t=${t##*/}
		case $st in T | t) PROBLEMS+=("$amsg is stopped (State $st)") ;; esac
		[ "${tp:-0}" = 0 ] || PROBLEMS+=("$amsg is traced by $tp")
		[ "$blk" = "${BASE[$i.$t]:-}" ] || PROBLEMS+=("$amsg: SigBlk $blk, was ${BASE[$i.$t]:-(a new thread)}")
	done
	[ $n = 15 ] || PROBLEMS+=("$n threads, not 15")
	[ ${#PROBLEMS[@]} = 0 ] || PROBLEMS+=("its report: ${VREPLY:-none}")
}

# ------------------------------------------------------------------ options
# make_opts I: CMD and OPTS (a string, no word has a space) for victim I
ROLES=(main sleep abs pipew piper futex ping pong condp condc spin fp usr1 usr1 pause pause)
PAGE=4096
a_range() {	# I: a range of victim I, in RANGE
	local s e pages a b r=${UNTOUCHED[$1]}
	rnd 3
	[ $RN = 0 ] && r=${TOUCHED[$1]}
	s=$((${r%-*})) e=$((${r#*-}))
	pages=$(((e - s) / PAGE))
	rnd 2
	if [ $RN = 0 ]; then
		rnd $pages; a=$RN
		rnd $((pages - a)); b=$((a + 1 + RN))
		e=$((s + b * PAGE)) s=$((s + a * PAGE))
	fi
	printf -v RANGE '0x%x-0x%x' $s $e
}

make_opts() {
	local i=$1 names n
	OPTS=""
	rnd 10
	if [ $RN -lt 7 ]; then
		CMD=attach
		rnd 10
		if [ $RN -lt 5 ]; then
			rnd 7
			case $RN in
			1) OPTS+=" --current" ;;
			2) OPTS+=" --future" ;;
			3) OPTS+=" --current --future" ;;
			4) OPTS+=" --onfault" ;;
			5) OPTS+=" --current --onfault" ;;
			esac
			rnd 2; [ $RN = 0 ] && { rnd 10; OPTS+=" --max-pause $((RN + 1))"; }
		elif [ $RN -lt 8 ]; then
			rnd 2
			for ((n = RN + 1; n > 0; n--)); do a_range "$i"; OPTS+=" --range $RANGE"; done
			rnd 4; [ $RN = 0 ] && OPTS+=" --onfault"
			rnd 2; [ $RN = 0 ] && { rnd 5; OPTS+=" --max-pause $((RN + 1))"; }
		else
			read -r -a names <<<"${MAPNAMES[i]}"
			rnd ${#names[@]}; OPTS+=" --mapping ${names[RN]}"
			rnd 3; [ $RN = 0 ] && { rnd ${#names[@]}; OPTS+=" --mapping ${names[RN]}"; }
			rnd 4; [ $RN = 0 ] && OPTS+=" --onfault"
			rnd 3; [ $RN = 0 ] && { rnd 5; OPTS+=" --max-pause $((RN + 1))"; }
		fi
		rnd 5; [ $RN = 0 ] && OPTS+=" --no-eintr"
		rnd 25; [ $RN = 0 ] && OPTS+=" --dry-run"
	else
		CMD=unlock
		rnd 4
		case $RN in
		0) a_range "$i"; OPTS+=" --range $RANGE" ;;
		1) read -r -a names <<<"${MAPNAMES[i]}"; rnd ${#names[@]}; OPTS+=" --mapping ${names[RN]}" ;;
		esac
	fi
	rnd 5
	if [ $RN -lt 2 ]; then	# never sigwait: that wait is EINTR-prone, by the kernel
		rnd ${#ROLES[@]}
		OPTS+=" --tid ${TID[$i.${ROLES[RN]}]}"
		TIDROLE=${ROLES[RN]}
	else
		TIDROLE=""
	fi
	rnd 3; [ $RN = 0 ] && OPTS+=" -J"
	OPTS=${OPTS# }
}

# ------------------------------------------------------------------- driver
# session_live SID: true when a process of session SID lives on (not a
# zombie); their PIDs in LIVE. (A scan of /proc in the shell: ps costs more.)
session_live() {
	local sid=$1 f l
	LIVE=""
	for f in /proc/[0-9]*/stat; do
		read -r l 2>/dev/null <"$f" || continue
		l=${l##*) }
		# shellcheck disable=SC2086 # the fields, split on purpose (no glob chars)
		set -- $l	# state ppid pgrp session ...
		[ "$4" = "$sid" ] && [ "$1" != Z ] && LIVE+="${f//[^0-9]/}($1) "
	done
	[ -n "$LIVE" ]
}

# worker_of MP: memlock MP's child, its worker, in W (empty: none yet)
worker_of() {
	local f
	W=""
	for f in /proc/"$1"/task/*/children; do
		read -r W _ 2>/dev/null <"$f" && [ -n "$W" ] && return
	done
}

# rescue_side_effect I: victim I's only fault is a sigwaitinfo that failed
# with EINTR, in a trial where the worker was SIGKILLed and its memlock put
# the thread back: the rescue's group stop and SIGCONT do that to the calls
# Linux interrupts at a stop (signal(7)), as kill -STOP/-CONT would
rescue_side_effect() {
	local p
	[ -s "$DIR/out.$1" ] && grep -q "is put back as it was" "$DIR/out.$1" || return 1
	for p in "${PROBLEMS[@]}"; do
		[[ $p =~ ^\ *(its\ own\ checks\ failed:\ sigwait-eintr:[0-9]+|its\ report:\ .*)$ ]] || return 1
	done
}

# gone PID: true when PID has ended (a zombie, or reaped: bash reaps its
# children as they end, not at wait)
gone() {
	local l
	read -r l 2>/dev/null </proc/"$1"/stat || return 0
	l=${l##*) }
	case ${l%% *} in Z | X) return 0 ;; esac
	return 1
}

# at ANCHOR DELAY_MS MP VP TID: returns at DELAY_MS after the anchor (start:
# memlock's start T0; worker: its worker's birth; traced: the target thread
# (the leader, or TID) seen in a ptrace stop), or earlier when memlock is
# gone; says how in AT_NOTE
at() {
	local anchor=$1 delay=$2 mp=$3 vp=$4 tid=$5 w="" l end
	now_us
	end=$((NOW + 3000000))
	if [ "$anchor" != start ]; then
		while :; do
			if [ -z "$w" ]; then
				worker_of "$mp"
				w=$W
				[ -n "$w" ] && [ "$anchor" = worker ] && break
			elif gone "$w"; then
				anchor="$anchor-missed(worker gone)"
				break
			else
				l=""
				read -r l 2>/dev/null </proc/"$vp"/task/"$vp"/stat
				l=${l##*) }
				[ "${l%% *}" = t ] && break
				if [ -n "$tid" ]; then
					l=""
					read -r l 2>/dev/null </proc/"$vp"/task/"$tid"/stat
					l=${l##*) }
					[ "${l%% *}" = t ] && break
				fi
			fi
			gone "$mp" && { anchor="$anchor-missed(memlock gone)"; break; }
			now_us
			[ $NOW -lt $end ] || { anchor="$anchor-missed(3 s)"; break; }
			# (each round costs CPU: finer only once the worker is there)
			if [ -n "$w" ]; then read -r -t 0.0005 -u "$SLP" _; else read -r -t 0.002 -u "$SLP" _; fi
		done
	fi
	[ "$delay" -gt 0 ] && sleep_ms "$delay"
	now_us
	AT_NOTE="$anchor+${delay}ms (at $(((NOW - T0) / 1000)) ms)"
}

# driver I CMD OPTS SIG DEST ANCHOR DELAY VSIG VANCHOR VDELAY TID: runs one
# memlock on victim I, and the signals; prints key=value lines
driver() {
	local i=$1 cmd=$2 opts=$3 sig=$4 dest=$5 anchor=$6 delay=$7 vsig=$8 vanchor=$9
	local vdelay=${10} tid=${11} vp=${VPID[$1]} mp w l rc vjob note n wd optv
	now_us
	T0=$NOW
	# env: a background job of a script ignores SIGINT and SIGQUIT; memlock
	# started by a user does not
	read -r -a optv <<<"$opts"	# split, never globbed ([heap])
	setsid env --default-signal "$MEMLOCK" "$cmd" "${optv[@]}" "$vp" >"$DIR/out.$i" 2>&1 &
	mp=$!
	echo "mp=$mp"
	# a memlock that never ends is a failure, not a hung test
	(
		read -r -t 30 -u "$SLP" _
		gone "$mp" || { echo "hung=$mp" >"$DIR/hung.$i"; kill -KILL -- -"$mp"; }
	) 2>/dev/null &
	wd=$!
	# the victim's signal, on its own schedule
	if [ "$vsig" != none ]; then
		(
			at "$vanchor" "$vdelay" "$mp" "$vp" "$tid"
			kill -s "$vsig" "$vp" && echo "vsent=$vsig $AT_NOTE" >"$DIR/vres.$i"
		) &
		vjob=$!
	fi
	if [ "$sig" != none ]; then
		# memlock itself must be running (setsid and env done)
		for ((n = 0; n < 2000; n++)); do
			read -r l 2>/dev/null </proc/"$mp"/comm || break	# gone (bash reaps at once)
			[ "$l" = memlock ] && break
			read -r -t 0.001 -u "$SLP" _
		done
		at "$anchor" "$delay" "$mp" "$vp" "$tid"
		note=$AT_NOTE
		case $dest in
		memlock)	# (bash reaps its children as they end: the PID must still be memlock's)
			read -r l 2>/dev/null </proc/"$mp"/comm
			[ "$l" = memlock ] && kill -s "$sig" "$mp" 2>/dev/null &&
				echo "sent=$sig to memlock $mp at $note" ;;
		group)
			read -r -a l 2>/dev/null </proc/"$mp"/stat
			if [ "${l[4]:-}" = "$mp" ] && [ "$mp" != "$OWN_PGRP" ]; then
				kill -s "$sig" -- -"$mp" 2>/dev/null && echo "sent=$sig to group $mp at $note"
			fi ;;
		worker)
			w=""
			for ((n = 0; n < 2000; n++)); do
				worker_of "$mp"
				w=$W
				[ -n "$w" ] && break
				gone "$mp" && break
				read -r -t 0.001 -u "$SLP" _
			done
			# still memlock's (its session), not a PID used again
			read -r -a l 2>/dev/null </proc/"$w"/stat
			if [ -n "$w" ] && [ "${l[5]:-}" = "$mp" ]; then
				kill -s "$sig" "$w" 2>/dev/null && echo "sent=$sig to worker $w at $note"
			fi ;;
		esac
	fi
	wait "$mp"
	rc=$?
	kill "$wd" 2>/dev/null
	echo "rc=$rc"
	# memlock gone first (killed), its worker orphaned: until it ends too
	if [ $rc -gt 128 ]; then
		for ((n = 0; n < 1000; n++)); do
			session_live "$mp" || break
			sleep_ms 10
		done
		if session_live "$mp"; then
			echo "stuck=$LIVE"
			kill -KILL -- -"$mp"
		fi
	fi
	[ -n "${vjob:-}" ] && wait "$vjob"
	now_us
	echo "end=$(((NOW - T0) / 1000))"
}

# ------------------------------------------------------------------- trials
SIGS=(KILL INT QUIT TERM USR1)
DESTS=(memlock worker group)
ANCHORS=(start worker traced traced)
VSIGS=(USR1 USR2 RTMIN+3)
for ((i = 0; i < NV; i++)); do
	if ! victim_up "$i"; then
		not_ok "victim $i starts"
		diag "$(cat "$DIR"/e.* 2>/dev/null)"
		done_testing
		exit 1
	fi
done
ok "$NV victims started, ${#TID[@]} threads in all"

now_us
fails=0 harmed=0 side_effects=0 t_start=$NOW
declare -A HARM_BY
for ((trial = 1; trial <= TRIALS; trial++)); do
	now_us
	t_trial=$NOW
	# which victims, in a random order
	order=()
	for ((i = 0; i < NV; i++)); do order+=("$i"); done
	for ((i = NV - 1; i > 0; i--)); do
		rnd $((i + 1)); t=${order[i]}; order[i]=${order[RN]}; order[RN]=$t
	done
	rnd $NV
	pick=("${order[@]:0:$((RN + 1))}")
	rm -f "$DIR"/res.* "$DIR"/vres.* "$DIR"/out.* "$DIR"/hung.*
	declare -A DESC=() DJOB=()
	for i in "${pick[@]}"; do
		rnd 2
		if [ $RN = 0 ] && vsay "$i" refresh; then UNTOUCHED[i]=${VREPLY#ok untouched=}; fi
		make_opts "$i"
		rnd 6
		if [ $RN = 0 ]; then sig=none dest=- anchor=- delay=0; else
			rnd ${#SIGS[@]}; sig=${SIGS[RN]}
			rnd ${#DESTS[@]}; dest=${DESTS[RN]}
			rnd ${#ANCHORS[@]}; anchor=${ANCHORS[RN]}
			rnd 51; delay=$RN
			[ "$anchor" = traced ] && delay=$((delay / 5))	# a stop lasts ms, not tens
			# SIGKILL to the worker alone, by its PID: the rescue puts
			# the thread back, except a thread sent to the borrowed
			# instruction, in the microseconds between the registers'
			# change and the call's entry (memlock(1), Signals): about
			# 1 harmed in 200 trials, so not by default
			[ "$sig" = KILL ] && [ "$dest" = worker ] && [ "${TORTURE_WORKER_KILL:-0}" != 1 ] &&
				dest=memlock
		fi
		rnd 4
		if [ $RN = 0 ]; then
			rnd ${#VSIGS[@]}; vsig=${VSIGS[RN]}
			rnd ${#ANCHORS[@]}; vanchor=${ANCHORS[RN]}
			rnd 51; vdelay=$RN
			[ "$vanchor" = traced ] && vdelay=$((vdelay / 10))
		elif [ $RN -lt 3 ] && { [ "$TIDROLE" = usr1 ] || [ "$TIDROLE" = pause ]; }; then
			# its own signal while it is stopped: EINTR (or pause's
			# return) exactly as without memlock
			vsig=USR1 vanchor=traced
			[ "$TIDROLE" = pause ] && vsig=USR2
			rnd 4; vdelay=$RN
		else
			vsig=none vanchor=- vdelay=0
		fi
		tid=""
		[ -n "$TIDROLE" ] && tid=${TID[$i.$TIDROLE]}
		DESC[$i]="${VNAME[i]}: $CMD $OPTS${TIDROLE:+ (--tid is $TIDROLE)}; signal $sig"
		[ "$sig" != none ] && DESC[$i]+=" to $dest at $anchor+${delay}ms"
		[ "$vsig" != none ] && DESC[$i]+="; SIG$vsig to the victim at $vanchor+${vdelay}ms"
		driver "$i" "$CMD" "$OPTS" "$sig" "$dest" "$anchor" "$delay" "$vsig" "$vanchor" \
			"$vdelay" "$tid" >"$DIR/res.$i" 2>&1 &
		DJOB[$i]=$!
		USED[i]=$((USED[i] + 1))
	done
	for i in "${pick[@]}"; do wait "${DJOB[$i]}"; done
	# what happened
	trial_diag=()
	for i in "${pick[@]}"; do
		rc="" sent="" stuck="" vsent="" end=""
		while IFS= read -r line; do
			case $line in
			rc=*) rc=${line#rc=} ;;
			sent=*) sent=${line#sent=} ;;
			stuck=*) stuck=${line#stuck=} ;;
			end=*) end=${line#end=} ;;
			esac
		done <"$DIR/res.$i"
		[ -f "$DIR/vres.$i" ] && read -r vsent <"$DIR/vres.$i"
		case $vsent in
		vsent=USR1*) SENT_USR1[i]=$((SENT_USR1[i] + 1)) ;;
		vsent=USR2*) SENT_USR2[i]=$((SENT_USR2[i] + 1)) ;;
		vsent=RTMIN+3*) SENT_RT[i]=$((SENT_RT[i] + 1)) ;;
		esac
		what="${DESC[$i]} => memlock exit ${rc:-?} after ${end:-?} ms"
		[ -n "$sent" ] && what+=", sent SIG$sent" || what+=", no signal sent"
		[ -n "$vsent" ] && what+=", victim got SIG${vsent#vsent=}"
		[ -n "${TORTURE_VERBOSE:-}" ] && diag "trial $trial: $what"
		LAST[i]="trial $trial: $what"
		trial_diag+=("$what")
		[ -n "$stuck" ] && trial_diag+=("  memlock's worker still ran 10 s after memlock was killed: $stuck")
		if [ -f "$DIR/hung.$i" ]; then
			trial_diag+=("  memlock still ran after 30 s: killed (its group, SIGKILL)")
			memfail=1
		fi
		# not signalled (or too late): memlock itself must have succeeded
		if [ -z "$sent" ] && [ "${rc:-1}" != 0 ]; then
			trial_diag+=("  memlock was not signalled but exited ${rc:-?}: $(head -c 600 "$DIR/out.$i" | tr '\n' '|')")
			memfail=1
		fi
	done
	# every victim, used in this trial or not
	sleep_ms 20	# a thread sent astray crashes within microseconds: let it
	bad_here=()
	for ((i = 0; i < NV; i++)); do
		check_victim "$i"
		if [ ${#PROBLEMS[@]} -gt 0 ] && rescue_side_effect "$i"; then
			# documented (memlock(1), Signals): not harm, but counted
			side_effects=$((side_effects + 1))
			diag "victim ${VNAME[i]}: a rescue's group stop ended a sigwaitinfo with EINTR (${LAST[i]})"
			victim_down "$i"
			victim_up "$i" || { not_ok "victim $i restarts"; break 2; }
		elif [ ${#PROBLEMS[@]} -gt 0 ]; then
			bad_here+=("victim ${VNAME[i]} (pid ${VPID[i]:-dead}), last used in ${LAST[i]}:")
			for p in "${PROBLEMS[@]}"; do bad_here+=("    $p"); done
			for j in "${pick[@]}"; do
				[ "$j" = "$i" ] && [ -s "$DIR/out.$i" ] &&
					bad_here+=("    memlock said: $(head -c 600 "$DIR/out.$i" | tr '\n' '|')")
			done
			# what harmed it, for the tally: the signal its memlock got
			cause="no signal to memlock"
			if [[ ${LAST[i]} =~ sent\ SIG([A-Z0-9+]+)\ to\ ([a-z]+)\ [0-9]+\ at\ ([a-z]+) ]]; then
				cause="SIG${BASH_REMATCH[1]} to ${BASH_REMATCH[2]} at ${BASH_REMATCH[3]}+"
			fi
			[[ ${LAST[i]} =~ victim\ got\ (SIG[A-Z0-9+]+) ]] && cause+=" (the victim got ${BASH_REMATCH[1]})"
			HARM_BY[$cause]=$((${HARM_BY[$cause]:-0} + 1))
			victim_down "$i"
			victim_up "$i" || { not_ok "victim $i restarts"; break 2; }
			harmed=$((harmed + 1))
		fi
	done
	printf -v summary '%s; ' "${DESC[@]}"
	now_us
	summary+="$(((NOW - t_trial) / 1000)) ms"
	if [ ${#bad_here[@]} -gt 0 ] || [ "${memfail:-0}" = 1 ]; then
		fails=$((fails + 1))
		not_ok "trial $trial: $summary"
		diag "seed $SEED, trial $trial:" "${trial_diag[@]}" "${bad_here[@]}"
	else
		ok "trial $trial: $summary"
	fi
	memfail=0
	unset DESC DJOB
done
now_us
elapsed=$(((NOW - t_start) / 1000000))
diag "$((trial - 1)) trials in $elapsed s: $fails failed, $harmed victims harmed (seed $SEED)"
[ "$side_effects" -gt 0 ] &&
	diag "$side_effects rescues (SIGKILL to the worker) ended another thread's sigwaitinfo with EINTR"
for cause in "${!HARM_BY[@]}"; do echo "${HARM_BY[$cause]} $cause"; done | sort -rn |
	while read -r n cause; do diag "  $n harmed after $cause"; done

# the victims end cleanly, their own last word
for ((i = 0; i < NV; i++)); do
	[ -n "${VPID[i]:-}" ] || continue
	line=""
	echo quit >&"${VW[i]}"
	read -r -t 3 -u "${VR[i]}" line
	for ((n = 0; n < 300; n++)); do gone "${VPID[i]}" && break; sleep_ms 10; done
	gone "${VPID[i]}" || kill -KILL "${VPID[i]}"
	wait "${VPID[i]}"
	rc=$?
	VPID[i]=""
	is "victim ${VNAME[i]} (${USED[i]} trials since it started) exits cleanly: ${line:-(no answer)}" "$rc" 0
done
done_testing
