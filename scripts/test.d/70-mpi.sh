#!/usr/bin/env bash
# Test hook (issue 14): `mpirun -np 2 bnn train` (data-parallel over MPI) and `mpirun -np 2 bnn
# sweep` (runs sharded over the ranks). Needs the bnn tool built with MPI ($BNN_BUILD_DIR/bnn,
# CMake finds OpenMPI: scripts/install-deps.sh) and Fashion-MNIST from the Debian package.
# Checks: two -np 2 runs end with identical tensors and metrics; -np 2 reaches the one-process
# test accuracy within noise; only rank 0 wrote files; an MPI sweep runs every run once and a
# plain rerun finds them all finished. About 1-2 minutes on 2 cores.
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BUILD="${BNN_BUILD_DIR:-$ROOT/build}"
BNN="$BUILD/bnn"
DATA="${BNN_MPI_DATA:-/usr/share/datasets/fashion-mnist}"
PY=/usr/bin/python3
MPIRUN=(mpirun --allow-run-as-root --oversubscribe -np 2)
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
pass=0
fail=0
ok() { echo "PASS: $1"; pass=$((pass + 1)); }
ko() { echo "FAIL: $1"; fail=$((fail + 1)); }
finish() {
  echo "mpi tests: $pass passed, $fail failed"
  [ "$fail" -eq 0 ]
  exit $?
}

if ! command -v mpirun >/dev/null; then ko "mpirun not found (apt-get install openmpi-bin)"; finish; fi
if [ ! -x "$BNN" ]; then ko "$BNN not built"; finish; fi
if ldd "$BNN" | grep libmpi >/dev/null; then ok "bnn is built with MPI"; else ko "bnn is built without MPI"; finish; fi
SO="$(ls "$BUILD"/libbnn.so* 2>/dev/null | head -1)"
if [ -z "$SO" ]; then echo "(no libbnn.so in $BUILD: its MPI check skipped)"
elif ldd "$SO" | grep libmpi >/dev/null; then ko "libbnn.so links MPI"
else ok "libbnn.so does not link MPI"; fi

# A small binary MLP on 6000 Fashion-MNIST samples, 3 epochs.
cat > "$WORK/m.json" <<'JSON'
{"input_shape": [784],
 "layers": [
  {"type": "dense", "units": 256, "use_bias": false, "kernel_quantizer": {"type": "sign", "ste": "clipped"}},
  {"type": "batch_norm", "momentum": 0.9, "epsilon": 1e-4},
  {"type": "dense", "units": 256, "use_bias": false, "input_quantizer": {"type": "sign"},
   "kernel_quantizer": {"type": "sign", "ste": "clipped"}},
  {"type": "batch_norm", "momentum": 0.9, "epsilon": 1e-4},
  {"type": "dense", "units": 10, "use_bias": false, "input_quantizer": {"type": "sign"},
   "kernel_quantizer": {"type": "sign", "ste": "clipped"}},
  {"type": "batch_norm", "momentum": 0.9, "epsilon": 1e-4}],
 "loss": "square_hinge", "optimizer": {"type": "adam", "learning_rate": 0.003},
 "weight_clip": {"mode": "fixed", "value": 1.0}, "seed": 3,
 "training": {"epochs": 3, "batch_size": 100, "validation_split": 0.1, "train_subset": 6000}}
JSON

COMMON=(--data "$DATA" --threads 1 --quiet)
# derive SRC DST '{"key": value, ...}': DST is document SRC with those training keys changed.
derive() {
  "$PY" - "$WORK/$1" "$WORK/$2" "$3" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["training"].update(json.loads(sys.argv[3]))
json.dump(d, open(sys.argv[2], "w"))
PY
}
"$BNN" train "$WORK/m.json" --out "$WORK/np1" "${COMMON[@]}" > "$WORK/np1.log" 2>&1 \
  && ok "bnn train (1 process)" || { ko "bnn train (1 process): $(tail -3 "$WORK/np1.log")"; }
for r in a b; do
  # Run b also prints what each rank passed to the collectives (BNN_MPI_STATS).
  stats=(); [ "$r" = b ] && stats=(-x BNN_MPI_STATS=1)
  "${MPIRUN[@]}" "${stats[@]}" "$BNN" train "$WORK/m.json" --out "$WORK/np2$r" "${COMMON[@]}" > "$WORK/np2$r.log" 2>&1 \
    && ok "mpirun -np 2 bnn train ($r)" || ko "mpirun -np 2 bnn train ($r): $(tail -5 "$WORK/np2$r.log")"
done
# The kernels' gradients came from their factors (broadcasts), none through a reduce-scatter.
"$PY" - "$WORK/np2b.log" <<'PY' && ok "BNN_MPI_STATS: both ranks report; kernel gradients from factors, no reduce-scatter" \
  || ko "BNN_MPI_STATS lines missing or a reduce-scatter ran: $(grep bnn-mpi-stats "$WORK/np2b.log")"
