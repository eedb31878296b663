"""BnnError and the helpers that turn a C status into it, reading the library's message."""
from __future__ import annotations

import ctypes
from typing import Callable, Optional

from . import _ffi
from ._status import STATUS_TABLE, Status

_NAMES = {value: name for name, value, _ in STATUS_TABLE}


class BnnError(Exception):
    """A failed libbnn call, or an argument this package refused before calling the library.

    Attributes:
        status: the numeric ``bnn_status`` (see :class:`bnn.Status`).
        code: its symbolic name, e.g. ``"OUT_OF_RANGE"`` (``"UNKNOWN"`` for a value this
            version of the package does not know).
        message: the library's detailed message (may be empty).
    """

    def __init__(self, status: int, message: str = "", op: str = "") -> None:
        self.status: int = int(status)
        self.code: str = _NAMES.get(self.status, "UNKNOWN")
        self.message: str = message
        self.op: str = op
        text = f"{self.code}: {message}" if message else self.code
        super().__init__(f"{op}: {text}" if op else text)


class Cancelled(BnnError):
    """A step callback asked to stop (``BNN_STATUS_CANCELLED``); the next run_epoch continues
    the same epoch."""


def _decode(raw: Optional[bytes]) -> str:
    return raw.decode("utf-8", "replace") if raw else ""


def error(status: int, message: str, op: str) -> BnnError:
    cls = Cancelled if status == Status.CANCELLED else BnnError
    return cls(status, message, op)


def check_global(status: int, op: str) -> None:
    """Raises for a failure without a handle, with the thread-local message. Must run right
    after the failing call, on the same thread (a ctypes call never changes threads)."""
    if status != 0:
        raise error(status, _decode(_ffi.lib().bnn_last_errmsg()), op)


def check_handle(status: int, errmsg: Callable[[ctypes.c_void_p], Optional[bytes]],
                 handle: ctypes.c_void_p, op: str) -> None:
    """Raises for a failure on a handle, with the handle's own message."""
    if status != 0:
        raise error(status, _decode(errmsg(handle)), op)


def closed(what: str, op: str) -> BnnError:
    return BnnError(Status.INVALID_STATE, f"the {what} is closed", op)
