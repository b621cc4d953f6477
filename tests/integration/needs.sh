#!/bin/bash
# What a program needs in RAM (memlock_needs_open, _open_pid) against the
# oracles: ldd(1) for real programs and for libraries built here with
# $ORIGIN run paths (DT_RUNPATH and DT_RPATH), /proc/PID/maps for a process.
# The library never runs ldd nor the program; this test does, to compare.
. "$(dirname "$0")/lib.sh"

NL=$(dirname "$MEMLOCK")/tests/needs-list
T=$(mktemp -d)
at_exit "rm -rf '$T'"
unset LD_LIBRARY_PATH LD_PRELOAD

# the closure as ldd prints it: interpreter and libraries, "NAME => not found"
# (ldd_set exec PROGRAM: as the program's own loader prints it when the
# program is exec'd in trace mode; ldd runs ld.so PROGRAM, for which $ORIGIN
# is the directory of the path given, not of the real file as in an exec)
ldd_set() {
	if [ "$1" = exec ]; then
		LD_TRACE_LOADED_OBJECTS=1 "$2"
	else
		env -u LD_LIBRARY_PATH ldd "$1"
	fi | awk '
		$2 == "=>" && $3 == "not" { print $1 " missing"; next }
		$2 == "=>" && $3 ~ /^\// { print $3; next }
		$1 ~ /^\// { print $1 }' | sort
}
# ours, the same way (the program itself left out)
our_set() {
	"$NL" "$1" | awk '
		$1 == "missing" { print $5 " missing"; next }
		$1 == "interpreter" || $1 == "library" { print $4 }' | sort
}
same_as_ldd() {
	local want got
	want=$(ldd_set "${@:2}")
	got=$(our_set "${@: -1}")
	if [ -z "$want" ]; then
		not_ok "$1"
		diag "ldd printed nothing for ${*: -1}"
		return
	fi
	is "$1" "$got" "$want"
}

if ! command -v ldd >/dev/null; then
	echo "1..0 # SKIP ldd (libc-bin) is not installed"
	exit 0
fi

same_as_ldd "/bin/ls: the closure ldd prints" /bin/ls
for p in /usr/bin/ssh /usr/bin/python3 /usr/bin/clang /usr/bin/gdb; do
	if [ -x "$p" ]; then
		same_as_ldd "$p: the closure ldd prints" "$p"
	else
		skip "$p: the closure ldd prints" "$p is not installed"
	fi
done
is "/bin/ls: the program comes first" "$("$NL" /bin/ls | head -1)" "program 0 0 /bin/ls - -"

# libraries of our own: app -> libfoo -> libbar, found through $ORIGIN
# shellcheck disable=SC2016 # ($ORIGIN is for the linker, not the shell)
O='$ORIGIN'
mkdir -p "$T/app/bin" "$T/app/lib" "$T/rp/bin" "$T/rp/lib"
echo 'int bar(void) { return 1; }' >"$T/bar.c"
echo 'int bar(void); int foo(void) { return bar(); }' >"$T/foo.c"
echo 'int foo(void); int main(void) { return foo(); }' >"$T/main.c"
if cc -shared -fPIC -o "$T/app/lib/libbar.so" "$T/bar.c" &&
   cc -shared -fPIC -o "$T/app/lib/libfoo.so" "$T/foo.c" -L"$T/app/lib" -lbar \
	-Wl,--enable-new-dtags,-rpath,"$O" &&
   cc -o "$T/app/bin/app" "$T/main.c" -L"$T/app/lib" -lfoo \
	-Wl,--enable-new-dtags,-rpath,"$O/../lib"; then
	same_as_ldd "DT_RUNPATH \$ORIGIN, each library its own" "$T/app/bin/app"
	check "libbar: depth 2, found through libfoo's \$ORIGIN" \
		grep -q "^library 2 0 $T/app/bin/../lib/libbar.so " <("$NL" "$T/app/bin/app")
	ln -s ../../app/bin/app "$T/rp/bin/app-link"
	same_as_ldd "a program by a symbolic link: \$ORIGIN is its real directory" \
		exec "$T/rp/bin/app-link"
	# DT_RPATH: the program's serves the libraries it loads too
	cc -shared -fPIC -o "$T/rp/lib/libbar.so" "$T/bar.c"
	cc -shared -fPIC -o "$T/rp/lib/libfoo.so" "$T/foo.c" -L"$T/rp/lib" -lbar
	cc -o "$T/rp/bin/app" "$T/main.c" -L"$T/rp/lib" -lfoo \
		-Wl,--disable-new-dtags,-rpath,"$O/../lib"
	same_as_ldd "DT_RPATH of the program, for its libraries' needs too" "$T/rp/bin/app"
	rm "$T/app/lib/libbar.so"
	same_as_ldd "a missing library: reported, not fatal" "$T/app/bin/app"
else
	for i in 1 2 3 4 5; do skip "libraries built here ($i)" "cc cannot build shared libraries"; done
fi

# a 32-bit program, where the machine can build one
if echo 'int main(void) { return 0; }' | cc -m32 -x c -o "$T/p32" - 2>/dev/null; then
	same_as_ldd "a 32-bit program gets 32-bit libraries" "$T/p32"
else
	skip "a 32-bit program gets 32-bit libraries" "cc -m32 cannot link here (no 32-bit libc)"
fi

# hostile input: a cut program is refused, not a crash
head -c 3000 /bin/ls >"$T/cut"
out=$("$NL" "$T/cut" 2>&1)
is "a truncated program: Exec format error" "$out" "needs-list: Exec format error"

# a process: each file it maps, once, the program first; it is not stopped
sleep 60 &
pid=$!
at_exit "kill $pid"
want=$(awk '$6 ~ /^\// { print $6 }' "/proc/$pid/maps" | sort -u)
got=$("$NL" -p "$pid" | awk '{ print $4 }' | sort)
is "a process: each file of /proc/PID/maps once" "$got" "$want"
is "a process: the program first" "$("$NL" -p "$pid" | head -1)" \
	"program 0 0 $(readlink "/proc/$pid/exe") - -"
is "a process: still running, not stopped" "$(awk '{ print $3 }' "/proc/$pid/stat")" S
done_testing
