"""Dataset, Trainer and fit: the library's training loop from Python."""
import gzip
import struct

import numpy as np
import pytest

import bnn
from conftest import CLASSES, DIM, needs, synthetic

pytestmark = needs("bnn_dataset_create", "bnn_trainer_create", "bnn_trainer_run_epoch")

RECORD_KEYS = {"epoch", "lr", "train_loss", "train_accuracy", "val_accuracy", "test_accuracy",
               "flip_ratio", "seconds"}


def test_dataset_from_numpy(data):
    x, y = data
    with bnn.Dataset(x, y) as d:
        assert (len(d), d.sample_size, d.num_classes) == (300, DIM, CLASSES)
        gx, gy = d.get(10, 5)
        np.testing.assert_array_equal(gx, x[10:15])
        np.testing.assert_array_equal(gy, y[10:15])
        ax, ay = d.numpy()
        np.testing.assert_array_equal(ax, x)
        part = d[100:150]
        assert len(part) == 50
        np.testing.assert_array_equal(part.get()[0], x[100:150])
        with pytest.raises(bnn.BnnError) as e:
            d.get(299, 5)
        assert e.value.code == "OUT_OF_RANGE"
    assert d.closed
    with pytest.raises(bnn.BnnError) as e:
        len(d)
    assert e.value.code == "INVALID_STATE"
    # conversions and bad input
    d2 = bnn.Dataset(x.astype(np.float64)[::2], y[::2].astype(np.int64))
    assert len(d2) == 150
    with pytest.raises(bnn.BnnError, match=r"expected \(300,\)"):
        bnn.Dataset(x, y[:10])
    bad = x.copy()
    bad[7, 1] = np.inf
    with pytest.raises(bnn.BnnError) as e:
        bnn.Dataset(bad, y)
    assert e.value.code == "NUMERIC" and e.value.message
    with pytest.raises(bnn.BnnError) as e:
        bnn.Dataset(x, -np.ones(300, dtype=np.int32))
    assert e.value.code == "OUT_OF_RANGE"
    images = np.zeros((4, 5, 5, 1), dtype=np.uint8)  # image batches flatten to 25 floats
    assert bnn.Dataset(images, [0, 1, 2, 3]).sample_size == 25


def write_idx(path, images, labels, gz):
    n, h, w = images.shape
    img = struct.pack(">IIII", 0x803, n, h, w) + images.astype(np.uint8).tobytes()
    lab = struct.pack(">II", 0x801, n) + labels.astype(np.uint8).tobytes()
    opener = gzip.open if gz else open
    with opener(str(path) + "-images", "wb") as f:
        f.write(img)
    with opener(str(path) + "-labels", "wb") as f:
        f.write(lab)
    return str(path) + "-images", str(path) + "-labels"


@pytest.mark.parametrize("gz", [False, True])
def test_load_idx(tmp_path, gz):
    if gz and not bnn.gzip_supported():
        pytest.skip("this build of libbnn reads no gzip")
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, size=(6, 4, 3))
    labels = np.array([0, 1, 2, 3, 4, 5])
    im, lb = write_idx(tmp_path / "d", images, labels, gz)
    with bnn.Dataset.load_idx(im, lb) as d:
        assert (len(d), d.sample_size, d.num_classes) == (6, 12, 6)
        x, y = d.numpy()
        np.testing.assert_allclose(x, images.reshape(6, 12) / 255.0, rtol=1e-6)
        np.testing.assert_array_equal(y, labels)
    # a file that lies about its count
    with open(im, "rb") as f:
        raw = f.read()
    if gz:
        raw = gzip.decompress(raw)
    lie = raw[:4] + struct.pack(">I", 1000) + raw[8:]
    with open(tmp_path / "lie", "wb") as f:
        f.write(lie)
    with open(tmp_path / "lie-labels", "wb") as f:
        f.write(struct.pack(">II", 0x801, 1000) + bytes(6))
    with pytest.raises(bnn.BnnError) as e:
        bnn.Dataset.load_idx(tmp_path / "lie", tmp_path / "lie-labels")
    assert e.value.code == "CORRUPT_DATA" and e.value.message
    with pytest.raises(bnn.BnnError) as e:
        bnn.Dataset.load_idx(tmp_path / "missing", lb)
    assert e.value.code == "IO"


def test_trainer_epochs_and_records(doc, data):
    x, y = data
    xv, yv = synthetic(60, seed=9)
    with bnn.Model.from_json(doc) as m, bnn.Trainer(m, (x, y), validation=(xv, yv)) as t:
        assert not t.done and t.position == (0, 0, 15)  # 300 samples / batch 20
        rec = t.run_epoch()
        assert RECORD_KEYS <= set(rec), set(rec)
        assert rec["epoch"] == 0 and t.position.epoch == 1
        rest = list(t)  # iterating runs the remaining epochs
        assert [r["epoch"] for r in rest] == [1, 2]
        assert t.done and t.epoch == 3
        assert len(t.history) == 3
        with pytest.raises(bnn.BnnError) as e:
            t.run_epoch()
        assert e.value.code == "INVALID_STATE" and e.value.message
        best = t.best_model()
        _, acc = best.evaluate(xv, yv)
        assert acc == pytest.approx(max(r["val_accuracy"] for r in [rec] + rest), abs=1e-6)
        best.close()
        assert m.step_count == 45


