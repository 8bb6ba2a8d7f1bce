#!/usr/bin/env bash
# scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]: runs the libFuzzer targets of tests/fuzz
# (clang 14, ASan+UBSan, build/fuzz), each for SECONDS_PER_TARGET (default 60), starting from
# the committed seeds (tests/fuzz/corpus/<target>) and from what earlier runs found
# (build/fuzz/corpus/<target>, kept out of git). Prints runs, exec/s, corpus, coverage and
# crashes per target. Crashing inputs land in build/fuzz/artifacts/<target>/: turn each into
# a unit test (tests/unit/...) with the input as a literal, and fix it.
# Targets: config tenant_file host_name request_target request_head chunked_body banner_filter.
# FUZZ_JOBS=2 runs two targets at once (the default is one); runs are niced.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
shift || true
all_targets=(config tenant_file host_name request_target request_head chunked_body banner_filter)
targets=("$@")
((${#targets[@]})) || targets=("${all_targets[@]}")
jobs=${FUZZ_JOBS:-1}

scripts/setup.sh clang-14 libfuzzer-14-dev libclang-rt-14-dev

build=build/fuzz
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" \
  -DCMAKE_CXX_COMPILER=clang++-14 -DPORTICO_FUZZ=ON -DPORTICO_SANITIZE=address,undefined \
  -DPORTICO_WERROR=ON ${CMAKE_CXX_COMPILER_LAUNCHER:+-DCMAKE_CXX_COMPILER_LAUNCHER=$CMAKE_CXX_COMPILER_LAUNCHER} >/dev/null
cmake --build "$build" --target "${targets[@]/#/fuzz_}"

export ASAN_OPTIONS="detect_leaks=1:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}"

run_target() {
  local target=$1
  local corpus=$build/corpus/$target artifacts=$build/artifacts/$target/ log=$build/logs/$target.log
  mkdir -p "$corpus" "$artifacts" "$(dirname "$log")"
  local options=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$artifacts"
                 -print_final_stats=1)
  [[ -f tests/fuzz/$target.dict ]] && options+=(-dict="tests/fuzz/$target.dict")
  [[ $target == config ]] && options+=(-max_len=16384)
  # The first directory is where new inputs go; the committed seeds are only read.
  nice -n 10 "$build/tests/fuzz/fuzz_$target" "${options[@]}" "$corpus" "tests/fuzz/corpus/$target" >"$log" 2>&1 || true
}

summarize() {
  local target=$1 log=$build/logs/$1.log
  local runs rate cov ft corpus crashes
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$( (grep -o 'cov: [0-9]*' "$log" || true) | tail -1 | cut -d' ' -f2)
  ft=$( (grep -o 'ft: [0-9]*' "$log" || true) | tail -1 | cut -d' ' -f2)
  corpus=$(find "$build/corpus/$target" -type f | wc -l)
  crashes=$(find "$build/artifacts/$target" -type f -newer "$build/logs/started" | wc -l)
  printf '%-15s %10s %8s %8s %7s %7s %8s\n' "$target" "${runs:-?}" "${rate:-?}" "$corpus" "${cov:-?}" "${ft:-?}" "$crashes"
}

echo "fuzz: ${#targets[@]} target(s), ${seconds}s each, $jobs at a time; logs in $build/logs/"
mkdir -p "$build/logs"
touch "$build/logs/started"  # crashes are the artifacts newer than this
running=0
for target in "${targets[@]}"; do
  run_target "$target" &
  running=$((running + 1))
  if ((running >= jobs)); then
    wait -n
    running=$((running - 1))
  fi
done
wait

printf '%-15s %10s %8s %8s %7s %7s %8s\n' target runs exec/s corpus cov ft crashes
status=0
for target in "${targets[@]}"; do
  summarize "$target"
  if [[ -n $(find "$build/artifacts/$target" -type f -newer "$build/logs/started") ]]; then status=1; fi
done
((status == 0)) || echo "fuzz: crashes found; see $build/artifacts/ and $build/logs/" >&2
exit $status
