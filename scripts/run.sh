#!/usr/bin/env bash
# The README's main command: installs what is missing, builds the `bnn` tool, and trains the
# default model (a binary MLP) on the default dataset (Fashion-MNIST). Extra arguments go to
# `bnn train` (e.g. --epochs 2 --out runs/quick).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
bash scripts/install-deps.sh
BUILD="${BNN_BUILD_DIR:-$ROOT/build}"
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build "$BUILD" -j "$(nproc)" --target bnn_cli
exec "$BUILD/bnn" train "$@"
