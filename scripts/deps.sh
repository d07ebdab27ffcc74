#!/usr/bin/env bash
# Installs the Debian 12 packages pagerace needs, only those missing.
# Run as root (apt). Used by setup.sh and test.sh.
set -euo pipefail
packages=(g++ cmake ninja-build pkg-config libfmt-dev nlohmann-json3-dev libcli11-dev
          libtomlplusplus-dev libxxhash-dev libgtest-dev libbenchmark-dev
          # pagerace reproduce: the static probe (libc6-dev), the host mode's
          # filesystems, and the QEMU mode (docs/REALITY.md). xfsprogs and
          # btrfs-progs are optional (--fs xfs|btrfs on the host).
          libc6-dev e2fsprogs util-linux mount qemu-system-x86 busybox-static cpio gzip
          # the HTML timeline's browser test (tests/browser/timeline_test.py)
          chromium chromium-driver python3-selenium
          # the libFuzzer targets (fuzz/): clang 14 rejects some of libstdc++
          # 12's C++20 headers, clang 19 does not
          clang-19 libclang-rt-19-dev)
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
