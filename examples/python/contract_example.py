"""The Python example of CONTRACT.md, runnable: a small binary MLP on synthetic data.

    PYTHONPATH=bindings/python python3 examples/python/contract_example.py
or, after `pip install ./bindings/python`, from anywhere.
"""
import os
import tempfile

import numpy as np

import bnn

doc = {
    "input_shape": [16],
    "layers": [
        {"type": "dense", "units": 32, "use_bias": False,
         "kernel_quantizer": {"type": "sign", "ste": "clipped"}},
        {"type": "batch_norm"},
        {"type": "dense", "units": 4, "input_quantizer": {"type": "sign", "ste": "clipped"},
         "kernel_quantizer": {"type": "sign", "ste": "identity"}},
        {"type": "batch_norm"},
    ],
    "optimizer": {"type": "adam", "learning_rate": 0.01},
    "seed": 1,
    "training": {"epochs": 4, "batch_size": 50},
}

rng = np.random.default_rng(0)
centres = rng.choice([-1.0, 1.0], size=(4, 16))
y = rng.integers(0, 4, size=1000)
x = (centres[y] + rng.normal(scale=0.5, size=(1000, 16))).astype(np.float32)
xv, yv = x[800:], y[800:]
x, y = x[:800], y[:800]

m = bnn.Model.from_json(doc)            # dict or str; raises bnn.BnnError (.status int, .code str)
print("library", bnn.version(), "from", bnn.library_path(), "| package", bnn.__file__)
print("sizes", m.input_size, m.output_size)
loss = m.train_step(x[:50], y[:50])     # x float32 [n, input_size], y integer [n]
logits = m.predict(x[:5])               # np.ndarray float32 [n, output_size]
assert logits.shape == (5, 4) and logits.dtype == np.float32
loss, acc = m.evaluate(x, y)
m.configure({"kernel_ste": "clipped"})
with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "m.bnn")
    m.save(path)
    m2 = bnn.Model.load(path)
    assert np.array_equal(m2.predict(x), m.predict(x))
    m2.close()
    t = bnn.Trainer(m, (x, y), validation=(xv, yv), test=None)
    rec = t.run_epoch()                     # dict: the metrics.jsonl keys
    print("epoch record", {k: rec[k] for k in ("epoch", "train_loss", "val_accuracy")})
    history = [rec] + list(t)               # the remaining epochs
    assert t.done
    best = t.best_model()
    print("best validation accuracy", best.evaluate(xv, yv)[1])
    m.export("onnx", os.path.join(tmp, "m.onnx"))
    best.export("bnn-infer", os.path.join(tmp, "m.bnni"))
    with bnn.InferenceEngine.load(os.path.join(tmp, "m.bnni")) as engine:
        assert np.array_equal(engine.predict(xv).argmax(1), best.predict(xv).argmax(1))
    t.close()
    best.close()
try:
    m.train_step(x[:2], [0, 9])
except bnn.BnnError as e:
    print("refused:", e.status, e.code, e.message)
m.close()                               # also a context manager
assert history[-1]["val_accuracy"] > 0.9, history[-1]
print("ok")
