#!/bin/bash
# shellcheck disable=SC2016 # (perl code and checks are written in single quotes on purpose: they expand later)
# The library speaks in facts, never in the CLI's words (issue 10): no
# string literal in lib/ or libexec/ names a memlock command, a command-line
# flag or the prlimit(1) command - wording a fix is the program's
# (cli/fixes.c). It fails on a copy of the tree where one does.
. "$(dirname "$0")/lib.sh"

top=$(cd "$(dirname "$0")/../.." && pwd)
words='memlock (attach|unlock|run|limit|check|status)([^a-z_-]|$)|(^|[^A-Za-z0-9_-])--[a-z]|prlimit( --|\(1\))'

# literals DIR...: every "string literal" of the C files under DIR, one a
# line, as FILE:LINE: "..." (comments and character constants left out)
literals() {
	find "$@" -name '*.[ch]' -print0 | sort -z | xargs -0 perl -0777 -ne '
		my $src = $_;
		$src =~ s{/\*.*?\*/}{ my $c = $&; $c =~ s/[^\n]//g; $c }gse;
		$src =~ s{//[^\n]*}{}g;
		$src =~ s{'"'"'(\\.|[^'"'"'\\\n])'"'"'}{0}g;
		my $line = 1;
		for my $part (split /("(?:\\.|[^"\\\n])*")/, $src) {
			print "$ARGV:$line: $part\n" if $part =~ /^"/;
			$line += ($part =~ tr/\n//);
		}'
}

# offending DIR...: the literals that name the CLI
offending() { literals "$@" | grep -E "$words"; }

found=$(offending "$top/lib" "$top/libexec")
is "no literal in lib/ or libexec/ names a CLI command or flag" "$found" ""
check "the scan sees the library's literals ($(literals "$top/lib" | wc -l) of them)" \
	eval '[ "$(literals "$top/lib" | wc -l)" -gt 300 ]'

# it can fail: one literal of each kind added to a copy
dir=$(mktemp -d)
at_exit "rm -rf '$dir'"
for lit in '"memlock limit %d 64M"' '"or --force"' '"prlimit --pid %d"' \
	'"memlock status --maps"' '"(see prlimit(1))"'; do
	rm -rf "${dir:?}/lib"
	cp -r "$top/lib" "$dir/"
	printf 'static const char *x = %s;\n' "$lit" >>"$dir/lib/predict/fix.c"
	check "a literal $lit in lib/ is found" eval 'offending "$dir/lib" | grep -qF "$lit"'
done
# and comments, kernel words and memlock as a subject are not the CLI's
rm -rf "${dir:?}/lib"
mkdir -p "$dir/lib"
printf '%s\n' '/* "memlock limit 1 2" in a comment */' '// "--force" too' \
	'char c = '"'"'"'"'"'; static const char *k = "prlimit refused: %s, memlock does not have it";' \
	>"$dir/lib/x.c"
is "comments, kernel words and memlock as a subject pass ($(offending "$dir/lib"))" \
	"$(offending "$dir/lib")" ""
done_testing
