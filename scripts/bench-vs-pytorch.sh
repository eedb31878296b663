#!/usr/bin/env bash
# Training throughput of the same binary MLP in libbnn and in PyTorch (python3-torch), same
# machine, same thread count, in one run; prints both and the ratio. Usage:
#   bash scripts/bench-vs-pytorch.sh [THREADS] [STEPS]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
THREADS="${1:-$(nproc)}"
STEPS="${2:-60}"
BUILD="${BNN_BUILD_DIR:-$ROOT/build}"
if [ ! -x "$BUILD/bnn" ]; then
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release > /dev/null
  cmake --build "$BUILD" --target bnn_cli -j "$(nproc)"
fi
dpkg-query -W python3-torch > /dev/null 2>&1 || apt-get install -y -qq python3-torch > /dev/null
ours=$("$BUILD/bnn" bench-train --threads "$THREADS" --steps "$STEPS")
theirs=$(/usr/bin/python3 "$ROOT/bench/peers/pytorch_binary_mlp.py" --threads "$THREADS" --steps "$STEPS")
echo "$ours"
echo "$theirs"
/usr/bin/python3 - "$ours" "$theirs" <<'PY'
import json, sys
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print("| framework | samples/s |\n|---|---|")
print(f"| libbnn ({a['isa']}, {a['threads']} threads) | {a['samples_per_second']:.0f} |")
print(f"| PyTorch {b['torch']} ({b['threads']} threads) | {b['samples_per_second']:.0f} |")
print(f"libbnn / PyTorch = {a['samples_per_second'] / b['samples_per_second']:.2f}x")
PY
