#!/usr/bin/env python3
"""The PyTorch peer of libbnn's training benchmarks: the same MLPs trained the way Larq and the
BinaryConnect/BinaryNet scripts do it in a float framework (latent float weights, sign with a
clipped straight-through estimator), on real Fashion-MNIST batches.

Prints one JSON line: {"framework": "pytorch", "samples_per_second": ..., ...}.
Models (batch 100, Adam, weight clipping to [-1, 1]):
  binary   784 -> [binary dense 1024 -> BN -> sign (clipped STE)] x 3 -> binary dense 10 -> BN,
           cross entropy (bench/peers/binary_mlp.json)
  default  784 -> [binary dense 1024 -> BN -> ReLU] x 3 -> binary dense 10 -> BN, squared hinge
           (examples/mlp_fashion_mnist.json)
Fair measurement: real data (the first --train images of Fashion-MNIST, shuffled once; a fixed
random batch drives Adam into denormal numbers and a 20x slowdown), denormals flushed as a user
would (torch.set_flush_denormal), a warm-up before timing. Run it with --threads 1 and 2 and
take the best: Debian's PyTorch is often slower with 2 threads on a 2-core machine.
"""
import argparse
import gzip
import json
import os
import struct
import time

import numpy as np
import torch


class SignSTE(torch.autograd.Function):
    @staticmethod
    def forward(ctx, w):
        ctx.save_for_backward(w)
        return torch.where(w < 0, -torch.ones_like(w), torch.ones_like(w))

    @staticmethod
    def backward(ctx, g):
        (w,) = ctx.saved_tensors
        return g * (w.abs() <= 1).to(g.dtype)  # clipped STE


class BinaryLinear(torch.nn.Linear):
    def __init__(self, n_in, n_out, binary_input):
        super().__init__(n_in, n_out, bias=False)
        self.binary_input = binary_input

    def forward(self, x):
        if self.binary_input:
            x = SignSTE.apply(x)
        return torch.nn.functional.linear(x, SignSTE.apply(self.weight))


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">I", data[:4])
    dims = magic & 0xFF
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def build(model, hidden, layers):
    mods, width = [], 784
    for i in range(layers):
        binary_in = model == "binary" and i > 0
        mods += [BinaryLinear(width, hidden, binary_in), torch.nn.BatchNorm1d(hidden, momentum=0.1, eps=1e-5)]
        if model == "default":
            mods.append(torch.nn.ReLU())
        width = hidden
    mods += [BinaryLinear(width, 10, model == "binary"), torch.nn.BatchNorm1d(10, momentum=0.1, eps=1e-5)]
    return torch.nn.Sequential(*mods)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", choices=["binary", "default"], default="binary")
    p.add_argument("--hidden", type=int, default=1024)
    p.add_argument("--layers", type=int, default=3)
    p.add_argument("--batch", type=int, default=100)
    p.add_argument("--steps", type=int, default=60)
    p.add_argument("--warmup", type=int, default=10)
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--train", type=int, default=20000, help="training images used (real data)")
    p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    a = p.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    torch.set_flush_denormal(True)
    torch.manual_seed(1)
    images = read_idx(os.path.join(a.data, "train-images-idx3-ubyte.gz"))[: a.train]
    labels = read_idx(os.path.join(a.data, "train-labels-idx1-ubyte.gz"))[: a.train]
    order = np.random.default_rng(1).permutation(len(images))
    x_all = torch.from_numpy(images[order].reshape(len(images), 784).astype(np.float32) / 255.0)
    y_all = torch.from_numpy(labels[order].astype(np.int64))
    model = build(a.model, a.hidden, a.layers)
    lr = 1e-3 if a.model == "binary" else 3e-3
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    binary = [m for m in model if isinstance(m, BinaryLinear)]
    batches = len(x_all) // a.batch
    cursor = [0]

    def step():
        b = cursor[0] % batches
        cursor[0] += 1
        x = x_all[b * a.batch:(b + 1) * a.batch]
        y = y_all[b * a.batch:(b + 1) * a.batch]
        opt.zero_grad()
        out = model(x)
        if a.model == "binary":
            loss = torch.nn.functional.cross_entropy(out, y)
        else:
            target = -torch.ones(len(y), 10)
            target[torch.arange(len(y)), y] = 1.0
            loss = torch.clamp(1 - target * out, min=0).pow(2).mean()
        loss.backward()
        opt.step()
        with torch.no_grad():  # weight clipping, as the libbnn models do
            for m in binary:
                m.weight.clamp_(-1, 1)
        return loss

    for _ in range(a.warmup):
        step()
    t0 = time.perf_counter()
    for _ in range(a.steps):
        step()
    dt = time.perf_counter() - t0
    print(json.dumps({"framework": "pytorch", "torch": torch.__version__, "model": a.model,
                      "threads": torch.get_num_threads(), "hidden": a.hidden, "layers": a.layers,
                      "batch": a.batch, "steps": a.steps, "data": "fashion-mnist",
                      "samples_per_second": a.batch * a.steps / dt}))


if __name__ == "__main__":
    main()
