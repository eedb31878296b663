"""Shared fixtures: a small binary MLP document and synthetic, learnable data."""
from __future__ import annotations

import copy
import os
import sys
from typing import Any, Dict, Tuple

import numpy as np
import pytest

# Tests run against the source tree unless the package is installed.
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import bnn  # noqa: E402
from bnn import _ffi  # noqa: E402

DIM, CLASSES = 8, 3

SMALL_MLP: Dict[str, Any] = {
    "input_shape": [DIM],
    "layers": [
        {"type": "dense", "units": 16, "use_bias": False,
         "kernel_quantizer": {"type": "sign", "ste": "clipped", "clip": 1.0}},
        {"type": "batch_norm", "momentum": 0.9, "epsilon": 1e-5},
        {"type": "dense", "units": CLASSES, "use_bias": False,
         "input_quantizer": {"type": "sign", "ste": "clipped"},
         "kernel_quantizer": {"type": "sign", "ste": "identity"}},
        {"type": "batch_norm"},
    ],
    "loss": "cross_entropy",
    "optimizer": {"type": "adam", "learning_rate": 0.01},
    "weight_clip": {"mode": "fixed", "value": 1.0},
    "seed": 1,
    "training": {"epochs": 3, "batch_size": 20, "validation_split": 0.1},
}


def synthetic(n: int, seed: int = 0) -> Tuple[np.ndarray, np.ndarray]:
    """Classes are three corners of {-1, +1}^8 plus noise: a binary MLP learns them quickly."""
    rng = np.random.default_rng(seed)
    centres = np.array([[1, 1, 1, 1, -1, -1, -1, -1],
                        [-1, -1, 1, 1, 1, 1, -1, -1],
                        [1, -1, -1, 1, 1, -1, 1, -1]], dtype=np.float32)
    y = rng.integers(0, CLASSES, size=n).astype(np.int32)
    x = centres[y] + rng.normal(scale=0.4, size=(n, DIM)).astype(np.float32)
    return x.astype(np.float32), y


@pytest.fixture
def doc() -> Dict[str, Any]:
    return copy.deepcopy(SMALL_MLP)


@pytest.fixture
def model(doc):
    with bnn.Model.from_json(doc) as m:
        yield m


@pytest.fixture
def data() -> Tuple[np.ndarray, np.ndarray]:
    return synthetic(300)


def needs(*symbols: str):
    """Skips a test when the loaded library lacks one of these C functions (a library that
    predates them); never used to hide a failure of a function that exists."""
    missing = [s for s in symbols if not _ffi.has(s)]
    return pytest.mark.skipif(bool(missing),
                              reason=f"{_ffi.library_path()} lacks {', '.join(missing)}")
