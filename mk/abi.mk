# make check-abi: the built libmemlock.so against the committed ABI of its
# soname, abi/libmemlock.so.$(SOVERSION).abi (abidiff, Debian's
# abigail-tools). make abi-baseline writes that file from the -O2 -g build:
# at a release, or with a deliberate soname bump - never to make a red
# check-abi green.
ABI_BASELINE := abi/libmemlock.so.$(SOVERSION).abi
ABIDW_FLAGS  := --headers-dir include/memlock --drop-private-types --no-corpus-path \
                --no-comp-dir-path --short-locs --type-id-style hash

.PHONY: check-abi abi-baseline
check-abi: $(B)/libmemlock.so.$(VERSION)
	@scripts/deps.sh abi
	scripts/check-abi.sh $< $(ABI_BASELINE)

abi-baseline: $(B)/libmemlock.so.$(VERSION)
	@scripts/deps.sh abi
	abidw $(ABIDW_FLAGS) --out-file $(ABI_BASELINE) $<
