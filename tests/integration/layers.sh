#!/bin/bash
# The layer check (scripts/check-layers.sh) passes on the tree, and fails
# on copies of it where a lower layer, or the CLI, uses a header above it.
. "$(dirname "$0")/lib.sh"

top=$(cd "$(dirname "$0")/../.." && pwd)
check "the tree keeps its layers ($("$top/scripts/check-layers.sh" "$top" 2>&1 | head -3))" \
	"$top/scripts/check-layers.sh" "$top"

dir=$(mktemp -d)
at_exit "rm -rf '$dir'"
# broken TREE FILE LINE: a copy of lib/ and cli/ with LINE added to FILE
broken() {
	rm -rf "${dir:?}/t"
	mkdir -p "$dir/t"
	cp -r "$top/lib" "$top/cli" "$dir/t/"
	printf '%s\n' "$2" >>"$dir/t/$1"
	"$top/scripts/check-layers.sh" "$dir/t" 2>"$dir/err"
}
expect_refused() {
	local rc
	broken "$1" "$2"
	rc=$?
	is "$1 with $2: refused" "$rc" 1
	check "... naming the line ($(head -c 200 "$dir/err"))" grep -q "^$1:[0-9]*: " "$dir/err"
}
expect_refused lib/procfs/procfs.c '#include "predict/predict.h"'
expect_refused lib/core/log.c '#include "inject/target.h"'
expect_refused lib/self/self.c '#include "inject/arch.h"'
expect_refused lib/predict/fix.c '#include "../inject/target.h"'
expect_refused cli/output.c '#include "core/core.h"'
expect_refused lib/inject/target.c '#include "nolayer/x.h"'
broken lib/exec/exec.c '#include "inject/target.h"'
is "lib/exec/ using lib/inject/ (below it) is allowed" "$?" 0
done_testing
