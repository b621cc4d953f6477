# make shellcheck: every shell script of the tree through shellcheck (Debian
# 12's 0.9), all severities; any finding fails. The list is found anew on each
# run, so a new script is checked without an edit here: every *.sh, and every
# other file whose first line is a sh, bash or busybox sh shebang (.ci/run,
# tests/aarch64/init). bash-completion/* has no shebang: checked as bash.
# The settings all scripts share are in .shellcheckrc; a deliberate construct
# is allowed at its line, with the reason.

SC_FIND    = find . \( -name .git -o -type d -path './build*' \) -prune -o -type f
SC_SCRIPTS = $(sort $(shell $(SC_FIND) -name '*.sh' -printf '%P\n') \
             $(shell $(SC_FIND) ! -name '*.sh' -printf '%P\0' | xargs -0r \
                     awk 'FNR == 1 && /^\#!.*[/ ](ba)?sh( |$$)/ { print FILENAME } { nextfile }'))
SC_BASH    = $(wildcard bash-completion/*)

.PHONY: shellcheck
shellcheck:
	@scripts/deps.sh check
	shellcheck $(SC_SCRIPTS)
	shellcheck -s bash $(SC_BASH)
