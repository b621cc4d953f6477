#!/bin/bash
# The library's layers, lowest first: a file of lib/LAYER/ includes the
# headers of its own layer and of layers below it, never of one above it or
# beside it; cli/, libexec/ and the daemon use the public headers alone
# (include/). Prints each offending line as FILE:LINE: and exits 1.
#   scripts/check-layers.sh [TREE]
# Ranks (docs/DESIGN.md): a new capability gets a rank above what it uses.
set -u
cd "${1:-$(dirname "$0")/..}" || exit 2

declare -A rank=(
	[core]=0
	[procfs]=1
	[predict]=2
	[self]=3 [limit]=3 [inject]=3 [files]=3 [secret]=3 [rt]=3
	[exec]=4 [metrics]=4
)
bad=0
complain() {
	echo "$1: $2" >&2
	bad=1
}

while IFS= read -r -d '' f; do
	layer=${f#lib/}
	layer=${layer%%/*}
	if [ -z "${rank[$layer]+x}" ]; then
		complain "$f" "lib/$layer/ is not a known layer (add it to scripts/check-layers.sh)"
		continue
	fi
	n=0
	while IFS= read -r line; do
		n=$((n + 1))
		[[ $line =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]*\"([^\"]+)\" ]] || continue
		inc=${BASH_REMATCH[1]}
		case $inc in
		memlock.h | memlock/*) continue ;;
		../* | */../*)
			complain "$f:$n" "#include \"$inc\": relative path, name it as LAYER/file.h"
			continue ;;
		*/*) ;;
		*)
			complain "$f:$n" "#include \"$inc\": name it as LAYER/file.h"
			continue ;;
		esac
		to=${inc%%/*}
		if [ -z "${rank[$to]+x}" ]; then
			complain "$f:$n" "#include \"$inc\": $to/ is not a layer"
		elif [ "$to" != "$layer" ] && [ "${rank[$to]}" -ge "${rank[$layer]}" ]; then
			complain "$f:$n" "#include \"$inc\": lib/$layer/ (rank ${rank[$layer]}) cannot use lib/$to/ (rank ${rank[$to]})"
		fi
	done <"$f"
done < <(find lib -name '*.[ch]' -print0 | sort -z)

# the programs built on the library see its public headers only
# (libexec/'s helper is the library's own program, built with it)
while IFS= read -r -d '' f; do
	n=0
	while IFS= read -r line; do
		n=$((n + 1))
		[[ $line =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]*\"([a-z]+)/[^\"]*\" ]] || continue
		[ -n "${rank[${BASH_REMATCH[1]}]+x}" ] &&
			complain "$f:$n" "${line#*#}: a library-internal header outside lib/"
	done <"$f"
done < <(find cli daemon -name '*.[ch]' -print0 2>/dev/null | sort -z)
exit "$bad"
