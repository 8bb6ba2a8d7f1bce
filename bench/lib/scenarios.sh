# shellcheck shell=bash
# bench/lib/scenarios.sh: one function per scenario. Each appends JSON records to $RESULTS,
# one per (peer, run, variant); bench/lib/report.py turns them into the markdown table.
# Runs are interleaved (run 1 of every peer, then run 2, ...) and the peer order rotates
# from run to run, so slow drift on a shared machine does not favour one peer.
# Sourced by bench/run.sh.

# peers_for_run RUN PEER...: the peers, rotated by RUN - 1.
peers_for_run() {
  local run="$1"
  shift
  local peers=("$@") count=$# i
  for ((i = 0; i < count; i++)); do printf '%s\n' "${peers[(i + run - 1) % count]}"; done
}

# record SCENARIO PEER RUN VARIANT JSON [EXTRA]: appends one record.
record() {
  printf '{"scenario":"%s","peer":"%s","run":%s,"variant":"%s","load":%s%s}\n' \
    "$1" "$2" "$3" "$4" "$5" "${6:+,$6}" >>"$RESULTS"
}

json_line() { grep '^{' "$1" | tail -n 1; }

# wrk_run SECONDS PATH HOSTS_FILE OUT: wrk on the client CPUs against the plain listener.
wrk_run() {
  BENCH_HOSTS_FILE="$3" BENCH_PATH="$2" taskset -c "$BENCH_CLIENT_CPUS" \
    wrk -t "$BENCH_WRK_THREADS" -c "$BENCH_CONNECTIONS" -d "${1}s" --timeout 5s \
    -s "$BENCH_DIR/wrk/rotate_hosts.lua" "http://127.0.0.1:$BENCH_HTTP_PORT$2" >"$4" 2>&1 ||
    die "wrk failed: $4"
}

# measure_wrk SCENARIO PEER RUN VARIANT PATH HOSTS_FILE: a warm-up, then the measured wrk run,
# with the peer's CPU time read from /proc right before and right after it.
measure_wrk() {
  local scenario="$1" peer="$2" run="$3" variant="$4" path="$5" hosts="$6"
  local out="$LOG_DIR/$scenario-$peer-$variant-$run.wrk" before after
  wrk_run "$BENCH_WARMUP" "$path" "$hosts" "$out.warmup"
  before="$(cpu_seconds "$PEER_PID")"
  wrk_run "$BENCH_DURATION" "$path" "$hosts" "$out"
  after="$(cpu_seconds "$PEER_PID")"
  local json
  json="$(json_line "$out")" || die "no result line from wrk: $out"
  record "$scenario" "$peer" "$run" "$variant" "$json" \
    "\"cpu_seconds\":$(seconds_between "$before" "$after")"
}

# measure_tool SCENARIO PEER RUN VARIANT ARGS...: portico_bench_load on the client CPUs; it
# reads the peer's CPU time itself at the edges of its measured window (after its warm-up).
measure_tool() {
  local scenario="$1" peer="$2" run="$3" variant="$4"
  shift 4
  local out="$LOG_DIR/$scenario-$peer-$variant-$run.load"
  taskset -c "$BENCH_CLIENT_CPUS" "$LOAD_BIN" "$@" --warmup "$BENCH_WARMUP" \
    --duration "$BENCH_DURATION" --cpu-pid "$PEER_PID" >"$out" 2>&1 ||
    die "portico_bench_load failed: $out"
  local json
  json="$(json_line "$out")" || die "no result line from portico_bench_load: $out"
  record "$scenario" "$peer" "$run" "$variant" "$json"
}

# The scenarios over every peer: start, measure, stop, for each run.
each_peer_and_run() {
  local scenario="$1" body="$2" run peer
  for ((run = 1; run <= BENCH_RUNS; run++)); do
    for peer in $(peers_for_run "$run" "${PEERS[@]}"); do
      say "$scenario: $peer, run $run of $BENCH_RUNS"
      start_peer "$peer" "" "$scenario-$peer-$run"
      "$body" "$peer" "$run"
      stop_peer
    done
  done
}

http_keepalive_body() {
  measure_wrk http_keepalive "$1" "$2" plain "$BENCH_PATH" "$TABLE_DIR/hosts.txt"
}
scenario_http_keepalive() { each_peer_and_run http_keepalive http_keepalive_body; }

