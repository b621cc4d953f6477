#!/bin/bash
# memlock files (files-cache.sh has the residency against the kernel):
# walks count hard links once, walk nested file systems whose
# roots share an inode number, stop at bind-mount loops, honour -x, -i, -I,
# -m; FIFOs are skipped without blocking; -J is valid UTF-8 for any name;
# -J and -r are streamed in the walk's order, with one CPU or two.
. "$(dirname "$0")/lib.sh"

dir=$(mktemp -d)
at_exit "rm -rf '$dir'"
chmod 755 "$dir"

as_nobody() { setpriv --reuid 65534 --regid 65534 --clear-groups --inh-caps=-all "$@"; }

f=$dir/data
head -c 4096 /dev/urandom >"$f"

# --- walks
tree=$dir/tree
mkdir -p "$tree/a/b" "$tree/c"
echo one >"$tree/a/one.txt"
echo two >"$tree/a/b/two.log"
head -c 100000 /dev/zero >"$tree/c/big.txt"
ln "$tree/a/one.txt" "$tree/c/one-again.txt"
ln -s ../a "$tree/c/link"
mkfifo "$tree/c/fifo"
names() { "$MEMLOCK" files -n -r -o PATH "$@" | sed "s|^$tree/||" | sort | tr '\n' ' '; }
got=$(names -R "$tree")
is "-R: every regular file once, hard links once, symlinks not followed ($got)" \
	"$(sed 's/c\/one-again.txt/a\/one.txt/' <<<"$got" | tr ' ' '\n' | sort | tr '\n' ' ')" \
	" a/b/two.log a/one.txt c/big.txt "
is "-i: only names that match" "$(names -R -i '*.txt' "$tree" | wc -w)" 2
is "-I: a directory left out" "$(names -R -I b "$tree" | grep -c two.log)" 0
is "-m: big files left out" "$(names -R -m 1K "$tree" | grep -c big)" 0
sum=$("$MEMLOCK" files -R -s -n -r -o FILES,DIRECTORIES,SKIPPED "$tree")
is "--summary: 3 files, 4 directories, 3 skipped (hard link, symlink, FIFO)" "$sum" "3 4 3"

out=$(timeout 10 "$MEMLOCK" files "$tree/c/fifo" "$tree/a/one.txt" 2>&1 >/dev/null)
rc=$?
is "a FIFO operand: skipped without blocking, the rest read (rc $rc)" "$rc" 0
check "a FIFO operand: the reason is given" grep -q "skipping .*fifo: not a regular file" <<<"$out"
out=$("$MEMLOCK" files "$tree" 2>&1)
check "a directory without -R: skipped, with the hint" grep -q "hint: give -R" <<<"$out"

"$MEMLOCK" files "$dir/missing" >/dev/null 2>"$dir/err"
is "a missing path alone: exit status 1" "$?" 1
check "a missing path: its name and the reason" grep -q "cannot read .*missing: No such file" "$dir/err"
"$MEMLOCK" files "$dir/missing" "$f" >/dev/null 2>&1
is "a missing path beside a good one: exit status 64" "$?" 64
secret=$dir/secret
echo s >"$secret"
chmod 600 "$secret"
out=$(as_nobody "$MEMLOCK" files "$secret" 2>&1)
check "an unreadable file: Permission denied" grep -q "Permission denied" <<<"$out"

# --with-libs and --from-pid: the files a program needs, as ld.so finds them
ls_bin=$(command -v ls)
mine=$("$MEMLOCK" files --with-libs "$ls_bin" /etc/hostname -n -r -o PATH | xargs -n1 realpath | sort -u)
theirs=$( (echo "$ls_bin"; echo /etc/hostname; ldd "$ls_bin" | grep -o '/[^ ]*') | xargs -n1 realpath | sort -u)
is "--with-libs: the program, its loader and libraries (as ldd), and the other operands as they are" \
	"$mine" "$theirs"
sleep 60 &
sl=$!
at_exit "kill $sl 2>/dev/null"
for ((i = 0; i < 100; i++)); do [ "$(readlink /proc/$sl/exe)" = "$(realpath "$(command -v sleep)")" ] && break; sleep 0.02; done
got=$("$MEMLOCK" files --from-pid $sl -n -r -o PATH | xargs -n1 realpath | sort -u)
check "--from-pid: the program the process runs" grep -qx "$(realpath "$(command -v sleep)")" <<<"$got"
check "--from-pid: its libc" grep -q "/libc\.so" <<<"$got"
check "--from-pid: the process is not stopped or traced" \
	test "$(awk '/^TracerPid:/ { print $2 }' /proc/$sl/status)" = 0
kill $sl
"$MEMLOCK" files --from-pid 999999999 >/dev/null 2>&1
is "--from-pid of no process: exit status 1" "$?" 1

# 100,000 paths as arguments (a bigger stack rlimit: ARG_MAX is a quarter
# of it), a device and the same path twice among them; 1,000 outside
# make check-long
nargs=1000
[ -n "${MEMLOCK_TEST_LONG:-}" ] && nargs=100000
args=$dir/args
mkdir "$args"
python3 -c '
import sys
for i in range(int(sys.argv[2])):
    open("%s/f%06d" % (sys.argv[1], i), "wb").close()' "$args" "$nargs"
