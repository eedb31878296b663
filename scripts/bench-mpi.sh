#!/usr/bin/env bash
# Scale-out benchmark (docs/DISTRIBUTED.md): samples/s of `bnn train` on the fully binary MLP
# 784-[1024 BN sign]x3-10 BN (Adam, batch 100, one kernel thread per process) with 1 process,
# `mpirun -np 2` with the plain float reduction, and `mpirun -np 2` with the exact reduction
# (training.micro_batch 25), side by side in one run, plus the bytes each rank exchanges per step.
# Ratios, not absolute rates: the machine is shared.
#   bash scripts/bench-mpi.sh [BUILD_DIR] [TRAIN_SAMPLES] [MICRO_BATCH]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${1:-$ROOT/build}"
N="${2:-6000}"
MB="${3:-25}"
BNN="$BUILD/bnn"
DATA=/usr/share/datasets/fashion-mnist
W="$(mktemp -d)"
trap 'rm -rf "$W"' EXIT
/usr/bin/python3 - "$W" "$N" "$MB" <<'PY'
import json, sys
w, n, mb = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
sign = {"type": "sign", "ste": "clipped"}
layers = []
for i in range(3):
    layers.append({"type": "dense", "units": 1024, "use_bias": False, "kernel_quantizer": sign,
                   **({"input_quantizer": sign} if i else {})})
    layers.append({"type": "batch_norm", "momentum": 0.9, "epsilon": 1e-4})
layers.append({"type": "dense", "units": 10, "use_bias": False, "input_quantizer": sign, "kernel_quantizer": sign})
layers.append({"type": "batch_norm", "momentum": 0.9, "epsilon": 1e-4})
doc = {"input_shape": [784], "layers": layers, "optimizer": {"type": "adam", "learning_rate": 0.001},
       "weight_clip": {"mode": "fixed", "value": 1.0}, "seed": 1,
       "training": {"epochs": 1, "batch_size": 100, "validation_split": 0.0, "train_subset": n}}
json.dump(doc, open(f"{w}/plain.json", "w"))
doc["training"]["micro_batch"] = mb
json.dump(doc, open(f"{w}/exact.json", "w"))
# What each of 2 ranks sends per step (payload; Open MPI adds little): the binarised kernels'
# gradient rows of the other rank (ring reduce-scatter: half of them), their new signs for its
# own rows (bits, rows padded to 64-bit words), the batch-norm parameters' gradients (all-reduce),
# and synchronised batch norm's sums (plain) or the batch statistics (exact, int64).
kernels = [(784, 1024), (1024, 1024), (1024, 1024), (1024, 10)]
kparams = sum(r * c for r, c in kernels)
bn = [1024, 1024, 1024, 10]
bnparams = 2 * sum(bn)
params = kparams + bnparams
signs = sum(r * ((c + 63) // 64) * 8 for r, c in kernels) // 2
plain = 4 * kparams // 2 + signs + 4 * bnparams + 8 * sum(4 * c + 1 for c in bn) + 8 * 4
exact = 8 * kparams // 2 + signs + 8 * (bnparams + 2 * sum(bn) + 2) + 8 * (len(layers) + 4)
print(f"parameters: {params}; bytes each of 2 ranks sends per step: plain {plain:,} "
      f"(a whole float all-reduce of the gradients: {4 * params:,}), exact {exact:,} "
      f"(a whole int64 all-reduce: {8 * (params + 2 * sum(bn) + 1):,})")
PY
run() {  # name, launcher..., config
  local name="$1"; shift
  "$@" --data "$DATA" --threads 1 --quiet --out "$W/$name" > "$W/$name.log" 2>&1 || { cat "$W/$name.log"; exit 1; }
  /usr/bin/python3 -c "import json,sys; print(json.loads(open('$W/$name/metrics.jsonl').readline())['samples_per_second'])"
}
MPI=(mpirun --allow-run-as-root --oversubscribe -np 2)
one=$(run one "$BNN" train "$W/plain.json")
two=$(run two "${MPI[@]}" "$BNN" train "$W/plain.json")
one_x=$(run one_exact "$BNN" train "$W/exact.json")
two_x=$(run two_exact "${MPI[@]}" "$BNN" train "$W/exact.json")
/usr/bin/python3 - "$one" "$two" "$one_x" "$two_x" "$MB" <<'PY'
import sys
one, two, one_x, two_x = map(float, sys.argv[1:5])
mb = int(sys.argv[5])
print(f"| run | samples/s | vs 1 process |")
print(f"|---|---|---|")
print(f"| 1 process, 1 thread | {one:,.0f} | 1.00x |")
print(f"| mpirun -np 2, plain reduction | {two:,.0f} | {two / one:.2f}x |")
print(f"| 1 process, micro_batch {mb} (exact) | {one_x:,.0f} | {one_x / one:.2f}x |")
print(f"| mpirun -np 2, micro_batch {mb} (exact) | {two_x:,.0f} | {two_x / one:.2f}x |")
PY
