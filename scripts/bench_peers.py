#!/usr/bin/env python3
"""libbnn against its peers, every row in one run: prints the table and rewrites it in
docs/PEERS.md (between the peers markers).

  /usr/bin/python3 scripts/bench_peers.py [--rounds R] [--no-write]

Rows (Fashion-MNIST, the first 20,000 training images, batch 100, real batches for everyone):
  fully binary MLP 784-[1024 BN sign]x3-10 BN, Adam (bench/peers/binary_mlp.json):
    PyTorch (bench/peers/pytorch_binary_mlp.py --model binary) with 1 and 2 threads, the best
    libbnn native (`bnn train`, one epoch) with 1 and 2 threads
  the default model (examples/mlp_fashion_mnist.json, binary weights, ReLU):
    PyTorch (--model default), best of 1 and 2 threads; libbnn with 2 threads
  in Node: TF.js 4.22 wasm backend (float MLP of the same shape, bench/peers/tfjs_mlp.mjs) and
    libbnn's wasm SIMD128 builds on the fully binary MLP (bench/peers/libbnn_wasm_mlp.mjs), one
    thread and the threaded build (pthreads) on 2
Each round runs every row once, in turn; a row's figure is its median over the rounds, so that
the rows of one run share the machine's conditions (this machine is shared: compare the rows of a
run, not runs).

Environment: BNN_BUILD_DIR (native build with the `bnn` tool; default build/, built if missing),
BNN_WASM_DIR (output of wasm/build.sh; default build-wasm/peers-out, built if missing).
"""
import argparse
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PEERS = os.path.join(ROOT, "bench", "peers")
DATA = "/usr/share/datasets/fashion-mnist"
TRAIN = 20000


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True, **kw).stdout


