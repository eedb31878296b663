"""Python bindings to libbnn, a C library for training binary neural networks.

    import bnn, numpy as np
    m = bnn.Model.from_json(doc)          # dict or JSON string
    loss = m.train_step(x, y)             # x float32 (n, input_size), y integer (n,)
    logits = m.predict(x)                 # float32 (n, output_size)
    loss, acc = m.evaluate(x, y)
    history = bnn.fit(m, (x, y), validation=(xv, yv))   # list of epoch records

The package calls the C library through ctypes. It finds libbnn through the environment
variable BNN_LIBRARY (a path to libbnn.so), else pkg-config (package "bnn"), else the system's
loader. Failures raise :class:`BnnError` with the library's status and message.
"""
from __future__ import annotations

from typing import Tuple

from . import _ffi
from ._errors import BnnError, Cancelled, check_global
from ._ffi import LibraryNotFound, library_path
from ._status import STATUS_TABLE, Status
from .dataset import Dataset, gzip_supported
from .infer import InferenceEngine
from .model import (INTEGER_PARAMS, LrScale, Model, Param, Ste, Tensors, WeightClip, param_bounds,
                    param_name)
from .trainer import Position, Trainer, fit

__version__ = "0.3.4"

__all__ = [
    "BnnError", "Cancelled", "Dataset", "INTEGER_PARAMS", "InferenceEngine", "LibraryNotFound",
    "LrScale", "Model", "Param", "Position", "STATUS_TABLE", "Status", "Ste", "Tensors", "Trainer",
    "WeightClip", "fit", "get_num_threads", "gzip_supported", "isa", "isa_supported",
    "library_path", "param_bounds", "param_name", "set_isa", "set_num_threads", "status_name",
    "status_string", "version", "version_number", "version_tuple",
]


def version() -> str:
    """The C library's version, "MAJOR.MINOR.PATCH"."""
    return _ffi.lib().bnn_version_string().decode()


def version_number() -> int:
    """major*10000 + minor*100 + patch of the C library."""
    return int(_ffi.lib().bnn_version_number())


def version_tuple() -> Tuple[int, int, int]:
    n = version_number()
    return n // 10000, n // 100 % 100, n % 100


def status_string(status: int) -> str:
    """The library's short description of a status."""
    return _ffi.lib().bnn_status_string(int(status)).decode()


def status_name(status: int) -> str:
    """The library's symbolic name of a status ("OUT_OF_RANGE")."""
    return _ffi.lib().bnn_status_name(int(status)).decode()


def isa() -> str:
    """The SIMD path in use ("avx512", "avx2", "scalar", ...)."""
    return _ffi.lib().bnn_get_isa().decode()


def set_isa(name: str) -> None:
    """Forces a SIMD path for the whole process; "auto" restores the best detected."""
    check_global(_ffi.lib().bnn_set_isa(name.encode()), "set_isa")


def isa_supported(name: str) -> bool:
    """Whether this CPU and build can run the named SIMD path."""
    return bool(_ffi.lib().bnn_isa_supported(name.encode()))


def set_num_threads(n: int) -> None:
    """Threads of the kernels' pool (process-wide; 0 = all cores; default 1)."""
    check_global(_ffi.lib().bnn_set_num_threads(int(n)), "set_num_threads")


def get_num_threads() -> int:
    return int(_ffi.lib().bnn_get_num_threads())
