# shellcheck shell=bash
# bench/lib/peers.sh: renders the peers' configs from bench/peers/*.in, checks them, and
# starts and stops one peer at a time, pinned to the proxy CPUs. Sourced by bench/run.sh.
#
# After start_peer: PEER_PID is the process whose CPU time and memory are the peer's
# (Portico, HAProxy, nginx's single worker); PEER_MAIN is the one to signal to stop it.

PEER_PID=
PEER_MAIN=
PEER_LOG=
PEER_SPAWNED=   # $EPOCHREALTIME right before the peer's process was started

render() { python3 "$BENCH_DIR/lib/render.py" "$@"; }

render_peer_configs() {
  local common=(HTTP_PORT="$BENCH_HTTP_PORT" HTTPS_PORT="$BENCH_HTTPS_PORT"
    UPSTREAM_PORT="$BENCH_UPSTREAM_PORT" BASE_DOMAIN="$BENCH_BASE_DOMAIN"
    CERT_FILE="$CERT_FILE" CERT_DIR="$CERT_DIR" TABLE_DIR="$TABLE_DIR" RUN_DIR="$RUN_DIR")
  local https=(HTTPS_LISTEN="\"127.0.0.1:$BENCH_HTTPS_PORT\"" PORTICO_CERT_FILE="$CERT_FILE"
    PORTICO_CERT_DIR="$CERT_DIR")
  render "$BENCH_DIR/peers/portico.toml.in" "$RUN_DIR/portico.toml" "${common[@]}" "${https[@]}" \
    TENANTS_FILE="$TABLE_DIR/portico-tenants.toml"
  # The load/reload table: with https like the other scenarios, or (BENCH_BIG_TLS=0) without,
  # which leaves the certificates and their coverage checks out of the timing.
  ((BENCH_BIG_TLS)) || https=(HTTPS_LISTEN= PORTICO_CERT_FILE= PORTICO_CERT_DIR=)
  render "$BENCH_DIR/peers/portico.toml.in" "$RUN_DIR/portico-big.toml" "${common[@]}" "${https[@]}" \
    TENANTS_FILE="$TABLE_DIR/portico-tenants-big.toml"
  render "$BENCH_DIR/peers/nginx.conf.in" "$RUN_DIR/nginx.conf" "${common[@]}" \
    NGINX_USER="$(id -un)"
  render "$BENCH_DIR/peers/nginx-portal.conf.in" "$RUN_DIR/nginx-portal.conf" "${common[@]}"
  render --for-each-pem "$CERT_DIR" "$BENCH_DIR/peers/nginx-custom-domain.conf.in" \
    "$RUN_DIR/nginx-custom-domains.conf" "${common[@]}"
  render "$BENCH_DIR/peers/haproxy.cfg.in" "$RUN_DIR/haproxy.cfg" "${common[@]}"
  mkdir -p "$RUN_DIR/client_body" "$RUN_DIR/proxy_temp" "$RUN_DIR/fastcgi_temp" \
    "$RUN_DIR/uwsgi_temp" "$RUN_DIR/scgi_temp"

  say "checking the peers' configs"
  "$PORTICO_BIN" --check --config "$RUN_DIR/portico.toml" >"$LOG_DIR/check-portico.log" 2>&1 ||
    die "portico --check failed: $LOG_DIR/check-portico.log"
  nginx -t -q -c "$RUN_DIR/nginx.conf" -p "$RUN_DIR" >"$LOG_DIR/check-nginx.log" 2>&1 ||
    die "nginx -t failed: $LOG_DIR/check-nginx.log"
  haproxy -c -q -f "$RUN_DIR/haproxy.cfg" >"$LOG_DIR/check-haproxy.log" 2>&1 ||
    die "haproxy -c failed: $LOG_DIR/check-haproxy.log"
}

# peer_answers: a known host gets 200 on plain http.
peer_answers() {
  [[ $(http_status "http://127.0.0.1:$BENCH_HTTP_PORT/home" "$PROBE_HOST") == 200 ]]
}

nginx_worker_up() {
  PEER_PID="$(pgrep -P "$PEER_MAIN" | head -n 1 || true)"
  [[ -n $PEER_PID ]]
}

portico_started() { grep -q '"msg":"started"' "$PEER_LOG"; }

