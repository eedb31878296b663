// Binary GEMM, SSE4.1: popcount by nibble lookup (pshufb) summed per 64-bit lane with psadbw.
// Tile 4 rows x 4 columns = 8 xmm accumulators.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include <simde/x86/sse4.1.h>

#include "kernels/registry.h"

namespace bnn::kernels::sse41 {
namespace {

struct Ops {
  using V = simde__m128i;
  static constexpr size_t kLanes = 2;
  static V zero() { return simde_mm_setzero_si128(); }
  static V load(const uint64_t* p) { return simde_mm_loadu_si128(reinterpret_cast<const V*>(p)); }
  static V bcast(uint64_t x) { return simde_mm_set1_epi64x(static_cast<int64_t>(x)); }
  static V xor_popcnt_add(V acc, V a, V b) {
    const V lut = simde_mm_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
    const V low = simde_mm_set1_epi8(0x0f);
    const V x = simde_mm_xor_si128(a, b);
    const V lo = simde_mm_and_si128(x, low);
    const V hi = simde_mm_and_si128(simde_mm_srli_epi16(x, 4), low);
    const V bytes = simde_mm_add_epi8(simde_mm_shuffle_epi8(lut, lo), simde_mm_shuffle_epi8(lut, hi));
    return simde_mm_add_epi64(acc, simde_mm_sad_epu8(bytes, simde_mm_setzero_si128()));
  }
  static void store_result(V acc, int64_t K, float* out) {
    const V v = simde_mm_sub_epi64(simde_mm_set1_epi64x(K), simde_mm_slli_epi64(acc, 1));
    out[0] = static_cast<float>(simde_mm_cvtsi128_si64(v));
    out[1] = static_cast<float>(simde_mm_extract_epi64(v, 1));
  }
  static uint64_t sign_bits64(const float* x) {
    const simde__m128 z = simde_mm_setzero_ps();
    uint64_t bits = 0;
    for (int i = 0; i < 16; ++i) {
      const uint64_t m = static_cast<uint32_t>(simde_mm_movemask_ps(simde_mm_cmplt_ps(simde_mm_loadu_ps(x + 4 * i), z)));
      bits |= m << (4 * i);
    }
    return bits;
  }
  static constexpr size_t kColLanes = 4;
  struct ColAcc { V lo, hi; };
  static void col_zero(ColAcc& a) { a.lo = a.hi = zero(); }
  static void col_or(ColAcc& a, const float* row, int k) {
    const V m = simde_mm_castps_si128(simde_mm_cmplt_ps(simde_mm_loadu_ps(row), simde_mm_setzero_ps()));
    const V bit = bcast(uint64_t{1} << k);
    a.lo = simde_mm_or_si128(a.lo, simde_mm_and_si128(simde_mm_cvtepi32_epi64(m), bit));
    a.hi = simde_mm_or_si128(a.hi, simde_mm_and_si128(simde_mm_cvtepi32_epi64(simde_mm_srli_si128(m, 8)), bit));
  }
  static void col_load(ColAcc& a, const uint64_t* p) {
    a.lo = load(p);
    a.hi = load(p + 2);
  }
  static void col_store(const ColAcc& a, uint64_t* out) {
    simde_mm_storeu_si128(reinterpret_cast<V*>(out), a.lo);
    simde_mm_storeu_si128(reinterpret_cast<V*>(out + 2), a.hi);
  }
};
}  // namespace

constexpr int kMR = 4;
constexpr int kNV = 2;
#include "kernels/bgemm/bgemm_impl.h"

}  // namespace bnn::kernels::sse41
