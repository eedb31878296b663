"""Status codes: the X-macro list of include/bnn/bnn_status.h (name, value, message), in order.

tests/bindings/check_coverage.py and tests/test_status.py compare this table with the header and
with the library, so that it cannot drift silently.
"""
from __future__ import annotations

import enum

STATUS_TABLE: tuple[tuple[str, int, str], ...] = (
    ("OK", 0, "ok"),
    ("INVALID_ARGUMENT", 1, "invalid argument"),
    ("OUT_OF_RANGE", 2, "value out of range"),
    ("SHAPE_MISMATCH", 3, "shape mismatch"),
    ("INVALID_STATE", 4, "invalid state (wrong call order or released handle)"),
    ("UNSUPPORTED", 5, "unsupported operation or configuration"),
    ("UNSUPPORTED_HARDWARE", 6, "the CPU lacks the requested instruction set"),
    ("OUT_OF_MEMORY", 7, "out of memory"),
    ("IO", 8, "input/output error"),
    ("CORRUPT_DATA", 9, "corrupt or foreign data"),
    ("NUMERIC", 10, "numeric fault (NaN or Inf)"),
    ("INTERNAL", 11, "internal error"),
    ("BUFFER_TOO_SMALL", 12, "output buffer too small"),
    ("CANCELLED", 13, "cancelled by a callback"),
)

#: A libbnn status code (``bnn_status``); values are pinned by the C library.
Status = enum.IntEnum("Status", [(name, value) for name, value, _ in STATUS_TABLE])
Status.__doc__ = "A libbnn status code (bnn_status); values are pinned by the C library."
Status.__module__ = "bnn"
