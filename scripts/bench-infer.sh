#!/usr/bin/env bash
# Inference side by side, in one run on the same images (the first 1000 Fashion-MNIST test
# images): bnn-infer (bnn_infer_predict) vs libbnn's own bnn_model_predict vs ONNX Runtime
# (npm onnxruntime-node) on the exported ONNX file, batch 1 and batch 100, for the fully binary
# MLP 784-1024x3-10 and the Fashion CNN (examples/cnn_fashion_mnist.json); file sizes against
# the float checkpoint. Prints a markdown table (docs/PEERS.md keeps a copy). Usage:
#   bash scripts/bench-infer.sh [SECONDS per measurement, default 3]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SECONDS_EACH="${1:-3}"
BUILD="${BNN_BUILD_DIR:-$ROOT/build}"
DATA="${BNN_FASHION_DIR:-/usr/share/datasets/fashion-mnist}"
if [ ! -f "$BUILD/libbnn.so" ]; then
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release > /dev/null
  cmake --build "$BUILD" --target libbnn.so -j "$(nproc)"
fi
(cd "$ROOT/tests/onnx" && { npm ci --ignore-scripts --no-audit --no-fund --loglevel=error > /dev/null ||
                            npm install --ignore-scripts --no-audit --no-fund --loglevel=error > /dev/null; })
OUT="$(mktemp -d /tmp/bnn-bench-infer-XXXXXX)"
trap 'rm -rf "$OUT"' EXIT
cc -O2 -std=c99 -Wall -Wextra -I "$ROOT/include" -I "$ROOT/bench/common" "$ROOT/bench/infer/bench_infer.c" -L"$BUILD" -lbnn \
   -Wl,-rpath,"$BUILD" -o "$OUT/bench_infer"
ours="$("$OUT/bench_infer" "$DATA" "$OUT" "$ROOT/examples/cnn_fashion_mnist.json" "$SECONDS_EACH")"
theirs="$(node "$ROOT/bench/infer/bench_ort.mjs" "$OUT" "$SECONDS_EACH")"
isa="$(cc -x c - -I "$ROOT/include" -L"$BUILD" -lbnn -Wl,-rpath,"$BUILD" -o "$OUT/isa" <<'C' && "$OUT/isa"
#include <stdio.h>
#include "bnn/bnn.h"
int main(void) { printf("%s", bnn_get_isa()); return 0; }
C
)"
printf '%s\n%s\n' "$ours" "$theirs" > "$OUT/results.jsonl"
/usr/bin/python3 - "$OUT/results.jsonl" "$isa" "$(nproc)" "$(uptime | sed 's/.*load average: //')" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
isa, cores, load = sys.argv[2], sys.argv[3], sys.argv[4]
t = {(r["model"], r["engine"], r["batch"]): r["us_per_call"] for r in rows if "engine" in r}
sizes = {r["model"]: r for r in rows if "checkpoint_bytes" in r}
names = {"mlp": "binary MLP 784-1024x3-10", "cnn": "Fashion CNN"}
print(f"libbnn ISA {isa}, {cores} cores, load average {load}; best pass over 1000 images, "
      "microseconds per call")
print("\n| model | batch | bnn-infer | bnn_model_predict | ONNX Runtime | ORT 1 thread | predict / bnn-infer | ORT / bnn-infer | ORT 1 thread / bnn-infer |")
print("|---|---|---|---|---|---|---|---|---|")
for m in ("mlp", "cnn"):
    for b in (1, 100):
        i, p = t[(m, "bnn-infer", b)], t[(m, "bnn_model_predict", b)]
        o, o1 = t[(m, "onnxruntime", b)], t[(m, "onnxruntime-1thread", b)]
        print(f"| {names[m]} | {b} | {i:.0f} | {p:.0f} | {o:.0f} | {o1:.0f} | {p/i:.1f}x | {o/i:.1f}x | {o1/i:.1f}x |")
print("\n| model | float checkpoint (.bnn) | bnn-infer | ratio | ONNX |")
print("|---|---|---|---|---|")
for m in ("mlp", "cnn"):
    s = sizes[m]
    print(f"| {names[m]} | {s['checkpoint_bytes']:,} | {s['bnn_infer_bytes']:,} | "
          f"1/{s['checkpoint_bytes']/s['bnn_infer_bytes']:.0f} | {s['onnx_bytes']:,} |")
PY
