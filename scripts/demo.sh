#!/usr/bin/env bash
# scripts/demo.sh: the demo command. Installs what is missing, builds Portico and the demo
# portal app (release preset), makes the dev certificates, starts the demo portal app on
# 127.0.0.1:9000 and Portico on config/portico.toml, and prints a few things to try.
# Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release --target portico demo_portal
if [[ -x certs/make-dev-certs.sh ]]; then
  certs/make-dev-certs.sh --config config/portico.toml --out certs/out
fi
build/release/portico --check --config config/portico.toml

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

build/release/tests/demo_portal --listen 127.0.0.1:9000 --threads 2 &
pids+=($!)
build/release/portico --config config/portico.toml &
pids+=($!)

# Wait (bounded) until Portico answers.
for _ in $(seq 1 100); do
  curl -s -o /dev/null http://127.0.0.1:8080/ 2>/dev/null && break
  sleep 0.1
done

cat <<'TRY'

Portico is running in front of the demo portal app. *.localhost names resolve to
127.0.0.1 in curl and in browsers. Plain http redirects to https (redirect_http = true);
the dev CA is certs/out/dev-ca.pem (trust it in a browser, or pass --cacert to curl):

  export CURL_CA_BUNDLE=$PWD/certs/out/dev-ca.pem
  # http -> https, path and query kept
  curl -si http://acme.portal.localhost:8080/invoices?page=2 | head -3
  # Acme on its subdomain: the page shows the X-Portal-* context the app received
  curl -s https://acme.portal.localhost:8443/?format=json
  # Acme's old name redirects (308) to the current one, path and query kept
  curl -si https://acme-corp.portal.localhost:8443/invoices?page=2 | head -4
  # Zylker has no portal_name (generated: zylker-traders-ltd) and wants its custom domain
  curl -si https://zylker-traders-ltd.portal.localhost:8443/invoices | head -4
  curl -s  https://billing.zylker.localhost:8443/?format=json
  # Globex, through an included tenants file
  curl -s https://globex.portal.localhost:8443/?format=json
  # no tenant here: 404 from Portico, the app never sees it
  curl -si https://nobody.portal.localhost:8443/ | head -1
  # a client cannot spoof the context: the app still sees Acme's org id
  curl -s -H 'X-Portal-Org-Id: 60009012' https://acme.portal.localhost:8443/?format=json
  # Acme is notified of portal activity: accept a quote, then see the event that
  # Portico delivered to the app's webhook (/portal-events), newest first
  curl -s -X POST https://acme.portal.localhost:8443/quotes/QT-0042/accept -o /dev/null
  curl -s 'https://acme.portal.localhost:8443/events?format=json'
  # the admin listener: metrics, what a host maps to, reload
  curl -s http://127.0.0.1:9901/metrics | grep '^portico_requests_total'
  curl -s 'http://127.0.0.1:9901/resolve?host=billing.zylker.localhost'
  curl -s -X POST http://127.0.0.1:9901/reload

Open https://acme.portal.localhost:8443/ in a browser (after trusting the dev CA) to
click around the portal; Events, in its menu, lists the activity events received.
Ctrl-C stops the demo.
TRY
wait
