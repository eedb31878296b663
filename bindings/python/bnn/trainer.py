"""Trainer: the library's training loop (``bnn_trainer``), and a Keras-style ``fit``."""
from __future__ import annotations

import ctypes
import json
import os
from typing import Any, Callable, Dict, Iterator, List, NamedTuple, Optional, Union

from . import _ffi
from ._handle import Handle
from ._errors import BnnError, check_global, check_handle, closed
from ._status import Status
from .dataset import Dataset, DataLike, as_dataset
from .model import Model, read_text

PathLike = Union[str, "os.PathLike[str]"]
#: fn(step, epoch, loss) -> truthy to stop the epoch after this step (BnnError CANCELLED).
StepCallback = Callable[[int, int, float], Any]


class Position(NamedTuple):
    """Where a trainer stands: 0-based epoch (= epochs when done), steps taken in that epoch,
    steps per epoch."""

    epoch: int
    step_in_epoch: int
    steps_per_epoch: int


class Trainer(Handle):
    """Runs the model document's "training" recipe exactly as ``bnn train`` does: epochs,
    batches, shuffling from the model's seed, validation split, learning-rate schedule, phases,
    full-precision pretraining, per-epoch evaluation, best-validation tracking.

    ``train``, ``validation`` and ``test`` are :class:`Dataset` objects or ``(x, y)`` tuples
    (copied into datasets the trainer owns). validation None: the last
    ``training.validation_split`` of train is held out. The trainer keeps references to the
    model and datasets; closing one of them makes the trainer refuse to run (never a crash).

    Iterating over a trainer runs the remaining epochs and yields their records.
    """

    _kind = "trainer"
    _free = "bnn_trainer_free"

    _handle: Optional[ctypes.c_void_p]

    def __init__(self, model: Model, train: DataLike, validation: Optional[DataLike] = None,
                 test: Optional[DataLike] = None) -> None:
        op = "Trainer"
        self._handle = None
        self._owned: List[Dataset] = []
        self._callback: Optional[Any] = None  # keeps the ctypes trampoline alive
        self._callback_error: Optional[BaseException] = None
        if not isinstance(model, Model):
            raise TypeError(f"model must be a bnn.Model, not {type(model).__name__}")
        self.model = model
        self.train = self._dataset(train, "train")
        self.validation = None if validation is None else self._dataset(validation, "validation")
        self.test = None if test is None else self._dataset(test, "test")
        out = ctypes.c_void_p()
        status = _ffi.lib().bnn_trainer_create(
            model._h(op), self.train._h(op),
            None if self.validation is None else self.validation._h(op),
            None if self.test is None else self.test._h(op), ctypes.byref(out))
        check_global(status, op)
        if not out.value:
            raise BnnError(Status.INTERNAL, "the library returned OK without a trainer", op)
        self._handle = out

    def _dataset(self, data: DataLike, what: str) -> Dataset:
        d, owned = as_dataset(data, what)
        if owned:
            self._owned.append(d)
        return d

    # ---- lifecycle -------------------------------------------------------------------------
    def close(self) -> None:
        """Releases the trainer (and the datasets it made from arrays). Idempotent."""
        handle, self._handle = getattr(self, "_handle", None), None
        if handle is not None:
            _ffi.lib().bnn_trainer_free(handle)
        for d in getattr(self, "_owned", []):
            d.close()
        self._owned = []

    def _h(self, op: str) -> ctypes.c_void_p:
        """The handle, after checking that everything the C trainer borrows is still open."""
        if self._handle is None:
            raise closed("trainer", op)
        if self.model.closed:
            raise closed("trainer's model", op)
        for d in (self.train, self.validation, self.test):
            if d is not None and d.closed:
                raise closed("trainer's dataset", op)
        return self._handle

    def _check(self, status: int, op: str) -> None:
        check_handle(status, _ffi.lib().bnn_trainer_errmsg, self._handle, op)

    def __repr__(self) -> str:
        if self.closed:
            return "<bnn.Trainer closed>"
        p = self.position
        return f"<bnn.Trainer epoch {p.epoch}, step {p.step_in_epoch}/{p.steps_per_epoch}>"

    # ---- running ---------------------------------------------------------------------------
    def run_epoch(self) -> Dict[str, Any]:
        """Runs the rest of the current epoch and returns its record (the keys of a
        metrics.jsonl line: epoch, lr, train_loss, train_accuracy, val_accuracy, ...).

        Raises :class:`bnn.Cancelled` when the step callback asked to stop (the next call
        continues the same epoch), BnnError(INVALID_STATE) after the last epoch, and re-raises
        an exception that the step callback raised."""
        op = "Trainer.run_epoch"
        h = self._h(op)
        record = ctypes.c_char_p()
        self._callback_error = None
        status = _ffi.lib().bnn_trainer_run_epoch(h, ctypes.byref(record))
        if self._callback_error is not None:
            err, self._callback_error = self._callback_error, None
            raise err
        self._check(status, op)
        return json.loads(record.value.decode("utf-8")) if record.value else {}

    def __iter__(self) -> Iterator[Dict[str, Any]]:
        while not self.done:
            yield self.run_epoch()

    @property
    def done(self) -> bool:
        """True once every epoch ran."""
        return bool(_ffi.lib().bnn_trainer_done(self._h("Trainer.done")))

    def set_step_callback(self, fn: Optional[StepCallback]) -> None:
        """Calls fn(step, epoch, loss) after every step; a truthy return stops run_epoch right
        after that step (bnn.Cancelled). An exception in fn stops it too and is re-raised by
        run_epoch. None removes the callback."""
        op = "Trainer.set_step_callback"
        h = self._h(op)
        if fn is None:
            self._check(_ffi.lib().bnn_trainer_set_step_callback(h, _ffi.STEP_CALLBACK(), None), op)
            self._callback = None
            return
        if not callable(fn):
            raise TypeError("the step callback must be callable (or None)")

        def trampoline(_user: Any, step: int, epoch: int, loss: float) -> int:
            try:
                return 1 if fn(int(step), int(epoch), float(loss)) else 0
            except BaseException as e:  # never let an exception unwind through C
                self._callback_error = e
                return 1

        c_fn = _ffi.STEP_CALLBACK(trampoline)
        self._check(_ffi.lib().bnn_trainer_set_step_callback(h, c_fn, None), op)
        self._callback = c_fn

    def best_model(self) -> Model:
        """A new model holding the best-validation binarised epoch so far (what `bnn train`
        writes as best.bnn). BnnError(INVALID_STATE) before any binarised epoch finished."""
        op = "Trainer.best_model"
        out = ctypes.c_void_p()
        self._check(_ffi.lib().bnn_trainer_best_model(self._h(op), ctypes.byref(out)), op)
        return Model(out)

    @property
    def position(self) -> Position:
        """(epoch, step_in_epoch, steps_per_epoch)."""
        op = "Trainer.position"
        e, s, n = ctypes.c_int32(), ctypes.c_int64(), ctypes.c_int64()
        self._check(_ffi.lib().bnn_trainer_position(self._h(op), ctypes.byref(e), ctypes.byref(s),
                                                    ctypes.byref(n)), op)
        return Position(int(e.value), int(s.value), int(n.value))

    @property
    def epoch(self) -> int:
        """The 0-based epoch the trainer is in (= the number of epochs when done)."""
        return self.position.epoch

    @property
    def state(self) -> Dict[str, Any]:
        """The trainer's state (position, best epoch, history of records) as a dict."""
        op = "Trainer.state"
        return json.loads(read_text(_ffi.lib().bnn_trainer_state_json, self._h(op), self._check,
                                    op))

    @property
    def history(self) -> List[Dict[str, Any]]:
        """The records of the epochs run so far (from the trainer's state)."""
        state = self.state
        hist = state.get("history", state.get("records", []))
        return list(hist) if isinstance(hist, list) else []

    def save(self, path: PathLike) -> None:
        """Writes the model with the trainer's progress; ``Trainer(Model.load(path), same data)``
        resumes bit-exactly, mid-epoch included. The best model is not included."""
        op = "Trainer.save"
        self._check(_ffi.lib().bnn_trainer_save(self._h(op), os.fsencode(path)), op)


