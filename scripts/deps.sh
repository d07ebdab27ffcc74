#!/usr/bin/env bash
# Installs the Debian 12 packages pagerace needs, only those missing.
# Run as root (apt). Used by setup.sh and test.sh.
set -euo pipefail
packages=(g++ cmake ninja-build pkg-config libfmt-dev nlohmann-json3-dev libcli11-dev
          libtomlplusplus-dev libxxhash-dev libgtest-dev libbenchmark-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "pagerace: missing packages: ${missing[*]}; run as root to install them" >&2
    exit 2
  fi
  echo "pagerace: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