def test_fit_history_and_determinism(doc, data):
    x, y = data
    with bnn.Model.from_json(doc) as a, bnn.Model.from_json(doc) as b:
        ha = bnn.fit(a, (x, y))
        hb = b.fit(bnn.Dataset(x, y))
        assert len(ha) == 3
        strip = lambda h: [{k: v for k, v in r.items() if k not in ("seconds", "samples_per_second")}
                           for r in h]
        assert strip(ha) == strip(hb)  # same seed, same records
        assert a.to_bytes() == b.to_bytes()
        assert ha[-1]["val_accuracy"] > 0.8
    with bnn.Model.from_json(doc) as c:
        seen = []
        h = bnn.fit(c, (x, y), on_epoch=lambda r: seen.append(r["epoch"]) or r["epoch"] == 1)
        assert seen == [0, 1] and len(h) == 2  # stopped early


def test_cancel_and_continue_matches_uninterrupted(doc, data):
    x, y = data
    with bnn.Model.from_json(doc) as ref:
        bnn.fit(ref, (x, y))
        expected = {n: ref.tensors[n] for n in ref.tensor_names()}
    with bnn.Model.from_json(doc) as m, bnn.Trainer(m, (x, y)) as t:
        calls = []

        def stop_at_step_7(step, epoch, loss):
            calls.append((step, epoch, loss))
            return step == 7

        t.set_step_callback(stop_at_step_7)
        with pytest.raises(bnn.Cancelled) as e:
            t.run_epoch()
        assert e.value.status == bnn.Status.CANCELLED and e.value.code == "CANCELLED"
        assert calls[-1][0] == 7 and calls[-1][1] == 0 and np.isfinite(calls[-1][2])
        assert t.position.step_in_epoch == 7
        t.set_step_callback(None)
        while not t.done:
            t.run_epoch()
        for n, v in expected.items():
            np.testing.assert_array_equal(m.tensors[n], v, err_msg=n)


def test_callback_exception_propagates(doc, data):
    x, y = data
    with bnn.Model.from_json(doc) as m, bnn.Trainer(m, (x, y)) as t:
        def boom(step, epoch, loss):
            raise KeyError("from the callback")

        t.set_step_callback(boom)
        with pytest.raises(KeyError, match="from the callback"):
            t.run_epoch()
        assert t.position.step_in_epoch == 1  # stopped right after the first step
        with pytest.raises(TypeError):
            t.set_step_callback(42)


def test_trainer_save_and_resume(doc, data, tmp_path):
    x, y = data
    with bnn.Model.from_json(doc) as ref:
        bnn.fit(ref, (x, y))
        final = ref.to_bytes()
        expected = {n: ref.tensors[n] for n in ref.tensor_names()}
    path = tmp_path / "progress.bnn"
    with bnn.Model.from_json(doc) as m, bnn.Trainer(m, (x, y)) as t:
        t.run_epoch()
        t.set_step_callback(lambda step, epoch, loss: step == 20)
        with pytest.raises(bnn.Cancelled):
            t.run_epoch()
        t.save(path)
    with bnn.Model.load(path) as m2, bnn.Trainer(m2, (x, y)) as t2:
        assert t2.position == (1, 20 - 14, 14)  # 270 training samples: 14 steps an epoch
        for _ in t2:
            pass
        for n, v in expected.items():
            np.testing.assert_array_equal(m2.tensors[n], v, err_msg=n)
    assert len(final) > 0
    with bnn.Model.load(path) as m3:
        with pytest.raises(bnn.BnnError) as e:
            bnn.Trainer(m3, (x[:200], y[:200]))  # not the data it was trained on
        assert e.value.code == "INVALID_ARGUMENT"


def test_trainer_bad_input(doc, data):
    x, y = data
    with bnn.Model.from_json(doc) as m:
        with pytest.raises(bnn.BnnError) as e:
            bnn.Trainer(m, (np.zeros((10, 5), np.float32), np.zeros(10, np.int32)))
        assert e.value.code == "SHAPE_MISMATCH" and e.value.message
        with pytest.raises(bnn.BnnError) as e:
            bnn.Trainer(m, (x, np.full(300, CLASSES + 2)))
        assert e.value.code == "OUT_OF_RANGE"
        with pytest.raises(TypeError):
            bnn.Trainer(m, x)
        with pytest.raises(TypeError):
            bnn.Trainer("model", (x, y))
    # borrowed objects closed under a live trainer: an error, never a crash
    m = bnn.Model.from_json(doc)
    d = bnn.Dataset(x, y)
    t = bnn.Trainer(m, d)
    d.close()
    with pytest.raises(bnn.BnnError, match="dataset is closed") as e:
        t.run_epoch()
    assert e.value.code == "INVALID_STATE"
    t.close()
    t2 = bnn.Trainer(m, (x, y))
    m.close()
    with pytest.raises(bnn.BnnError, match="model is closed"):
        t2.run_epoch()
    with pytest.raises(bnn.BnnError):
        t2.done
    t2.close()
    with pytest.raises(bnn.BnnError, match="trainer is closed"):
        t2.run_epoch()


def test_trainer_with_test_set_and_state(doc, data):
    x, y = data
    xt, yt = synthetic(50, seed=5)
    with bnn.Model.from_json(doc) as m, bnn.Trainer(m, (x, y), test=(xt, yt)) as t:
        rec = t.run_epoch()
        assert rec["test_accuracy"] is not None and 0 <= rec["test_accuracy"] <= 1
        state = t.state
        assert isinstance(state, dict) and state
        assert "epoch" in repr(t)
