#!/usr/bin/env bash
# WebAssembly hook (run by scripts/test.sh): builds the wasm module and demo with wasm/build.sh into a
# temporary folder, then runs
#   1. the JavaScript API end to end under Node, for the threaded SIMD128 (simd-mt), SIMD128 and
#      scalar builds, and its 0.2 additions (datasets, the core trainer, typed parameters, metadata,
#      deployment exports); the threaded build on 2 threads: its pool thread runs tasks, and
#      training is bit-identical to the single-thread build;
#   2. the cross-build test (native-trained model in wasm and back), against $BNN_BUILD_DIR/libbnn.so;
#   3. the npm package: npm pack -> install into an empty project -> import 'libbnn' in Node, an
#      esbuild bundle of it, and tsc --strict against bnn.d.ts (typescript and esbuild from npm);
#   4. the demo page in Debian's Chromium through playwright-core (screenshots in $BNN_ARTIFACTS),
#      cross-origin isolated (COOP/COEP: 2 threads) and without the headers (one thread, a note).
# Ends with "wasm tests: N passed, N failed" and exits non-zero on any failure.
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
WASM="$ROOT/wasm"
export NODE_PATH="${NODE_PATH:+$NODE_PATH:}/usr/share/nodejs"
export BNN_ARTIFACTS="${BNN_ARTIFACTS:-/tmp/bnn-artifacts}"
BUILD_DIR="${BNN_BUILD_DIR:-$ROOT/build}"

die() { echo "60-wasm: $*" >&2; echo "wasm tests: 0 passed, 1 failed"; exit 1; }
for tool in node npm em++; do
  command -v "$tool" > /dev/null || die "$tool missing (scripts/install-deps.sh installs it)"
done

echo "-- npm dependencies (wasm/package-lock.json)"
(cd "$WASM" && { npm ci --no-audit --no-fund --loglevel=error || npm install --no-audit --no-fund --loglevel=error; }) \
  || die "npm install failed"

rm -f "$BNN_ARTIFACTS"/wasm/*.png "$BNN_ARTIFACTS"/wasm/*.bnn
OUT="$(mktemp -d /tmp/bnn-wasm-XXXXXX)"
trap 'rm -rf "$OUT" "$OUT.tool"' EXIT
echo "-- wasm/build.sh $OUT"
bash "$WASM/build.sh" "$OUT" > "$OUT.build.log" 2>&1 || { tail -n 60 "$OUT.build.log"; rm -f "$OUT.build.log"; die "wasm build failed"; }
rm -f "$OUT.build.log"
export BNN_WASM_DIR="$OUT"

# The native half of the cross-build test: a small C program over the public ABI.
if [ -f "$BUILD_DIR/libbnn.so" ]; then
  mkdir -p "$OUT.tool"
  cc -O2 -std=c99 -D_POSIX_C_SOURCE=199309L -Wall -Wextra -I "$ROOT/include" "$WASM/tests/native_tool.c" \
     -L"$BUILD_DIR" -lbnn -Wl,-rpath,"$BUILD_DIR" -o "$OUT.tool/native_tool" || die "native_tool did not build"
  export BNN_NATIVE_TOOL="$OUT.tool/native_tool"
else
  echo "60-wasm: warning: no native $BUILD_DIR/libbnn.so: the cross-build test is skipped" >&2
fi

# Node's --no-experimental-fetch (Emscripten 3.1.6 under Node 20, TOOLCHAIN.md) for the module
# tests; not for the browser test: playwright-core needs Node's fetch classes.
pass=0; fail=0; skip=0
run_tests() {
  local report status p f s
  report="$(mktemp)"
  (cd "$WASM" && node "$@") | tee "$report"
  status=${PIPESTATUS[0]}
  p="$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$report" | tail -n 1)"
  f="$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$report" | tail -n 1)"
  s="$(sed -n 's/^# skipped \([0-9]*\)$/\1/p' "$report" | tail -n 1)"
  rm -f "$report"
  p="${p:-0}"; f="${f:-0}"
  if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + ${s:-0}))
}
echo "-- Node: JavaScript API (three flavours), threads, trainer and exports, cross-build"
run_tests --no-experimental-fetch --test --test-reporter=tap --test-concurrency=1 \
  tests/api.test.mjs tests/threads.test.mjs tests/trainer.test.mjs tests/cross.test.mjs
echo "-- npm package: npm pack, install, Node, esbuild, tsc"
run_tests --test --test-reporter=tap tests/package.test.mjs
echo "-- Chromium: the demo page"
run_tests --test --test-reporter=tap tests/browser.test.mjs
[ -d "$BNN_ARTIFACTS/wasm" ] && echo "screenshots: $(ls "$BNN_ARTIFACTS"/wasm/*.png 2>/dev/null | tr '\n' ' ')"
echo "wasm tests: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
