#!/bin/bash
# Paths the library builds are never cut to fit a buffer: memlock run of a
# program path longer than PATH_MAX is refused with ENAMETOOLONG, even
# when the first 4095 bytes of it name a program that exists.
. "$(dirname "$0")/lib.sh"
export MEMLOCK_LIBEXECDIR=${MEMLOCK_LIBEXECDIR:-$(dirname "$MEMLOCK")}

touch=$(command -v touch)
dir=$(mktemp -d)
at_exit "rm -rf '$dir'"

# $touch behind enough slashes to be 4095 bytes long: the longest path
# that fits in PATH_MAX (4096, with its NUL)
printf -v pad '%*s' $((4095 - ${#touch})) ''
short=${pad// //}$touch
is "the path that fits is 4095 bytes" "${#short}" 4095
"$MEMLOCK" run -- "$short" "$dir/short" 2>"$dir/err"
check "a 4095-byte path runs the program ($(head -c 200 "$dir/err"))" test -e "$dir/short"

# one byte more: it was cut back to $short, and touch ran
long=${short}x
out=$("$MEMLOCK" run -- "$long" "$dir/long" 2>&1)
rc=$?
check "a 4096-byte path: the cut one is not run" test ! -e "$dir/long"
is "a 4096-byte path: exit status 126 (cannot run), as env's" "$rc" 126
case $out in
"memlock: cannot run "*": File name too long") ok "a 4096-byte path: File name too long" ;;
*) not_ok "a 4096-byte path: File name too long"; diag "got: ${out:0:300}" ;;
esac
check "a 4096-byte path: the message is not 4 kB long (${#out} bytes)" test "${#out}" -lt 200

# a name without a slash, searched in PATH: longer than NAME_MAX, as execvp
name=$(printf 'x%.0s' {1..256})
out=$("$MEMLOCK" run -- "$name" 2>&1)
rc=$?
is "a 256-byte name: exit status 126" "$rc" 126
case $out in
*": File name too long") ok "a 256-byte name: File name too long" ;;
*) not_ok "a 256-byte name: File name too long"; diag "got: ${out:0:300}" ;;
esac
done_testing
