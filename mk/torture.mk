# The torture test of the injection engine (issue 8): tests/integration/torture.sh
# runs 100 randomized trials in make check (tests/run.sh runs every
# tests/integration/*.sh, with the sanitized memlock); make check-long runs
# 1,000 the same way, and attach-stress's 1,000 trials. TORTURE_SEED=N
# replays the choices of a run.

# Its victim locks memory for real and checks its own registers: never
# sanitized, built like the other helpers.
$(B)/helpers/torture-victim: tests/helpers/torture-victim.c
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(CPPFLAGS) $(LDFLAGS) -O2 -g -pthread -o $@ $(SRCS_OF)

HELPERS += $(B)/helpers/torture-victim

# the environment of tests/run.sh: its sanitized memlock, its options. The
# TAP goes to the terminal and to $(B)/check-long.log; any "not ok", or no
# plan line (the script died), fails the target.
.PHONY: check-long
check-long:
	@scripts/deps.sh check
	$(MAKE) all $(B)/helpers/victim $(B)/helpers/torture-victim $(B)/helpers/target \
		$(B)/helpers/target-static
	$(MAKE) B=$(SAN) CFLAGS='$(SAN_FLAGS)' $(SAN)/memlock
	MEMLOCK=$(abspath $(SAN))/memlock VICTIM=$(abspath $(B))/helpers/victim \
		ASAN_OPTIONS=abort_on_error=1:detect_leaks=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		TORTURE_VICTIM=$(abspath $(B))/helpers/torture-victim TORTURE_TRIALS=1000 bash tests/integration/torture.sh 2>&1 | tee $(B)/check-long.log
	MEMLOCK=$(abspath $(SAN))/memlock VICTIM=$(abspath $(B))/helpers/victim \
		ASAN_OPTIONS=abort_on_error=1:detect_leaks=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		ATTACH_TRIALS=1000 ATTACH_SIGTERMS=100 bash tests/integration/attach-stress.sh 2>&1 | tee -a $(B)/check-long.log
	MEMLOCK=$(abspath $(SAN))/memlock MEMLOCK_TEST_LONG=1 \
		ASAN_OPTIONS=abort_on_error=1:detect_leaks=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		bash -c 'bash tests/integration/files.sh && bash tests/integration/files-lock.sh' 2>&1 | tee -a $(B)/check-long.log
	@! grep -q '^not ok' $(B)/check-long.log && grep -q '^1\.\.' $(B)/check-long.log || \
		{ echo "check-long: FAILED, see $(B)/check-long.log"; exit 1; }
