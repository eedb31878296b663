"""Model: a network with its latent weights, optimiser state and training recipe."""
from __future__ import annotations

import ctypes
import enum
import json
import os
from typing import (TYPE_CHECKING, Any, Callable, Dict, Iterator, List, Mapping, MutableMapping,
                    Optional, Tuple, Union)

import numpy as np

from . import _arrays, _ffi
from ._handle import Handle
from ._errors import BnnError, check_global, check_handle
from ._status import Status

if TYPE_CHECKING:
    from .dataset import Dataset, DataLike

PathLike = Union[str, "os.PathLike[str]"]
JsonDoc = Union[str, Mapping[str, Any]]


class Param(enum.IntEnum):
    """Typed training parameters (``bnn_param``); values as in include/bnn/bnn.h."""

    LEARNING_RATE = 100
    MOMENTUM = 101
    BETA1 = 102
    BETA2 = 103
    EPSILON = 104
    RHO = 105
    WEIGHT_DECAY = 106
    BOP_THRESHOLD = 107
    BOP_GAMMA = 108
    KERNEL_STE = 200  #: integer: an Ste value
    INPUT_STE = 201  #: integer: an Ste value
    STE_CLIP = 202
    STE_BETA = 203
    QUANTIZE = 204  #: integer: 1 = quantizers on, 0 = full-precision training
    WEIGHT_CLIP_MODE = 300  #: integer: a WeightClip value
    WEIGHT_CLIP_VALUE = 301
    LR_SCALE = 302  #: integer: an LrScale value
    BATCH_NORM_MOMENTUM = 400


#: Parameters set and read as integers (bnn_model_set_param_i32); the others are floats.
INTEGER_PARAMS = frozenset({Param.KERNEL_STE, Param.INPUT_STE, Param.QUANTIZE,
                            Param.WEIGHT_CLIP_MODE, Param.LR_SCALE})


class Ste(enum.IntEnum):
    """Straight-through estimators (``bnn_ste``), values of Param.KERNEL_STE / INPUT_STE."""

    IDENTITY = 0
    CLIPPED = 1
    APPROX_SIGN = 2
    SWISH_SIGN = 3


class WeightClip(enum.IntEnum):
    """Latent weight clipping (``bnn_weight_clip``), values of Param.WEIGHT_CLIP_MODE."""

    NONE = 0
    FIXED = 1
    GLOROT = 2


class LrScale(enum.IntEnum):
    """Per-layer learning-rate scaling (``bnn_lr_scale``), values of Param.LR_SCALE."""

    NONE = 0
    GLOROT = 1


ParamLike = Union[Param, int, str]


def _param(p: ParamLike) -> Param:
    """A Param from itself, its value or its JSON-style name ("learning_rate")."""
    if isinstance(p, str):
        for member in Param:
            if param_name(member) == p or member.name.lower() == p.lower():
                return member
        raise BnnError(Status.INVALID_ARGUMENT, f"unknown parameter name {p!r}", "param")
    try:
        return Param(int(p))
    except ValueError:
        raise BnnError(Status.INVALID_ARGUMENT, f"unknown parameter {p!r}", "param") from None


def param_bounds(p: ParamLike) -> Tuple[float, float]:
    """Inclusive bounds (lo, hi) of a parameter, as the library enforces them."""
    lo, hi = ctypes.c_double(), ctypes.c_double()
    check_global(_ffi.lib().bnn_param_bounds(int(_param(p)), ctypes.byref(lo), ctypes.byref(hi)),
                 "param_bounds")
    return lo.value, hi.value


def param_name(p: Union[Param, int]) -> str:
    """The JSON-style name of a parameter ("learning_rate"); "" for an unknown value."""
    raw = _ffi.lib().bnn_param_name(int(p))
    return raw.decode() if raw else ""


def _json_text(doc: Any, what: str) -> bytes:
    if isinstance(doc, (bytes, bytearray)):
        return bytes(doc)
    if isinstance(doc, str):
        return doc.encode("utf-8")
    try:
        return json.dumps(doc).encode("utf-8")
    except (TypeError, ValueError) as e:
        raise TypeError(f"{what} must be a JSON string or a JSON-serialisable object: {e}") \
            from None


def read_text(fn: Callable[..., int], handle: ctypes.c_void_p,
              check: Callable[[int, str], None], op: str) -> str:
    """Reads a string through the "NULL buffer asks for the size" convention."""
    size = ctypes.c_size_t()
    check(fn(handle, None, 0, ctypes.byref(size)), op)
    buf = ctypes.create_string_buffer(max(1, size.value))
    check(fn(handle, buf, len(buf), ctypes.byref(size)), op)
    return buf.value.decode("utf-8", "replace")


