#!/usr/bin/env bash
# scripts/acme-demo.sh: watch Portico obtain certificates for custom domains by itself.
# Starts Pebble (a local ACME CA, Debian package `pebble`) with pebble-challtestsrv as its
# DNS (every name is 127.0.0.1), the demo portal app, and Portico with an [acme] section;
# maps a custom domain, shows its certificate arriving, then maps another one by a reload
# and opens a connection at once (the handshake waits for its certificate).
#   scripts/acme-demo.sh            # the demo; Ctrl-C stops everything
#   scripts/acme-demo.sh --measure  # instead: reload-to-served and on-demand handshake times (5 runs)
set -euo pipefail
cd "$(dirname "$0")/.."
measure=false
[[ "${1:-}" == "--measure" ]] && measure=true

# PORTICO_BUILD=build/dev uses an existing build instead of building the release preset.
build=${PORTICO_BUILD:-build/release}
if [[ -z "${PORTICO_BUILD:-}" ]]; then
  scripts/setup.sh
  cmake --preset release >/dev/null
  cmake --build --preset release --target portico demo_portal
fi
certs/make-dev-certs.sh --config config/portico.toml --out certs/out >/dev/null

work=$PWD/var/acme-demo
rm -rf "$work"
mkdir -p "$work/storage"
# Pebble's own HTTPS certificate, from a throwaway CA that Portico is told to trust.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/https-ca.key" \
  -out "$work/https-ca.pem" -days 7 -subj /CN=pebble-https-demo-ca 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/pebble.key" \
  -out "$work/pebble.csr" -subj /CN=localhost 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$work/ext.cnf"
openssl x509 -req -in "$work/pebble.csr" -CA "$work/https-ca.pem" -CAkey "$work/https-ca.key" \
  -CAcreateserial -out "$work/pebble.pem" -days 7 -extfile "$work/ext.cnf" 2>/dev/null
cat >"$work/pebble.json" <<JSON
{"pebble":{"listenAddress":"127.0.0.1:14000","managementListenAddress":"127.0.0.1:15000",
 "certificate":"$work/pebble.pem","privateKey":"$work/pebble.key",
 "httpPort":8080,"tlsPort":5001,"ocspResponderURL":"","externalAccountBindingRequired":false}}
JSON
cat >"$work/portico.toml" <<TOML
[server]
http_listen  = ["127.0.0.1:8080"]   # Pebble validates HTTP-01 here
https_listen = ["127.0.0.1:8443"]

[upstream]
servers = ["127.0.0.1:9000"]

[tls]
certificate = "$PWD/certs/out/portal.localhost.pem"   # default; no cert_dir: custom domains come from ACME

[acme]
directory      = "https://127.0.0.1:14000/dir"
email          = "ops@example.test"
storage_dir    = "storage"
ca_bundle      = "https-ca.pem"
handshake_wait = "20s"

[log]
access = "off"

[[tenant]]
org_id = "60001234"
name = "Acme Corporation"
portal_name = "acme"
custom_domains = ["billing.acme.localhost"]
TOML

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

pebble-challtestsrv -management 127.0.0.1:8055 -dns01 127.0.0.1:8053 -http01 "" -https01 "" \
  -tlsalpn01 "" -defaultIPv4 127.0.0.1 -defaultIPv6 "" >"$work/challtestsrv.log" 2>&1 &
pids+=($!)
PEBBLE_VA_NOSLEEP=1 pebble -config "$work/pebble.json" -dnsserver 127.0.0.1:8053 >"$work/pebble.log" 2>&1 &
pids+=($!)
"$build/tests/demo_portal" --listen 127.0.0.1:9000 --threads 2 >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do
  curl -s -o /dev/null --cacert "$work/https-ca.pem" https://127.0.0.1:14000/dir && break
  sleep 0.1
done
"$build/portico" --config "$work/portico.toml" >"$work/portico.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do
  curl -s -o /dev/null http://127.0.0.1:9901/healthz && break
  sleep 0.1
done