out=$(ulimit -s 65536 && "$MEMLOCK" files -s -n -r -o FILES,SKIPPED "$args"/* /dev/null "$args/f000001" 2>"$dir/err")
is "$nargs arguments, a device and a repeated path: $nargs files, the device skipped" "$out" "$nargs 1"
check "... the device named as skipped, not opened" grep -q "skipping /dev/null: not a regular file" "$dir/err"
rm -rf "$args"

# names that are not UTF-8: -J stays valid UTF-8
odd=$dir/$'bad\xff\xfe name'
echo x >"$odd"
json=$("$MEMLOCK" files -J "$odd")
check "-J of a name with bytes that are not UTF-8 is valid UTF-8 JSON" \
	python3 -c 'import json, sys; json.loads(sys.stdin.buffer.read().decode("utf-8", "strict"))' <<<"$json"

# -J streams: one object per file as it is read, in constant memory (measured
# on a build without sanitizers: ASan's quarantine keeps what is freed; make
# check-release runs this script on the -O2 build)
many=$dir/many
nd=20	# 20,000 files; 2,000 under ASan, where the memory is not compared
ldd "$MEMLOCK" 2>/dev/null | grep -q libasan && nd=2
python3 -c '
import os, sys
for d in range(int(sys.argv[2])):
    p = os.path.join(sys.argv[1], "d%02d" % d)
    os.makedirs(p)
    for i in range(1000):
        open(os.path.join(p, str(i)), "wb").close()' "$many" "$nd"
maxrss() {	# the peak RSS (kB) of a command, its output to $dir/out
	/usr/bin/time -f %M -o "$dir/rss" "$@" >"$dir/out" && cat "$dir/rss"
}
streamed=$(maxrss "$MEMLOCK" files -J -R "$many")
is "-J of $((nd * 1000)) files: valid JSON, every file in it" \
	"$(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["files"]))' "$dir/out")" $((nd * 1000))
check "... one object a line, as it is read" test "$(grep -c '^      { ' "$dir/out")" -eq $((nd * 1000))
buffered=$(maxrss "$MEMLOCK" files -J -R --sort SIZE "$many")
diag "peak RSS: $streamed kB streamed, $buffered kB sorted (the table kept whole)"
if ldd "$MEMLOCK" 2>/dev/null | grep -q libasan; then
	skip "-J keeps less in memory than a sorted table" "a sanitized build (make check-release measures it)"
else
	check "-J keeps less in memory than a sorted table of the same files" test "$((streamed * 2))" -lt "$buffered"
fi
# the walk runs in a thread of its own beside the report (2 CPUs): the order
# is the walk's, as with one CPU or few descriptors (no thread, small chunks)
rows() { "$MEMLOCK" files -R -r -n -o PATH,SIZE,FILE_PAGES "$many"; }
rows >"$dir/rows.2cpu"
is "-r: the walk's order, as -J gives it" \
	"$(awk '{ print $1 }' "$dir/rows.2cpu" | md5sum)" \
	"$(python3 -c 'import json, sys; [print(f["path"]) for f in json.load(open(sys.argv[1]))["files"]]' "$dir/out" | md5sum)"
if command -v taskset >/dev/null; then
	is "-r on one CPU: the same rows" "$(taskset -c 0 "$MEMLOCK" files -R -r -n -o PATH,SIZE,FILE_PAGES "$many" | md5sum)" \
		"$(md5sum <"$dir/rows.2cpu")"
else
	skip "-r on one CPU" "no taskset"
fi
is "-r with 40 descriptors: the same rows, none refused" \
	"$( (ulimit -n 40 && rows 2>&1) | md5sum)" "$(md5sum <"$dir/rows.2cpu")"
if ! ldd "$MEMLOCK" 2>/dev/null | grep -q libasan; then
	rowsrss=$(maxrss "$MEMLOCK" files -r -R "$many")
	check "-r streams too: less memory than a sorted table ($rowsrss kB)" test "$((rowsrss * 2))" -lt "$buffered"
fi
rm -rf "$many"

# --- nested file systems whose roots share an inode number, a bind loop
m=$dir/mnt
mkdir -p "$m"
if [ "$(id -u)" -ne 0 ] || ! mount -t tmpfs -o size=4m memlock-test "$m" 2>/dev/null; then
	skip "nested mounts" "cannot mount tmpfs (not root, or no mount permission)"
else
	at_exit "umount -R '$m' 2>/dev/null || umount -l '$m'"
	mkdir "$m/inner" "$m/d"
	echo o >"$m/outer.txt"
	mount -t tmpfs -o size=4m memlock-test "$m/inner"
	echo i >"$m/inner/inner.txt"
	diag "roots: $(stat -c %i "$m") and $(stat -c %i "$m/inner")"
	is "a nested file system with the same root inode is walked" "$(names -R "$m" | grep -c inner.txt)" 1
	is "-x stays on the first file system" "$(names -R -x "$m" | grep -c inner.txt)" 0
	mount --bind "$m" "$m/d"
	sum=$(timeout 20 "$MEMLOCK" files -R -s -n -r -o FILES "$m")
	is "a bind mount of a directory inside itself: walked once, no loop" "$sum" 2
fi
done_testing
