# memlock - keep memory in RAM on Linux.  Plain GNU make.
#
#   make / make all     library (static + shared), the memlock CLI
#   make demo           installs missing build deps, builds, shows memlock on a sample
#   make check          installs missing test deps, runs every test (last line: N passed, N failed)
#   make check-build check-clang check-release check-pkgconfig    more builds and runs (CI)
#   make check-abi      libmemlock.so against the committed ABI baseline (abi/, mk/abi.mk)
#   make check-layers   no lib/ file includes a header of a layer above its own
#   make check-tsan     the secret heap's 8-thread stress under ThreadSanitizer (mk/tsan.mk)
#   make check-long     1,000 randomized torture and stress trials of attach/unlock, the
#                       big trials of memlock files (70,000 files, memory cgroups) (mk/torture.mk)
#   make bench          benchmarks, results go to docs/BENCHMARKS.md by hand
#   make cross          cross-compiles the library (and the CLI's objects) for aarch64 (CI)
#   make check-aarch64  the injection engine's tests on arm64, under qemu-system-aarch64 (CI)
#   make install        PREFIX=/usr/local DESTDIR= (SYSTEMDUNITDIR=$(PREFIX)/lib/systemd/system)
#   make deps           installs what is missing (root), or says what to install

VERSION     := 1.1.0
SOVERSION   := 1
PREFIX      ?= /usr/local
LIBDIR      ?= $(PREFIX)/lib
BINDIR      ?= $(PREFIX)/bin
INCLUDEDIR  ?= $(PREFIX)/include
MANDIR      ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig

CC          ?= gcc
ARCH        ?= $(shell $(CC) -dumpmachine | cut -d- -f1)
PKG_CONFIG  ?= pkg-config
B           ?= build

WARN        := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
BASE_CFLAGS := -std=gnu11 $(WARN) -D_GNU_SOURCE -Iinclude -MD -MP \
               -DMEMLOCK_VERSION_STRING='"$(VERSION)"'
CFLAGS      ?= -O2 -g
# CPPFLAGS, CFLAGS and LDFLAGS (dpkg-buildflags' hardening) reach every
# compile and link; the test helpers keep their -O2 (never sanitized) but
# take CPPFLAGS and LDFLAGS too. Everything built goes under $(B).
SAN_FLAGS   := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
               -fno-sanitize-recover=all
SCOLS_CFLAGS = $(shell $(PKG_CONFIG) --cflags smartcols)
SCOLS_LIBS   = $(shell $(PKG_CONFIG) --libs smartcols)
# json-c: the CLI's JSON objects beside the tables; never the library's
JSONC_CFLAGS = $(shell $(PKG_CONFIG) --cflags json-c)
JSONC_LIBS   = $(shell $(PKG_CONFIG) --libs json-c)
CMOCKA_LIBS  = $(shell $(PKG_CONFIG) --libs cmocka)

# compile-and-link rules: -MD lists headers as prerequisites too
SRCS_OF      = $(filter %.c %.o %.a,$^)

