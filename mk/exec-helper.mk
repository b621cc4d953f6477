# memlock-exec-helper, the tracer memlock_execvp_locked() spawns (issue 8;
# lib/exec/exec.c says why it is a program of its own). It links the static
# library for the injection engine, whose hidden symbols a static link
# resolves. Installed in LIBEXECDIR, a path the library is built with;
# MEMLOCK_LIBEXECDIR points an uninstalled build at $(B) instead.

LIBEXECDIR ?= $(PREFIX)/libexec/memlock

$(B)/memlock-exec-helper: libexec/memlock-exec-helper.c $(B)/libmemlock.a
	$(CC) $(BASE_CFLAGS) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -Ilib -o $@ $(SRCS_OF)

# The path is compiled into exec.o, which is rebuilt when it changes (so
# `make install PREFIX=/usr` after a plain `make` does not install a library
# that looks in /usr/local).
$(B)/lib/exec/exec.o: BASE_CFLAGS += -DMLK_LIBEXECDIR='"$(LIBEXECDIR)"'
$(B)/lib/exec/exec.o: $(B)/libexecdir
$(B)/libexecdir: FORCE
	@mkdir -p $(@D)
	@echo '$(LIBEXECDIR)' | cmp -s - $@ || echo '$(LIBEXECDIR)' > $@

.PHONY: FORCE
FORCE:

# A multithreaded caller (its fork children must only call
# async-signal-safe functions) and the driver that kills the helper at
# random moments: tests/integration/run-helper.sh. Never sanitized, like
# the other helpers.
$(B)/helpers/run-mtcaller: tests/helpers/run-mtcaller.c $(B)/libmemlock.a
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(CPPFLAGS) $(LDFLAGS) -O2 -g -pthread -o $@ $(SRCS_OF)

$(B)/helpers/run-chaos: tests/helpers/run-chaos.c
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(CPPFLAGS) $(LDFLAGS) -O2 -g -o $@ $(SRCS_OF)

# A program whose start-up (a 12 MiB library) does not fit under MCL_FUTURE
# in the default 8 MiB RLIMIT_MEMLOCK: tests/integration/run-startup.sh.
$(B)/helpers/librun-big.so: tests/helpers/run-biglib.c
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(CPPFLAGS) $(LDFLAGS) -O2 -shared -fPIC -o $@ $<

$(B)/helpers/run-bigload: tests/helpers/run-bigload.c $(B)/helpers/librun-big.so
	$(CC) $(BASE_CFLAGS) $(CPPFLAGS) $(LDFLAGS) -O2 -g -o $@ $< -L$(@D) -lrun-big -Wl,-rpath,'$$ORIGIN'

HELPERS += $(B)/helpers/run-mtcaller $(B)/helpers/run-chaos $(B)/helpers/run-bigload

# make demo and make bench run the memlock of $(B), uninstalled
demo bench: export MEMLOCK_LIBEXECDIR := $(abspath $(B))
