// Binary GEMM, AVX-512 with VPOPCNTDQ (Ice Lake, Zen 4): one vpopcntq counts 8 words.
// Tile 4 rows x 32 columns = 16 zmm accumulators; per packed word 4 loads, 4 broadcasts and
// 16 xor + popcount + add.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include <simde/x86/avx512.h>

#include "kernels/registry.h"

namespace bnn::kernels::avx512_vpopcntdq {
namespace {

struct Ops {
  using V = simde__m512i;
  static constexpr size_t kLanes = 8;
  static V zero() { return simde_mm512_setzero_si512(); }
  static V load(const uint64_t* p) { return simde_mm512_loadu_si512(p); }
  static V bcast(uint64_t x) { return simde_mm512_set1_epi64(static_cast<int64_t>(x)); }
  static V xor_popcnt_add(V acc, V a, V b) {
    return simde_mm512_add_epi64(acc, simde_mm512_popcnt_epi64(simde_mm512_xor_si512(a, b)));
  }
  static void store_result(V acc, int64_t K, float* out) {
    const V v = simde_mm512_sub_epi64(simde_mm512_set1_epi64(K), simde_mm512_slli_epi64(acc, 1));
    simde_mm256_storeu_ps(out, simde_mm256_cvtepi32_ps(simde_mm512_cvtepi64_epi32(v)));
  }
  static uint64_t sign_bits64(const float* x) {
    const simde__m512 z = simde_mm512_setzero_ps();
    uint64_t bits = 0;
    for (int i = 0; i < 4; ++i) {
      const uint64_t m = simde_mm512_cmp_ps_mask(simde_mm512_loadu_ps(x + 16 * i), z, SIMDE_CMP_LT_OQ);
      bits |= m << (16 * i);
    }
    return bits;
  }
  static constexpr size_t kColLanes = 16;
  struct ColAcc { V lo, hi; };
  static void col_zero(ColAcc& a) { a.lo = a.hi = zero(); }
  static void col_or(ColAcc& a, const float* row, int k) {
    const simde__mmask16 m =
        simde_mm512_cmp_ps_mask(simde_mm512_loadu_ps(row), simde_mm512_setzero_ps(), SIMDE_CMP_LT_OQ);
    const V bit = simde_mm512_set1_epi64(static_cast<int64_t>(uint64_t{1} << k));
    a.lo = simde_mm512_mask_or_epi64(a.lo, static_cast<simde__mmask8>(m & 0xff), a.lo, bit);
    a.hi = simde_mm512_mask_or_epi64(a.hi, static_cast<simde__mmask8>(m >> 8), a.hi, bit);
  }
  static void col_load(ColAcc& a, const uint64_t* p) {
    a.lo = simde_mm512_loadu_si512(p);
    a.hi = simde_mm512_loadu_si512(p + 8);
  }
  static void col_store(const ColAcc& a, uint64_t* out) {
    simde_mm512_storeu_si512(out, a.lo);
    simde_mm512_storeu_si512(out + 8, a.hi);
  }
};
}  // namespace

constexpr int kMR = 6;
constexpr int kNV = 4;
#include "kernels/bgemm/bgemm_impl.h"

}  // namespace bnn::kernels::avx512_vpopcntdq