def last_json(out):
    for line in reversed(out.strip().splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    raise RuntimeError("no JSON line in output:\n" + out)


def ensure_builds():
    build = os.environ.get("BNN_BUILD_DIR", os.path.join(ROOT, "build"))
    if not os.path.exists(os.path.join(build, "bnn")):
        sh(["cmake", "-S", ROOT, "-B", build, "-G", "Ninja", "-DCMAKE_BUILD_TYPE=Release"])
        sh(["cmake", "--build", build, "--target", "bnn_cli", "-j2"])
    wasm = os.environ.get("BNN_WASM_DIR", os.path.join(ROOT, "build-wasm", "peers-out"))
    if not os.path.exists(os.path.join(wasm, "bnn-simd-mt.wasm")):
        env = dict(os.environ, BNN_WASM_FLAVOURS="simd scalar simd-mt")
        subprocess.run(["bash", os.path.join(ROOT, "wasm", "build.sh"), wasm], check=True, env=env,
                       stdout=subprocess.DEVNULL)
    if not os.path.isdir(os.path.join(PEERS, "tfjs", "node_modules", "@tensorflow")):
        sh(["npm", "install", "--no-audit", "--no-fund"], cwd=os.path.join(PEERS, "tfjs"))
    return os.path.join(build, "bnn"), wasm


def libbnn_native(bnn, doc_path, threads, tmp):
    with open(doc_path) as f:
        doc = json.load(f)
    doc["training"] = {"epochs": 1, "batch_size": 100, "validation_split": 0.0,
                       "train_subset": TRAIN, "shuffle": True}
    cfg = os.path.join(tmp, "cfg.json")
    with open(cfg, "w") as f:
        json.dump(doc, f)
    out = os.path.join(tmp, f"run-{threads}")
    shutil.rmtree(out, ignore_errors=True)
    sh([bnn, "train", cfg, "--data", DATA, "--out", out, "--threads", str(threads), "--quiet"])
    with open(os.path.join(out, "metrics.jsonl")) as f:
        rec = json.loads(f.readline())
    return rec["samples_per_second"]


def pytorch(model, threads, steps):
    out = sh(["/usr/bin/python3", os.path.join(PEERS, "pytorch_binary_mlp.py"), "--model", model,
              "--threads", str(threads), "--steps", str(steps), "--train", str(TRAIN)])
    return last_json(out)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--torch-steps", type=int, default=60)
    p.add_argument("--tfjs-steps", type=int, default=15)
    p.add_argument("--wasm-steps", type=int, default=100)
    p.add_argument("--no-write", action="store_true")
    a = p.parse_args()
    bnn, wasm = ensure_builds()
    binary_doc = os.path.join(PEERS, "binary_mlp.json")
    default_doc = os.path.join(ROOT, "examples", "mlp_fashion_mnist.json")
    rows = {}
    meta = {}

    def add(key, value):
        rows.setdefault(key, []).append(value)

    with tempfile.TemporaryDirectory() as tmp:
        for r in range(a.rounds):
            for t in (1, 2):
                j = pytorch("binary", t, a.torch_steps)
                meta["torch"] = j["torch"]
                add(f"torch_binary_{t}", j["samples_per_second"])
                add(f"bnn_binary_{t}", libbnn_native(bnn, binary_doc, t, tmp))
                j = pytorch("default", t, a.torch_steps)
                add(f"torch_default_{t}", j["samples_per_second"])
            add("bnn_default_2", libbnn_native(bnn, default_doc, 2, tmp))
            j = last_json(sh(["node", os.path.join(PEERS, "tfjs_mlp.mjs"), "--steps", str(a.tfjs_steps),
                              "--train", str(TRAIN)]))
            meta["tfjs"] = j["version"]
            add("tfjs", j["samples_per_second"])
            for flavour, key in (("simd", "wasm"), ("simd-mt", "wasm_mt")):
                j = last_json(sh(["node", os.path.join(PEERS, "libbnn_wasm_mlp.mjs"), "--wasm", wasm,
                                  "--steps", str(a.wasm_steps), "--train", str(TRAIN), "--flavour", flavour]))
                meta[key + "_threads"] = j["threads"]
                add(key, j["samples_per_second"])
            print(f"round {r + 1}/{a.rounds}: " +
                  ", ".join(f"{k} {v[-1]:.0f}" for k, v in rows.items()), file=sys.stderr)

    m = {k: statistics.median(v) for k, v in rows.items()}
    tb = max((1, 2), key=lambda t: m[f"torch_binary_{t}"])
    td = max((1, 2), key=lambda t: m[f"torch_default_{t}"])
    torch_b, torch_d = m[f"torch_binary_{tb}"], m[f"torch_default_{td}"]
    f0 = lambda v: f"{v:,.0f}"
    cpu = platform.processor() or "x86-64"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = re.search(r"model name\s*:\s*(.*)", f.read()).group(1).strip()
    except Exception:
        pass
    lines = [
        f"Measured {datetime.date.today()} by `/usr/bin/python3 scripts/bench_peers.py` on {cpu} "
        f"({os.cpu_count()} cores, shared with other jobs), median of {a.rounds} rounds; "
        f"Fashion-MNIST, the first {TRAIN:,} training images, batch 100, real batches for every row.",
        "",
        "| | samples/s | ratio |",
        "|---|---:|---|",
        f"| **Fully binary MLP** 784-[1024 BN sign]x3-10 BN, Adam, clipped STE, weight clipping | | |",
        f"| PyTorch {meta['torch']} (Debian), sign/STE autograd, denormals flushed, 1 thread | "
        f"{f0(m['torch_binary_1'])} | |",
        f"| PyTorch, 2 threads | {f0(m['torch_binary_2'])} | best: {tb} thread{'s' if tb > 1 else ''} |",
        f"| libbnn, 1 thread | {f0(m['bnn_binary_1'])} | {m['bnn_binary_1'] / torch_b:.1f}x PyTorch |",
        f"| libbnn, 2 threads | {f0(m['bnn_binary_2'])} | {m['bnn_binary_2'] / torch_b:.1f}x PyTorch; "
        f"2 threads / 1 thread = {m['bnn_binary_2'] / m['bnn_binary_1']:.2f} |",
        f"| **Default model** (examples/mlp_fashion_mnist.json: binary weights, ReLU, squared hinge) | | |",
        f"| PyTorch, best of 1 and 2 threads ({td}) | {f0(torch_d)} | |",
        f"| libbnn, 2 threads | {f0(m['bnn_default_2'])} | {m['bnn_default_2'] / torch_d:.1f}x PyTorch |",
        f"| **In Node (WebAssembly)** | | |",
        f"| TF.js {meta['tfjs']} wasm backend, float MLP of the same shape (1 thread: 2 are no faster) "
        f"| {f0(m['tfjs'])} | |",
        f"| libbnn wasm SIMD128, fully binary MLP, 1 thread | {f0(m['wasm'])} | {m['wasm'] / m['tfjs']:.1f}x TF.js |",
        f"| libbnn wasm SIMD128 + pthreads, {meta['wasm_mt_threads']} threads | {f0(m['wasm_mt'])} | "
        f"{m['wasm_mt'] / m['tfjs']:.1f}x TF.js; {m['wasm_mt'] / m['wasm']:.2f}x 1 thread |",
    ]
    table = "\n".join(lines)
    print(table)
    print(json.dumps({"rounds": rows}), file=sys.stderr)
    if not a.no_write:
        path = os.path.join(ROOT, "docs", "PEERS.md")
        begin, end = "<!-- peers:begin (scripts/bench_peers.py) -->", "<!-- peers:end -->"
        with open(path) as f:
            text = f.read()
        if begin not in text:
            text += f"\n{begin}\n{end}\n"
        text = re.sub(re.escape(begin) + r"[\s\S]*?" + re.escape(end), lambda _: f"{begin}\n{table}\n{end}", text)
        with open(path, "w") as f:
            f.write(text)
        print(f"wrote {os.path.relpath(path, ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
