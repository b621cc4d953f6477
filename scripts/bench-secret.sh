#!/bin/bash
# make bench, part 6: the secret heap (issue 13) against malloc(3),
# libsodium's sodium_malloc() and OpenSSL's secure heap, in one run of
# tests/bench/secret-bench.c: 32-byte alloc+free pairs, 1 and 2 threads,
# the four taking turns round by round (medians); then the locked bytes
# and mappings of 10,000 live 32-byte secrets, each in a fresh process.
set -u
B=${1:-build}
P=$PWD/$B/bench/secret-bench
ROUNDS=${MEMLOCK_BENCH_ROUNDS:-7}

echo "## The secret heap: memlock_secret_alloc against malloc, sodium_malloc and OpenSSL's secure heap"
echo
echo "- date: $(date -u +%Y-%m-%d), kernel $(uname -r), $(nproc) CPUs, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
echo "- command: \`make bench\` (scripts/bench-secret.sh): \`$B/bench/secret-bench time $ROUNDS\` and"
echo "  \`memory 10000\`, as $(id -un); libsodium $(pkg-config --modversion libsodium), OpenSSL $(pkg-config --modversion libcrypto)"
echo "  (\`CRYPTO_secure_malloc_init(1 MiB, 16)\`); one byte written per allocation"
echo
"$P" time "$ROUNDS"
echo
"$P" memory 10000
