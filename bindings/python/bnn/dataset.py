"""Dataset: samples owned by the library (``bnn_dataset``), read-only once made."""
from __future__ import annotations

import ctypes
import os
from typing import Any, Optional, Tuple, Union

import numpy as np

from . import _arrays, _ffi
from ._handle import Handle
from ._errors import BnnError, check_global
from ._status import Status

PathLike = Union[str, "os.PathLike[str]"]


class Dataset(Handle):
    """n samples of sample_size floats with their class ids, copied into the library.

    ``Dataset(x, y)`` copies numpy data (x: (n, sample_size) or (n, H, W, C), any real dtype;
    y: n integer class ids); :meth:`load_idx` reads IDX files (MNIST layout, gzip'd or raw).
    A dataset may be shared by several trainers. :meth:`close` (or ``with``) releases it.
    """

    _kind = "dataset"
    _free = "bnn_dataset_free"

    _handle: Optional[ctypes.c_void_p]

    def __init__(self, x: Any, y: Any) -> None:
        op = "Dataset"
        arr = x if isinstance(x, np.ndarray) else np.asarray(x)
        if arr.ndim < 2:
            raise BnnError(Status.SHAPE_MISMATCH,
                           f"x has shape {tuple(arr.shape)}; expected (n, sample_size)", op)
        sample_size = int(np.prod(arr.shape[1:], dtype=np.int64))
        xs, n = _arrays.samples(arr, sample_size, "x", op)
        ys = _arrays.labels(y, n, "y", op)
        out = ctypes.c_void_p()
        status = _ffi.lib().bnn_dataset_create(_arrays.fptr(xs), _arrays.iptr(ys), n, sample_size,
                                               ctypes.byref(out))
        self._handle = None
        self._adopt(status, out, op)

    def _adopt(self, status: int, out: ctypes.c_void_p, op: str) -> None:
        check_global(status, op)
        if not out.value:
            raise BnnError(Status.INTERNAL, "the library returned OK without a dataset", op)
        self._handle = out

    @classmethod
    def _wrap(cls, status: int, out: ctypes.c_void_p, op: str) -> "Dataset":
        d = cls.__new__(cls)
        d._handle = None
        d._adopt(status, out, op)
        return d

    @classmethod
    def from_numpy(cls, x: Any, y: Any) -> "Dataset":
        """Same as ``Dataset(x, y)``."""
        return cls(x, y)

    @classmethod
    def load_idx(cls, images: PathLike, labels: PathLike) -> "Dataset":
        """Reads an IDX image file and its IDX label file (gzip'd or raw); pixels / 255."""
        out = ctypes.c_void_p()
        status = _ffi.lib().bnn_dataset_load_idx(os.fsencode(images), os.fsencode(labels),
                                                 ctypes.byref(out))
        return cls._wrap(status, out, "Dataset.load_idx")

    # ---- lifecycle -------------------------------------------------------------------------

    def __repr__(self) -> str:
        if self.closed:
            return "<bnn.Dataset closed>"
        return (f"<bnn.Dataset {len(self)} samples of {self.sample_size} floats, "
                f"{self.num_classes} classes>")

    # ---- contents --------------------------------------------------------------------------
    def __len__(self) -> int:
        return int(_ffi.lib().bnn_dataset_count(self._h("Dataset.__len__")))

    @property
    def sample_size(self) -> int:
        """Floats per sample."""
        return int(_ffi.lib().bnn_dataset_sample_size(self._h("Dataset.sample_size")))

    @property
    def num_classes(self) -> int:
        """1 + the largest label."""
        return int(_ffi.lib().bnn_dataset_num_classes(self._h("Dataset.num_classes")))

    def get(self, first: int = 0, count: Optional[int] = None) -> Tuple[np.ndarray, np.ndarray]:
        """Copies samples [first, first+count) out: (x float32 (count, sample_size),
        y int32 (count,)). count None: to the end."""
        op = "Dataset.get"
        h = self._h(op)
        n = len(self)
        if count is None:
            count = max(0, n - int(first))
        if first < 0 or count < 0:
            raise BnnError(Status.OUT_OF_RANGE, "first and count must be >= 0", op)
        x = np.empty((count, self.sample_size), dtype=np.float32)
        y = np.empty(count, dtype=np.int32)
        status = _ffi.lib().bnn_dataset_get(h, int(first), int(count), _arrays.fptr(x), x.size,
                                            _arrays.iptr(y), y.size)
        check_global(status, op)
        return x, y

    def numpy(self) -> Tuple[np.ndarray, np.ndarray]:
        """All samples as (x, y) numpy arrays (copies)."""
        return self.get(0, len(self))

    def slice(self, first: int, count: int) -> "Dataset":
        """Samples [first, first+count) as a new dataset (a copy)."""
        op = "Dataset.slice"
        h = self._h(op)
        if first < 0 or count < 0:
            raise BnnError(Status.OUT_OF_RANGE, "first and count must be >= 0", op)
        out = ctypes.c_void_p()
        status = _ffi.lib().bnn_dataset_slice(h, int(first), int(count), ctypes.byref(out))
        return Dataset._wrap(status, out, op)

    def __getitem__(self, key: slice) -> "Dataset":
        """``d[a:b]`` is ``d.slice(a, b - a)`` (steps other than 1 are not supported)."""
        if not isinstance(key, slice):
            raise TypeError("index a Dataset with a slice (d[a:b]); use get() for arrays")
        start, stop, step = key.indices(len(self))
        if step != 1:
            raise TypeError("Dataset slices take no step")
        return self.slice(start, max(0, stop - start))


DataLike = Union[Dataset, Tuple[Any, Any]]


def gzip_supported() -> bool:
    """Whether Dataset.load_idx reads gzip'd files in this build of the library."""
    return bool(_ffi.lib().bnn_dataset_gzip_supported())


def as_dataset(data: Any, what: str) -> Tuple[Dataset, bool]:
    """(dataset, owned): a Dataset as it is, or an (x, y) pair copied into a new one."""
    if isinstance(data, Dataset):
        return data, False
    if isinstance(data, tuple) and len(data) == 2:
        return Dataset(*data), True
    raise TypeError(f"{what} must be a bnn.Dataset or an (x, y) tuple, not {type(data).__name__}")