EpochCallback = Callable[[Dict[str, Any]], Any]


def fit(model: Model, train: DataLike, validation: Optional[DataLike] = None,
        test: Optional[DataLike] = None, *, on_epoch: Optional[EpochCallback] = None,
        on_step: Optional[StepCallback] = None, verbose: bool = False) -> List[Dict[str, Any]]:
    """Trains model with its document's "training" recipe to the end and returns the history:
    the list of epoch records (dicts with the metrics.jsonl keys), like Keras' ``fit``.

    on_epoch(record) runs after each epoch; a truthy return stops training early. on_step is
    the trainer's step callback (see :meth:`Trainer.set_step_callback`); when it stops an epoch,
    fit returns the history so far. verbose prints one line per epoch.
    """
    history: List[Dict[str, Any]] = []
    with Trainer(model, train, validation, test) as trainer:
        if on_step is not None:
            trainer.set_step_callback(on_step)
        while not trainer.done:
            try:
                record = trainer.run_epoch()
            except BnnError as e:
                if e.status == Status.CANCELLED:
                    break
                raise
            history.append(record)
            if verbose:
                print(_format(record), flush=True)
            if on_epoch is not None and on_epoch(record):
                break
    return history


def _format(record: Dict[str, Any]) -> str:
    parts = [f"epoch {record.get('epoch', '?')}"]
    for key in ("train_loss", "train_accuracy", "val_accuracy", "test_accuracy", "lr",
                "flip_ratio", "seconds"):
        value = record.get(key)
        if isinstance(value, float):
            parts.append(f"{key} {value:.4g}")
    return "  ".join(parts)
