#!/usr/bin/env bash
# Scale-out benchmark (docs/DISTRIBUTED.md): samples/s of `bnn train` on the fully binary MLP
# 784-[1024 BN sign]x3-10 BN (Adam, batch 100, one kernel thread per process) with 1 process,
# `mpirun -np 2` with the plain float reduction, and `mpirun -np 2` with the exact reduction
# (training.micro_batch 25), side by side in one run, plus the bytes each rank exchanges per step.
# Ratios, not absolute rates: the machine is shared.
#   bash scripts/bench-mpi.sh [BUILD_DIR] [TRAIN_SAMPLES] [MICRO_BATCH] [ROUNDS]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${1:-$ROOT/build}"
N="${2:-6000}"
MB="${3:-25}"
ROUNDS="${4:-3}"
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
PY
# One round runs the four configurations in turn; ROUNDS rounds interleave them, so that a drift
# of the machine's speed touches every row alike. Each row gives the median over rounds, and the
# ratio is the median of the per-round ratios (each against the same round's 1-process run).
# BNN_MPI_STATS=1 makes each rank print what it passed to the collectives (src/cli/mpi).
MPI=(mpirun --allow-run-as-root --oversubscribe -x BNN_MPI_STATS=1 -np 2)
run() {  # name, launcher..., config
  local name="$1"; shift
  "$@" --data "$DATA" --threads 1 --quiet --out "$W/$name" > "$W/$name.log" 2>&1 || { cat "$W/$name.log"; exit 1; }
  /usr/bin/python3 -c "import json,sys; print(json.loads(open('$W/$name/metrics.jsonl').readline())['samples_per_second'])"
}
for r in $(seq "$ROUNDS"); do
  one=$(run one "$BNN" train "$W/plain.json")
  two=$(run two "${MPI[@]}" "$BNN" train "$W/plain.json")
  one_x=$(run one_exact "$BNN" train "$W/exact.json")
  two_x=$(run two_exact "${MPI[@]}" "$BNN" train "$W/exact.json")
  echo "$one $two $one_x $two_x" >> "$W/rounds"
  echo "round $r of $ROUNDS: $one $two $one_x $two_x samples/s" >&2
done
/usr/bin/python3 - "$W" "$MB" "$N" <<'PY'
import json, statistics, sys
w, mb, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rounds = [list(map(float, l.split())) for l in open(f"{w}/rounds")]
med = lambda v: statistics.median(v)
col = lambda i: [r[i] for r in rounds]
ratio = lambda i: med([r[i] / r[0] for r in rounds])
rng = lambda i: f"{min(col(i)):,.0f}-{max(col(i)):,.0f}"
print(f"{len(rounds)} rounds; samples/s: median (min-max); vs 1 process: the ratio of the medians, "
      f"and the median of the rounds' own ratios")
print(f"| run | samples/s | vs 1 process (medians) | vs 1 process (per round) |")
print(f"|---|---|---|---|")
rows = [("1 process, 1 thread", 0), ("mpirun -np 2, plain reduction", 1),
        (f"1 process, micro_batch {mb} (exact)", 2), (f"mpirun -np 2, micro_batch {mb} (exact)", 3)]
for name, i in rows:
    print(f"| {name} | {med(col(i)):,.0f} ({rng(i)}) | {med(col(i)) / med(col(0)):.2f}x | {ratio(i):.2f}x |")
# What rank 0 passed to the collectives in the last round, per step (the start's broadcast of the
# model and the epoch end's gather included), and the seconds it spent in them.
steps = (n + 99) // 100
for name in ("two", "two_exact"):
    stats = [json.loads(l.split(" ", 1)[1]) for l in open(f"{w}/{name}.log") if l.startswith("bnn-mpi-stats ")]
    s = next(x for x in stats if x["rank"] == 0)
    kinds = [k for k in s if k != "rank" and s[k]["calls"]]
    total = sum(s[k]["bytes"] for k in kinds)
    secs = sum(s[k]["seconds"] for k in kinds)
    parts = ", ".join(f"{k} {s[k]['bytes'] / steps / 1e6:.2f} MB" for k in kinds)
    print(f"{'plain' if name == 'two' else 'exact'}: {total / steps / 1e6:.2f} MB per step and rank ({parts}); "
          f"{secs:.2f} s of the epoch in collectives")
PY
