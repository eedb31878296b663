"""Train a binary MLP on Fashion-MNIST with libbnn's trainer and plot the curves.

    PYTHONPATH=bindings/python /usr/bin/python3 examples/python/train_fashion.py \
        [--data /usr/share/datasets/fashion-mnist] [--epochs 6] [--out fashion_curves.png]

Notebook-style: each block below is a cell. The model document carries the whole recipe
(epochs, exponential learning-rate decay, a phase that switches the STE and turns on weight
clipping halfway), and bnn.fit runs it in the library, exactly as `bnn train` would.
"""
import argparse
import os
import time

import matplotlib

matplotlib.use("Agg")  # files only, no display needed
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import bnn  # noqa: E402

# %% Arguments
parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
parser.add_argument("--epochs", type=int, default=6)
parser.add_argument("--threads", type=int, default=0, help="0 = all cores")
parser.add_argument("--out", default="fashion_curves.png")
args = parser.parse_args()

# %% Data: IDX files read by the library (gzip'd), pixels / 255
train = bnn.Dataset.load_idx(os.path.join(args.data, "train-images-idx3-ubyte.gz"),
                             os.path.join(args.data, "train-labels-idx1-ubyte.gz"))
test = bnn.Dataset.load_idx(os.path.join(args.data, "t10k-images-idx3-ubyte.gz"),
                            os.path.join(args.data, "t10k-labels-idx1-ubyte.gz"))
print(train, test)

# %% Model: 784-512-512-10, binary weights and activations; the recipe in "training"
half = max(1, args.epochs // 2)
doc = {
    "input_shape": [784],
    "standardize": "per_image",
    "layers": [
        {"type": "dense", "units": 512, "use_bias": False,
         "kernel_quantizer": {"type": "sign", "ste": "identity"}},
        {"type": "batch_norm", "momentum": 0.9, "epsilon": 1e-4},
        {"type": "dense", "units": 512, "use_bias": False,
         "input_quantizer": {"type": "sign", "ste": "clipped"},
         "kernel_quantizer": {"type": "sign", "ste": "identity"}},
        {"type": "batch_norm", "momentum": 0.9, "epsilon": 1e-4},
        {"type": "dense", "units": 10, "use_bias": False,
         "input_quantizer": {"type": "sign", "ste": "clipped"},
         "kernel_quantizer": {"type": "sign", "ste": "identity"}},
        {"type": "batch_norm", "momentum": 0.9, "epsilon": 1e-4},
    ],
    "loss": "cross_entropy",
    "optimizer": {"type": "adam", "learning_rate": 0.003},
    "seed": 1,
    "training": {
        "epochs": args.epochs, "batch_size": 100, "validation_split": 0.1,
        "lr_schedule": {"type": "exponential", "final_learning_rate": 0.0003},
        # Vanilla STE first, then the clipped STE with weight clipping (the study's finding).
        "phases": [
            {"from_epoch": 0, "kernel_ste": "identity", "weight_clip": {"mode": "none"}},
            {"from_epoch": half, "kernel_ste": "clipped",
             "weight_clip": {"mode": "fixed", "value": 1.0}},
        ],
    },
}
bnn.set_num_threads(args.threads)
model = bnn.Model.from_json(doc)
print(model.summary())

# %% Train: fit returns the history (one record per epoch); the step callback logs the loss
step_losses = []
start = time.time()
history = bnn.fit(model, train, test=test, verbose=True,
                  on_step=lambda step, epoch, loss: step_losses.append((step, loss)) and False)
seconds = time.time() - start
print(f"{len(history)} epochs in {seconds:.1f} s "
      f"({len(history) * 0.9 * len(train) / seconds:.0f} samples/s)")
best = max(history, key=lambda r: r["val_accuracy"])
print(f"best epoch {best['epoch'] + 1}: val {best['val_accuracy']:.4f}, "
      f"test {best['test_accuracy']:.4f}")

# %% Plot: accuracy, loss (per step and per epoch), learning rate and flip ratio
epochs = [r["epoch"] + 1 for r in history]
fig, axes = plt.subplots(2, 2, figsize=(11, 7.5))
ax = axes[0][0]
for key, label in (("train_accuracy", "train"), ("val_accuracy", "validation"),
                   ("test_accuracy", "test")):
    ax.plot(epochs, [r[key] for r in history], marker="o", label=label)
ax.axvline(half + 0.5, color="grey", linestyle=":", label="clipped STE + weight clip")
ax.set(title="Accuracy", xlabel="epoch", ylabel="accuracy")
ax.legend()
ax.grid(alpha=0.3)
ax = axes[0][1]
steps, losses = zip(*step_losses)
window = 50
smooth = np.convolve(losses, np.ones(window) / window, mode="valid")
ax.plot(steps, losses, color="lightgrey", linewidth=0.5, label="train loss per step")
ax.plot(steps[window - 1:], smooth, color="C0", label=f"moving mean ({window} steps)")
# "steps" in a record is the model's step count at the end of that epoch.
ax.plot([r["steps"] for r in history], [r["val_loss"] for r in history], "o-", color="C1",
        label="validation loss")
ax.set(title="Loss", xlabel="step", ylabel="cross-entropy")
ax.legend()
ax.grid(alpha=0.3)
ax = axes[1][0]
ax.plot(epochs, [r["lr"] for r in history], marker="o", color="C2")
ax.set(title="Learning rate (exponential decay)", xlabel="epoch", ylabel="lr", yscale="log")
ax.grid(alpha=0.3)
ax = axes[1][1]
ax.plot(epochs, [r["flip_ratio"] for r in history], marker="o", color="C3")
ax.set(title="Sign flips of binary weights per step", xlabel="epoch", ylabel="flip ratio",
       yscale="log")
ax.grid(alpha=0.3)
for ax in (axes[0][0], axes[1][0], axes[1][1]):
    ax.set_xticks(epochs)
fig.suptitle(f"libbnn {bnn.version()} on Fashion-MNIST: 784-512-512-10 binary MLP "
             f"({bnn.isa()}, {seconds:.0f} s)")
fig.tight_layout()
fig.savefig(args.out, dpi=110)
print("curves written to", args.out)
model.close()
