#!/usr/bin/env python3
"""The peer of libbnn's training benchmark: the same binary MLP trained with PyTorch (float
emulation of binary weights with a straight-through estimator, as Larq/BinaryConnect scripts do).

Prints one JSON line: {"framework": "pytorch", "samples_per_second": ..., ...}.
Model (the default libbnn model's shape unless --hidden/--layers say otherwise):
  784 -> [binary dense H -> BN -> ReLU] x L -> binary dense 10 -> BN, squared hinge, Adam.
"""
import argparse
import json
import time

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
    def forward(self, x):
        return torch.nn.functional.linear(x, SignSTE.apply(self.weight))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--hidden", type=int, default=1024)
    p.add_argument("--layers", type=int, default=3)
    p.add_argument("--batch", type=int, default=100)
    p.add_argument("--steps", type=int, default=60)
    p.add_argument("--threads", type=int, default=0)
    a = p.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    mods = []
    width = 784
    for _ in range(a.layers):
        mods += [BinaryLinear(width, a.hidden, bias=False), torch.nn.BatchNorm1d(a.hidden, momentum=0.1), torch.nn.ReLU()]
        width = a.hidden
    mods += [BinaryLinear(width, 10, bias=False), torch.nn.BatchNorm1d(10, momentum=0.1)]
    model = torch.nn.Sequential(*mods)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.rand(a.batch, 784)
    y = torch.randint(0, 10, (a.batch,))
    target = -torch.ones(a.batch, 10)
    target[torch.arange(a.batch), y] = 1.0

    def step():
        opt.zero_grad()
        out = model(x)
        loss = torch.clamp(1 - target * out, min=0).pow(2).mean()
        loss.backward()
        opt.step()
        with torch.no_grad():  # weight clipping, as the libbnn model does
            for m in model:
                if isinstance(m, BinaryLinear):
                    m.weight.clamp_(-1, 1)

    for _ in range(5):
        step()
    t0 = time.perf_counter()
    for _ in range(a.steps):
        step()
    dt = time.perf_counter() - t0
    print(json.dumps({"framework": "pytorch", "torch": torch.__version__, "threads": torch.get_num_threads(),
                      "hidden": a.hidden, "layers": a.layers, "batch": a.batch, "steps": a.steps,
                      "samples_per_second": a.batch * a.steps / dt}))


if __name__ == "__main__":
    main()
