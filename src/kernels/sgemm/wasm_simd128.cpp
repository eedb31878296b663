// Float GEMM, WebAssembly SIMD128 (no fused multiply-add in the base proposal): 4 x 8 tile.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include <simde/wasm/simd128.h>

#include "kernels/registry.h"

namespace bnn::kernels::wasm_simd128 {
namespace {
struct Ops {
  using V = simde_v128_t;
  static constexpr size_t kLanes = 4;
  static V zero() { return simde_wasm_f32x4_splat(0.0f); }
  static V load(const float* p) { return simde_wasm_v128_load(p); }
  static void store(float* p, V v) { simde_wasm_v128_store(p, v); }
  static V bcast(float x) { return simde_wasm_f32x4_splat(x); }
  static V madd(V acc, V a, V b) { return simde_wasm_f32x4_add(acc, simde_wasm_f32x4_mul(a, b)); }
  static constexpr bool kTranspose8 = false;
  static void transpose8(const float*, size_t, float*, size_t) {}
  static V add(V a, V b) { return simde_wasm_f32x4_add(a, b); }
  static V mul(V a, V b) { return simde_wasm_f32x4_mul(a, b); }
};
}  // namespace

constexpr int kMR = 4;
constexpr int kNV = 2;
constexpr size_t kKC = 256;
constexpr size_t kMC = 128;
constexpr size_t kNC = 1024;
#include "kernels/sgemm/sgemm_impl.h"

}  // namespace bnn::kernels::wasm_simd128
