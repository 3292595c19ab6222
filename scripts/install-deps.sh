#!/usr/bin/env bash
# Installs, from Debian's packages only, whatever msgsim needs and the
# machine lacks. Safe to run again: it installs nothing when all is there.
# Usage: scripts/install-deps.sh [--notebooks]
#   --notebooks  also the Jupyter packages that run notebooks/ (Debian's python3)
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config git ca-certificates
  libsodium-dev libboost-graph-dev libfmt-dev libcli11-dev libtomlplusplus-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev libbenchmark-dev
)
if [[ "${1:-}" == "--notebooks" ]]; then
  packages+=(python3 python3-nbformat python3-nbclient python3-ipykernel jupyter-nbconvert python3-matplotlib)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: everything is already installed"
  exit 0
fi

sudo=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-deps: run as root (or install sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
