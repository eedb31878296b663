#!/usr/bin/env bash
# Test hook (issue 8): ThreadSanitizer over the thread pool and over independent models trained
# concurrently from several threads (tests/unit/thread_safety_test.cpp, ThreadSafety.*), plus the
# kernel tests that exercise the pool at several thread counts. Builds its own TSan build folder
# next to $BNN_BUILD_DIR (or BNN_TSAN_BUILD_DIR). About 2-4 minutes on 2 cores.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BUILD="${BNN_BUILD_DIR:-$ROOT/build}"
TSAN_BUILD="${BNN_TSAN_BUILD_DIR:-$BUILD-tsan}"
JOBS="${BNN_JOBS:-$(nproc)}"
# clang's TSan is the reference implementation; gcc's works too when clang is missing.
CXX_ARGS=()
if command -v clang++-14 >/dev/null; then CXX_ARGS=(-DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14); fi
echo "== ThreadSanitizer build ($TSAN_BUILD)"
cmake -S "$ROOT" -B "$TSAN_BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${CXX_ARGS[@]}" \
  -DBNN_SANITIZE=thread -DBNN_BUILD_BENCH=OFF -DBNN_BUILD_CLI=ON > /dev/null
cmake --build "$TSAN_BUILD" -j "$JOBS" --target bnn_tests
# halt_on_error: the first data race fails the hook; second_deadlock_stack for lock reports.
export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}"
FILTER="${BNN_TSAN_FILTER:-ThreadSafety.*:*Thread*:*thread*:*Pool*:*pool*}"
echo "== ThreadSanitizer: bnn_tests --gtest_filter=$FILTER"
"$TSAN_BUILD/tests/bnn_tests" --gtest_filter="$FILTER" --gtest_brief=1