import json, sys
stats = [json.loads(l.split(" ", 1)[1]) for l in open(sys.argv[1]) if l.startswith("bnn-mpi-stats ")]
ok = sorted(s["rank"] for s in stats) == [0, 1] and all(
    s["reduce_scatter"]["calls"] == 0 and s["broadcast"]["bytes"] > 0 and s["allreduce_f64"]["calls"] > 0 for s in stats)
sys.exit(0 if ok else 1)
PY

# Identical tensors: the bnn-infer exports of last.bnn (weights and batch norm, no timings).
for r in a b; do "$BNN" export "$WORK/np2$r/last.bnn" --format bnn-infer --out "$WORK/np2$r.infer" >/dev/null 2>&1; done
if [ -s "$WORK/np2a.infer" ] && cmp -s "$WORK/np2a.infer" "$WORK/np2b.infer"; then
  ok "two -np 2 runs end with identical tensors"
else
  ko "two -np 2 runs differ (last.bnn exports)"
fi
"$PY" - "$WORK" <<'PY' && ok "two -np 2 runs have identical metrics (timings aside)" || ko "metrics differ between two -np 2 runs"
import json, sys
w = sys.argv[1]
def load(r):
    out = []
    for line in open(f"{w}/np2{r}/metrics.jsonl"):
        rec = json.loads(line)
        for k in ("seconds", "samples_per_second"):
            rec.pop(k, None)
        out.append(rec)
    return out
a, b = load("a"), load("b")
sys.exit(0 if a == b and len(a) == 3 else 1)
PY
"$PY" - "$WORK" <<'PY' && ok "-np 2 reaches the one-process test accuracy within 0.03" || ko "-np 2 accuracy is off"
import json, sys
w = sys.argv[1]
one = json.load(open(f"{w}/np1/summary.json"))["final_test_accuracy"]
two = json.load(open(f"{w}/np2a/summary.json"))["final_test_accuracy"]
print(f"  final test accuracy: 1 process {one:.4f}, 2 ranks {two:.4f}")
sys.exit(0 if one > 0.7 and abs(one - two) <= 0.03 else 1)
PY
n_metrics=$(wc -l < "$WORK/np2a/metrics.jsonl" 2>/dev/null || echo 0)
[ "$n_metrics" = 3 ] && ok "rank 0 alone wrote metrics.jsonl (3 lines)" || ko "metrics.jsonl has $n_metrics lines, expected 3"

# A batch that does not divide over the ranks fails before training, with a message.
sed 's/"batch_size": 100/"batch_size": 101/' "$WORK/m.json" > "$WORK/m101.json"
if timeout 60 "${MPIRUN[@]}" "$BNN" train "$WORK/m101.json" --out "$WORK/bad" "${COMMON[@]}" > "$WORK/bad.log" 2>&1; then
  ko "batch 101 over 2 ranks was accepted"
elif grep -q "does not divide over 2 ranks" "$WORK/bad.log"; then
  ok "batch 101 over 2 ranks: a clear error"
else
  ko "batch 101 over 2 ranks: unclear failure: $(tail -3 "$WORK/bad.log")"
fi

# Exact reduction (training.micro_batch): -np 1 (no mpirun), -np 2 and -np 4 end with identical
# tensors (every tensor of last.bnn, read back through the Python package).
derive m.json exact.json '{"epochs": 2, "train_subset": 1200, "micro_batch": 25}'
"$BNN" train "$WORK/exact.json" --out "$WORK/ex1" "${COMMON[@]}" > "$WORK/ex1.log" 2>&1 \
  && ok "micro_batch: bnn train (1 process)" || ko "micro_batch, 1 process: $(tail -3 "$WORK/ex1.log")"
for n in 2 4; do
  mpirun --allow-run-as-root --oversubscribe -np $n "$BNN" train "$WORK/exact.json" --out "$WORK/ex$n" \
    "${COMMON[@]}" > "$WORK/ex$n.log" 2>&1 \
    && ok "micro_batch: mpirun -np $n bnn train" || ko "micro_batch, -np $n: $(tail -5 "$WORK/ex$n.log")"
done
if [ -n "$SO" ]; then
  BNN_LIBRARY="$SO" PYTHONPATH="$ROOT/bindings/python" "$PY" - "$WORK" <<'PY' \
    && ok "micro_batch: -np 1, 2 and 4 end with identical tensors" || ko "micro_batch: the tensors differ across process counts"
