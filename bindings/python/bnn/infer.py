"""InferenceEngine: runs a "bnn-infer" deployment file (``bnn_infer``), no training state."""
from __future__ import annotations

import ctypes
import os
from typing import Any, Optional, Union

import numpy as np

from . import _arrays, _ffi
from ._handle import Handle
from ._errors import BnnError, check_global, check_handle
from ._status import Status

PathLike = Union[str, "os.PathLike[str]"]


class InferenceEngine(Handle):
    """A model exported with ``Model.export("bnn-infer", path)``: bit-packed binary weights,
    batch norm folded. Load with :meth:`load` or :meth:`from_bytes`; :meth:`close` releases."""

    _kind = "inference engine"
    _free = "bnn_infer_free"

    _handle: Optional[ctypes.c_void_p]

    def __init__(self, handle: ctypes.c_void_p) -> None:
        self._handle = handle
        lib = _ffi.lib()
        self._input_size = int(lib.bnn_infer_input_size(handle))
        self._output_size = int(lib.bnn_infer_output_size(handle))

    @classmethod
    def _created(cls, status: int, out: ctypes.c_void_p, op: str) -> "InferenceEngine":
        check_global(status, op)
        if not out.value:
            raise BnnError(Status.INTERNAL, "the library returned OK without an engine", op)
        return cls(out)

    @classmethod
    def load(cls, path: PathLike) -> "InferenceEngine":
        """Loads a "bnn-infer" file."""
        out = ctypes.c_void_p()
        status = _ffi.lib().bnn_infer_load(os.fsencode(path), ctypes.byref(out))
        return cls._created(status, out, "InferenceEngine.load")

    @classmethod
    def from_bytes(cls, data: Union[bytes, bytearray, memoryview]) -> "InferenceEngine":
        """Loads the bytes of ``Model.export_bytes("bnn-infer")``."""
        raw = bytes(data)
        buf = (ctypes.c_uint8 * max(1, len(raw))).from_buffer_copy(raw or b"\0")
        out = ctypes.c_void_p()
        status = _ffi.lib().bnn_infer_load_buffer(_arrays.bptr(buf), len(raw), ctypes.byref(out))
        return cls._created(status, out, "InferenceEngine.from_bytes")


    @property
    def input_size(self) -> int:
        self._h("InferenceEngine.input_size")
        return self._input_size

    @property
    def output_size(self) -> int:
        self._h("InferenceEngine.output_size")
        return self._output_size

    def predict(self, x: Any) -> np.ndarray:
        """float32 logits of shape (n, output_size) for samples x (n, input_size)."""
        op = "InferenceEngine.predict"
        h = self._h(op)
        xs, n = _arrays.samples(x, self._input_size, "x", op)
        logits = np.empty((n, self._output_size), dtype=np.float32)
        status = _ffi.lib().bnn_infer_predict(h, _arrays.fptr(xs), n, _arrays.fptr(logits),
                                              logits.size)
        check_handle(status, _ffi.lib().bnn_infer_errmsg, h, op)
        return logits
