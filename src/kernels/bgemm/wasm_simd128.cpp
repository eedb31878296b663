// Binary GEMM, WebAssembly SIMD128 (with -msimd128 SIMDe lowers to wasm SIMD; elsewhere it is
// emulated and tested): i8x16.popcnt, then pairwise widening adds into 32-bit halves of each
// 64-bit lane, folded at the end. Tile 4 rows x 4 columns.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include <simde/wasm/simd128.h>

#include "kernels/registry.h"

namespace bnn::kernels::wasm_simd128 {
namespace {

struct Ops {
  using V = simde_v128_t;
  static constexpr size_t kLanes = 2;
  static V zero() { return simde_wasm_i64x2_splat(0); }
  static V load(const uint64_t* p) { return simde_wasm_v128_load(p); }
  static V bcast(uint64_t x) { return simde_wasm_i64x2_splat(static_cast<int64_t>(x)); }
  static V xor_popcnt_add(V acc, V a, V b) {
    const V bytes = simde_wasm_i8x16_popcnt(simde_wasm_v128_xor(a, b));
    return simde_wasm_i32x4_add(
        acc, simde_wasm_u32x4_extadd_pairwise_u16x8(simde_wasm_u16x8_extadd_pairwise_u8x16(bytes)));
  }
  static void store_result(V acc, int64_t K, float* out) {
    const V sum = simde_wasm_i64x2_add(simde_wasm_v128_and(acc, simde_wasm_i64x2_splat(0xffffffff)),
                                       simde_wasm_u64x2_shr(acc, 32));
    const V v = simde_wasm_i64x2_sub(simde_wasm_i64x2_splat(K), simde_wasm_i64x2_shl(sum, 1));
    out[0] = static_cast<float>(simde_wasm_i64x2_extract_lane(v, 0));
    out[1] = static_cast<float>(simde_wasm_i64x2_extract_lane(v, 1));
  }
  static uint64_t sign_bits64(const float* x) {
    const V z = simde_wasm_f32x4_splat(0.0f);
    uint64_t bits = 0;
    for (int i = 0; i < 16; ++i) {
      const uint64_t m = simde_wasm_i32x4_bitmask(simde_wasm_f32x4_lt(simde_wasm_v128_load(x + 4 * i), z));
      bits |= m << (4 * i);
    }
    return bits;
  }
  static constexpr size_t kColLanes = 4;
  struct ColAcc { V lo, hi; };
  static void col_zero(ColAcc& a) { a.lo = a.hi = zero(); }
  static void col_or(ColAcc& a, const float* row, int k) {
    const V m = simde_wasm_f32x4_lt(simde_wasm_v128_load(row), simde_wasm_f32x4_splat(0.0f));
    const V bit = bcast(uint64_t{1} << k);
    a.lo = simde_wasm_v128_or(a.lo, simde_wasm_v128_and(simde_wasm_i64x2_extend_low_i32x4(m), bit));
    a.hi = simde_wasm_v128_or(a.hi, simde_wasm_v128_and(simde_wasm_i64x2_extend_high_i32x4(m), bit));
  }
  static void col_load(ColAcc& a, const uint64_t* p) {
    a.lo = load(p);
    a.hi = load(p + 2);
  }
  static void col_store(const ColAcc& a, uint64_t* out) {
    simde_wasm_v128_store(out, a.lo);
    simde_wasm_v128_store(out + 2, a.hi);
  }
};
}  // namespace

constexpr int kMR = 4;
constexpr int kNV = 2;
#include "kernels/bgemm/bgemm_impl.h"

}  // namespace bnn::kernels::wasm_simd128
