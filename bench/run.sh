#!/usr/bin/env bash
# bench/run.sh: the benchmark kit's one command. Installs what it needs, builds the release
# preset, generates one tenant table for every peer, starts the demo portal app as the one
# upstream, then Portico, nginx and HAProxy in turn (pinned, one core each), drives them and
# writes bench/results/<date>-<time>-<commit>.md. See bench/README.md. Run as root on Debian 12.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$BENCH_DIR/.." && pwd)"
source "$BENCH_DIR/lib/common.sh"
source "$BENCH_DIR/lib/peers.sh"
source "$BENCH_DIR/lib/scenarios.sh"

# ---- knobs (bench/README.md lists them) ----
: "${BENCH_DURATION:=6}"            # seconds measured per run
: "${BENCH_WARMUP:=1}"              # seconds of unmeasured load before each measured run
: "${BENCH_RUNS:=3}"                # runs per figure; the table shows the median, min and max
: "${BENCH_SCENARIOS:=http_keepalive https_keepalive tls_full tls_resumed banner idle_memory tenants_big micro}"
: "${BENCH_PEERS:=portico nginx haproxy}"
: "${BENCH_TENANTS:=10000}"         # tenants: each has a subdomain and a custom domain
: "${BENCH_BIG_TENANTS:=100000}"    # the load/reload scenario
: "${BENCH_RELOADS:=3}"             # reloads per run of the load/reload scenario
: "${BENCH_BIG_TLS:=1}"             # 0: the load/reload config has no https (no certificates)
: "${BENCH_TLS_SUBDOMAINS:=800}"    # subdomains in the SNI rotation (wildcard certificate)
: "${BENCH_TLS_CUSTOM:=200}"        # custom domains with a certificate of their own
: "${BENCH_CONNECTIONS:=64}"        # keep-alive connections (wrk -c, HTTPS keep-alive)
: "${BENCH_TLS_CONNECTIONS:=32}"    # connections in flight in the handshake scenarios
: "${BENCH_IDLE_CONNECTIONS:=5000}" # idle keep-alive connections in the memory scenario
: "${BENCH_IDLE_BASE:=1000}"        # idle connections opened before the measured ones
: "${BENCH_WRK_THREADS:=1}"
: "${BENCH_PATH:=/home}"            # the plain portal page every throughput scenario requests
: "${BENCH_MICRO_MIN_TIME:=0.5}"    # seconds per microbenchmark repetition
: "${BENCH_PROXY_CPUS:=1}"          # taskset CPU list of the proxy under test
: "${BENCH_CLIENT_CPUS:=0}"         # of the load generator (wrk, portico_bench_load)
: "${BENCH_UPSTREAM_CPUS:=0}"       # of the upstream (demo_portal, one thread)
: "${BENCH_HTTP_PORT:=18080}"
: "${BENCH_HTTPS_PORT:=18443}"
: "${BENCH_UPSTREAM_PORT:=19000}"
: "${BENCH_BASE_DOMAIN:=portal.bench.test}"
: "${BENCH_BUILD_DIR:=$REPO_DIR/build/release}"
: "${BENCH_SKIP_BUILD:=0}"          # 1: use the binaries already in BENCH_BUILD_DIR
: "${BENCH_SKIP_INSTALL:=0}"        # 1: do not apt-get anything
: "${BENCH_WORK:=$REPO_DIR/bench/work}"   # tables, configs, logs (kept for inspection)
: "${BENCH_RESULTS_DIR:=$REPO_DIR/bench/results}"
: "${BENCH_SMOKE:=}"                # 1: mark the results as a smoke run (set automatically
                                    # when runs or durations are below what a figure needs)

export LC_ALL=C
CLK_TCK="$(getconf CLK_TCK)"
read -r -a PEERS <<<"$BENCH_PEERS"
WORK_DIR="$BENCH_WORK"
TABLE_DIR="$WORK_DIR/table"
RUN_DIR="$WORK_DIR/run"
LOG_DIR="$WORK_DIR/logs"
CERTS_OUT="$WORK_DIR/certs"         # kept between runs: making the certificates is slow
CERT_FILE="$CERTS_OUT/$BENCH_BASE_DOMAIN.pem"
CERT_DIR="$CERTS_OUT/domains"
RESULTS="$WORK_DIR/results.jsonl"
PORTICO_BIN="$BENCH_BUILD_DIR/portico"
DEMO_BIN="$BENCH_BUILD_DIR/tests/demo_portal"
LOAD_BIN="$BENCH_BUILD_DIR/bench/portico_bench_load"
MICRO_BIN="$BENCH_BUILD_DIR/bench/portico_micro_bench"
PROBE_HOST="org-0000001.$BENCH_BASE_DOMAIN"
PROBE_CUSTOM="billing.customer0000001.test"
PROBE_ORG="7000000001"