import sys
import numpy as np
import bnn
w = sys.argv[1]
models = {n: bnn.Model.load(f"{w}/ex{n}/last.bnn") for n in (1, 2, 4)}
names = list(models[1].tensors.keys())
same = all(np.array_equal(models[1].tensors[k], models[n].tensors[k]) for n in (2, 4) for k in names)
print(f"  {len(names)} tensors compared: {'identical' if same else 'DIFFERENT'}")
sys.exit(0 if same and names else 1)
PY
else
  ko "micro_batch: no libbnn.so in $BUILD to read the checkpoints with"
fi

# A rank killed mid-run: the job ends with an error within seconds (never a hang), last.bnn stays
# loadable, and `mpirun -np 2 bnn train --resume` ends with the tensors of an uninterrupted run.
derive exact.json long.json '{"epochs": 3, "train_subset": 6000, "checkpoint_every_steps": 5}'
"$BNN" train "$WORK/long.json" --out "$WORK/long1" "${COMMON[@]}" > "$WORK/long1.log" 2>&1 \
  || ko "uninterrupted reference run: $(tail -3 "$WORK/long1.log")"
mpirun --allow-run-as-root --oversubscribe -np 2 "$BNN" train "$WORK/long.json" --out "$WORK/kill" \
  "${COMMON[@]}" > "$WORK/kill.log" 2>&1 &
MPI_PID=$!
for _ in $(seq 1 600); do [ -f "$WORK/kill/last.bnn" ] && break; sleep 0.1; done
sleep 0.5
VICTIM="$(pgrep -P "$MPI_PID" -f "bnn train" | tail -1)"
if [ -n "$VICTIM" ] && kill -9 "$VICTIM" 2>/dev/null; then
  START=$SECONDS
  ENDED=no
  for _ in $(seq 1 300); do kill -0 "$MPI_PID" 2>/dev/null || { ENDED=yes; break; }; sleep 0.1; done
  if [ "$ENDED" = yes ]; then
    wait "$MPI_PID"; RC=$?
    [ "$RC" -ne 0 ] && ok "a killed rank ends the job with an error ($RC) after $((SECONDS - START)) s" \
      || ko "a killed rank: the job exited 0"
  else
    ko "a killed rank: the job still runs after 30 s"; kill -9 "$MPI_PID" 2>/dev/null
  fi
  "$BNN" summary "$WORK/kill/last.bnn" > /dev/null 2>&1 && ok "last.bnn of the killed job loads" \
    || ko "last.bnn of the killed job does not load"
  mpirun --allow-run-as-root --oversubscribe -np 2 "$BNN" train --resume "$WORK/kill" "${COMMON[@]}" \
    > "$WORK/resume.log" 2>&1 && ok "mpirun -np 2 bnn train --resume" || ko "resume: $(tail -5 "$WORK/resume.log")"
  if [ -n "$SO" ]; then
    BNN_LIBRARY="$SO" PYTHONPATH="$ROOT/bindings/python" "$PY" - "$WORK" <<'PY' \
      && ok "the resumed job ends with the uninterrupted run's tensors" || ko "the resumed job's tensors differ"
import sys
import numpy as np
import bnn
w = sys.argv[1]
a, b = bnn.Model.load(f"{w}/long1/last.bnn"), bnn.Model.load(f"{w}/kill/last.bnn")
sys.exit(0 if all(np.array_equal(a.tensors[k], b.tensors[k]) for k in a.tensors.keys()) else 1)
PY
  fi
else
  ko "could not find a rank to kill (the run ended too early?)"; wait "$MPI_PID"
fi

# mpirun -np 2 bnn sweep: four runs, two per rank, then a plain rerun finds all four finished.
"$PY" - "$WORK" <<'PY'
import json, sys
w = sys.argv[1]
base = json.load(open(f"{w}/m.json"))
base["training"].update({"epochs": 1, "train_subset": 1000})
json.dump({"base": base, "grid": {"seed": [1, 2, 3, 4]}}, open(f"{w}/s.json", "w"))
PY
"${MPIRUN[@]}" "$BNN" sweep "$WORK/s.json" --out "$WORK/sw" --data "$DATA" --threads 1 > "$WORK/sw.log" 2>&1 \
  && ok "mpirun -np 2 bnn sweep" || ko "mpirun -np 2 bnn sweep: $(tail -5 "$WORK/sw.log")"
grep -q "shard 0/2" "$WORK/sw.log" && grep -q "shard 1/2" "$WORK/sw.log" \
  && ok "the sweep's runs were spread over both ranks" || ko "the sweep was not sharded by rank"
"$BNN" sweep "$WORK/s.json" --out "$WORK/sw" --data "$DATA" > "$WORK/sw2.log" 2>&1
grep -q "4 finished before, 0 to run" "$WORK/sw2.log" \
  && ok "a plain rerun finds the 4 runs finished" || ko "plain rerun: $(cat "$WORK/sw2.log")"
finish
