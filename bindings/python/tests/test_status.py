"""The Python status table is the X-macro list of include/bnn/bnn_status.h, and the library
agrees with it at run time."""
import os
import re

import pytest

import bnn

HEADER = os.path.join(os.path.dirname(__file__), "..", "..", "..", "include", "bnn",
                      "bnn_status.h")


def test_table_matches_header():
    if not os.path.exists(HEADER):
        pytest.skip("bnn_status.h not next to the package (used outside the repository)")
    text = open(HEADER, encoding="utf-8").read()
    entries = [(n, int(v), m) for n, v, m in
               re.findall(r'^\s*X\((\w+),\s*(-?\d+),\s*"([^"]*)"\)', text, re.M)]
    assert len(entries) >= 14
    assert list(bnn.STATUS_TABLE) == entries


def test_table_matches_library():
    for name, value, message in bnn.STATUS_TABLE:
        assert bnn.Status[name] == value
        assert bnn.status_name(value) == name
        assert bnn.status_string(value) == message
    assert bnn.status_name(999) == "UNKNOWN"


def test_error_carries_status_and_code():
    e = bnn.BnnError(2, "too big", "op")
    assert (e.status, e.code, e.message) == (2, "OUT_OF_RANGE", "too big")
    assert "OUT_OF_RANGE" in str(e) and "too big" in str(e)
    assert bnn.BnnError(12345).code == "UNKNOWN"
    assert isinstance(bnn.Cancelled(13), bnn.BnnError)