https_keepalive_body() {
  measure_tool https_keepalive "$1" "$2" plain keepalive --tls \
    --connect "127.0.0.1:$BENCH_HTTPS_PORT" --names "$TABLE_DIR/tls-names.txt" \
    --connections "$BENCH_CONNECTIONS" --path "$BENCH_PATH"
}
scenario_https_keepalive() { each_peer_and_run https_keepalive https_keepalive_body; }

tls_full_body() {
  measure_tool tls_handshakes "$1" "$2" full handshakes \
    --connect "127.0.0.1:$BENCH_HTTPS_PORT" --names "$TABLE_DIR/tls-names.txt" \
    --connections "$BENCH_TLS_CONNECTIONS" --path "$BENCH_PATH"
}
scenario_tls_full() { each_peer_and_run tls_full tls_full_body; }

# Resumed: the tool keeps the newest session of each name and offers it on the next
# connection to that name; its warm-up makes the first round of full handshakes.
tls_resumed_body() {
  measure_tool tls_handshakes "$1" "$2" resumed handshakes --resume \
    --connect "127.0.0.1:$BENCH_HTTPS_PORT" --names "$TABLE_DIR/tls-names.txt" \
    --connections "$BENCH_TLS_CONNECTIONS" --path "$BENCH_PATH"
}
scenario_tls_resumed() { each_peer_and_run tls_resumed tls_resumed_body; }

# The banner page "/" and the same page without banner ("/home"), on the same start of the
# peer; the order of the two alternates from run to run. HAProxy has no equivalent: skipped.
banner_body() {
  local peer="$1" run="$2"
  if ((run % 2)); then
    measure_wrk banner "$peer" "$run" banner / "$TABLE_DIR/hosts.txt"
    measure_wrk banner "$peer" "$run" plain "$BENCH_PATH" "$TABLE_DIR/hosts.txt"
  else
    measure_wrk banner "$peer" "$run" plain "$BENCH_PATH" "$TABLE_DIR/hosts.txt"
    measure_wrk banner "$peer" "$run" banner / "$TABLE_DIR/hosts.txt"
  fi
}
scenario_banner() {
  local saved=("${PEERS[@]}") peer
  PEERS=()
  for peer in "${saved[@]}"; do [[ $peer == haproxy ]] || PEERS+=("$peer"); done
  each_peer_and_run banner banner_body
  PEERS=("${saved[@]}")
}

idle_ready() { grep -q '"open":' "$1"; }

# hold_idle OUT COUNT: COUNT idle keep-alive connections (one request each), held by a
# portico_bench_load on the client CPUs until stopped; returns once all are open.
hold_idle() {
  spawn "$1" taskset -c "$BENCH_CLIENT_CPUS" "$LOAD_BIN" idle \
    --connect "127.0.0.1:$BENCH_HTTP_PORT" --names "$TABLE_DIR/hosts.txt" \
    --connections "$2" --path "$BENCH_PATH"
  wait_for 90 "$2 idle connections ($1)" idle_ready "$1"
}

# Memory per idle keep-alive connection, at the margin: RSS of the peer's process once
# BENCH_IDLE_BASE connections are idle, and again after BENCH_IDLE_CONNECTIONS more. The base
# takes the one-off growth that opening connections 128 at a time causes (buffers of that
# many requests in flight, whatever the count held afterwards), so the difference is what
# each further idle connection costs. RSS before the base is recorded too (start).
idle_memory_body() {
  local peer="$1" run="$2" base_out="$LOG_DIR/idle_memory-$1-$2.base.load" out="$LOG_DIR/idle_memory-$1-$2.load"
  wrk_run 1 "$BENCH_PATH" "$TABLE_DIR/hosts.txt" "$LOG_DIR/idle_memory-$peer-$run.warmup"
  local start before after
  start="$(rss_kib "$PEER_PID")"
  hold_idle "$base_out" "$BENCH_IDLE_BASE"
  local base_tool="$LAST_PID"
  before="$(rss_kib "$PEER_PID")"
  hold_idle "$out" "$BENCH_IDLE_CONNECTIONS"
  local tool="$LAST_PID"
  after="$(rss_kib "$PEER_PID")"
  stop_pid "$tool"
  stop_pid "$base_tool"
  local opened held base_opened
  opened="$(grep '"open":' "$out")"
  held="$(grep '"still_open":' "$out" || echo '{}')"
  base_opened="$(grep -o '"open":[0-9]*' "$base_out" | cut -d: -f2)"
  record idle_memory "$peer" "$run" idle "$opened" \
    "\"rss_start_kib\":$start,\"base_connections\":$base_opened,\"rss_before_kib\":$before,\"rss_after_kib\":$after,\"hold\":$held"
}
scenario_idle_memory() { each_peer_and_run idle_memory idle_memory_body; }

