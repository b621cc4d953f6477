#!/bin/bash
# The library's man pages (issue 10): libmemlock(3) and one page per topic.
# Every MEMLOCK_API function of include/memlock/*.h is in the NAME section of
# exactly one page of man/, its prototype in that page's SYNOPSIS as the
# header has it, and so is every struct, enum, typedef and #define of the
# headers; every page renders without a warning; `make install` installs
# them with an alias page per function that man(1) follows, and `make
# uninstall` removes them all.
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh

B=${INSTALL_B:-build}
tmp=$(mktemp -d)
at_exit "rm -rf '$tmp'"

if ! command -v groff >/dev/null; then
	echo "1..0 # SKIP groff is not installed (Debian: groff-base)"
	exit 0
fi

# --- the pages against the headers
# "function page" per function a NAME section names (before its "\-")
for page in man/*.3; do
	awk -v page="$(basename "$page" .3)" '
		/^\.SH / { inname = ($2 == "NAME"); next }
		inname { sub(/\\-.*/, ""); s = $0
			while (match(s, /memlock_[a-z0-9_]+/)) {
				print substr(s, RSTART, RLENGTH), page
				s = substr(s, RSTART + RLENGTH)
			}
		}' "$page"
done | sort -u >"$tmp/named"
# the SYNOPSIS of each page as it reads, comments and blanks taken out
for page in man/*.3; do
	groff -man -Tascii -P-cbou "$page" 2>/dev/null |
		awk '/^SYNOPSIS/ { on = 1; next } /^[A-Z]/ { on = 0 } on' |
		tr '\n' ' ' | perl -pe 's{/\*.*?\*/}{}g; s/\s+//g' >"$tmp/syn.$(basename "$page" .3)"
done
# what the headers declare: "kind name text" lines, text without blanks
perl -0777 -ne '
	s{/\*.*?\*/}{}gs;
	while (/^#define\s+(MEMLOCK_\w+)[ \t]+([^\\\n]+?)[ \t]*$/mg) {
		($n, $t) = ($1, $2);
		next if $n =~ /^MEMLOCK_(API|MUST_CHECK)$/;
		$t =~ s/\s+//g; print "define $n #define$n$t\n";
	}
	s/^#.*(?:\\\n.*)*$//mg;
	while (/MEMLOCK_API\s+(?:MEMLOCK_MUST_CHECK\s+)?([^;]*?(\w+)\s*\([^;]*\));/g) {
		($t, $n) = ($1, $2); $t =~ s/\s+//g; print "function $n $t;\n";
	}
	while (/^((?:struct|enum)\s+(memlock_\w+)\s*\{.*?\});/msg) {
		($t, $n) = ($1, $2); $t =~ s/\s+//g; print "type $n $t;\n";
	}
	while (/^(typedef\s[^;]*?\(\*(\w+)\)[^;]*);/msg) {
		($t, $n) = ($1, $2); $t =~ s/\s+//g; print "typedef $n $t;\n";
	}' include/memlock/*.h >"$tmp/declared"

functions=$(awk '$1 == "function" { print $2 }' "$tmp/declared" | sort -u)
check "the headers declare functions ($(wc -w <<<"$functions"))" test -n "$functions"
bad=$(awk 'NR == FNR { n[$1]++; next } n[$1] != 1 { print $1, "in", n[$1] + 0, "NAME sections" }' \
	"$tmp/named" - <<<"$functions")
is "every function is in the NAME section of exactly one page" "$bad" ""
stale=$(awk '{ print $1 }' "$tmp/named" | grep -vxF -f <(echo "$functions"))
is "the NAME sections name no function the headers lack" "$stale" ""

