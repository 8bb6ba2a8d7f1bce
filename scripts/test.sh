#!/usr/bin/env bash
# scripts/test.sh: the test command. Installs what is missing, builds from scratch-or-cache
# with ASan+UBSan (preset "dev"), and runs every test (unit and integration) with CTest.
# Extra arguments go to ctest, e.g. `scripts/test.sh -L unit` or `-R Routing`.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
start=$(date +%s)
cmake --preset dev >/dev/null
cmake --build --preset dev
echo "test.sh: build took $(( $(date +%s) - start ))s"
# Sanitizers: stop at the first error and print a readable report.
export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}"
ctest --preset dev --timeout 600 "$@"
