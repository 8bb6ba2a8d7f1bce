#!/usr/bin/env bash
# certs/make-dev-certs.sh: a local development CA and the certificates the demo config needs:
# <base_domain>.pem (SANs *.<base_domain>, <base_domain>) and domains/<domain>.pem per custom
# domain. Idempotent: keeps the CA, (re)makes only missing, expiring or foreign leaves.
# Never use these outside development: the CA key sits unprotected next to the certificates.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
config="$here/../config/portico.toml"
out="$here/out"
leaf_days=90
renew_within=$((30 * 24 * 3600))   # remake leaves that expire within 30 days

usage() { echo "usage: $0 [--config FILE] [--out DIR]" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --config) [ $# -ge 2 ] || usage; config="$2"; shift 2 ;;
    --out)    [ $# -ge 2 ] || usage; out="$2"; shift 2 ;;
    -h|--help) usage ;;
    *) usage ;;
  esac
done
command -v openssl >/dev/null || { echo "openssl is required" >&2; exit 1; }
[ -f "$config" ] || { echo "no config file: $config" >&2; exit 1; }

# Prints every quoted string of the arrays assigned to key $1 in file $2 (one per line).
# Handles one-line and multi-line arrays; good enough for the shipped TOML, not a parser.
toml_array() {
  awk -v key="$1" '
    function emit(text,   s) {
      s = text
      while (match(s, /"[^"]*"/)) { print substr(s, RSTART + 1, RLENGTH - 2); s = substr(s, RSTART + RLENGTH) }
    }
    { sub(/[[:space:]]#.*$/, "") }
    collecting { emit($0); if ($0 ~ /\]/) collecting = 0; next }
    $0 ~ "^[[:space:]]*" key "[[:space:]]*=" {
      sub(/^[^=]*=/, ""); emit($0); if ($0 !~ /\]/) collecting = 1
    }' "$2"
}

toml_string() {
  sed -n -E "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*\"([^\"]*)\".*/\1/p" "$2" | head -n 1
}

config_dir="$(cd "$(dirname "$config")" && pwd)"
files=("$config")
while IFS= read -r include; do
  case "$include" in /*) files+=("$include") ;; *) files+=("$config_dir/$include") ;; esac
done < <(toml_array include "$config")

base_domain="$(toml_string base_domain "$config")"
base_domain="${base_domain:-portal.localhost}"
domains=()
for file in "${files[@]}"; do
  [ -f "$file" ] || { echo "warning: included file not found: $file" >&2; continue; }
  while IFS= read -r domain; do
    domain="$(printf '%s' "$domain" | tr '[:upper:]' '[:lower:]')"
    domain="${domain%.}"
    [[ "$domain" =~ ^[a-z0-9.-]+$ ]] || { echo "warning: skipping odd domain '$domain'" >&2; continue; }
    domains+=("$domain")
  done < <(toml_array custom_domains "$file")
done

mkdir -p "$out/domains"
ca_key="$out/dev-ca.key"
ca_pem="$out/dev-ca.pem"

if [ ! -s "$ca_key" ] || [ ! -s "$ca_pem" ]; then
  echo "making the dev CA: $ca_pem"
  (umask 077; openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$ca_key.tmp")
  openssl req -x509 -new -key "$ca_key.tmp" -sha256 -days 3650 -out "$ca_pem.tmp" \
    -subj "/O=Portico development/CN=Portico dev CA $(hostname 2>/dev/null || echo local)" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash"
  mv "$ca_key.tmp" "$ca_key"
  mv "$ca_pem.tmp" "$ca_pem"
fi
chmod 600 "$ca_key"

# True when $1 holds a leaf this CA issued, valid for 30 more days, with exactly SANs $2.
leaf_is_current() {
  local file="$1" want="$2" have
  [ -s "$file" ] || return 1
  openssl x509 -in "$file" -noout -checkend "$renew_within" >/dev/null 2>&1 || return 1
  openssl verify -CAfile "$ca_pem" "$file" >/dev/null 2>&1 || return 1
  have="$(openssl x509 -in "$file" -noout -ext subjectAltName 2>/dev/null | tail -n +2 |
          tr -d ' ' | tr ',' '\n' | sed 's/^DNS://' | sort | paste -sd, -)"
  [ "$have" = "$(printf '%s\n' ${want//,/ } | sort | paste -sd, -)" ]
}

# make_leaf FILE CN SAN1,SAN2,...: leaf certificate then its key, in one file, mode 600.
make_leaf() {
  local file="$1" cn="$2" sans="$3" work
  if leaf_is_current "$file" "$sans"; then echo "up to date: $file"; return; fi
  echo "making: $file ($sans)"
  work="$(mktemp -d)"
  (umask 077; openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/key.pem")
  openssl req -new -key "$work/key.pem" -subj "/O=Portico development/CN=$cn" -out "$work/req.pem"
  cat > "$work/ext.cnf" <<EXT
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = $(printf 'DNS:%s\n' ${sans//,/ } | paste -sd, -)
EXT
  openssl x509 -req -in "$work/req.pem" -CA "$ca_pem" -CAkey "$ca_key" \
    -set_serial "0x$(openssl rand -hex 16)" -days "$leaf_days" -sha256 \
    -extfile "$work/ext.cnf" -out "$work/cert.pem" 2>/dev/null
  (umask 077; cat "$work/cert.pem" "$work/key.pem" > "$file.tmp")
  chmod 600 "$file.tmp"
  mv "$file.tmp" "$file"
  rm -rf "$work"
}

make_leaf "$out/$base_domain.pem" "*.$base_domain" "*.$base_domain,$base_domain"
declare -A wanted=()
for domain in ${domains[@]+"${domains[@]}"}; do
  [ -n "${wanted[$domain]:-}" ] && continue
  wanted[$domain]=1
  make_leaf "$out/domains/$domain.pem" "$domain" "$domain"
done
for file in "$out"/domains/*.pem; do
  [ -e "$file" ] || continue
  name="$(basename "$file" .pem)"
  [ -n "${wanted[$name]:-}" ] || echo "note: $file is not in the config any more (Portico still loads it)"
done

cat <<DONE
dev CA: $ca_pem  (trust it: curl --cacert $ca_pem https://acme.$base_domain:8443/ ; see certs/README.md)
DONE