on_exit() {
  local status=$?
  trap - EXIT
  stop_all
  if ((status != 0)); then say "failed (exit $status); logs in $LOG_DIR"; fi
  exit "$status"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

install_packages() {
  ((BENCH_SKIP_INSTALL)) && return 0
  "$REPO_DIR/scripts/setup.sh" nginx haproxy wrk nghttp2-client curl util-linux procps
}

build() {
  ((BENCH_SKIP_BUILD)) && return 0
  local launcher=()
  command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  say "building the release preset (portico, demo_portal, portico_bench_load, portico_micro_bench)"
  (cd "$REPO_DIR" && cmake --preset release -DPORTICO_BENCH=ON "${launcher[@]}" >/dev/null)
  nice -n 10 cmake --build "$BENCH_BUILD_DIR" \
    --target portico demo_portal portico_bench_load portico_micro_bench
}

prepare() {
  local binary
  for binary in "$PORTICO_BIN" "$DEMO_BIN" "$LOAD_BIN" "$MICRO_BIN"; do
    [[ -x $binary ]] || die "missing $binary (build with BENCH_SKIP_BUILD=0)"
  done
  for binary in nginx haproxy wrk taskset curl python3 openssl; do
    command -v "$binary" >/dev/null || die "$binary is not installed"
  done
  for port in "$BENCH_HTTP_PORT" "$BENCH_HTTPS_PORT" "$BENCH_UPSTREAM_PORT"; do
    port_free "$port" || die "port $port is in use (set BENCH_*_PORT)"
  done
  rm -rf "$TABLE_DIR" "$RUN_DIR" "$LOG_DIR" "$RESULTS" "$WORK_DIR/micro.json"
  mkdir -p "$TABLE_DIR" "$RUN_DIR" "$LOG_DIR" "$CERTS_OUT"
  : >"$RESULTS"
  # Thousands of idle connections: take the whole hard limit for everything started here.
  local hard
  hard="$(ulimit -Hn)"
  [[ $hard == unlimited ]] && hard=1048576
  ulimit -n "$hard"
  ((BENCH_IDLE_BASE + BENCH_IDLE_CONNECTIONS + 100 <= $(ulimit -n))) ||
    die "ulimit -n is $(ulimit -n): too low for $BENCH_IDLE_CONNECTIONS idle connections"

  say "generating the tenant table: $BENCH_TENANTS tenants (subdomain + custom domain each), and $BENCH_BIG_TENANTS for the reload scenario"
  python3 "$BENCH_DIR/lib/make_table.py" --out "$TABLE_DIR" --tenants "$BENCH_TENANTS" \
    --base-domain "$BENCH_BASE_DOMAIN" --tls-subdomains "$BENCH_TLS_SUBDOMAINS" \
    --tls-custom "$BENCH_TLS_CUSTOM" --big "$BENCH_BIG_TENANTS"
  make_certificates
  PROBE_TLS_CUSTOM="$(basename "$(find "$CERT_DIR" -name '*.pem' | sort | head -n 1)" .pem)"
  [[ -n $PROBE_TLS_CUSTOM ]] || die "no custom-domain certificate in $CERT_DIR"
  render_peer_configs
}

# The wildcard certificate and one certificate per sampled custom domain, made by
# certs/make-dev-certs.sh (EC P-256, a throwaway CA); skipped when the sample is unchanged.
make_certificates() {
  local stamp="$CERTS_OUT/.sample.sha256" want
  want="$(sha256sum <"$TABLE_DIR/cert-domains.toml" | cut -d' ' -f1)"
  if [[ -f $stamp && $(cat "$stamp") == "$want" && -s $CERT_FILE ]] &&
    openssl x509 -in "$CERT_FILE" -noout -checkend $((7 * 24 * 3600)) >/dev/null; then
    say "certificates: up to date in $CERTS_OUT"
    return 0
  fi
  say "making certificates: *.$BENCH_BASE_DOMAIN and $BENCH_TLS_CUSTOM custom domains (slow the first time)"
  rm -rf "$CERT_DIR"
  "$REPO_DIR/certs/make-dev-certs.sh" --config "$TABLE_DIR/cert-domains.toml" \
    --out "$CERTS_OUT" >"$LOG_DIR/certs.log" 2>&1 || die "making certificates failed: $LOG_DIR/certs.log"
  printf '%s\n' "$want" >"$stamp"
}

upstream_answers() {
  [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 2 \
    "http://127.0.0.1:$BENCH_UPSTREAM_PORT/healthz" || true) == 200 ]]
}

