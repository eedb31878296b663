#!/usr/bin/env bash
# Installs everything libbnn needs to build, test and run, from Debian packages (as root).
# Safe to run repeatedly; skips apt when every package is already there.
set -euo pipefail
PKGS=(build-essential cmake ninja-build pkg-config clang libclang-rt-14-dev
      libsimde-dev nlohmann-json3-dev libgtest-dev libbenchmark-dev zlib1g-dev
      dataset-fashion-mnist libopenblas-dev
      emscripten binaryen wabt chromium golang-go libcli11-dev
      python3 python3-numpy python3-pytest python3-setuptools python3-venv python3-matplotlib
      openmpi-bin libopenmpi-dev)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
# Node and npm may come from another source than Debian's packages (whose npm conflicts with a
# newer nodejs): install them only when the commands are missing.
command -v node > /dev/null || missing+=(nodejs)
command -v npm > /dev/null || missing+=(npm)
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# Rust comes with rustup on these machines; make it visible to scripts.
if [ -d /root/.cargo/bin ]; then export PATH="/root/.cargo/bin:$PATH"; fi
