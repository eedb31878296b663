#!/usr/bin/env bash
# Builds and runs the C example against the libbnn installed in PREFIX, twice: with
# find_package(bnn) (shared and static) and with pkg-config. Work files go to WORKDIR.
#   examples/c/check_installed.sh PREFIX WORKDIR
set -euo pipefail
PREFIX="$(cd "$1" && pwd)"
WORK="$2"
HERE="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$WORK"
WORK="$(cd "$WORK" && pwd)"
export LD_LIBRARY_PATH="$PREFIX/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"

echo "-- C example with find_package(bnn)"
GEN=()
command -v ninja > /dev/null && GEN=(-G Ninja)
cmake -S "$HERE" -B "$WORK/cmake" "${GEN[@]}" -DCMAKE_PREFIX_PATH="$PREFIX" \
  -DBNN_EXAMPLE_STATIC=ON -DCMAKE_BUILD_TYPE=Release > "$WORK/cmake-configure.log"
cmake --build "$WORK/cmake" -j 2 > "$WORK/cmake-build.log"
"$WORK/cmake/train_synthetic"
echo "-- C example linked statically (bnn::bnn_static)"
if ldd "$WORK/cmake/train_synthetic_static" | grep -q libbnn; then
  echo "train_synthetic_static links libbnn dynamically" >&2
  exit 1
fi
"$WORK/cmake/train_synthetic_static"

echo "-- C example with pkg-config ($(pkg-config --modversion bnn))"
make -s -f "$HERE/Makefile" OUT="$WORK"
"$WORK/train_synthetic_pc"
