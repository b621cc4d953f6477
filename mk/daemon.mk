# memlockd, the policy daemon (daemon/): built by `make all` beside memlock,
# from the public headers and the library, plus the CLI's objects it shares
# (guard.c's guarded worker, files-daemon.c's notify, json.c, parse.c...):
# $(B)/libmemlock-cli.a holds every CLI object but memlock.c's main, and the
# link takes from it only what the daemon uses. Installed in $(SBINDIR).
SBINDIR     ?= $(PREFIX)/sbin
DAEMON_SRCS := $(wildcard daemon/*.c)
DAEMON_OBJS  = $(DAEMON_SRCS:%.c=$(B)/%.o)

all: $(B)/memlockd

$(B)/daemon/%.o: daemon/%.c
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(CPPFLAGS) $(CFLAGS) $(SCOLS_CFLAGS) $(JSONC_CFLAGS) -c $< -o $@

$(B)/libmemlock-cli.a: $(filter-out $(B)/cli/memlock.o,$(CLI_OBJS))
	$(AR) rcs $@ $^

$(B)/memlockd: $(DAEMON_OBJS) $(B)/libmemlock-cli.a $(B)/libmemlock.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(DAEMON_OBJS) $(B)/libmemlock-cli.a $(B)/libmemlock.a \
		$(SCOLS_LIBS) $(JSONC_LIBS) $(LDLIBS)

# the configuration's parser, with parse.c's sizes
$(B)/tests/test-daemon-conf: $(B)/daemon/conf.o $(B)/cli/parse.o

.PHONY: install-daemon uninstall-daemon
install: install-daemon
install-daemon: $(B)/memlockd
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8
	install -m 755 $(B)/memlockd $(DESTDIR)$(SBINDIR)/memlockd
	install -m 644 man/memlockd.8 $(DESTDIR)$(MANDIR)/man8/memlockd.8
	# (bash-completion loads a command's file by its name: memlock's holds memlockd's)
	install -d $(DESTDIR)$(BASHCOMPDIR)
	ln -sf memlock $(DESTDIR)$(BASHCOMPDIR)/memlockd
	install -d $(DESTDIR)$(SYSTEMDUNITDIR)
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' contrib/systemd/memlockd.service.in \
		> $(DESTDIR)$(SYSTEMDUNITDIR)/memlockd.service
	chmod 644 $(DESTDIR)$(SYSTEMDUNITDIR)/memlockd.service

uninstall: uninstall-daemon
uninstall-daemon:
	rm -f $(DESTDIR)$(SBINDIR)/memlockd $(DESTDIR)$(MANDIR)/man8/memlockd.8 \
		$(DESTDIR)$(BASHCOMPDIR)/memlockd $(DESTDIR)$(SYSTEMDUNITDIR)/memlockd.service
