#!/usr/bin/env bash
# Runs every kernel benchmark (each variant of each family, roofline probes, OpenBLAS peer) and
# the end-to-end training-step benchmark, single-threaded, and writes docs/PERFORMANCE.md with
# ratio tables. Not part of the test command. Usage:
#   scripts/bench.sh                       # build into ./build-bench, write docs/PERFORMANCE.md
#   BNN_BENCH_MIN_TIME=1 scripts/bench.sh  # longer runs, steadier numbers
#   BNN_BENCH_OUT=/tmp/perf.md scripts/bench.sh
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${BNN_BENCH_BUILD_DIR:-$ROOT/build-bench}"
OUT="${BNN_BENCH_OUT:-$ROOT/docs/PERFORMANCE.md}"
MIN_TIME="${BNN_BENCH_MIN_TIME:-0.3}"
JOBS="${BNN_JOBS:-2}"

cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBNN_BUILD_TESTS=OFF > /dev/null
cmake --build "$BUILD" -j "$JOBS" --target bnn_bench_kernels bnn_bench_train
RES="$BUILD/bench-results"
mkdir -p "$RES"
# One thread everywhere: the targets are single-thread numbers.
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
# Debian's OpenBLAS 0.3.21 (DYNAMIC_ARCH) does not recognise Zen 4 and falls back to its SSE3
# "Prescott" kernels; give it its best kernels for this CPU so that the peer is a fair one.
if [ -z "${OPENBLAS_CORETYPE:-}" ]; then
  if grep -qw avx512f /proc/cpuinfo 2>/dev/null; then export OPENBLAS_CORETYPE=SkylakeX
  elif grep -qw avx2 /proc/cpuinfo 2>/dev/null; then export OPENBLAS_CORETYPE=Haswell; fi
fi
unset BNN_FORCE_ISA
"$BUILD/bench/bnn_bench_kernels" --benchmark_min_time="$MIN_TIME" \
  --benchmark_out="$RES/kernels.json" --benchmark_out_format=json
"$BUILD/bench/bnn_bench_train" --benchmark_out="$RES/train.json" --benchmark_out_format=json
python3 "$ROOT/scripts/bench_report.py" "$RES/kernels.json" "$RES/train.json" \
  "scripts/bench.sh (BNN_BENCH_MIN_TIME=$MIN_TIME)" > "$OUT"
echo "wrote $OUT"