reload_count() { count_lines "$PEER_LOG" '"msg":"reloaded"'; }
reloaded_more_than() { (($(reload_count) > $1)); }

# Portico only: the time from starting the process to its "started" line with the big table
# (BENCH_BIG_TENANTS), then BENCH_RELOADS reloads (SIGHUP -> "reloaded") while wrk keeps
# requesting hosts of the big table from before the first reload until after the last one;
# every request must succeed.
scenario_tenants_big() {
  local run
  for ((run = 1; run <= BENCH_RUNS; run++)); do
    say "tenants_big: portico with $BENCH_BIG_TENANTS tenants, run $run of $BENCH_RUNS"
    start_peer portico "$RUN_DIR/portico-big.toml" "tenants_big-portico-$run"
    local started load_seconds
    started="$(log_time_seconds "$PEER_LOG" '"msg":"started"')"
    load_seconds="$(seconds_between "$PEER_SPAWNED" "$started")"

    # wrk runs until it is interrupted (it prints its summary on SIGINT).
    local wrk_out="$LOG_DIR/tenants_big-$run.wrk"
    spawn "$wrk_out" env BENCH_HOSTS_FILE="$TABLE_DIR/hosts-big.txt" BENCH_PATH="$BENCH_PATH" \
      taskset -c "$BENCH_CLIENT_CPUS" wrk -t "$BENCH_WRK_THREADS" -c "$BENCH_CONNECTIONS" \
      -d 3600s --timeout 5s -s "$BENCH_DIR/wrk/rotate_hosts.lua" \
      "http://127.0.0.1:$BENCH_HTTP_PORT$BENCH_PATH"
    local wrk_pid="$LAST_PID" reloads="" k
    sleep 1  # traffic first, so every reload happens under load
    for ((k = 1; k <= BENCH_RELOADS; k++)); do
      local seen sent done_at logged
      seen="$(reload_count)"
      sent="$EPOCHREALTIME"
      kill -HUP "$PEER_PID"
      wait_for 300 "portico to log reload $k" reloaded_more_than "$seen"
      done_at="$(log_time_seconds "$PEER_LOG" '"msg":"reloaded"' "$k")"
      logged="$(log_field "$PEER_LOG" '"msg":"reloaded"' seconds "$k")"
      reloads+="${reloads:+,}{\"wall_seconds\":$(seconds_between "$sent" "$done_at"),\"logged_seconds\":$logged}"
      sleep 1  # requests on the new table before the next reload or the end
    done
    alive "$wrk_pid" || die "wrk ended early: $wrk_out"
    kill -INT "$wrk_pid"
    wait "$wrk_pid" || die "wrk failed during the reloads: $wrk_out"
    forget "$wrk_pid"
    local json
    json="$(json_line "$wrk_out")" || die "no result line from wrk: $wrk_out"
    if grep -q '"msg":"reload refused' "$PEER_LOG"; then die "a reload was refused: $PEER_LOG"; fi
    local tls=false
    ((BENCH_BIG_TLS)) && tls=true
    record tenants_big portico "$run" reload "$json" \
      "\"tenants\":$BENCH_BIG_TENANTS,\"tls\":$tls,\"load_seconds\":$load_seconds,\"reloads\":[$reloads]"
    stop_peer
  done
}

# With the heap Portico runs with: it restarts itself with glibc's malloc on transparent huge
# pages (proxy/main.cpp), which the 1M-tenant host tables feel (fewer TLB misses).
scenario_micro() {
  say "microbenchmarks (pinned to CPU $BENCH_PROXY_CPUS)"
  GLIBC_TUNABLES=glibc.malloc.hugetlb=1 taskset -c "$BENCH_PROXY_CPUS" "$MICRO_BIN" --benchmark_repetitions="$BENCH_RUNS" \
    --benchmark_min_time="$BENCH_MICRO_MIN_TIME" --benchmark_display_aggregates_only=true \
    --benchmark_out="$WORK_DIR/micro.json" --benchmark_out_format=json \
    >"$LOG_DIR/micro.log" 2>&1 || die "microbenchmarks failed: $LOG_DIR/micro.log"
}
