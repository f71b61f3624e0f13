#!/usr/bin/env bash
# Runs the whole test suite under a sanitizer, in its own build folder so the normal build
# stays warm.
#
#   usage: Tests/Sanitizers/run.sh thread|address [extra swift test arguments…]
#          (e.g. --filter 'TCPProxyTests|RelayTests'; builds go to .build-tsan / .build-asan)
#
# thread: data races between event loops, the admin loop and tests (Swift 6's checking covers
#         the type system; TSan covers what @unchecked Sendable and C code promise).
# address: use-after-free, overflows and leaks in the OpenSSL/libyaml glue (LeakSanitizer runs
#         at exit; suppressions for the runtime's one-time allocations live beside this script).
set -euo pipefail
cd "$(dirname "$0")/../.."
sanitizer=${1:?usage: $0 thread|address}
shift
case "$sanitizer" in
  thread) export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$PWD/Tests/Sanitizers/tsan.supp ${TSAN_OPTIONS:-}" ;;
  address) export ASAN_OPTIONS="detect_leaks=1 ${ASAN_OPTIONS:-}"
           export LSAN_OPTIONS="suppressions=$PWD/Tests/Sanitizers/lsan.supp print_suppressions=0 ${LSAN_OPTIONS:-}" ;;
  *) echo "unknown sanitizer '$sanitizer' (thread or address)" >&2; exit 2 ;;
esac
case "$sanitizer" in thread) scratch=.build-tsan ;; address) scratch=.build-asan ;; esac
swift build --build-tests --sanitize="$sanitizer" --scratch-path "$scratch"
if [ "$sanitizer" = address ] && [ $# -eq 0 ]; then
  # ASan's quarantine keeps freed blocks resident (256 MB by default) to catch use after free,
  # which makes the resident-set bounds of FaultMatrixMemoryTests meaningless (~17 KB per
  # short connection). Everything else runs with the quarantine; those three tests run after,
  # without it, still under ASan.
  swift test --skip-build --sanitize="$sanitizer" --scratch-path "$scratch" --skip FaultMatrixMemoryTests
  ASAN_OPTIONS="$ASAN_OPTIONS quarantine_size_mb=0 thread_local_quarantine_size_kb=0" \
    swift test --skip-build --sanitize="$sanitizer" --scratch-path "$scratch" --filter FaultMatrixMemoryTests
else
  swift test --skip-build --sanitize="$sanitizer" --scratch-path "$scratch" "$@"
fi
