"""Deployment: export to "bnn-infer" / "onnx" and the inference engine."""
import numpy as np
import pytest

import bnn
from conftest import needs

pytestmark = needs("bnn_model_export", "bnn_model_export_buffer", "bnn_infer_load",
                   "bnn_infer_load_buffer", "bnn_infer_predict")


def trained(doc, data):
    x, y = data
    m = bnn.Model.from_json(doc)
    for i in range(0, 300, 20):
        m.train_step(x[i:i + 20], y[i:i + 20])
    return m


def test_bnn_infer_matches_predict(doc, data, tmp_path):
    x, y = data
    with trained(doc, data) as m:
        path = tmp_path / "m.bnni"
        m.export("bnn-infer", path)
        expected = m.predict(x)
        with bnn.InferenceEngine.load(path) as e:
            assert (e.input_size, e.output_size) == (m.input_size, m.output_size)
            got = e.predict(x)
            assert got.shape == expected.shape and got.dtype == np.float32
            np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)
            np.testing.assert_array_equal(got.argmax(1), expected.argmax(1))
            with pytest.raises(bnn.BnnError, match=r"expected \(n, 8\)"):
                e.predict(np.zeros((2, 3)))
        assert e.closed
        with pytest.raises(bnn.BnnError):
            e.predict(x)
        data_bytes = m.export_bytes("bnn-infer")
        assert data_bytes == path.read_bytes()
        with bnn.InferenceEngine.from_bytes(data_bytes) as e2:
            np.testing.assert_array_equal(e2.predict(x), got)
        with pytest.raises(bnn.BnnError) as err:
            bnn.InferenceEngine.from_bytes(data_bytes[: len(data_bytes) // 2])
        assert err.value.code == "CORRUPT_DATA"


def test_onnx_and_bad_format(doc, data, tmp_path):
    with trained(doc, data) as m:
        m.export("onnx", tmp_path / "m.onnx")
        onnx = (tmp_path / "m.onnx").read_bytes()
        assert len(onnx) > 100 and m.export_bytes("onnx") == onnx
        with pytest.raises(bnn.BnnError) as e:
            m.export("no-such-format", tmp_path / "x")
        assert e.value.code == "INVALID_ARGUMENT" and e.value.message
