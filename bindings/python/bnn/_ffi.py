"""The C ABI of include/bnn/bnn.h for ctypes: library discovery and one prototype per function.

PROTOTYPES is plain data (no library is loaded when this module is imported), so that
tests/bindings/check_coverage.py can compare it with the header: every function of bnn.h must be
here with the same argument and result types, or in that script's exclusion list with a reason.

Discovery order: the environment variable BNN_LIBRARY (a path to
libbnn.so), else ``pkg-config --variable=libdir bnn``, else the system's loader
(``ctypes.util.find_library("bnn")``, then ``libbnn.so.<major>``).
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import subprocess
import threading
from ctypes import (
    CFUNCTYPE,
    POINTER,
    c_char,
    c_char_p,
    c_double,
    c_float,
    c_int,
    c_int32,
    c_int64,
    c_size_t,
    c_uint8,
    c_uint32,
    c_uint64,
    c_void_p,
)
from typing import Any, Dict, List, Optional, Tuple

#: The major version whose ABI this module declares (same major = ABI compatible).
ABI_MAJOR = 0

# Opaque handles (bnn_model*, bnn_dataset*, bnn_trainer*, bnn_infer*) travel as c_void_p;
# enums (bnn_status, bnn_param) are C ints.
HANDLE = c_void_p
STATUS = c_int
PARAM = c_int

#: typedef int (*bnn_step_callback)(void* user, int64_t step, int32_t epoch, float loss);
STEP_CALLBACK = CFUNCTYPE(c_int, c_void_p, c_int64, c_int32, c_float)

_F = POINTER(c_float)
_I32 = POINTER(c_int32)
_SIZE = POINTER(c_size_t)
_BUF = POINTER(c_char)
_BYTES = POINTER(c_uint8)
_OUT = POINTER(HANDLE)

#: name -> (result type, [argument types]); None is void.
PROTOTYPES: Dict[str, Tuple[Any, List[Any]]] = {
    # versions, statuses, messages
    "bnn_version_string": (c_char_p, []),
    "bnn_version_number": (c_uint32, []),
    "bnn_status_string": (c_char_p, [STATUS]),
    "bnn_status_name": (c_char_p, [STATUS]),
    "bnn_last_errmsg": (c_char_p, []),
    # model lifecycle
    "bnn_model_create_from_json": (STATUS, [c_char_p, _OUT]),
    "bnn_model_free": (None, [HANDLE]),
    "bnn_model_errmsg": (c_char_p, [HANDLE]),
    "bnn_model_input_size": (c_size_t, [HANDLE]),
    "bnn_model_output_size": (c_size_t, [HANDLE]),
    "bnn_model_config_json": (STATUS, [HANDLE, _BUF, c_size_t, _SIZE]),
    "bnn_model_summary": (STATUS, [HANDLE, _BUF, c_size_t, _SIZE]),
    "bnn_model_set_metadata": (STATUS, [HANDLE, c_char_p]),
    "bnn_model_metadata": (STATUS, [HANDLE, _BUF, c_size_t, _SIZE]),
    # training and inference
    "bnn_model_train_step": (STATUS, [HANDLE, _F, _I32, c_size_t, _F]),
    "bnn_model_last_step_accuracy": (STATUS, [HANDLE, _F]),
    "bnn_model_predict": (STATUS, [HANDLE, _F, c_size_t, _F, c_size_t]),
    "bnn_model_evaluate": (STATUS, [HANDLE, _F, _I32, c_size_t, _F, _F]),
    "bnn_model_configure": (STATUS, [HANDLE, c_char_p]),
    "bnn_model_flip_ratio": (STATUS, [HANDLE, _F]),
    "bnn_model_layer_flip_ratio": (STATUS, [HANDLE, c_size_t, _F]),
    "bnn_model_step_count": (STATUS, [HANDLE, POINTER(c_uint64)]),
    # parameter tensors
    "bnn_model_tensor_count": (c_size_t, [HANDLE]),
    "bnn_model_tensor_info": (STATUS, [HANDLE, c_size_t, POINTER(c_char_p), _SIZE]),
    "bnn_model_tensor_index": (STATUS, [HANDLE, c_char_p, _SIZE]),
    "bnn_model_get_tensor": (STATUS, [HANDLE, c_size_t, _F, c_size_t]),
    "bnn_model_set_tensor": (STATUS, [HANDLE, c_size_t, _F, c_size_t]),
    # typed parameters
    "bnn_param_bounds": (STATUS, [PARAM, POINTER(c_double), POINTER(c_double)]),
    "bnn_model_param_bounds": (STATUS, [HANDLE, PARAM, POINTER(c_double), POINTER(c_double)]),
    "bnn_param_name": (c_char_p, [PARAM]),
    "bnn_model_set_param_f32": (STATUS, [HANDLE, PARAM, c_float]),
    "bnn_model_get_param_f32": (STATUS, [HANDLE, PARAM, _F]),
    "bnn_model_set_param_i32": (STATUS, [HANDLE, PARAM, c_int32]),
    "bnn_model_get_param_i32": (STATUS, [HANDLE, PARAM, _I32]),
    # save / load
    "bnn_model_save": (STATUS, [HANDLE, c_char_p]),
    "bnn_model_load": (STATUS, [c_char_p, _OUT]),
    "bnn_model_save_buffer": (STATUS, [HANDLE, _BYTES, c_size_t, _SIZE]),
    "bnn_model_load_buffer": (STATUS, [_BYTES, c_size_t, _OUT]),
    # SIMD path and threads
    "bnn_get_isa": (c_char_p, []),
    "bnn_set_isa": (STATUS, [c_char_p]),
    "bnn_isa_supported": (c_int, [c_char_p]),
    "bnn_set_num_threads": (STATUS, [c_int]),
    "bnn_get_num_threads": (c_int, []),
    # datasets (0.2)
    "bnn_dataset_create": (STATUS, [_F, _I32, c_size_t, c_size_t, _OUT]),
    "bnn_dataset_load_idx": (STATUS, [c_char_p, c_char_p, _OUT]),
    "bnn_dataset_gzip_supported": (c_int, []),
    "bnn_dataset_count": (c_size_t, [HANDLE]),
    "bnn_dataset_sample_size": (c_size_t, [HANDLE]),
    "bnn_dataset_num_classes": (c_size_t, [HANDLE]),
    "bnn_dataset_get": (STATUS, [HANDLE, c_size_t, c_size_t, _F, c_size_t, _I32, c_size_t]),
    "bnn_dataset_slice": (STATUS, [HANDLE, c_size_t, c_size_t, _OUT]),
    "bnn_dataset_free": (None, [HANDLE]),
    "bnn_model_evaluate_dataset": (STATUS, [HANDLE, HANDLE, _F, _F]),
    # trainer (0.2)
    "bnn_trainer_create": (STATUS, [HANDLE, HANDLE, HANDLE, HANDLE, _OUT]),
    "bnn_trainer_free": (None, [HANDLE]),
    "bnn_trainer_errmsg": (c_char_p, [HANDLE]),
    "bnn_trainer_run_epoch": (STATUS, [HANDLE, POINTER(c_char_p)]),
    "bnn_trainer_done": (c_int, [HANDLE]),
    "bnn_trainer_set_step_callback": (STATUS, [HANDLE, STEP_CALLBACK, c_void_p]),
    "bnn_trainer_best_model": (STATUS, [HANDLE, _OUT]),
    "bnn_trainer_position": (STATUS, [HANDLE, POINTER(c_int32), POINTER(c_int64),
                                      POINTER(c_int64)]),
    "bnn_trainer_state_json": (STATUS, [HANDLE, _BUF, c_size_t, _SIZE]),
    "bnn_trainer_save": (STATUS, [HANDLE, c_char_p]),
    # deployment (0.2)
    "bnn_model_export": (STATUS, [HANDLE, c_char_p, c_char_p]),
    "bnn_model_export_buffer": (STATUS, [HANDLE, c_char_p, _BYTES, c_size_t, _SIZE]),
    "bnn_infer_load": (STATUS, [c_char_p, _OUT]),
    "bnn_infer_load_buffer": (STATUS, [_BYTES, c_size_t, _OUT]),
    "bnn_infer_input_size": (c_size_t, [HANDLE]),
    "bnn_infer_output_size": (c_size_t, [HANDLE]),
    "bnn_infer_predict": (STATUS, [HANDLE, _F, c_size_t, _F, c_size_t]),
    "bnn_infer_errmsg": (c_char_p, [HANDLE]),
    "bnn_infer_free": (None, [HANDLE]),
}



class LibraryNotFound(OSError):
    """libbnn could not be found (see the module docstring for where it is looked for)."""


def _candidates() -> List[str]:
    found: List[str] = []
    env = os.environ.get("BNN_LIBRARY")
    if env:
        return [env]  # an explicit choice: no silent fallback to another copy
    pkg_config = os.environ.get("PKG_CONFIG") or shutil.which("pkg-config")
    if pkg_config:
        try:
            out = subprocess.run(
                [pkg_config, "--variable=libdir", "bnn"],
                capture_output=True, text=True, timeout=10, check=False,
            )
            libdir = out.stdout.strip()
            if out.returncode == 0 and libdir:
                for name in ("libbnn.so", f"libbnn.so.{ABI_MAJOR}", "libbnn.dylib", "bnn.dll"):
                    path = os.path.join(libdir, name)
                    if os.path.exists(path):
                        found.append(path)
                        break
        except (OSError, subprocess.SubprocessError):
            pass
    system = ctypes.util.find_library("bnn")
    if system:
        found.append(system)
    found.append(f"libbnn.so.{ABI_MAJOR}")
    return found


def _declare(lib: ctypes.CDLL) -> None:
    for name, (restype, argtypes) in PROTOTYPES.items():
        try:
            fn = getattr(lib, name)
        except AttributeError:
            continue  # a library older than this module: calling it raises a clear error
        fn.restype = restype
        fn.argtypes = argtypes


_lock = threading.Lock()
_lib: Optional[ctypes.CDLL] = None


def lib() -> ctypes.CDLL:
    """The loaded libbnn with every prototype declared (loaded once, on first use)."""
    global _lib
    if _lib is not None:
        return _lib
    with _lock:
        if _lib is None:
            errors = []
            for candidate in _candidates():
                try:
                    loaded = ctypes.CDLL(candidate)
                except OSError as e:
                    errors.append(f"{candidate}: {e}")
                    continue
                _declare(loaded)
                _lib = loaded
                break
            else:
                raise LibraryNotFound(
                    "libbnn not found; set BNN_LIBRARY to the path of libbnn.so, or install "
                    "libbnn and point PKG_CONFIG_PATH (or the system loader) at it. Tried: "
                    + "; ".join(errors)
                )
    return _lib


def has(name: str) -> bool:
    """Whether the loaded library exports the C function `name` (older libraries may not)."""
    return hasattr(lib(), name)


def library_path() -> str:
    """The file libbnn was loaded from."""
    return str(lib()._name)
