#!/usr/bin/env bash
# Installs every Debian package semra needs to build, test, benchmark and plot.
# Idempotent: when everything is present it only checks and returns (about a second).
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libeigen3-dev libtomlplusplus-dev libcli11-dev nlohmann-json3-dev
  libgtest-dev googletest libbenchmark-dev
  libmatio-dev gnuplot-nox
  libopenmpi-dev openmpi-bin
  clang libclang-rt-14-dev  # `make fuzz`: libFuzzer + sanitizer runtimes (only a Recommends of clang)
  pybind11-dev python3-dev python3-numpy python3-pytest
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "install-deps: need root or sudo to install: ${missing[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "install-deps: done"
