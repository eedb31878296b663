#!/usr/bin/env bash
# Installs the build tree BUILD into a fresh prefix under WORK, checks the installed layout, and
# builds and runs the C example against it with find_package and with pkg-config.
#   install_c_example.sh BUILD WORK
set -euo pipefail
BUILD="$1"
WORK="$2"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
rm -rf "$WORK"
mkdir -p "$WORK"
cmake --install "$BUILD" --prefix "$WORK/prefix" > "$WORK/install.log"
P="$WORK/prefix"
for f in include/bnn/bnn.h include/bnn/bnn_status.h lib/libbnn.so lib/libbnn.a \
         lib/pkgconfig/bnn.pc lib/cmake/bnn/bnnConfig.cmake lib/cmake/bnn/bnnConfigVersion.cmake \
         lib/cmake/bnn/bnnTargets.cmake; do
  [ -e "$P/$f" ] || { echo "missing after install: $f" >&2; exit 1; }
done
ls "$P"/lib/libbnn.so.[0-9]* > /dev/null
if grep -rq nlohmann "$P/lib/cmake/bnn" "$P/lib/pkgconfig/bnn.pc"; then
  echo "nlohmann_json leaks into the installed interface" >&2
  exit 1
fi
# The prefix moves: the package files must not name the build or source tree.
if grep -rqF -e "$ROOT" -e "$(cd "$BUILD" && pwd)" "$P/lib/cmake/bnn" "$P/lib/pkgconfig/bnn.pc"; then
  echo "installed package files refer to the build or source tree" >&2
  exit 1
fi
"$ROOT/examples/c/check_installed.sh" "$P" "$WORK/example"
