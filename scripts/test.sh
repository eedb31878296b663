#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, and runs every test suite:
#   1. native build (Release) + ctest (unit, slow, bindings, CLI);
#   2. the unit suite again under AddressSanitizer + UndefinedBehaviorSanitizer;
#   3. every hook in scripts/test.d/ (wasm/Node/browser, fuzz corpora replay, ...).
# Prints one closing line "N passed, N failed" for the hooks and exits non-zero on any failure.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
bash scripts/install-deps.sh
export PATH="/root/.cargo/bin:$PATH"
JOBS="${BNN_JOBS:-$(nproc)}"
BUILD="${BNN_BUILD_DIR:-$ROOT/build}"
ASAN_BUILD="${BNN_ASAN_BUILD_DIR:-$ROOT/build-asan}"

echo "== native build ($BUILD)"
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build "$BUILD" -j "$JOBS"
echo "== native tests"
(cd "$BUILD" && ctest --output-on-failure -j "$JOBS" --timeout 1500)

echo "== unit tests under ASan + UBSan ($ASAN_BUILD)"
cmake -S . -B "$ASAN_BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DBNN_SANITIZE=address,undefined -DBNN_BUILD_BENCH=OFF > /dev/null
# Only the targets whose tests carry the unit label (tests/CMakeLists.txt, tests/cli/tests.cmake):
# the slow, crash and fuzz-replay targets are not run here.
cmake --build "$ASAN_BUILD" -j "$JOBS" --target bnn_tests bnn_cli_tests
(cd "$ASAN_BUILD" && ctest --output-on-failure -j "$JOBS" -L unit)

echo "== native and sanitizer stages done after ${SECONDS}s"
passed=0; failed=0
for hook in scripts/test.d/*.sh; do
  [ -e "$hook" ] || continue
  echo "== hook $hook (at ${SECONDS}s)"
  if BNN_BUILD_DIR="$BUILD" bash "$hook"; then passed=$((passed+1)); else failed=$((failed+1)); echo "FAILED: $hook"; fi
done
echo "== all stages done after ${SECONDS}s"
echo "test hooks: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