# (one perl for the few hundred declarations: a process or two each took
# seconds of make check's lanes)
bad=$(perl -e '
	my ($tmp) = @ARGV;
	my (%page, %syn, $all);
	open(my $n, "<", "$tmp/named") or die; while (<$n>) { my ($f, $p) = split; $page{$f} = $p; }
	for my $f (glob("$tmp/syn.*")) {
		local $/; open(my $h, "<", $f) or die; (my $p = $f) =~ s/.*\/syn\.//; $syn{$p} = <$h>; $all .= $syn{$p};
	}
	open(my $d, "<", "$tmp/declared") or die;
	while (<$d>) {
		chomp; my ($kind, $name, $text) = split(/ /, $_, 3);
		if ($kind eq "function") {
			my $p = $page{$name};
			print "$name (", ($p // "no page"), ")\n" unless defined $p && index($syn{$p} // "", $text) >= 0;
		} else {
			print "$kind $name\n" unless index($all, $text) >= 0;
		}
	}' "$tmp")
is "each prototype, struct, enum, typedef and #define is in a SYNOPSIS as in its header" "$bad" ""

# --- rendering
for page in man/*.3 man/*.1; do
	out=$(groff -man -ww -z "$page" 2>&1)
	is "groff -man -ww: $page renders without a warning" "$out" ""
	if command -v man >/dev/null; then
		out=$(LC_ALL=C.UTF-8 MANROFFSEQ='' man --warnings -E UTF-8 -l -Tutf8 "$page" 2>&1 >/dev/null)
		is "man --warnings: $page renders without a warning" "$out" ""
	fi
done

# --- installed, with the aliases
root=$tmp/root
# (-s: the install's lines would be taken for TAP)
make -s --no-print-directory B="$B" DESTDIR="$root" install >"$tmp/install.log" 2>&1
rc=$?
is "make install DESTDIR=... of $B" "$rc" 0
[ "$rc" -eq 0 ] || sed 's/^/# /' "$tmp/install.log"
man3=$(find "$root" -path '*/man3/libmemlock.3' -printf '%h\n' -quit)
check "libmemlock.3 is installed" test -n "$man3"
[ -n "$man3" ] || { done_testing; exit 1; }
missing=$(for page in man/*.3; do [ -f "$man3/${page##*/}" ] || echo "$page"; done)
is "every page of man/ is installed" "$missing" ""
bad=$(while read -r f page; do
	[ "$f" = "$page" ] && continue
	[ "$(cat "$man3/$f.3" 2>/dev/null)" = ".so man3/$page.3" ] || echo "$f"
done <"$tmp/named")
is "every function has an alias page that leads to its page" "$bad" ""
if command -v man >/dev/null; then
	head=$(MANPAGER=cat MANWIDTH=80 man -M "${man3%/man3}" 3 memlock_verdict_new 2>&1 | head -1)
	check "man 3 memlock_verdict_new finds memlock_predict(3) through its alias ($head)" \
		grep -q '^MEMLOCK_PREDICT(3)' <<<"$head"
else
	skip "man 3 memlock_verdict_new" "man (man-db) is not installed"
fi
# the systemd unit of contrib/, with the BINDIR of the install in it
unit=$root/usr/local/lib/systemd/system/memlock-files.service
check "the unit is installed in SYSTEMDUNITDIR" test -f "$unit"
check "its ExecStart= runs the installed memlock" \
	grep -q '^ExecStart=/usr/local/bin/memlock files --lock ' "$unit"
is "no @NAME@ is left in it" "$(grep -c '@[A-Z]*@' "$unit" 2>/dev/null)" 0
dunit=$root/usr/local/lib/systemd/system/memlockd.service
check "memlockd's unit is installed, ExecStart= the installed memlockd" \
	grep -q '^ExecStart=/usr/local/sbin/memlockd' "$dunit"
is "no @NAME@ is left in memlockd's unit" "$(grep -c '@[A-Z]*@' "$dunit" 2>/dev/null)" 0
make -s --no-print-directory B="$B" DESTDIR="$root" uninstall >"$tmp/uninstall.log" 2>&1
is "make uninstall DESTDIR=..." "$?" 0
check "make uninstall removes the unit" test ! -e "$unit"
check "make uninstall removes memlockd's unit" test ! -e "$dunit"
is "it removes every page and alias" "$(find "${man3%/man3}" -type f)" ""
done_testing