# start_peer NAME [CONFIG] [TAG]: starts portico, nginx or haproxy and waits until it serves.
start_peer() {
  local peer="$1" config="${2:-}" tag="${3:-$1}"
  PEER_LOG="$LOG_DIR/$tag.log"
  wait_for 10 "port $BENCH_HTTP_PORT to be free" port_free "$BENCH_HTTP_PORT"
  wait_for 10 "port $BENCH_HTTPS_PORT to be free" port_free "$BENCH_HTTPS_PORT"
  PEER_SPAWNED="$EPOCHREALTIME"
  case "$peer" in
    portico)
      spawn "$PEER_LOG" taskset -c "$BENCH_PROXY_CPUS" "$PORTICO_BIN" \
        --config "${config:-$RUN_DIR/portico.toml}"
      PEER_MAIN="$LAST_PID"
      PEER_PID="$LAST_PID"
      wait_for 300 "portico to log \"started\" ($PEER_LOG)" portico_started
      ;;
    nginx)
      spawn "$PEER_LOG" taskset -c "$BENCH_PROXY_CPUS" nginx -c "$RUN_DIR/nginx.conf" \
        -p "$RUN_DIR" -g 'daemon off;'
      PEER_MAIN="$LAST_PID"
      wait_for 20 "nginx's worker process" nginx_worker_up
      track "$PEER_PID"
      ;;
    haproxy)
      spawn "$PEER_LOG" taskset -c "$BENCH_PROXY_CPUS" haproxy -f "$RUN_DIR/haproxy.cfg" -db
      PEER_MAIN="$LAST_PID"
      PEER_PID="$LAST_PID"
      ;;
    *) die "unknown peer '$peer'" ;;
  esac
  wait_for 20 "$peer to answer on port $BENCH_HTTP_PORT ($PEER_LOG)" peer_answers
}

stop_peer() {
  [[ -n $PEER_MAIN ]] || return 0
  stop_pid "$PEER_MAIN"
  [[ $PEER_PID == "$PEER_MAIN" ]] || stop_pid "$PEER_PID"
  PEER_MAIN=
  PEER_PID=
}

# verify_peer NAME: the configs are equivalent where it matters: a subdomain and a custom
# domain reach the upstream with the right X-Portal-Org-Id, an unknown host gets 404, the
# https listener serves a custom domain by SNI; the banner shows on "/" (not for HAProxy).
# Also records the size of the plain page each peer returns.
verify_peer() {
  local peer="$1" echo body status
  start_peer "$peer" "" "verify-$peer"
  echo="$(curl -s --max-time 5 -H "Host: $PROBE_HOST" \
    "http://127.0.0.1:$BENCH_HTTP_PORT/home?format=json")"
  grep -qi "\"x-portal-org-id\",\"$PROBE_ORG\"" <<<"$echo" ||
    die "$peer: the upstream did not get X-Portal-Org-Id $PROBE_ORG for $PROBE_HOST: $echo"
  echo="$(curl -s --max-time 5 -H "Host: $PROBE_CUSTOM" \
    "http://127.0.0.1:$BENCH_HTTP_PORT/home?format=json")"
  grep -qi "\"x-portal-org-id\",\"$PROBE_ORG\"" <<<"$echo" ||
    die "$peer: the upstream did not get X-Portal-Org-Id $PROBE_ORG for $PROBE_CUSTOM: $echo"
  status="$(http_status "http://127.0.0.1:$BENCH_HTTP_PORT/home" "nobody.$BENCH_BASE_DOMAIN")"
  [[ $status == 404 ]] || die "$peer: an unknown host got $status, not 404"
  status="$(curl -sk -o /dev/null -w '%{http_code}' --max-time 5 \
    --resolve "$PROBE_TLS_CUSTOM:$BENCH_HTTPS_PORT:127.0.0.1" \
    "https://$PROBE_TLS_CUSTOM:$BENCH_HTTPS_PORT/home" || true)"
  [[ $status == 200 ]] || die "$peer: https with SNI $PROBE_TLS_CUSTOM got $status, not 200"
  body="$(curl -s --max-time 5 -H "Host: $PROBE_HOST" "http://127.0.0.1:$BENCH_HTTP_PORT/")"
  if [[ $peer != haproxy ]]; then
    grep -q 'class="portal-banner"' <<<"$body" || die "$peer: no banner on the home page"
  fi
  local size
  size="$(curl -s -o /dev/null -w '%{size_download}' --max-time 5 -H "Host: $PROBE_HOST" \
    "http://127.0.0.1:$BENCH_HTTP_PORT/home")"
  printf '{"scenario":"page_size","peer":"%s","bytes":%s}\n' "$peer" "$size" >>"$RESULTS"
  stop_peer
  say "$peer: routing, org id header, 404 for unknown hosts, SNI and banner check out"
}
