#!/usr/bin/env bash
# scripts/tsan.sh: the integration tests (and unit tests) under ThreadSanitizer: a separate
# build (preset "tsan", build/tsan) of portico, demo_portal and the test binaries. Slower
# than scripts/test.sh and not part of it; run it after touching threads, atomics, the
# snapshot store, metrics, the access log or activity delivery. Extra arguments go to ctest,
# e.g. `scripts/tsan.sh -L integration` or `-R Operations`.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
cmake --preset tsan >/dev/null
cmake --build --preset tsan
# halt_on_error: the first race fails the test that found it. second_deadlock_stack makes
# lock-order reports readable. The suppressions file lists third-party reports, each with why.
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/scripts/tsan.supp:${TSAN_OPTIONS:-}"
ctest --preset tsan --timeout 900 "$@"
