#!/usr/bin/env bash
# ONNX export hook (run by scripts/test.sh): tests/onnx/export_tool.c trains a fully binary MLP
# and a binary CNN on a Fashion-MNIST subset through libbnn.so, exports "onnx" and "bnn-infer",
# checks bnn_infer_predict against bnn_model_predict on the 10k test images; then ONNX Runtime
# (npm onnxruntime-node, installed with --ignore-scripts: its install script downloads more
# binaries, the linux-x64 CPU ones are in the package) runs the ONNX files on the same images.
# Ends with "onnx tests: N passed, N failed" and exits non-zero on any failure.
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
DIR="$ROOT/tests/onnx"
BUILD_DIR="${BNN_BUILD_DIR:-$ROOT/build}"
DATA="${BNN_FASHION_DIR:-/usr/share/datasets/fashion-mnist}"

die() { echo "55-onnx: $*" >&2; echo "onnx tests: 0 passed, 1 failed"; exit 1; }
for tool in node npm cc; do
  command -v "$tool" > /dev/null || die "$tool missing (scripts/install-deps.sh installs it)"
done
[ -f "$BUILD_DIR/libbnn.so" ] || die "no $BUILD_DIR/libbnn.so (build the library first)"
[ -f "$DATA/t10k-images-idx3-ubyte.gz" ] || die "no Fashion-MNIST in $DATA (package dataset-fashion-mnist)"

echo "-- npm dependencies (tests/onnx/package-lock.json)"
(cd "$DIR" && { npm ci --ignore-scripts --no-audit --no-fund --loglevel=error ||
                npm install --ignore-scripts --no-audit --no-fund --loglevel=error; }) || die "npm install failed"

OUT="$(mktemp -d /tmp/bnn-onnx-XXXXXX)"
trap 'rm -rf "$OUT"' EXIT
cc -O2 -std=c99 -Wall -Wextra -I "$ROOT/include" -I "$ROOT/bench/common" "$DIR/export_tool.c" -L"$BUILD_DIR" -lbnn -lm \
   -Wl,-rpath,"$BUILD_DIR" -o "$OUT/export_tool" || die "export_tool did not build"

pass=0; fail=0
echo "-- train, export, bnn-infer vs bnn_model_predict"
if "$OUT/export_tool" "$DATA" "$OUT" 6000; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
if [ -f "$OUT/mlp.onnx" ] && [ -f "$OUT/cnn.onnx" ]; then
  echo "-- ONNX Runtime vs bnn_model_predict"
  report="$(mktemp)"
  (cd "$DIR" && BNN_ONNX_DIR="$OUT" node --test --test-reporter=tap onnx.test.mjs) | tee "$report"
  status=${PIPESTATUS[0]}
  p="$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$report" | tail -n 1)"
  f="$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$report" | tail -n 1)"
  rm -f "$report"
  p="${p:-0}"; f="${f:-0}"
  if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  pass=$((pass + p)); fail=$((fail + f))
fi
echo "onnx tests: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