curl -s --cacert "$work/https-ca.pem" https://127.0.0.1:15000/roots/0 >"$work/pebble-root.pem"
trust=(--cacert "$work/pebble-root.pem")

echo "== custom domains and their certificates (GET /domains), until billing.acme.localhost is valid"
for _ in $(seq 1 200); do
  curl -s http://127.0.0.1:9901/domains | grep -q '"state":"valid"' && break
  sleep 0.1
done
curl -s http://127.0.0.1:9901/domains
echo
echo "== served by Portico with Pebble's certificate (Pebble's root trusted)"
curl -s "${trust[@]}" -o /dev/null -w 'HTTP %{http_code}, verify result %{ssl_verify_result}\n' \
  https://billing.acme.localhost:8443/
openssl s_client -connect 127.0.0.1:8443 -servername billing.acme.localhost </dev/null 2>/dev/null |
  grep -E '^ *(0 s:|   i:)' | head -2

echo "== map shop.acme.localhost by a reload, and connect at once: the handshake waits for it"
sed -i 's/custom_domains = \["billing.acme.localhost"\]/custom_domains = ["billing.acme.localhost", "shop.acme.localhost"]/' \
  "$work/portico.toml"
curl -s -X POST http://127.0.0.1:9901/reload
curl -s "${trust[@]}" -o /dev/null -w 'HTTP %{http_code}, TLS handshake done after %{time_appconnect}s\n' \
  https://shop.acme.localhost:8443/
curl -s 'http://127.0.0.1:9901/resolve?host=shop.acme.localhost'
curl -s http://127.0.0.1:9901/metrics | grep '^portico_acme'

if $measure; then
  median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
  echo "== measuring (5 runs each, median)"
  : >"$work/served.txt"
  : >"$work/ondemand.txt"
  : >"$work/normal.txt"
  domains='"billing.acme.localhost", "shop.acme.localhost"'
  for i in 1 2 3 4 5; do
    domains="$domains, \"m$i.acme.localhost\""
    sed -i "s/^custom_domains = .*/custom_domains = [$domains]/" "$work/portico.toml"
    start=$(date +%s.%N)
    curl -s -X POST http://127.0.0.1:9901/reload >/dev/null
    # on demand: the first handshake, issuance included
    curl -s "${trust[@]}" -o /dev/null -w '%{time_connect} %{time_appconnect}\n' "https://m$i.acme.localhost:8443/" |
      awk '{print $2 - $1}' >>"$work/ondemand.txt"
    end=$(date +%s.%N)
    awk -v a="$end" -v b="$start" 'BEGIN {print a - b}' >>"$work/served.txt"
    # a normal handshake, certificate already there
    curl -s "${trust[@]}" -o /dev/null -w '%{time_connect} %{time_appconnect}\n' "https://m$i.acme.localhost:8443/" |
      awk '{print $2 - $1}' >>"$work/normal.txt"
  done
  echo "mapping (POST /reload) -> certificate served, seconds:  $(median <"$work/served.txt")  (runs: $(tr '\n' ' ' <"$work/served.txt"))"
  echo "on-demand first handshake (issuance included), seconds: $(median <"$work/ondemand.txt")  (runs: $(tr '\n' ' ' <"$work/ondemand.txt"))"
  echo "normal handshake, seconds:                              $(median <"$work/normal.txt")  (runs: $(tr '\n' ' ' <"$work/normal.txt"))"
  exit 0
fi

cat <<TRY

Pebble, its DNS, the demo portal app and Portico are running (logs in var/acme-demo/).
Pebble's root (what browsers would need to trust): var/acme-demo/pebble-root.pem

  curl -s http://127.0.0.1:9901/domains
  curl -s --cacert var/acme-demo/pebble-root.pem https://billing.acme.localhost:8443/?format=json
  # map another domain: edit var/acme-demo/portico.toml, then
  curl -s -X POST http://127.0.0.1:9901/reload
  # a name no tenant maps never causes an order (default certificate, at once):
  curl -sk -o /dev/null -w '%{http_code}\n' https://random.example.localhost:8443/

Ctrl-C stops the demo.
TRY
wait