LIB_SRCS    := $(wildcard lib/*/*.c) lib/inject/arch/$(ARCH).c
CLI_SRCS    := $(wildcard cli/*.c)
UNIT_SRCS   := $(wildcard tests/unit/test-*.c)
LIB_OBJS     = $(LIB_SRCS:%.c=$(B)/%.o)
CLI_OBJS     = $(CLI_SRCS:%.c=$(B)/%.o)
UNIT_BINS    = $(UNIT_SRCS:tests/unit/%.c=$(B)/tests/%)
SAN          = $(B)/san

.PHONY: all demo check bench cross install install-man uninstall clean deps deps-check \
        deps-cross tests tests-san fuzz
all: $(B)/libmemlock.a $(B)/libmemlock.so.$(VERSION) $(B)/memlock $(B)/memlock.pc \
     $(B)/memlock-exec-helper

# ---------------------------------------------------------------- library
$(B)/lib/%.o: lib/%.c
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(CPPFLAGS) $(CFLAGS) -Ilib -fPIC -fvisibility=hidden -c $< -o $@

# The library runs on its callers' threads, whose stacks may be small: a
# frame past 48 KiB is an error (the largest, exec-startup.c's, is ~34 KiB
# under ASan).
$(B)/lib/%.o: BASE_CFLAGS += -Wframe-larger-than=49152

# made anew each time: ar r keeps the members of removed or renamed sources,
# which would still be linked
$(B)/libmemlock.a: $(LIB_OBJS)
	rm -f $@
	$(AR) rcs $@ $^

$(B)/libmemlock.so.$(VERSION): $(LIB_OBJS) lib/libmemlock.map
	$(CC) $(CFLAGS) $(LDFLAGS) -shared -Wl,-soname,libmemlock.so.$(SOVERSION) \
		-Wl,--version-script=lib/libmemlock.map -o $@ $(LIB_OBJS)
	ln -sf libmemlock.so.$(VERSION) $(B)/libmemlock.so.$(SOVERSION)
	ln -sf libmemlock.so.$(SOVERSION) $(B)/libmemlock.so

$(B)/memlock.pc: memlock.pc.in Makefile
	sed -e 's|@PREFIX@|$(PREFIX)|; s|@LIBDIR@|$(LIBDIR)|; s|@INCLUDEDIR@|$(INCLUDEDIR)|; s|@VERSION@|$(VERSION)|' $< > $@

# -------------------------------------------------------------------- CLI
$(B)/cli/%.o: cli/%.c
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(CPPFLAGS) $(CFLAGS) $(SCOLS_CFLAGS) $(JSONC_CFLAGS) -c $< -o $@

$(B)/memlock: $(CLI_OBJS) $(B)/libmemlock.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(CLI_OBJS) $(B)/libmemlock.a $(SCOLS_LIBS) $(JSONC_LIBS)

# ------------------------------------------------------------------ tests
# Unit tests link the library objects directly (hidden symbols included).
$(B)/tests/%.o: tests/unit/%.c
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(CPPFLAGS) $(CFLAGS) -Ilib -c $< -o $@

$(B)/tests/test-%: $(B)/tests/test-%.o $(LIB_OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(SRCS_OF) $(CMOCKA_LIBS)

# the CLI's words for the fixes: cli/fixes.o too (it needs only hint(),
# which the test provides)
$(B)/tests/test-fixes: $(B)/cli/fixes.o
# the follow table of memlock files --lock: cli/files-table.o alone
$(B)/tests/test-files-table: $(B)/cli/files-table.o

$(B)/tests/fuzz-proc: tests/fuzz/fuzz-proc.c tests/fuzz/standalone.c $(LIB_OBJS)
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -Ilib -o $@ $(SRCS_OF)

$(B)/tests/predict-matrix: tests/integration/predict-matrix.c $(LIB_OBJS)
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $(SRCS_OF)

$(B)/tests/pid-reuse: tests/integration/pid-reuse.c $(LIB_OBJS)
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $(SRCS_OF)

$(B)/tests/engine-edges: tests/integration/engine-edges.c $(LIB_OBJS)
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $(SRCS_OF)

$(B)/tests/needs-list: tests/integration/needs-list.c $(LIB_OBJS)
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $(SRCS_OF)

$(B)/tests/secret-heap: tests/integration/secret-heap.c $(LIB_OBJS)
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -pthread -o $@ $(SRCS_OF)

tests: $(UNIT_BINS) $(B)/tests/fuzz-proc $(B)/tests/predict-matrix $(B)/tests/pid-reuse \
       $(B)/tests/engine-edges $(B)/tests/needs-list $(B)/tests/secret-heap all

# The victim locks memory for real: never sanitized (ASan's shadow would be
# locked and populated by mlockall(MCL_CURRENT)).
$(B)/helpers/victim: tests/helpers/victim.c $(B)/libmemlock.a
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(CPPFLAGS) $(LDFLAGS) -O2 -g -o $@ $(SRCS_OF)

# Targets for attach: dynamic, static, and static stripped (no symbols at all).
HELPERS = $(B)/helpers/victim $(B)/helpers/target $(B)/helpers/target-static \
          $(B)/helpers/target-static-stripped $(B)/helpers/selfcheck \
          $(B)/helpers/selfcheck-static $(B)/helpers/seccomp-exec $(B)/helpers/exec-thread \
          $(B)/helpers/pairtime $(B)/helpers/sigtarget $(B)/helpers/oddname
# The real-time fault test locks for real (mlockall): never sanitized, like
# the victim; tests/integration/rt.sh runs it.
HELPERS += $(B)/helpers/rt-faults
$(B)/helpers/rt-faults: tests/integration/rt-faults.c $(B)/libmemlock.a
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(CPPFLAGS) $(LDFLAGS) -O2 -g -pthread -o $@ $(SRCS_OF)

# dont-dump, wipe-on-fork and memfd_secret mappings for status-secret.sh
HELPERS += $(B)/helpers/secretmaps
$(B)/helpers/secretmaps: tests/helpers/secretmaps.c
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(CPPFLAGS) $(LDFLAGS) -O2 -o $@ $(SRCS_OF)

# N forked workers for memlockd's tree= rules (memlockd.sh)
HELPERS += $(B)/helpers/workers
$(B)/helpers/workers: tests/helpers/workers.c
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(CPPFLAGS) $(LDFLAGS) -O2 -o $@ $(SRCS_OF)

$(B)/helpers/oddname: tests/helpers/oddname.c
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(CPPFLAGS) $(LDFLAGS) -O2 -o $@ $(SRCS_OF)

$(B)/helpers/sigtarget: tests/helpers/sigtarget.c
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(CPPFLAGS) $(LDFLAGS) -O2 -pthread -o $@ $(SRCS_OF)

$(B)/helpers/pairtime: tests/helpers/pairtime.c
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(CPPFLAGS) $(LDFLAGS) -O2 -o $@ $(SRCS_OF)

$(B)/helpers/seccomp-exec: tests/helpers/seccomp-exec.c
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(CPPFLAGS) $(LDFLAGS) -O2 -o $@ $(SRCS_OF)

$(B)/helpers/exec-thread: tests/helpers/exec-thread.c $(B)/libmemlock.a
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(CPPFLAGS) $(LDFLAGS) -O2 -pthread -o $@ $(SRCS_OF)

$(B)/helpers/selfcheck: tests/helpers/selfcheck.c
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(CPPFLAGS) $(LDFLAGS) -O2 -o $@ $(SRCS_OF)

$(B)/helpers/selfcheck-static: tests/helpers/selfcheck.c
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(CPPFLAGS) $(LDFLAGS) -O2 -static -o $@ $(SRCS_OF)

$(B)/helpers/target: tests/helpers/target.c
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(CPPFLAGS) $(LDFLAGS) -O2 -g -pthread -o $@ $(SRCS_OF)

$(B)/helpers/target-static: tests/helpers/target.c
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(CPPFLAGS) $(LDFLAGS) -O2 -static -pthread -o $@ $(SRCS_OF)

$(B)/helpers/target-static-stripped: $(B)/helpers/target-static
	strip -o $@ $<

# an ia32 task, which attach refuses (binutils alone: no 32-bit libc needed)
ifeq ($(ARCH),x86_64)
HELPERS += $(B)/helpers/target32
endif
$(B)/helpers/target32: tests/helpers/target32.S
	@mkdir -p $(@D)
	$(CC) -m32 -nostdlib -static -c -o $@.o $<
	$(LD) -m elf_i386 -o $@ $@.o

# Same sources again under ASan+UBSan.
tests-san:
	$(MAKE) B=$(SAN) CFLAGS='$(SAN_FLAGS)' tests

# libFuzzer build of the same target (clang): make fuzz && $(B)/fuzz-proc tests/fuzz/corpus
fuzz:
	$(MAKE) B=$(B)/libfuzzer CC=clang CFLAGS='-O1 -g -fsanitize=fuzzer-no-link,address,undefined' $(addprefix $(B)/libfuzzer/,$(LIB_SRCS:.c=.o))
	clang $(BASE_CFLAGS) $(CPPFLAGS) -Ilib -O1 -g -fsanitize=fuzzer,address,undefined $(LDFLAGS) \
		-o $(B)/fuzz-proc tests/fuzz/fuzz-proc.c $(addprefix $(B)/libfuzzer/,$(LIB_SRCS:.c=.o))

# make check must stay under 4 minutes: both builds in one make, its jobs
# shared (neither waits for the other's last links), and of the release tree
# only what the tests take from it - the helpers, its memlock (guard-clone),
# the library (abi, pkgconfig, man) - not its own test programs; then the
# tests in lanes (tests/run.sh: MEMLOCK_TEST_JOBS)
NPROC := $(shell nproc 2>/dev/null || echo 2)
check:
	@scripts/deps.sh check
	$(MAKE) -j$(NPROC) all $(HELPERS) tests-san
	@VICTIM=$(abspath $(B))/helpers/victim INSTALL_B=$(B) tests/run.sh $(SAN)

# CI's other builds and runs (.ci/run), each in a build dir of its own:
# check-build: B=, CPPFLAGS, CFLAGS and LDFLAGS honoured (Debian's hardening
#   flags, out of tree); check-clang: the whole tree with clang -Werror in
#   $(B)/clang and its unit tests; check-release: the -O2 build of make check
#   under the unit tests, the test programs and the quick scripts (the whole
#   suite again would double make check's 3.5 minutes); check-pkgconfig: a
#   program built with pkg-config against the installed library alone (make
#   check runs it too, through tests/run.sh).
RELEASE_SCRIPTS ?= check-cli limit status-reality json bad-input run files files-cache files-lock
.PHONY: check-build check-clang check-release check-pkgconfig
check-build:
	@scripts/deps.sh check
	tests/make/flags.sh

check-clang:
	@scripts/deps.sh clang
	$(MAKE) -j$(NPROC) B=$(B)/clang CC=clang all tests helpers
	@tests/run.sh $(B)/clang --unit

check-release:
	@scripts/deps.sh check
	$(MAKE) -j$(NPROC) all tests $(HELPERS)
	@VICTIM=$(abspath $(B))/helpers/victim INSTALL_B=$(B) tests/run.sh $(B) $(RELEASE_SCRIPTS)

check-pkgconfig: all
	@tests/pkgconfig/pkgconfig.sh $(B)

# the library's layers: no file includes a header of a layer above its own
.PHONY: check-layers
check-layers:
	scripts/check-layers.sh

# ------------------------------------------------------------------- demo
demo:
	@scripts/deps.sh build
	@$(MAKE) --no-print-directory all $(B)/helpers/victim
	@scripts/demo.sh $(B)

bench:
	@scripts/deps.sh bench
	@$(MAKE) --no-print-directory all $(HELPERS) $(B)/bench/secret-bench
	@scripts/bench.sh $(B)

# the secret heap against libsodium and OpenSSL: theirs are linked here only,
# never into the library
$(B)/bench/secret-bench: tests/bench/secret-bench.c $(B)/libmemlock.a
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(CPPFLAGS) $(LDFLAGS) -O2 -pthread -o $@ $(SRCS_OF) \
		$(shell $(PKG_CONFIG) --libs libsodium libcrypto)

deps:
	@scripts/deps.sh check

# The CLI is compiled for aarch64 too, not linked: linking needs an arm64
# libsmartcols, and Debian's multiarch libsmartcols-dev:arm64 drags host
# packages (linux-libc-dev, libssl3, krb5) to new versions to match. Its
# header is the same on every architecture, so the host's is used.
cross:
	@scripts/deps.sh cross
	$(MAKE) B=$(B)/aarch64 CC=aarch64-linux-gnu-gcc AR=aarch64-linux-gnu-ar \
		SCOLS_CFLAGS='$(SCOLS_CFLAGS)' JSONC_CFLAGS='$(JSONC_CFLAGS)' \
		$(B)/aarch64/libmemlock.a $(B)/aarch64/libmemlock.so.$(VERSION) \
		$(CLI_SRCS:%.c=$(B)/aarch64/%.o)

# ---------------------------------------------------------------- install
install: all install-man
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) \
		$(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(BASHCOMPDIR)
	install -m 755 $(B)/memlock $(DESTDIR)$(BINDIR)/memlock
	install -d $(DESTDIR)$(LIBEXECDIR)
	install -m 755 $(B)/memlock-exec-helper $(DESTDIR)$(LIBEXECDIR)/
	install -m 644 $(B)/libmemlock.a $(DESTDIR)$(LIBDIR)/
	install -m 755 $(B)/libmemlock.so.$(VERSION) $(DESTDIR)$(LIBDIR)/
	ln -sf libmemlock.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libmemlock.so.$(SOVERSION)
	ln -sf libmemlock.so.$(SOVERSION) $(DESTDIR)$(LIBDIR)/libmemlock.so
	install -d $(DESTDIR)$(INCLUDEDIR)/memlock
	install -m 644 include/memlock.h $(DESTDIR)$(INCLUDEDIR)/
	install -m 644 include/memlock/*.h $(DESTDIR)$(INCLUDEDIR)/memlock/
	# generated here, so that the PREFIX given to install is the one it names
	sed -e 's|@PREFIX@|$(PREFIX)|; s|@LIBDIR@|$(LIBDIR)|; s|@INCLUDEDIR@|$(INCLUDEDIR)|; s|@VERSION@|$(VERSION)|' \
		memlock.pc.in > $(DESTDIR)$(PKGCONFIGDIR)/memlock.pc
	install -m 644 bash-completion/memlock $(DESTDIR)$(BASHCOMPDIR)/memlock
	install -d $(DESTDIR)$(SYSTEMDUNITDIR)
	sed -e 's|@BINDIR@|$(BINDIR)|g' contrib/systemd/memlock-files.service.in \
		> $(DESTDIR)$(SYSTEMDUNITDIR)/memlock-files.service
	chmod 644 $(DESTDIR)$(SYSTEMDUNITDIR)/memlock-files.service

# Every page of man/ (libmemlock.3, one memlock_<topic>.3 per header), and
# an alias page per function (memlock_verdict_new.3: ".so man3/memlock_predict.3"),
# generated from the headers: they are not in the tree.
MAN3_PAGES = $(notdir $(wildcard man/*.3))
install-man:
	install -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man3
	install -m 644 man/memlock.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 644 $(addprefix man/,$(MAN3_PAGES)) $(DESTDIR)$(MANDIR)/man3/
	scripts/man-aliases.sh $(DESTDIR)$(MANDIR)/man3

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/memlock $(DESTDIR)$(LIBDIR)/libmemlock.* \
		$(DESTDIR)$(INCLUDEDIR)/memlock.h $(DESTDIR)$(INCLUDEDIR)/memlock/*.h \
		$(DESTDIR)$(PKGCONFIGDIR)/memlock.pc $(DESTDIR)$(MANDIR)/man1/memlock.1 \
		$(addprefix $(DESTDIR)$(MANDIR)/man3/,$(MAN3_PAGES)) \
		$(DESTDIR)$(BASHCOMPDIR)/memlock $(DESTDIR)$(LIBEXECDIR)/memlock-exec-helper \
		$(DESTDIR)$(SYSTEMDUNITDIR)/memlock-files.service
	scripts/man-aliases.sh -u $(DESTDIR)$(MANDIR)/man3
	-rmdir $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(INCLUDEDIR)/memlock

clean:
	rm -rf $(B)

-include $(shell find $(B) -name '*.d' 2>/dev/null)
include mk/torture.mk
include mk/aarch64.mk
include mk/exec-helper.mk
include mk/shellcheck.mk
include mk/abi.mk
include mk/tsan.mk
include mk/daemon.mk

# every test helper of $(B)/helpers (after the includes: they add to HELPERS)
.PHONY: helpers
helpers: $(HELPERS)
