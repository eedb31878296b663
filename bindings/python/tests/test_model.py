"""Model: the contract's Python example, conversions, bad input, parameters, tensors, files."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import bnn
from conftest import CLASSES, DIM, synthetic


def test_contract_example(doc, data, tmp_path):
    x, y = data
    m = bnn.Model.from_json(doc)
    assert (m.input_size, m.output_size) == (DIM, CLASSES)
    losses = [m.train_step(x[i:i + 20], y[i:i + 20]) for i in range(0, 300, 20) for _ in range(3)]
    assert all(isinstance(v, float) and np.isfinite(v) for v in losses)
    logits = m.predict(x)
    assert logits.dtype == np.float32 and logits.shape == (300, CLASSES)
    loss, acc = m.evaluate(x, y)
    assert acc > 0.8, acc  # the synthetic classes are easy
    assert acc == pytest.approx(float(np.mean(logits.argmax(1) == y)), abs=1e-6)
    m.configure({"kernel_ste": "clipped"})
    path = str(tmp_path / "m.bnn")
    m.save(path)
    m2 = bnn.Model.load(path)
    np.testing.assert_array_equal(m2.predict(x), logits)
    m.close()
    m2.close()


def test_from_json_string_and_errors(doc):
    with bnn.Model.from_json(json.dumps(doc)) as m:
        assert m.input_size == DIM
    doc["layers"][0]["units"] = -3
    with pytest.raises(bnn.BnnError) as e:
        bnn.Model.from_json(doc)
    assert e.value.status in (bnn.Status.OUT_OF_RANGE, bnn.Status.INVALID_ARGUMENT)
    assert e.value.code == bnn.Status(e.value.status).name
    assert "layers" in e.value.message  # the library names the JSON path
    with pytest.raises(bnn.BnnError) as e:
        bnn.Model.from_json("{not json")
    assert e.value.code == "INVALID_ARGUMENT" and e.value.message
    with pytest.raises(TypeError):
        bnn.Model.from_json({"input_shape": {1, 2}})  # a set is not JSON


def test_dtypes_are_converted(model, data):
    x, y = data
    a = model.copy()
    b = model.copy()
    la = a.train_step(x[:20], y[:20])
    lb = b.train_step(x[:20].astype(np.float64), y[:20].astype(np.int64))
    assert la == lb
    np.testing.assert_array_equal(a.predict(x), b.predict(x.tolist()))
    # whole-number float labels are class ids; others are refused
    assert model.evaluate(x, y.astype(np.float32)) == model.evaluate(x, y)
    with pytest.raises(TypeError, match="whole numbers"):
        model.evaluate(x, y + 0.5)
    with pytest.raises(TypeError, match="real numbers"):
        model.predict(np.array([["a"] * DIM]))
    with pytest.raises(TypeError, match="real numbers"):
        model.predict(x.astype(np.complex64))
    with pytest.raises(TypeError, match="integer class ids"):
        model.train_step(x[:2], np.array(["a", "b"]))
    a.close()
    b.close()


def test_non_contiguous_arrays(model, data):
    x, y = data
    wide = np.zeros((300, 2 * DIM), dtype=np.float32)
    wide[:, ::2] = x
    strided = wide[:, ::2]  # not contiguous
    assert not strided.flags.c_contiguous
    np.testing.assert_array_equal(model.predict(strided), model.predict(x))
    fortran = np.asfortranarray(x)
    np.testing.assert_array_equal(model.predict(fortran), model.predict(x))
    ys = np.repeat(y, 2)[::2]
    assert model.evaluate(strided, ys) == model.evaluate(x, y)
    a, b = model.copy(), model.copy()
    assert a.train_step(strided[::3], ys[::3]) == b.train_step(x[::3].copy(), y[::3].copy())
    a.close()
    b.close()


def test_shapes(model, data):
    x, y = data
    assert model.predict(x[0]).shape == (1, CLASSES)  # one sample
    with pytest.raises(bnn.BnnError, match=r"expected \(n, 8\)") as e:
        model.predict(np.zeros((4, 5), dtype=np.float32))
    assert e.value.status == bnn.Status.SHAPE_MISMATCH
    with pytest.raises(bnn.BnnError, match=r"expected \(n, 8\)"):
        model.predict(np.zeros(7, dtype=np.float32))
    with pytest.raises(bnn.BnnError, match=r"expected \(10,\)"):
        model.train_step(x[:10], y[:9])
    assert model.predict(y[:10, None].repeat(8, 1)).shape == (10, CLASSES)  # ints converted
    # a column of labels (n, 1) is accepted, as Keras users have them
    assert model.evaluate(x, y[:, None]) == model.evaluate(x, y)


def test_library_checks_reach_python(model, data):
    x, y = data
    before = model.to_bytes()
    bad = y[:10].copy()
    bad[3] = CLASSES
    with pytest.raises(bnn.BnnError) as e:
        model.train_step(x[:10], bad)
    assert e.value.code == "OUT_OF_RANGE" and e.value.message
    nan = x[:10].copy()
    nan[2, 2] = np.nan
    with pytest.raises(bnn.BnnError) as e:
        model.train_step(nan, y[:10])
    assert e.value.code == "NUMERIC"
    assert model.to_bytes() == before  # nothing changed
    with pytest.raises(bnn.BnnError):
        model.configure({"kernel_ste": "no-such-ste"})
    assert model.to_bytes() == before


def test_closed_model_raises_instead_of_crashing(doc, data):
    x, y = data
    m = bnn.Model.from_json(doc)
    m.close()
    m.close()  # idempotent
    assert m.closed and "closed" in repr(m)
    for call in (lambda: m.predict(x), lambda: m.train_step(x, y), lambda: m.input_size,
                 lambda: m.save("/tmp/never"), lambda: m.tensors["layers.0.kernel"],
                 lambda: m.summary(), lambda: m.step_count, lambda: m.set_param("momentum", 1)):
        with pytest.raises(bnn.BnnError) as e:
            call()
        assert e.value.code == "INVALID_STATE"
    with bnn.Model.from_json(doc) as m2:
        pass
    assert m2.closed


def test_typed_params_and_bounds(model):
    lo, hi = bnn.param_bounds(bnn.Param.LEARNING_RATE)
    assert 0 <= lo < hi
    assert bnn.param_name(bnn.Param.LEARNING_RATE) == "learning_rate"
    assert bnn.param_bounds("learning_rate") == (lo, hi)
    model.set_param(bnn.Param.LEARNING_RATE, 0.005)
    assert model.get_param("learning_rate") == pytest.approx(0.005)
    assert model.get_param_f32(bnn.Param.LEARNING_RATE) == pytest.approx(0.005)
    with pytest.raises(bnn.BnnError) as e:
        model.set_param(bnn.Param.LEARNING_RATE, hi * 10 + 1)
    assert e.value.code == "OUT_OF_RANGE"
    assert model.get_param("learning_rate") == pytest.approx(0.005)  # unchanged
    model.set_param(bnn.Param.KERNEL_STE, bnn.Ste.IDENTITY)
    assert model.get_param(bnn.Param.KERNEL_STE) == bnn.Ste.IDENTITY
    assert isinstance(model.get_param("kernel_ste"), int)
    model.set_param_i32(bnn.Param.WEIGHT_CLIP_MODE, bnn.WeightClip.NONE)
    assert model.get_param_i32(bnn.Param.WEIGHT_CLIP_MODE) == bnn.WeightClip.NONE
    with pytest.raises(bnn.BnnError):
        model.set_param(bnn.Param.MOMENTUM, 0.9)  # adam has no momentum: UNSUPPORTED
    with pytest.raises(bnn.BnnError, match="unknown parameter"):
        model.set_param("no_such_param", 1.0)
    with pytest.raises(TypeError):
        model.set_param(bnn.Param.KERNEL_STE, 0.5)
    # The widest bounds (AdaGrad allows epsilon 0) and the model's own (Adam divides by it).
    assert bnn.param_bounds(bnn.Param.EPSILON)[0] == 0.0
    assert model.param_bounds(bnn.Param.EPSILON) == (1e-30, 1.0)
    with pytest.raises(bnn.BnnError) as e:
        model.param_bounds(bnn.Param.MOMENTUM)
    assert e.value.code == "UNSUPPORTED"
    with pytest.raises(bnn.BnnError) as e:
        model.get_param_i32(bnn.Param.LEARNING_RATE)  # typed getters read their own type only
    assert e.value.code == "INVALID_ARGUMENT"


def test_tensors_by_name(model, data):
    x, y = data
    names = model.tensor_names()
    assert names[0] == "layers.0.kernel" and "layers.1.running_var" in names
    assert set(model.tensors) == set(names) and len(model.tensors) == len(names)
    kernel = model.tensors["layers.0.kernel"]
    assert kernel.dtype == np.float32 and kernel.shape == (DIM * 16,)
    new = np.linspace(-1, 1, DIM * 16).reshape(DIM, 16)  # any shape with the right size, float64
    model.tensors["layers.0.kernel"] = new
    np.testing.assert_allclose(model.get_tensor("layers.0.kernel"), new.reshape(-1), rtol=1e-6)
    np.testing.assert_array_equal(model.get_tensor(0), model.tensors["layers.0.kernel"])
    with pytest.raises(bnn.BnnError, match=r"128 elements") as e:
        model.set_tensor("layers.0.kernel", np.zeros(5))
    assert e.value.code == "SHAPE_MISMATCH"
    with pytest.raises(bnn.BnnError) as e:
        model.tensors["no.such.tensor"]
    assert e.value.code == "OUT_OF_RANGE"
    with pytest.raises(bnn.BnnError) as e:
        model.set_tensor("layers.1.gamma", np.full(16, np.inf))
    assert e.value.code == "NUMERIC"
    with pytest.raises(TypeError):
        del model.tensors["layers.0.kernel"]


def test_documents_metadata_counters(model, data, tmp_path):
    x, y = data
    cfg = model.config
    assert cfg["input_shape"] == [DIM] and json.loads(model.config_json()) == cfg
    assert "dense" in model.summary()
    assert model.metadata is None
    model.metadata = {"run": "a", "epoch": 3}
    assert model.metadata == {"run": "a", "epoch": 3}
    with pytest.raises(TypeError):
        model.metadata = object()
    assert model.step_count == 0 and model.flip_ratio == 0.0
    model.train_step(x[:20], y[:20])
    assert model.step_count == 1
    assert 0.0 <= model.flip_ratio <= 1.0
    assert 0.0 <= model.layer_flip_ratio(0) <= 1.0
    assert 0.0 <= model.last_step_accuracy <= 1.0
    with pytest.raises(bnn.BnnError):
        model.layer_flip_ratio(99)
    path = tmp_path / "meta.bnn"
    model.save(path)  # os.PathLike accepted
    with bnn.Model.load(path) as m2:
        assert m2.metadata == {"run": "a", "epoch": 3} and m2.step_count == 1
    with bnn.Model.from_bytes(model.to_bytes()) as m3:
        np.testing.assert_array_equal(m3.predict(x), model.predict(x))
    with pytest.raises(bnn.BnnError) as e:
        bnn.Model.from_bytes(b"garbage")
    assert e.value.code == "CORRUPT_DATA"
    with pytest.raises(bnn.BnnError) as e:
        bnn.Model.load(tmp_path / "missing.bnn")
    assert e.value.code == "IO"


def test_globals():
    assert bnn.version() == bnn.__version__
    assert bnn.version_tuple() == tuple(int(p) for p in bnn.__version__.split("."))
    assert bnn.isa_supported("scalar") and bnn.isa()
    old = bnn.isa()
    bnn.set_isa("scalar")
    assert bnn.isa() == "scalar"
    bnn.set_isa("auto")
    assert bnn.isa() == old
    with pytest.raises(bnn.BnnError) as e:
        bnn.set_isa("no-such-isa")
    assert e.value.code == "INVALID_ARGUMENT" and e.value.message
    bnn.set_num_threads(2)
    assert bnn.get_num_threads() == 2
    bnn.set_num_threads(1)
    with pytest.raises(bnn.BnnError):
        bnn.set_num_threads(-1)


def test_library_discovery_errors_are_clear(tmp_path):
    env = dict(os.environ, BNN_LIBRARY=str(tmp_path / "nope.so"))
    code = "import bnn\ntry:\n bnn.version()\nexcept bnn.LibraryNotFound as e:\n print('NF', e)"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         cwd=os.path.join(os.path.dirname(__file__), ".."))
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("NF") and "BNN_LIBRARY" in out.stdout


def test_many_models_threads(doc):
    # Different models on different threads (the library allows it; ctypes releases the GIL).
    import threading
    x, y = synthetic(100, seed=3)
    results = {}

    def work(i):
        with bnn.Model.from_json(doc) as m:
            for _ in range(5):
                m.train_step(x, y)
            results[i] = m.predict(x)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i in range(1, 4):
        np.testing.assert_array_equal(results[i], results[0])  # same seed, same result