def read_bytes(fn: Callable[..., int], args: Tuple[Any, ...],
               check: Callable[[int, str], None], op: str) -> bytes:
    """Reads bytes through the same convention (fn(*args, buf, capacity, &size))."""
    size = ctypes.c_size_t()
    check(fn(*args, None, 0, ctypes.byref(size)), op)
    buf = (ctypes.c_uint8 * max(1, size.value))()
    check(fn(*args, _arrays.bptr(buf), len(buf), ctypes.byref(size)), op)
    return bytes(buf)[: size.value]


class Tensors(MutableMapping[str, np.ndarray]):
    """The model's parameter tensors by name ("layers.0.kernel", "layers.1.gamma", ...).

    ``model.tensors[name]`` returns a float32 copy (1-D, in the library's layout: dense kernels
    [in][out] row-major, conv kernels [kh][kw][in][out]); assigning an array of the same number
    of elements (any shape) overwrites the tensor. Tensors cannot be added or removed.
    """

    def __init__(self, model: "Model") -> None:
        self._model = model

    def __getitem__(self, name: str) -> np.ndarray:
        return self._model.get_tensor(name)

    def __setitem__(self, name: str, values: Any) -> None:
        self._model.set_tensor(name, values)

    def __delitem__(self, name: str) -> None:
        raise TypeError("tensors of a model cannot be removed")

    def __iter__(self) -> Iterator[str]:
        return iter(self._model.tensor_names())

    def __len__(self) -> int:
        return len(self._model.tensor_names())

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self._model.tensor_names()


