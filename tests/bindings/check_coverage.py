#!/usr/bin/env python3
"""Header coverage of the bindings: every prototype of include/bnn/bnn.h must be bound by
Rust (bindings/rust/src/sys.rs), Go (bindings/go/bnn/*.go), JavaScript (wasm/js/bnn.mjs) and
Python (bindings/python/bnn/_ffi.py), declared the same way where the language shows it, or be
listed in that binding's exclusion list below with a reason. The status tables of all four must
be the X-macro list of include/bnn/bnn_status.h.

What "declared the same way" means per language:
  Rust    every argument type and the result type, mapped from C (const T* -> *const T, ...);
  Python  the ctypes argtypes/restype of _ffi.PROTOTYPES, mapped from C;
  JS      the number of arguments at every call site (wasm drops or pads missing arguments
          silently, so arity is what can drift); every called function is in C_FUNCTIONS;
  Go      presence only: cgo compiles every call against bnn.h itself, so a type or arity
          drift is a compile error already.

    python3 tests/bindings/check_coverage.py [--root DIR] [--rust FILE] [--go DIR] [--js FILE]
                                             [--python DIR]
Exit status 1 when anything is missing or different; the last line counts the bindings.
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import re
import sys
from typing import Dict, List, NamedTuple, Optional, Tuple

# ---- exclusions: functions a binding deliberately does not bind, each with its reason --------
EXCLUDED: Dict[str, Dict[str, str]] = {
    "rust": {
        # sys.rs is the raw layer: it declares everything, so nothing is excluded.
    },
    "go": {
        "bnn_trainer_set_communicator": (
            "the table of C callbacks needs a communication library (MPI, gloo) that the Go "
            "module cannot depend on offline; Go programs wanting data parallelism run "
            "`mpirun bnn train` or call the C API through their own cgo file"),
        "bnn_trainer_set_communicator_v2": "as bnn_trainer_set_communicator",
    },
    "python": {
        "bnn_trainer_set_communicator": (
            "data-parallel training needs a communication library (mpi4py, gloo) that is not "
            "available offline; use `mpirun bnn train` or the C API"),
        "bnn_trainer_set_communicator_v2": "as bnn_trainer_set_communicator",
    },
    # JavaScript keeps its list next to the code: NOT_WRAPPED in wasm/js/bnn.mjs (read below).
}


class Proto(NamedTuple):
    name: str
    result: str  # normalised C type
    args: List[Tuple[str, str]]  # (normalised C type, name)


def strip_comments(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", " ", text)


def norm_c_type(t: str) -> str:
    t = re.sub(r"\s*\*\s*", "*", t.strip())
    return re.sub(r"\s+", " ", t)


def split_c_param(param: str) -> Tuple[str, str]:
    m = re.match(r"^(.*?)([A-Za-z_]\w*)\s*$", param.strip(), re.S)
    if not m or not m.group(1).strip():
        return norm_c_type(param), ""
    return norm_c_type(m.group(1)), m.group(2)


def header_prototypes(path: str) -> Dict[str, Proto]:
    text = strip_comments(open(path, encoding="utf-8").read())
    protos: Dict[str, Proto] = {}
    for m in re.finditer(r"BNN_API\s+([^;{}()]*?)\b(bnn_\w+)\s*\(([^()]*)\)\s*;", text, re.S):
        result, name, params = norm_c_type(m.group(1)), m.group(2), m.group(3).strip()
        args = [] if params in ("", "void") else [split_c_param(p) for p in params.split(",")]
        protos[name] = Proto(name, result, args)
    return protos


def header_typedef_callback(path: str) -> Optional[Tuple[str, List[str]]]:
    text = strip_comments(open(path, encoding="utf-8").read())
    m = re.search(r"typedef\s+(\w+)\s*\(\s*\*\s*bnn_step_callback\s*\)\s*\(([^)]*)\)", text)
    if not m:
        return None
    return norm_c_type(m.group(1)), [split_c_param(p)[0] for p in m.group(2).split(",")]


def status_header(path: str) -> List[Tuple[str, int, str]]:
    text = open(path, encoding="utf-8").read()
    return [(n, int(v), msg) for n, v, msg in
            re.findall(r'^\s*X\((\w+),\s*(-?\d+),\s*"([^"]*)"\)', text, re.M)]


def c_pointer_levels(t: str) -> Tuple[str, bool, List[bool]]:
    """(base, base is const, [is each pointer level itself const]) of a normalised C type."""
    parts = t.split("*")
    base = parts[0].strip()
    base_const = base.startswith("const ")
    base = base[len("const "):] if base_const else base
    levels = [p.strip() == "const" for p in parts[1:]]
    return base, base_const, levels


# ---- Rust ---------------------------------------------------------------------------------------
RUST_BASE = {"char": "c_char", "float": "f32", "double": "f64", "int": "c_int", "int32_t": "i32",
             "int64_t": "i64", "uint8_t": "u8", "uint32_t": "u32", "uint64_t": "u64",
             "size_t": "usize", "void": "c_void"}


def rust_type(c: str) -> str:
    base, const, levels = c_pointer_levels(c)
    t = RUST_BASE.get(base, base)  # bnn_* types keep their names
    pointee_const = const
    for level_const in levels:
        t = ("*const " if pointee_const else "*mut ") + t
        pointee_const = level_const
    return t


def split_top(s: str) -> List[str]:
    out, depth, cur = [], 0, ""
    for ch in s:
        if ch in "([{":  # not <>: JS has >>> and Rust ->, and no argument here has generics
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == "," and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    if cur.strip():
        out.append(cur)
    return [p.strip() for p in out if p.strip()]


def check_rust(path: str, protos: Dict[str, Proto]) -> List[str]:
    text = re.sub(r"//[^\n]*", " ", open(path, encoding="utf-8").read())
    block = re.search(r'extern\s+"C"\s*\{(.*)\}', text, re.S)
    if not block:
        return [f"{path}: no extern \"C\" block"]
    found: Dict[str, Tuple[str, List[str]]] = {}
    for m in re.finditer(r"pub\s+fn\s+(bnn_\w+)\s*\(((?:[^()]|\([^()]*\))*)\)\s*(?:->\s*([^;]+))?;",
                         block.group(1), re.S):
        args = [re.sub(r"\s+", " ", a.split(":", 1)[1]).strip() for a in split_top(m.group(2))]
        result = re.sub(r"\s+", " ", (m.group(3) or "").strip())
        found[m.group(1)] = (result, args)
    return compare(protos, found, EXCLUDED["rust"], "rust",
                   lambda p: ("" if p.result == "void" else rust_type(p.result),
                              [rust_type(t) for t, _ in p.args]))


# ---- Python -------------------------------------------------------------------------------------
def load_ffi(python_dir: str):
    path = os.path.join(python_dir, "bnn", "_ffi.py")
    spec = importlib.util.spec_from_file_location("bnn_ffi_under_test", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # plain data: no library is loaded
    return module


def check_python(python_dir: str, protos: Dict[str, Proto], header: str) -> List[str]:
    import ctypes as ct

    ffi = load_ffi(python_dir)
    base = {"float": ct.c_float, "double": ct.c_double, "int": ct.c_int, "int32_t": ct.c_int32,
            "int64_t": ct.c_int64, "uint8_t": ct.c_uint8, "uint32_t": ct.c_uint32,
            "uint64_t": ct.c_uint64, "size_t": ct.c_size_t, "bnn_status": ct.c_int,
            "bnn_param": ct.c_int, "bnn_step_callback": ffi.STEP_CALLBACK}
    handles = {"bnn_model", "bnn_dataset", "bnn_trainer", "bnn_infer", "void"}

    def py_type(c: str):
        b, const, levels = c_pointer_levels(c)
        if not levels:
            return None if b == "void" else base.get(b, f"<no ctypes mapping for {c}>")
        if len(levels) == 1:
            if b == "char":
                return ct.c_char_p if const else ct.POINTER(ct.c_char)
            if b in handles:
                return ct.c_void_p
            return ct.POINTER(base[b]) if b in base else f"<no ctypes mapping for {c}>"
        if len(levels) == 2 and b == "char":
            return ct.POINTER(ct.c_char_p)
        if len(levels) == 2 and b in handles:
            return ct.POINTER(ct.c_void_p)
        return f"<no ctypes mapping for {c}>"

    def show(t) -> str:
        return "void" if t is None else getattr(t, "__name__", str(t))

    found = {name: (show(res), [show(a) for a in args])
             for name, (res, args) in ffi.PROTOTYPES.items()}
    problems = compare(protos, found, EXCLUDED["python"], "python",
                       lambda p: (show(py_type(p.result)), [show(py_type(t)) for t, _ in p.args]))
    cb = header_typedef_callback(header)
    if cb:
        want = (show(py_type(cb[0])), [show(py_type(t)) for t in cb[1]])
        got = (show(ffi.STEP_CALLBACK._restype_), [show(a) for a in ffi.STEP_CALLBACK._argtypes_])
        if want != got:
            problems.append(f"python: STEP_CALLBACK is {got}, bnn_step_callback is {want}")
    return problems


# ---- Go -----------------------------------------------------------------------------------------
def check_go(go_dir: str, protos: Dict[str, Proto]) -> List[str]:
    used = set()
    # The Go files and the C header their cgo preambles share (bnng.h).
    files = [f for f in sorted(os.listdir(go_dir))
             if (f.endswith(".go") and not f.endswith("_test.go")) or f.endswith(".h")]
    if not files:
        return [f"{go_dir}: no Go files"]
    for f in files:
        text = open(os.path.join(go_dir, f), encoding="utf-8").read()
        used.update(re.findall(r"\b(bnn_\w+)\s*\(", text))
    found = {n: None for n in used if n in protos}
    problems = [f"go: calls {n}, which bnn.h does not declare" for n in sorted(used - set(protos))
                if not n.startswith("bnn_step_callback")]
    return problems + compare(protos, found, EXCLUDED["go"], "go", None)


# ---- JavaScript ---------------------------------------------------------------------------------
def js_call_arities(text: str) -> List[Tuple[str, int, int]]:
    """(function, argument count, line) of every C.bnn_x(...) / M._bnn_x(...) call."""
    calls = []
    for m in re.finditer(r"\b(?:C\.|M\._)(bnn_\w+)\s*\(", text):
        i, depth, start = m.end(), 1, m.end()
        while i < len(text) and depth:
            depth += {"(": 1, ")": -1}.get(text[i], 0)
            i += 1
        inner = text[start:i - 1]
        calls.append((m.group(1), len(split_top(inner)), text.count("\n", 0, m.start()) + 1))
    return calls


def check_js(path: str, protos: Dict[str, Proto]) -> List[str]:
    text = open(path, encoding="utf-8").read()
    problems: List[str] = []
    table = re.search(r"const\s+C_FUNCTIONS\s*=\s*\[(.*?)\]", text, re.S)
    declared = set(re.findall(r"'(bnn_\w+)'|\"(bnn_\w+)\"", table.group(1))) if table else set()
    declared = {a or b for a, b in declared}
    calls = js_call_arities(text)
    if not table:  # an older module without the table: what it calls is what it binds
        declared = {n for n, _, _ in calls}
    excluded: Dict[str, str] = {}
    nw = re.search(r"NOT_WRAPPED\s*=\s*Object\.freeze\(\{(.*?)\}\)", text, re.S)
    if nw:
        excluded = dict(re.findall(r"(bnn_\w+)\s*:\s*'([^']*)'", nw.group(1)))
    for name, reason in excluded.items():
        if not reason.strip():
            problems.append(f"js: NOT_WRAPPED.{name} gives no reason")
    for name, n, line in calls:
        if name not in protos:
            problems.append(f"js: bnn.mjs:{line} calls {name}, which bnn.h does not declare")
        elif n != len(protos[name].args):
            problems.append(f"js: bnn.mjs:{line} calls {name} with {n} arguments, bnn.h "
                            f"declares {len(protos[name].args)}")
        elif table and name not in declared:
            problems.append(f"js: bnn.mjs:{line} calls {name}, missing from C_FUNCTIONS")
    called = {n for n, _, _ in calls}
    for name in sorted(declared - called):
        if name in protos:
            problems.append(f"js: {name} is in C_FUNCTIONS but never called")
    found = {n: None for n in declared}
    return problems + compare(protos, found, excluded, "js", None)


def js_status(path: str) -> List[Tuple[str, int]]:
    text = open(path, encoding="utf-8").read()
    m = re.search(r"Status\s*=\s*Object\.freeze\(\{(.*?)\}\)", text, re.S)
    return [(n, int(v)) for n, v in re.findall(r"(\w+)\s*:\s*(-?\d+)", m.group(1))] if m else []


# ---- shared comparison ------------------------------------------------------------------------
def compare(protos, found, excluded, lang, expected_of) -> List[str]:
    problems = []
    for name in sorted(excluded):
        if name not in protos:
            problems.append(f"{lang}: exclusion {name} is not in bnn.h (stale entry)")
        elif name in found:
            problems.append(f"{lang}: {name} is bound and also listed as excluded")
    for name, proto in protos.items():
        if name in excluded:
            continue
        if name not in found:
            problems.append(f"{lang}: missing {name}({', '.join(t for t, _ in proto.args)})")
            continue
        if expected_of is None:
            continue
        want_res, want_args = expected_of(proto)
        got_res, got_args = found[name]
        if len(got_args) != len(want_args):
            problems.append(f"{lang}: {name} takes {len(got_args)} arguments, bnn.h "
                            f"{len(want_args)}")
            continue
        for i, (w, g) in enumerate(zip(want_args, got_args)):
            if w != g:
                problems.append(f"{lang}: {name} argument {i} ({proto.args[i][1]}: "
                                f"{proto.args[i][0]}) is {g}, expected {w}")
        if want_res != got_res:
            problems.append(f"{lang}: {name} returns {got_res or 'nothing'}, expected "
                            f"{want_res or 'nothing'} ({proto.result})")
    for name in sorted(set(found) - set(protos)):
        problems.append(f"{lang}: declares {name}, which bnn.h does not")
    return problems


def table_diff(lang: str, what: str, got: list, want: list) -> List[str]:
    if got == want:
        return []
    problems = [f"{lang}: {what} lacks {w}" for w in want if w not in got]
    problems += [f"{lang}: {what} has {g}, which bnn_status.h does not" for g in got if g not in want]
    return problems or [f"{lang}: {what} is not in the order of bnn_status.h"]


def check_statuses(root: str, args, header_statuses) -> Dict[str, List[str]]:
    want3 = header_statuses
    want2 = [(n, v) for n, v, _ in header_statuses]
    out: Dict[str, List[str]] = {}

    rust = open(args.rust.replace("sys.rs", "status.rs"), encoding="utf-8").read()
    got = [(n, int(v), m) for v, n, m in
           re.findall(r'^\s*\w+\s*=\s*(-?\d+),\s*"(\w+)",\s*"([^"]*)";', rust, re.M)]
    out["rust"] = table_diff("rust", "status.rs", got, want3)

    go = open(os.path.join(args.go, "status.go"), encoding="utf-8").read()
    values = dict(re.findall(r"^\s*(Status\w+)\s+Status\s*=\s*(-?\d+)", go, re.M))
    got = [(n, int(values.get(c, -999)), m) for c, n, m in
           re.findall(r'\{(Status\w+),\s*"(\w+)",\s*"([^"]*)"\}', go)]
    out["go"] = table_diff("go", "status.go", got, want3)

    got2 = js_status(args.js)
    out["js"] = table_diff("js", "Status", got2, want2)

    spec = importlib.util.spec_from_file_location(
        "bnn_status_under_test", os.path.join(args.python, "bnn", "_status.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    got = [tuple(e) for e in mod.STATUS_TABLE]
    out["python"] = table_diff("python", "STATUS_TABLE", got, want3)
    return out


def main() -> int:
    root_default = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", default=root_default)
    ap.add_argument("--header")
    ap.add_argument("--rust")
    ap.add_argument("--go")
    ap.add_argument("--js")
    ap.add_argument("--python")
    args = ap.parse_args()
    r = args.root
    args.header = args.header or os.path.join(r, "include", "bnn", "bnn.h")
    args.rust = args.rust or os.path.join(r, "bindings", "rust", "src", "sys.rs")
    args.go = args.go or os.path.join(r, "bindings", "go", "bnn")
    args.js = args.js or os.path.join(r, "wasm", "js", "bnn.mjs")
    args.python = args.python or os.path.join(r, "bindings", "python")

    protos = header_prototypes(args.header)
    statuses = status_header(os.path.join(os.path.dirname(args.header), "bnn_status.h"))
    if len(protos) < 40 or len(statuses) < 12:
        print(f"parsed only {len(protos)} prototypes / {len(statuses)} statuses from the header")
        return 1
    results = {
        "rust": check_rust(args.rust, protos),
        "go": check_go(args.go, protos),
        "js": check_js(args.js, protos),
        "python": check_python(args.python, protos, args.header),
    }
    for lang, problems in check_statuses(r, args, statuses).items():
        results[lang] += problems
    print(f"bnn.h: {len(protos)} functions, bnn_status.h: {len(statuses)} statuses")
    failed = 0
    for lang, problems in results.items():
        excluded = (len(EXCLUDED.get(lang, {})) if lang != "js" else
                    len(re.findall(r"(bnn_\w+)\s*:", (re.search(
                        r"NOT_WRAPPED\s*=\s*Object\.freeze\(\{(.*?)\}\)",
                        open(args.js, encoding="utf-8").read(), re.S) or [None, ""])[1])))
        if problems:
            failed += 1
            print(f"-- {lang}: FAILED ({len(problems)} problems)")
            for p in problems:
                print(f"   {p}")
        else:
            print(f"-- {lang}: ok ({len(protos) - excluded} bound, {excluded} excluded with a "
                  "reason, status table matches)")
    print(f"coverage: {len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