start_upstream() {
  say "starting the upstream: demo_portal, one thread, on CPU $BENCH_UPSTREAM_CPUS"
  spawn "$LOG_DIR/demo_portal.log" taskset -c "$BENCH_UPSTREAM_CPUS" "$DEMO_BIN" \
    --listen "127.0.0.1:$BENCH_UPSTREAM_PORT" --threads 1
  UPSTREAM_PID="$LAST_PID"
  wait_for 20 "demo_portal to answer" upstream_answers
}

smoke_run() {
  [[ -n $BENCH_SMOKE ]] && { ((BENCH_SMOKE)); return; }
  ((BENCH_RUNS < 3)) || (($(awk -v d="$BENCH_DURATION" 'BEGIN { print (d < 5) }')))
}

write_report() {
  local commit date name smoke_flag=()
  commit="$(git -C "$REPO_DIR" rev-parse --short=10 HEAD)"
  git -C "$REPO_DIR" diff --quiet HEAD -- proxy tests bench CMakeLists.txt || commit+="-dirty"
  date="$(date -u +%Y-%m-%d-%H%M)"  # the time too: a second run on one commit keeps the first
  name="$date-$commit"
  if smoke_run; then
    name+="-smoke"
    smoke_flag=(--smoke)
  fi
  mkdir -p "$BENCH_RESULTS_DIR"
  python3 "$BENCH_DIR/lib/report.py" --results "$RESULTS" --micro "$WORK_DIR/micro.json" \
    --out "$BENCH_RESULTS_DIR/$name.md" --commit "$commit" --date "$(date -u '+%Y-%m-%d %H:%M UTC')" \
    --started "$RUN_STARTED" --finished "$EPOCHSECONDS" --load-before "$LOAD_BEFORE" \
    --portico "$PORTICO_BIN" --knobs "$(knobs)" "${smoke_flag[@]}"
  say "results: $BENCH_RESULTS_DIR/$name.md"
}

knobs() {
  local name
  for name in BENCH_DURATION BENCH_WARMUP BENCH_RUNS BENCH_SCENARIOS BENCH_PEERS BENCH_TENANTS \
    BENCH_BIG_TENANTS BENCH_RELOADS BENCH_BIG_TLS BENCH_TLS_SUBDOMAINS BENCH_TLS_CUSTOM BENCH_CONNECTIONS \
    BENCH_TLS_CONNECTIONS BENCH_IDLE_BASE BENCH_IDLE_CONNECTIONS BENCH_WRK_THREADS BENCH_PATH \
    BENCH_MICRO_MIN_TIME BENCH_PROXY_CPUS BENCH_CLIENT_CPUS BENCH_UPSTREAM_CPUS; do
    printf '%s=%s\n' "$name" "${!name}"
  done
}

main() {
  install_packages
  build
  prepare
  RUN_STARTED="$EPOCHSECONDS"
  LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
  start_upstream
  local peer scenario
  for peer in "${PEERS[@]}"; do verify_peer "$peer"; done
  for scenario in $BENCH_SCENARIOS; do
    declare -F "scenario_$scenario" >/dev/null || die "unknown scenario '$scenario'"
    upstream_answers || die "the upstream stopped answering ($LOG_DIR/demo_portal.log)"
    "scenario_$scenario"
  done
  stop_pid "$UPSTREAM_PID"
  write_report
}

main "$@"
