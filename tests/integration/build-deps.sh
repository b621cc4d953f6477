#!/bin/bash
# shellcheck disable=SC2016 # (stubs and checks are written in single quotes on purpose: they expand later)
# scripts/deps.sh (make check's first step) installs with apt-get only on a
# Debian-like system; elsewhere it names what is missing and stops (issue 10).
# An os-release of another system, and stubs of apt-get (records its calls),
# dpkg-query (knows no package, as where there is no dpkg) and pkg-config
# (without cmocka) in front of PATH.
. "$(dirname "$0")/lib.sh"

tmp=$(mktemp -d)
at_exit "rm -rf '$tmp'"
mkdir "$tmp/bin" "$tmp/nocmocka"
printf '#!/bin/sh\necho "apt-get $*" >>%s/apt.log\n' "$tmp" >"$tmp/bin/apt-get"
printf '#!/bin/sh\nexit 1\n' >"$tmp/bin/dpkg-query"
printf '#!/bin/sh\n[ "$1 $2" = "--exists cmocka" ] && exit 1\nexec %s "$@"\n' \
	"$(command -v pkg-config)" >"$tmp/nocmocka/pkg-config"
chmod +x "$tmp/bin/"* "$tmp/nocmocka/"*
printf 'ID=fedora\nID_LIKE="rhel centos"\n' >"$tmp/fedora"
printf 'ID=debian\n' >"$tmp/debian"

# deps OS-RELEASE [PATH prefix]: its output in $out, its status in $rc
deps() {
	out=$(MEMLOCK_OS_RELEASE=$tmp/$1 PATH=${2:+$2:}$tmp/bin:$PATH scripts/deps.sh check 2>&1)
	rc=$?
}

deps fedora "$tmp/nocmocka"
is "not Debian, cmocka missing: exit status 1" "$rc" 1
check "it says what is missing: $(head -2 <<<"$out" | tr '\n' ' ')" \
	grep -q 'pkg-config module cmocka (cmocka headers) (Debian: libcmocka-dev)' <<<"$out"
check "it says nothing was installed" grep -q 'not a Debian-like system' <<<"$out"
check "it calls no apt-get" test ! -e "$tmp/apt.log"
check "it prints no apt-get line" eval '! grep -q apt-get <<<"$out"'

rm -f "$tmp/apt.log"
deps fedora
is "not Debian, nothing missing: exit status 0 ($out)" "$rc" 0
check "and no apt-get either" test ! -e "$tmp/apt.log"

# On Debian, as before: apt-get installs what dpkg-query does not know
# (as root), or the apt-get line is printed.
rm -f "$tmp/apt.log"
deps debian
if [ "$(id -u)" -eq 0 ]; then
	# (the list grows with the project: its start and the test library)
	line=$(head -1 "$tmp/apt.log" 2>/dev/null)
	check "Debian, as root: apt-get installs the missing packages ($line)" \
		eval '[[ $line == "apt-get install -y -q --no-install-recommends gcc make "* ]] &&
			[[ " $line " == *" libcmocka-dev "* ]]'
else
	check "Debian, not root: the apt-get line to run" \
		grep -q 'sudo apt-get install gcc make' <<<"$out"
fi
done_testing
