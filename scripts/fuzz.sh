#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan + coverage) in their own build folder and
# runs one for a chosen time, on one core, growing its corpus in a scratch folder seeded from
# tests/fuzz/corpus/TARGET (the repo's seeds are not modified; copy new finds there by hand).
#   scripts/fuzz.sh TARGET SECONDS [extra libFuzzer flags...]
#   scripts/fuzz.sh list
# TARGET: load_buffer, json, configure, roundtrip, api_sequence, infer_load.
# Environment: BNN_FUZZ_BUILD_DIR [/tmp/build-fuzz], BNN_FUZZ_WORK_DIR [/tmp/bnn-fuzz/TARGET],
# BNN_JOBS [2]. Crashes are written to the work folder as crash-*; replay one with
#   $BNN_FUZZ_BUILD_DIR/tests/fuzz_TARGET crash-...
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
TARGETS="load_buffer json configure roundtrip api_sequence infer_load"
if [ "${1:-}" = list ]; then echo "$TARGETS"; exit 0; fi
if [ $# -lt 2 ]; then
  echo "usage: scripts/fuzz.sh TARGET SECONDS [libFuzzer flags...]   (targets: $TARGETS)" >&2
  exit 2
fi
TARGET="$1"; SECONDS_TO_RUN="$2"; shift 2
case " $TARGETS " in *" $TARGET "*) ;; *) echo "unknown target $TARGET ($TARGETS)" >&2; exit 2;; esac
BUILD="${BNN_FUZZ_BUILD_DIR:-/tmp/build-fuzz}"
WORK="${BNN_FUZZ_WORK_DIR:-/tmp/bnn-fuzz/$TARGET}"
JOBS="${BNN_JOBS:-2}"

CC=clang-14 CXX=clang++-14 cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DBNN_FUZZ=ON -DBNN_SANITIZE=address,undefined -DBNN_BUILD_BENCH=OFF -DBNN_BUILD_CLI=ON \
  > "$BUILD.cmake.log" 2>&1 || { cat "$BUILD.cmake.log"; exit 1; }
cmake --build "$BUILD" -j "$JOBS" --target "fuzz_$TARGET"

mkdir -p "$WORK/corpus"
cp -n "$ROOT/tests/fuzz/corpus/$TARGET/"* "$WORK/corpus/" 2>/dev/null || true
DICT=()
[ -f "$ROOT/tests/fuzz/$TARGET.dict" ] && DICT=(-dict="$ROOT/tests/fuzz/$TARGET.dict")
cd "$WORK"
# One job, one worker: the machine is shared. -rss_limit_mb keeps a runaway allocation a finding.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
exec "$BUILD/tests/fuzz_$TARGET" -max_total_time="$SECONDS_TO_RUN" -jobs=1 -workers=1 \
  -rss_limit_mb=2048 -max_len=16384 -timeout=30 -print_final_stats=1 "${DICT[@]}" "$@" \
  "$WORK/corpus"
