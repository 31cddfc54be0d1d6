#!/usr/bin/env bash
# Installs the Debian 12 packages maskd needs to build, test and benchmark.
# Idempotent and quiet when everything is already there. Needs root (or sudo).
set -euo pipefail

packages=(
  build-essential pkg-config cmake meson ninja-build clang-format git
  libsimdjson-dev libhyperscan-dev libmimalloc-dev libssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  liburing-dev node-llhttp libyaml-cpp-dev
  nodejs python3 wrk curl
  python3-fastapi python3-uvicorn
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

echo "setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q >/dev/null
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
