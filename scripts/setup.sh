#!/usr/bin/env bash
# scripts/setup.sh: installs what Portico needs to build, test and run its demo on Debian 12
# (as root). Installs only what is missing, so it is cheap to run again. Extra package names
# given as arguments are installed the same way (scripts/fuzz.sh passes clang's).
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libboost1.81-dev libboost-json1.81-dev libssl-dev libre2-dev libtomlplusplus-dev
  libgtest-dev libbenchmark-dev
  openssl curl ca-certificates python3
  prometheus  # promtool checks the /metrics format in the integration tests
  pebble      # a real ACME server (with pebble-challtestsrv) for the ACME tests and demo
  "$@"
)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "setup: missing packages: ${missing[*]}; run as root (or: sudo $0)" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
