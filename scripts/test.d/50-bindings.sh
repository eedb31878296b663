#!/usr/bin/env bash
# Hook of scripts/test.sh: installs the freshly built library into a temporary prefix and tests
# everything that uses it from outside: the C example (find_package and pkg-config), the Rust
# crate (cargo test), the Go package (go test) and the Python package (pytest, then
# `pip install` into a fresh virtual environment), each with only PKG_CONFIG_PATH and
# LD_LIBRARY_PATH pointing at the prefix, as a user would; the installed `bnn` tool; and the
# header-coverage check of all four bindings (tests/bindings/check_coverage.py).
#   BNN_BUILD_DIR=build bash scripts/test.d/50-bindings.sh
# Without BNN_BUILD_DIR it configures and builds the library alone in a temporary folder.
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
export PATH="/root/.cargo/bin:$PATH"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/bnn-bindings.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

failures=()
passes=0
step() {  # step NAME COMMAND...: runs one check, records a failure without stopping
  local name="$1"
  shift
  echo "-- $name"
  if "$@"; then echo "-- $name: ok"; passes=$((passes + 1)); else echo "-- $name: FAILED"; failures+=("$name"); fi
}
# Debian's interpreter (python3 on PATH may be another one without numpy).
PYTHON="${BNN_PYTHON:-/usr/bin/python3}"

step "Coverage: every bnn.h prototype in Rust, Go, JS and Python" \
  "$PYTHON" "$ROOT/tests/bindings/check_coverage.py"

BUILD="${BNN_BUILD_DIR:-}"
if [ -z "$BUILD" ]; then
  BUILD="$WORK/build"
  echo "-- BNN_BUILD_DIR unset: building the library in $BUILD"
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBNN_BUILD_TESTS=OFF \
    -DBNN_BUILD_BENCH=OFF -DBNN_BUILD_CLI=OFF > "$WORK/configure.log" || { cat "$WORK/configure.log"; exit 1; }
  cmake --build "$BUILD" -j "${BNN_JOBS:-2}" --target bnn bnn_static || exit 1
fi

PREFIX="$WORK/prefix"
echo "-- installing $BUILD into $PREFIX"
cmake --install "$BUILD" --prefix "$PREFIX" > "$WORK/install.log" || { cat "$WORK/install.log"; exit 1; }
export PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
export LD_LIBRARY_PATH="$PREFIX/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
echo "-- pkg-config: bnn $(pkg-config --modversion bnn)"

step "C example (find_package, static, pkg-config)" \
  "$ROOT/examples/c/check_installed.sh" "$PREFIX" "$WORK/c-example"

rust_tests() {
  command -v cargo > /dev/null || { echo "cargo not found (rustup, /root/.cargo/bin)"; return 1; }
  cd "$ROOT/bindings/rust" || return 1
  # A target folder per build tree: incremental across runs, never inside the source tree.
  export CARGO_TARGET_DIR="${BNN_CARGO_TARGET_DIR:-$BUILD/cargo-target}"
  cargo test --offline --quiet && cargo run --offline --quiet --example train_synthetic
}
step "Rust: cargo test" rust_tests

go_tests() {
  command -v go > /dev/null || { echo "go not found (scripts/install-deps.sh installs golang-go)"; return 1; }
  cd "$ROOT/bindings/go" || return 1
  export GOFLAGS=-mod=mod GOPROXY=off
  # Go's build cache does not notice that the C library moved: a package compiled against an
  # earlier (deleted) temporary prefix would be linked with its stale -L. A cache per run.
  export GOCACHE="$WORK/go-cache"
  local unformatted
  unformatted="$(gofmt -l .)"
  if [ -n "$unformatted" ]; then echo "not gofmt-formatted: $unformatted"; return 1; fi
  go vet ./... && go test -count=1 ./... && go run ./examples/train
}
step "Go: go test" go_tests

installed_tool() {
  [ -f "$PREFIX/share/doc/bnn/LICENSE" ] || { echo "LICENSE not installed"; return 1; }
  if [ ! -x "$BUILD/bnn" ]; then echo "(the bnn tool was not built here: BNN_BUILD_CLI=OFF)"; return 0; fi
  [ -x "$PREFIX/bin/bnn" ] || { echo "cmake --install did not install bin/bnn"; return 1; }
  "$PREFIX/bin/bnn" --help | head -n 1
}
step "install: the bnn tool and LICENSE" installed_tool

python_tests() {
  "$PYTHON" -c "import numpy, pytest" || { echo "needs python3-numpy and python3-pytest"; return 1; }
  cd "$ROOT/bindings/python" || return 1
  # Found through pkg-config (PKG_CONFIG_PATH above), as the package documents.
  env -u BNN_LIBRARY PYTHONDONTWRITEBYTECODE=1 "$PYTHON" -m pytest -q -p no:cacheprovider tests
}
step "Python: pytest" python_tests

python_venv() {
  local venv="$WORK/venv"
  "$PYTHON" -m venv --system-site-packages "$venv" || return 1
  # From a copy: setuptools writes build/ and *.egg-info next to pyproject.toml.
  cp -r "$ROOT/bindings/python" "$WORK/python-src" && rm -rf "$WORK/python-src/tests"
  "$venv/bin/pip" install --quiet --no-index --no-build-isolation "$WORK/python-src" || return 1
  # Outside the source tree, so that the installed package is the one imported.
  (cd "$WORK" && env -u BNN_LIBRARY "$venv/bin/python" "$ROOT/examples/python/contract_example.py")
}
step "Python: pip install into a fresh venv, the contract's example" python_venv

echo "bindings: $passes passed, ${#failures[@]} failed${failures[*]:+: ${failures[*]}}"
((${#failures[@]} == 0))
