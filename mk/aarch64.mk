# make check-aarch64: the aarch64 injection engine tested for real, in
# qemu-system-aarch64 (software emulation) booting Debian's arm64 kernel with
# an initramfs of busybox, a static test driver linked against the aarch64
# libmemlock.a of `make cross`, and static victims (tests/aarch64/).
#   make check-aarch64 [AARCH64_CASES="sve eintr"]
# The kernel and busybox .debs are downloaded once into build/aarch64-vm/.

AVM          := $(B)/aarch64-vm
A64_CC       := aarch64-linux-gnu-gcc
A64_CFLAGS   := -std=gnu11 $(WARN) -D_GNU_SOURCE -Iinclude -O2 -g -static -pthread \
                -mbranch-protection=standard
A64_VICTIMS  := $(AVM)/victim-sleep $(AVM)/victim-read $(AVM)/victim-sigsuspend \
                $(AVM)/victim-threads $(AVM)/victim-sve
A64_DRIVER   := tests/aarch64/driver.c tests/aarch64/harness.c tests/aarch64/cases-restart.c \
                tests/aarch64/cases-regs.c tests/aarch64/cases-lock.c
AARCH64_CASES ?=

.PHONY: check-aarch64
check-aarch64:
	@scripts/deps.sh aarch64
	@$(MAKE) -s --no-print-directory cross
	@$(MAKE) --no-print-directory $(AVM)/initramfs.cpio.gz
	@scripts/aarch64-vm.sh $(AVM) $(AARCH64_CASES)

$(AVM)/Image $(AVM)/busybox &: scripts/aarch64-fetch.sh
	scripts/aarch64-fetch.sh $(AVM)

# $(B)/aarch64/libmemlock.a is make cross's (check-aarch64 runs it first)
$(AVM)/driver: $(A64_DRIVER) tests/aarch64/harness.h tests/aarch64/cases.h \
               include/memlock.h $(wildcard include/memlock/*.h) $(B)/aarch64/libmemlock.a
	@mkdir -p $(@D)
	$(A64_CC) $(A64_CFLAGS) $(CPPFLAGS) $(LDFLAGS) -o $@ $(A64_DRIVER) $(B)/aarch64/libmemlock.a

$(AVM)/victim-sve: tests/aarch64/victim-sve.c tests/aarch64/victim.h
	@mkdir -p $(@D)
	$(A64_CC) $(A64_CFLAGS) $(CPPFLAGS) $(LDFLAGS) -march=armv8-a+sve -o $@ $<

$(AVM)/victim-%: tests/aarch64/victim-%.c tests/aarch64/victim.h
	@mkdir -p $(@D)
	$(A64_CC) $(A64_CFLAGS) $(CPPFLAGS) $(LDFLAGS) -o $@ $<

$(AVM)/initramfs.cpio.gz: scripts/aarch64-initramfs.sh tests/aarch64/init $(AVM)/busybox \
                          $(AVM)/driver $(A64_VICTIMS)
	scripts/aarch64-initramfs.sh $@ $(AVM)/busybox tests/aarch64/init $(AVM)/driver \
		$(A64_VICTIMS)
