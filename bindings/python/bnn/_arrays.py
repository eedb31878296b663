"""Conversion of user arrays to what the C ABI reads: C-contiguous float32 samples and int32
labels. Arrays that already fit are passed as they are (no copy)."""
from __future__ import annotations

import ctypes
from typing import Any, Optional, Tuple

import numpy as np

from ._errors import BnnError
from ._status import Status

F32P = ctypes.POINTER(ctypes.c_float)
I32P = ctypes.POINTER(ctypes.c_int32)
U8P = ctypes.POINTER(ctypes.c_uint8)

_INT32_MIN, _INT32_MAX = -(2**31), 2**31 - 1


def samples(x: Any, sample_size: int, what: str = "x", op: str = "") -> Tuple[np.ndarray, int]:
    """x as a C-contiguous float32 array of whole samples, and the number of samples.

    Accepted shapes: (n, sample_size), (n, *dims) with prod(dims) == sample_size (images), or a
    single sample of shape (sample_size,). Real numeric dtypes are converted; others raise
    TypeError. A wrong shape raises BnnError(SHAPE_MISMATCH) naming the expected shape.
    """
    if isinstance(x, np.ndarray):
        arr = x
    else:
        try:
            arr = np.asarray(x)
        except (ValueError, TypeError) as e:  # ragged lists and the like
            raise TypeError(f"{what} must be an array of numbers: {e}") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(
            f"{what} must hold real numbers (float32 preferred), got dtype {arr.dtype}")
    if arr.ndim == 1 and arr.shape[0] == sample_size:
        arr = arr.reshape(1, sample_size)
    if arr.ndim < 2 or int(np.prod(arr.shape[1:], dtype=np.int64)) != sample_size:
        raise BnnError(
            Status.SHAPE_MISMATCH,
            f"{what} has shape {tuple(arr.shape)}; expected (n, {sample_size}) "
            f"(n samples of {sample_size} floats)", op)
    arr = np.ascontiguousarray(arr, dtype=np.float32)
    return arr, int(arr.shape[0])


def labels(y: Any, n: Optional[int], what: str = "y", op: str = "") -> np.ndarray:
    """y as a C-contiguous int32 vector of n class ids (n None: any length)."""
    arr = y if isinstance(y, np.ndarray) else np.asarray(y)
    if arr.dtype.kind == "f":
        # Whole-number floats (Keras-style float labels) are class ids; anything else is refused.
        if not (np.all(np.isfinite(arr)) and np.all(arr == np.round(arr))):
            raise TypeError(f"{what} must hold integer class ids, got {arr.dtype} values that "
                            "are not whole numbers")
    elif arr.dtype.kind not in "iu":
        raise TypeError(f"{what} must hold integer class ids, got dtype {arr.dtype}")
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr.reshape(-1)
    if arr.ndim != 1 or (n is not None and arr.shape[0] != n):
        expected = f"({n},)" if n is not None else "(n,)"
        raise BnnError(Status.SHAPE_MISMATCH,
                       f"{what} has shape {tuple(arr.shape)}; expected {expected} "
                       "(one class id per sample)", op)
    if arr.dtype != np.int32 and arr.size:
        lo, hi = arr.min(), arr.max()
        if lo < _INT32_MIN or hi > _INT32_MAX:
            raise BnnError(Status.OUT_OF_RANGE, f"{what} holds class ids outside int32", op)
    return np.ascontiguousarray(arr, dtype=np.int32)


def fptr(arr: np.ndarray) -> Any:
    return arr.ctypes.data_as(F32P)


def iptr(arr: np.ndarray) -> Any:
    return arr.ctypes.data_as(I32P)


def bptr(buf: Any) -> Any:
    return ctypes.cast(buf, U8P)
