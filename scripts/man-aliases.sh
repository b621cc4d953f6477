#!/bin/bash
# One man page per public function, liburing style: DIR/<function>.3 holds
# the single line ".so man3/<topic page>.3", so that `man memlock_verdict_new`
# opens memlock_predict(3). Generated at install time, never committed: the
# functions are the MEMLOCK_API declarations of include/memlock/*.h, and each
# one's page is the man/*.3 page whose NAME section names it, so an alias
# cannot go stale. A function that no page or two pages name is an error,
# and then nothing is written.
#   scripts/man-aliases.sh DIR       write the aliases into DIR (man3)
#   scripts/man-aliases.sh -u DIR    remove them from DIR
#   scripts/man-aliases.sh -l        list "function page" lines
set -u
top=$(cd "$(dirname "$0")/.." && pwd)

# the functions the headers declare (as tests/integration/symbols.sh reads them)
functions() {
	cat "$top"/include/memlock/*.h | tr '\n' ' ' |
		grep -oE 'MEMLOCK_API[^;(]*\(' | grep -oE '[a-z_0-9]+ *\($' | tr -d ' (' |
		grep -v '^__' | sort -u
}

# "function page" for each function a page's NAME section names (before
# its "\-"), one line per naming
named() {
	local page
	for page in "$top"/man/*.3; do
		awk -v page="$(basename "$page" .3)" '
			/^\.SH / { inname = ($2 == "NAME") ; next }
			inname { sub(/\\-.*/, ""); s = $0
				while (match(s, /memlock_[a-z0-9_]+/)) {
					print substr(s, RSTART, RLENGTH), page
					s = substr(s, RSTART + RLENGTH)
				}
			}' "$page"
	done
}

# removing needs no page to name them: every function but one that is a
# page itself
if [ "${1:-}" = -u ]; then
	[ $# -eq 2 ] || { echo "usage: $0 -u DIR" >&2; exit 2; }
	for f in $(functions); do
		[ -e "$top/man/$f.3" ] || rm -f "$2/$f.3"
	done
	exit 0
fi

map=$(named | sort -u)
list=$(
	bad=0
	for f in $(functions); do
		pages=$(awk -v f="$f" '$1 == f { print $2 }' <<<"$map")
		case $(wc -w <<<"$pages") in
		1) echo "$f $pages" ;;
		0) echo "man-aliases.sh: $f is in the NAME of no page of man/" >&2; bad=1 ;;
		*) echo "man-aliases.sh: $f is in the NAME of several pages: $(echo "$pages" | tr '\n' ' ')" >&2; bad=1 ;;
		esac
	done
	exit $bad
) || exit 1

case ${1:-} in
-l)
	echo "$list"
	;;
-* | '')
	echo "usage: $0 DIR | -u DIR | -l" >&2
	exit 2
	;;
*)
	# a function named as its page (memlock_predict) is the page itself
	while read -r f page; do
		[ "$f" = "$page" ] || echo ".so man3/$page.3" >"$1/$f.3" || exit 1
	done <<<"$list"
	;;
esac