class Model(Handle):
    """A binary neural network, its optimiser and its training recipe (``bnn_model``).

    Create with :meth:`from_json`, :meth:`load` or :meth:`from_bytes`. The model owns a handle
    in the library: :meth:`close` releases it (also done by ``with`` and, as a safety net, by the
    garbage collector). Any call on a closed model raises BnnError(INVALID_STATE).

    Calls on one model must not overlap (the library does not lock a model); different models
    may be used from different threads.
    """

    _kind = "model"
    _free = "bnn_model_free"

    _handle: Optional[ctypes.c_void_p]

    def __init__(self, handle: ctypes.c_void_p) -> None:
        """Wraps a raw handle (used by the constructors; prefer :meth:`from_json`)."""
        self._handle = handle
        lib = _ffi.lib()
        self._input_size = int(lib.bnn_model_input_size(handle))
        self._output_size = int(lib.bnn_model_output_size(handle))

    # ---- construction ----------------------------------------------------------------------
    @classmethod
    def _created(cls, status: int, out: ctypes.c_void_p, op: str) -> "Model":
        check_global(status, op)
        if not out.value:
            raise BnnError(Status.INTERNAL, "the library returned OK without a model", op)
        return cls(out)

    @classmethod
    def from_json(cls, doc: JsonDoc) -> "Model":
        """Builds a model from a JSON document (a dict or a JSON string; docs/SCHEMA.md).

        Raises BnnError naming the JSON path that was wrong."""
        out = ctypes.c_void_p()
        status = _ffi.lib().bnn_model_create_from_json(_json_text(doc, "doc"), ctypes.byref(out))
        return cls._created(status, out, "Model.from_json")

    @classmethod
    def load(cls, path: PathLike) -> "Model":
        """Loads a model saved with :meth:`save` (or a trainer checkpoint, or `bnn train`'s
        best.bnn / last.bnn)."""
        out = ctypes.c_void_p()
        status = _ffi.lib().bnn_model_load(os.fsencode(path), ctypes.byref(out))
        return cls._created(status, out, "Model.load")

    @classmethod
    def from_bytes(cls, data: Union[bytes, bytearray, memoryview]) -> "Model":
        """Loads a model from the bytes of :meth:`to_bytes`."""
        raw = bytes(data)
        buf = (ctypes.c_uint8 * max(1, len(raw))).from_buffer_copy(raw or b"\0")
        out = ctypes.c_void_p()
        status = _ffi.lib().bnn_model_load_buffer(_arrays.bptr(buf), len(raw), ctypes.byref(out))
        return cls._created(status, out, "Model.from_bytes")

    def copy(self) -> "Model":
        """An independent copy with the whole training state."""
        return Model.from_bytes(self.to_bytes())

    # ---- lifecycle -------------------------------------------------------------------------
    def __repr__(self) -> str:
        if self.closed:
            return "<bnn.Model closed>"
        return f"<bnn.Model {self._input_size} -> {self._output_size}, {self.step_count} steps>"


    def _check(self, status: int, op: str) -> None:
        check_handle(status, _ffi.lib().bnn_model_errmsg, self._handle, op)

    @property
    def handle(self) -> ctypes.c_void_p:
        """The raw ``bnn_model*`` for calling C functions this package does not wrap."""
        return self._h("Model.handle")

    # ---- sizes and documents ---------------------------------------------------------------
    @property
    def input_size(self) -> int:
        """Floats per input sample."""
        self._h("Model.input_size")
        return self._input_size

    @property
    def output_size(self) -> int:
        """Number of classes (logits per sample)."""
        self._h("Model.output_size")
        return self._output_size

    @property
    def config(self) -> Dict[str, Any]:
        """The model's current document (with every change made since creation) as a dict."""
        return json.loads(self.config_json())

    def config_json(self) -> str:
        """The model's current document as a JSON string."""
        h = self._h("Model.config_json")
        return read_text(_ffi.lib().bnn_model_config_json, h, self._check, "Model.config_json")

    def summary(self) -> str:
        """A human-readable table of the layers (shapes, parameter counts, memory)."""
        h = self._h("Model.summary")
        return read_text(_ffi.lib().bnn_model_summary, h, self._check, "Model.summary")

    @property
    def metadata(self) -> Any:
        """Free-form JSON value that travels with the model and its checkpoints (None if unset).
        Assign any JSON-serialisable value (at most 1 MiB as JSON)."""
        h = self._h("Model.metadata")
        return json.loads(read_text(_ffi.lib().bnn_model_metadata, h, self._check,
                                    "Model.metadata"))

    @metadata.setter
    def metadata(self, value: Any) -> None:
        h = self._h("Model.metadata")
        try:
            text = json.dumps(value)
        except (TypeError, ValueError) as e:
            raise TypeError(f"metadata must be JSON-serialisable: {e}") from None
        self._check(_ffi.lib().bnn_model_set_metadata(h, text.encode("utf-8")), "Model.metadata")

    # ---- training and inference ------------------------------------------------------------
    def train_step(self, x: Any, y: Any) -> float:
        """One optimisation step on a batch; returns the batch's mean loss.

        x: float32 array (n, input_size) (other real dtypes are converted; image batches
        (n, H, W, C) are accepted too); y: n integer class ids. On error the model is unchanged.
        """
        op = "Model.train_step"
        h = self._h(op)
        xs, n = _arrays.samples(x, self._input_size, "x", op)
        ys = _arrays.labels(y, n, "y", op)
        loss = ctypes.c_float()
        self._check(_ffi.lib().bnn_model_train_step(h, _arrays.fptr(xs), _arrays.iptr(ys), n,
                                                    ctypes.byref(loss)), op)
        return float(loss.value)

    @property
    def last_step_accuracy(self) -> float:
        """Accuracy of the last train_step on its own batch (before the update)."""
        op = "Model.last_step_accuracy"
        out = ctypes.c_float()
        self._check(_ffi.lib().bnn_model_last_step_accuracy(self._h(op), ctypes.byref(out)), op)
        return float(out.value)

    def predict(self, x: Any) -> np.ndarray:
        """Inference with binarised weights: float32 logits of shape (n, output_size)."""
        op = "Model.predict"
        h = self._h(op)
        xs, n = _arrays.samples(x, self._input_size, "x", op)
        logits = np.empty((n, self._output_size), dtype=np.float32)
        self._check(_ffi.lib().bnn_model_predict(h, _arrays.fptr(xs), n, _arrays.fptr(logits),
                                                 logits.size), op)
        return logits

    def evaluate(self, x: Union[Any, "Dataset"], y: Any = None) -> Tuple[float, float]:
        """(mean loss, accuracy) in inference mode over arrays x, y or over a Dataset."""
        from .dataset import Dataset

        op = "Model.evaluate"
        h = self._h(op)
        loss, acc = ctypes.c_float(), ctypes.c_float()
        if isinstance(x, Dataset):
            if y is not None:
                raise TypeError("evaluate(dataset) takes no labels")
            self._check(_ffi.lib().bnn_model_evaluate_dataset(
                h, x._h(op), ctypes.byref(loss), ctypes.byref(acc)), op)
        else:
            if y is None:
                raise TypeError("evaluate(x, y) needs labels y (or pass a Dataset)")
            xs, n = _arrays.samples(x, self._input_size, "x", op)
            ys = _arrays.labels(y, n, "y", op)
            self._check(_ffi.lib().bnn_model_evaluate(h, _arrays.fptr(xs), _arrays.iptr(ys), n,
                                                      ctypes.byref(loss), ctypes.byref(acc)), op)
        return float(loss.value), float(acc.value)

    def configure(self, patch: JsonDoc) -> None:
        """Changes the recipe between two steps with training-phase keys, e.g.
        ``{"kernel_ste": "clipped", "learning_rate": 1e-4}``. An invalid patch changes nothing."""
        op = "Model.configure"
        self._check(_ffi.lib().bnn_model_configure(self._h(op), _json_text(patch, "patch")), op)

    @property
    def flip_ratio(self) -> float:
        """Fraction of binary weights whose sign changed in the last train_step."""
        op = "Model.flip_ratio"
        out = ctypes.c_float()
        self._check(_ffi.lib().bnn_model_flip_ratio(self._h(op), ctypes.byref(out)), op)
        return float(out.value)

    def layer_flip_ratio(self, layer: int) -> float:
        """The flip ratio of one layer (index into the document's "layers")."""
        op = "Model.layer_flip_ratio"
        h = self._h(op)
        if int(layer) < 0:
            raise BnnError(Status.OUT_OF_RANGE, f"negative layer index {layer}", op)
        out = ctypes.c_float()
        self._check(_ffi.lib().bnn_model_layer_flip_ratio(h, int(layer), ctypes.byref(out)), op)
        return float(out.value)

    @property
    def step_count(self) -> int:
        """Number of optimisation steps taken (persisted by save/load)."""
        op = "Model.step_count"
        out = ctypes.c_uint64()
        self._check(_ffi.lib().bnn_model_step_count(self._h(op), ctypes.byref(out)), op)
        return int(out.value)

    def fit(self, train: "DataLike", validation: Optional["DataLike"] = None,
            test: Optional["DataLike"] = None, **kwargs: Any) -> List[Dict[str, Any]]:
        """Runs the document's "training" recipe to the end; returns the epoch records (the
        history). See :func:`bnn.fit` for the keyword arguments."""
        from .trainer import fit

        return fit(self, train, validation, test, **kwargs)

    # ---- parameter tensors -----------------------------------------------------------------
    @property
    def tensors(self) -> Tensors:
        """The parameter tensors by name, as numpy arrays (see :class:`Tensors`)."""
        return Tensors(self)

    def tensor_names(self) -> List[str]:
        """Names of the parameter tensors in index order."""
        op = "Model.tensor_names"
        h = self._h(op)
        lib = _ffi.lib()
        names = []
        for i in range(int(lib.bnn_model_tensor_count(h))):
            name, numel = ctypes.c_char_p(), ctypes.c_size_t()
            self._check(lib.bnn_model_tensor_info(h, i, ctypes.byref(name), ctypes.byref(numel)),
                        op)
            names.append((name.value or b"").decode())
        return names

    def _tensor_index(self, name: Union[str, int], op: str) -> Tuple[int, int]:
        h = self._h(op)
        lib = _ffi.lib()
        if isinstance(name, str):
            index = ctypes.c_size_t()
            self._check(lib.bnn_model_tensor_index(h, name.encode(), ctypes.byref(index)), op)
            i = index.value
        elif isinstance(name, (int, np.integer)) and not isinstance(name, bool):
            if name < 0:
                raise BnnError(Status.OUT_OF_RANGE, f"negative tensor index {name}", op)
            i = int(name)
        else:
            raise TypeError(f"a tensor is named by a str (or an int index), not {type(name)}")
        cname, numel = ctypes.c_char_p(), ctypes.c_size_t()
        self._check(lib.bnn_model_tensor_info(h, i, ctypes.byref(cname), ctypes.byref(numel)), op)
        return i, int(numel.value)

    def get_tensor(self, name: Union[str, int]) -> np.ndarray:
        """A float32 copy of the tensor called name (or at an index), 1-D."""
        op = "Model.get_tensor"
        i, numel = self._tensor_index(name, op)
        out = np.empty(numel, dtype=np.float32)
        self._check(_ffi.lib().bnn_model_get_tensor(self._handle, i, _arrays.fptr(out), numel), op)
        return out

    def set_tensor(self, name: Union[str, int], values: Any) -> None:
        """Overwrites a tensor; values: any array with the tensor's number of elements (NaN/Inf
        refused). Optimiser state is kept."""
        op = "Model.set_tensor"
        i, numel = self._tensor_index(name, op)
        arr = values if isinstance(values, np.ndarray) else np.asarray(values)
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"tensor values must be real numbers, got dtype {arr.dtype}")
        if arr.size != numel:
            raise BnnError(Status.SHAPE_MISMATCH,
                           f"tensor {name!r} has {numel} elements (shape ({numel},)); got an "
                           f"array of shape {tuple(arr.shape)}", op)
        arr = np.ascontiguousarray(arr, dtype=np.float32).reshape(-1)
        self._check(_ffi.lib().bnn_model_set_tensor(self._handle, i, _arrays.fptr(arr), numel),
                    op)

    # ---- typed parameters ------------------------------------------------------------------
    def set_param(self, p: ParamLike, value: Union[float, int]) -> None:
        """Sets a parameter (Param, its value or its name) through the library's validated
        setter: integer parameters (STEs, modes, QUANTIZE) as int, the others as float.
        Out of bounds: BnnError(OUT_OF_RANGE) and nothing changes."""
        param = _param(p)
        if param in INTEGER_PARAMS:
            if isinstance(value, float) and not value.is_integer():
                raise TypeError(f"{param_name(param)} takes an integer, got {value!r}")
            self.set_param_i32(param, int(value))
        else:
            self.set_param_f32(param, float(value))

    def get_param(self, p: ParamLike) -> Union[float, int]:
        """Reads a parameter (int for integer parameters, float otherwise)."""
        param = _param(p)
        return self.get_param_i32(param) if param in INTEGER_PARAMS else self.get_param_f32(param)

    def set_param_f32(self, p: ParamLike, value: float) -> None:
        """bnn_model_set_param_f32."""
        op = "Model.set_param_f32"
        self._check(_ffi.lib().bnn_model_set_param_f32(self._h(op), int(_param(p)),
                                                       float(value)), op)

    def param_bounds(self, p: ParamLike) -> Tuple[float, float]:
        """The bounds the setters enforce for p on this model now (its current optimiser's for
        an optimiser parameter; the module-level param_bounds gives the widest)."""
        op = "Model.param_bounds"
        lo, hi = ctypes.c_double(), ctypes.c_double()
        self._check(_ffi.lib().bnn_model_param_bounds(self._h(op), int(_param(p)),
                                                      ctypes.byref(lo), ctypes.byref(hi)), op)
        return lo.value, hi.value

    def get_param_f32(self, p: ParamLike) -> float:
        """bnn_model_get_param_f32."""
        op = "Model.get_param_f32"
        out = ctypes.c_float()
        self._check(_ffi.lib().bnn_model_get_param_f32(self._h(op), int(_param(p)),
                                                       ctypes.byref(out)), op)
        return float(out.value)

    def set_param_i32(self, p: ParamLike, value: int) -> None:
        """bnn_model_set_param_i32."""
        op = "Model.set_param_i32"
        v = int(value)
        if not -(2**31) <= v < 2**31:
            raise BnnError(Status.OUT_OF_RANGE, f"{v} does not fit in int32", op)
        self._check(_ffi.lib().bnn_model_set_param_i32(self._h(op), int(_param(p)), v), op)

    def get_param_i32(self, p: ParamLike) -> int:
        """bnn_model_get_param_i32."""
        op = "Model.get_param_i32"
        out = ctypes.c_int32()
        self._check(_ffi.lib().bnn_model_get_param_i32(self._h(op), int(_param(p)),
                                                       ctypes.byref(out)), op)
        return int(out.value)

    # ---- files -----------------------------------------------------------------------------
    def save(self, path: PathLike) -> None:
        """Saves the whole training state (atomically) so that training resumes bit-exactly."""
        op = "Model.save"
        self._check(_ffi.lib().bnn_model_save(self._h(op), os.fsencode(path)), op)

    def to_bytes(self) -> bytes:
        """The whole training state as bytes (the file format of :meth:`save`)."""
        op = "Model.to_bytes"
        return read_bytes(_ffi.lib().bnn_model_save_buffer, (self._h(op),), self._check, op)

    def export(self, format: str, path: PathLike) -> None:
        """Writes a deployment file: "onnx" or "bnn-infer" (see :class:`InferenceEngine`)."""
        op = "Model.export"
        self._check(_ffi.lib().bnn_model_export(self._h(op), format.encode(), os.fsencode(path)),
                    op)

    def export_bytes(self, format: str) -> bytes:
        """The bytes of :meth:`export`."""
        op = "Model.export_bytes"
        return read_bytes(_ffi.lib().bnn_model_export_buffer, (self._h(op), format.encode()),
                          self._check, op)
