#!/usr/bin/env bash
# scripts/testssl.sh: runs testssl.sh (Debian package) against Portico serving the shipped
# demo config on loopback, with the dev CA trusted, and prints a summary of the findings.
# Starts its own demo_portal and Portico on ephemeral ports (a running demo is left alone)
# and stops them on exit. Everything stays on 127.0.0.1: no DNS lookups, no OCSP/CRL fetches.
#
#   scripts/testssl.sh                       # acme.portal.localhost (the wildcard certificate)
#   scripts/testssl.sh portal.globex.localhost acme.portal.localhost
#   scripts/testssl.sh --no-build --fast     # reuse build/release; testssl's quicker mode
#
# Reports (full text log and CSV per host) go to build/testssl/.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

build=1
testssl_flags=()
hosts=()
for arg in "$@"; do
  case "$arg" in
    --no-build) build=0 ;;
    --fast) testssl_flags+=(--fast) ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    -*) echo "testssl: unknown option $arg" >&2; exit 2 ;;
    *) hosts+=("$arg") ;;
  esac
done
((${#hosts[@]})) || hosts=(acme.portal.localhost)

scripts/setup.sh testssl.sh

if ((build)); then
  cmake --preset release >/dev/null
  cmake --build --preset release --target portico demo_portal
fi
portico="$root/build/release/portico"
demo_portal="$root/build/release/tests/demo_portal"
[[ -x "$portico" && -x "$demo_portal" ]] || { echo "testssl: build the release preset first" >&2; exit 1; }
certs/make-dev-certs.sh --config config/portico.toml --out certs/out >/dev/null

reports="$root/build/testssl"
mkdir -p "$reports"
work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

# Prints the first "<marker><address>:<port>" port in file $1 within 10 s, or fails.
wait_for_port() {
  local file="$1" pattern="$2" port=""
  for _ in $(seq 1 100); do
    port="$(grep -o -m 1 -E "$pattern" "$file" 2>/dev/null | grep -o -E '[0-9]+$' || true)"
    [[ -n "$port" ]] && { echo "$port"; return 0; }
    sleep 0.1
  done
  echo "testssl: no listening line in $file:" >&2
  cat "$file" >&2
  return 1
}

"$demo_portal" --listen 127.0.0.1:0 --threads 1 >"$work/demo_portal.log" 2>&1 &
pids+=($!)
demo_port="$(wait_for_port "$work/demo_portal.log" 'listening 127\.0\.0\.1:[0-9]+')"

# The shipped config as it is, but on ephemeral ports and with this demo_portal upstream.
# Its relative paths (../certs/out, tenants.d, ../var) resolve through the links below.
mkdir -p "$work/config"
ln -s "$root/config/tenants.d" "$work/config/tenants.d"
ln -s "$root/certs" "$work/certs"
sed -E \
  -e 's|^(http_listen *= *).*|\1["127.0.0.1:0"]|' \
  -e 's|^(https_listen *= *).*|\1["127.0.0.1:0"]|' \
  -e "s|^(servers *= *).*|\1[\"127.0.0.1:$demo_port\"]|" \
  -e "s|^(webhook *= *).*|\1\"http://127.0.0.1:$demo_port/portal-events\"|" \
  -e 's|^(listen *= *)"127\.0\.0\.1:9901"(.*)|\1"127.0.0.1:0"\2|' \
  -e 's|^(access *= *).*|\1"off"|' \
  config/portico.toml >"$work/config/portico.toml"
"$portico" --check --config "$work/config/portico.toml" >/dev/null

"$portico" --config "$work/config/portico.toml" >"$work/portico.log" 2>&1 &
pids+=($!)
https_port="$(wait_for_port "$work/portico.log" '"listener":"https","address":"127\.0\.0\.1:[0-9]+')"
echo "testssl: Portico (demo config) on https://127.0.0.1:$https_port, upstream 127.0.0.1:$demo_port"

summaries=()
for host in "${hosts[@]}"; do
  log="$reports/$host.log"
  csv="$reports/$host.csv"
  rm -f "$log" "$csv"
  echo "testssl: testing $host (full log: ${log#"$root"/})"
  # --ip: connect to loopback, send $host as SNI and Host; --nodns none: no resolver at all.
  # testssl exits with the number of findings it rates badly; the summary below says which.
  testssl --quiet --color 0 --warnings off --nodns none --ip 127.0.0.1 \
    --add-ca "$root/certs/out/dev-ca.pem" --logfile "$log" --csvfile "$csv" \
    "${testssl_flags[@]}" "https://$host:$https_port" >/dev/null || true
  [[ -s "$csv" ]] || { echo "testssl: no results for $host; see $log" >&2; exit 1; }
  summary="$reports/$host.summary.txt"
  {
    echo "== testssl.sh $(testssl --version 2>/dev/null | grep -o -m 1 -E '3\.[0-9.]+[^ ]*' || true) against $host (Portico, demo config, dev CA trusted)"
    echo "findings by severity:"
    # CSV: "id","fqdn/ip","port","severity","finding","cve","cwe" (quoted, one per line)
    fields='NR > 1 { line = $0; sub(/^"/, "", line); sub(/"$/, "", line); split(line, f, /","/) }'
    awk "$fields"' NR > 1 { n[f[4]]++ } END { for (s in n) printf "  %-8s %d\n", s, n[s] }' "$csv" | sort
    echo "findings rated LOW or worse, and warnings:"
    awk "$fields"' NR > 1 && f[4] ~ /^(LOW|MEDIUM|HIGH|CRITICAL|WARN)$/ {
      printf "  %-8s %-20s %s\n", f[4], f[1], f[5]; any = 1 } END { if (!any) print "  (none)" }' "$csv"
    echo "\"NOT ok\" and \"VULNERABLE\" lines of the log:"
    grep -E 'NOT ok|VULNERABLE' "$log" | grep -v -i 'not vulnerable' | sed 's/^ *//; s/^/  /' || echo "  (none)"
  } | tee "$summary"
  summaries+=("$summary")
done
