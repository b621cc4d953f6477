# make check-tsan: the secret heap's 8-thread stress (tests/integration/
# secret-heap.c stress 10) under ThreadSanitizer. Only the layers the heap
# uses are built with -fsanitize=thread, in $(B)/tsan; TSan cannot share a
# process with ASan, so this is a build of its own, outside make check
# (its ~20 compiles would cost make check a minute on 2 cores).
TSAN_SRCS := $(filter lib/core/% lib/procfs/% lib/predict/% lib/secret/%,$(LIB_SRCS))
TSAN_FLAGS := -O1 -g -fsanitize=thread

$(B)/tests/secret-heap-tsan: tests/integration/secret-heap.c $(TSAN_SRCS:%.c=$(B)/%.o)
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -pthread -o $@ $(SRCS_OF)

.PHONY: check-tsan
check-tsan:
	$(MAKE) -j$(NPROC) B=$(B)/tsan CFLAGS='$(TSAN_FLAGS)' $(B)/tsan/tests/secret-heap-tsan
	TSAN_OPTIONS=halt_on_error=1 $(B)/tsan/tests/secret-heap-tsan stress 10
