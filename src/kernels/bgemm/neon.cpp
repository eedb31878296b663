// Binary GEMM, NEON (AArch64; on x86 SIMDe emulates it so that it is tested here): vcnt counts
// bits per byte, pairwise widening adds fold them into 64-bit lanes. Tile 4 rows x 4 columns.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include <simde/arm/neon.h>

#include "kernels/registry.h"

namespace bnn::kernels::neon {
namespace {

struct Ops {
  using V = simde_uint64x2_t;
  static constexpr size_t kLanes = 2;
  static V zero() { return simde_vdupq_n_u64(0); }
  static V load(const uint64_t* p) { return simde_vld1q_u64(p); }
  static V bcast(uint64_t x) { return simde_vdupq_n_u64(x); }
  static V xor_popcnt_add(V acc, V a, V b) {
    const simde_uint8x16_t bytes = simde_vcntq_u8(simde_vreinterpretq_u8_u64(simde_veorq_u64(a, b)));
    return simde_vpadalq_u32(acc, simde_vpaddlq_u16(simde_vpaddlq_u8(bytes)));
  }
  static void store_result(V acc, int64_t K, float* out) {
    const simde_int64x2_t v = simde_vsubq_s64(simde_vdupq_n_s64(K), simde_vshlq_n_s64(simde_vreinterpretq_s64_u64(acc), 1));
    out[0] = static_cast<float>(simde_vgetq_lane_s64(v, 0));
    out[1] = static_cast<float>(simde_vgetq_lane_s64(v, 1));
  }
  static uint64_t sign_bits64(const float* x) {
    static const uint32_t kWeights[4] = {1, 2, 4, 8};
    const simde_uint32x4_t weights = simde_vld1q_u32(kWeights);
    const simde_float32x4_t z = simde_vdupq_n_f32(0.0f);
    uint64_t bits = 0;
    for (int i = 0; i < 16; ++i) {
      const simde_uint32x4_t m = simde_vcltq_f32(simde_vld1q_f32(x + 4 * i), z);
      bits |= static_cast<uint64_t>(simde_vaddvq_u32(simde_vandq_u32(m, weights))) << (4 * i);
    }
    return bits;
  }
  static constexpr size_t kColLanes = 4;
  struct ColAcc { V lo, hi; };
  static void col_zero(ColAcc& a) { a.lo = a.hi = zero(); }
  static void col_or(ColAcc& a, const float* row, int k) {
    const simde_int32x4_t m = simde_vreinterpretq_s32_u32(simde_vcltq_f32(simde_vld1q_f32(row), simde_vdupq_n_f32(0.0f)));
    const V bit = bcast(uint64_t{1} << k);
    a.lo = simde_vorrq_u64(a.lo, simde_vandq_u64(simde_vreinterpretq_u64_s64(simde_vmovl_s32(simde_vget_low_s32(m))), bit));
    a.hi = simde_vorrq_u64(a.hi, simde_vandq_u64(simde_vreinterpretq_u64_s64(simde_vmovl_s32(simde_vget_high_s32(m))), bit));
  }
  static void col_load(ColAcc& a, const uint64_t* p) {
    a.lo = load(p);
    a.hi = load(p + 2);
  }
  static void col_store(const ColAcc& a, uint64_t* out) {
    simde_vst1q_u64(out, a.lo);
    simde_vst1q_u64(out + 2, a.hi);
  }
};
}  // namespace

constexpr int kMR = 4;
constexpr int kNV = 2;
#include "kernels/bgemm/bgemm_impl.h"

}  // namespace bnn::kernels::neon
