// Binary GEMM, AVX2: popcount by nibble lookup (vpshufb) summed per 64-bit lane with vpsadbw
// (Muła's method). Tile 4 rows x 8 columns = 8 ymm accumulators.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include <simde/x86/avx2.h>

#include "kernels/registry.h"

namespace bnn::kernels::avx2 {
namespace {

struct Ops {
  using V = simde__m256i;
  static constexpr size_t kLanes = 4;
  static V zero() { return simde_mm256_setzero_si256(); }
  static V load(const uint64_t* p) { return simde_mm256_loadu_si256(reinterpret_cast<const V*>(p)); }
  static V bcast(uint64_t x) { return simde_mm256_set1_epi64x(static_cast<int64_t>(x)); }
  static V xor_popcnt_add(V acc, V a, V b) {
    const V lut = simde_mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4,
                                        0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
    const V low = simde_mm256_set1_epi8(0x0f);
    const V x = simde_mm256_xor_si256(a, b);
    const V lo = simde_mm256_and_si256(x, low);
    const V hi = simde_mm256_and_si256(simde_mm256_srli_epi16(x, 4), low);
    const V bytes = simde_mm256_add_epi8(simde_mm256_shuffle_epi8(lut, lo), simde_mm256_shuffle_epi8(lut, hi));
    return simde_mm256_add_epi64(acc, simde_mm256_sad_epu8(bytes, simde_mm256_setzero_si256()));
  }
  static void store_result(V acc, int64_t K, float* out) {
    const V v = simde_mm256_sub_epi64(simde_mm256_set1_epi64x(K), simde_mm256_slli_epi64(acc, 1));
    // The low 32 bits of each 64-bit lane hold the (small) result.
    const V packed = simde_mm256_permutevar8x32_epi32(v, simde_mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6));
    simde_mm_storeu_ps(out, simde_mm_cvtepi32_ps(simde_mm256_castsi256_si128(packed)));
  }
  static uint64_t sign_bits64(const float* x) {
    const simde__m256 z = simde_mm256_setzero_ps();
    uint64_t bits = 0;
    for (int i = 0; i < 8; ++i) {
      const uint64_t m = static_cast<uint32_t>(
          simde_mm256_movemask_ps(simde_mm256_cmp_ps(simde_mm256_loadu_ps(x + 8 * i), z, SIMDE_CMP_LT_OQ)));
      bits |= m << (8 * i);
    }
    return bits;
  }
  static constexpr size_t kColLanes = 8;
  struct ColAcc { V lo, hi; };
  static void col_zero(ColAcc& a) { a.lo = a.hi = zero(); }
  static void col_or(ColAcc& a, const float* row, int k) {
    const V m = simde_mm256_castps_si256(
        simde_mm256_cmp_ps(simde_mm256_loadu_ps(row), simde_mm256_setzero_ps(), SIMDE_CMP_LT_OQ));
    const V bit = bcast(uint64_t{1} << k);
    a.lo = simde_mm256_or_si256(a.lo, simde_mm256_and_si256(simde_mm256_cvtepi32_epi64(simde_mm256_castsi256_si128(m)), bit));
    a.hi = simde_mm256_or_si256(a.hi, simde_mm256_and_si256(simde_mm256_cvtepi32_epi64(simde_mm256_extracti128_si256(m, 1)), bit));
  }
  static void col_load(ColAcc& a, const uint64_t* p) {
    a.lo = load(p);
    a.hi = load(p + 4);
  }
  static void col_store(const ColAcc& a, uint64_t* out) {
    simde_mm256_storeu_si256(reinterpret_cast<V*>(out), a.lo);
    simde_mm256_storeu_si256(reinterpret_cast<V*>(out + 4), a.hi);
  }
};
}  // namespace

constexpr int kMR = 4;
constexpr int kNV = 2;
#include "kernels/bgemm/bgemm_impl.h"

}  // namespace bnn::kernels::avx2
