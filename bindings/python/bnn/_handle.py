"""The lifecycle every library object shares: an owned C handle, close() (idempotent), the
context-manager protocol, release on garbage collection, and _h(op), which raises
BnnError(INVALID_STATE) on a closed object instead of passing NULL to the library."""
from __future__ import annotations

import ctypes
from typing import Any, Optional, TypeVar

from . import _ffi
from ._errors import closed

_T = TypeVar("_T", bound="Handle")


class Handle:
    _kind = "object"  # in messages: "the model is closed"
    _free = ""  # the C function that releases the handle
    _handle: Optional[ctypes.c_void_p] = None

    def close(self) -> None:
        """Releases the object. Idempotent; later calls raise BnnError(INVALID_STATE)."""
        handle, self._handle = getattr(self, "_handle", None), None
        if handle is not None:
            getattr(_ffi.lib(), self._free)(handle)

    @property
    def closed(self) -> bool:
        return self._handle is None

    def __enter__(self: _T) -> _T:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # interpreter shutdown: the library may be gone already
            pass

    def _h(self, op: str) -> ctypes.c_void_p:
        if self._handle is None:
            raise closed(self._kind, op)
        return self._handle
