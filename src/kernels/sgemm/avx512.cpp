// Float GEMM, AVX-512 F: 8 x 32 tile (16 zmm accumulators, FMA with broadcast A).
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include <simde/x86/avx512.h>

#include "kernels/registry.h"

namespace bnn::kernels::avx512 {
namespace {
struct Ops {
  using V = simde__m512;
  static constexpr size_t kLanes = 16;
  static V zero() { return simde_mm512_setzero_ps(); }
  static V load(const float* p) { return simde_mm512_loadu_ps(p); }
  static void store(float* p, V v) { simde_mm512_storeu_ps(p, v); }
  static V bcast(float x) { return simde_mm512_set1_ps(x); }
  static V madd(V acc, V a, V b) { return simde_mm512_fmadd_ps(a, b, acc); }
  static constexpr bool kTranspose8 = true;
  // dst[c * ldd + r] = src[r * lds + c] for an 8 x 8 block (unpack, shuffle, lane permute).
  static void transpose8(const float* src, size_t lds, float* dst, size_t ldd) {
    simde__m256 r[8], t[8], u[8];
    for (int i = 0; i < 8; ++i) r[i] = simde_mm256_loadu_ps(src + i * lds);
    for (int i = 0; i < 8; i += 2) {
      t[i] = simde_mm256_unpacklo_ps(r[i], r[i + 1]);
      t[i + 1] = simde_mm256_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 8; i += 4) {
      u[i] = simde_mm256_shuffle_ps(t[i], t[i + 2], SIMDE_MM_SHUFFLE(1, 0, 1, 0));
      u[i + 1] = simde_mm256_shuffle_ps(t[i], t[i + 2], SIMDE_MM_SHUFFLE(3, 2, 3, 2));
      u[i + 2] = simde_mm256_shuffle_ps(t[i + 1], t[i + 3], SIMDE_MM_SHUFFLE(1, 0, 1, 0));
      u[i + 3] = simde_mm256_shuffle_ps(t[i + 1], t[i + 3], SIMDE_MM_SHUFFLE(3, 2, 3, 2));
    }
    for (int i = 0; i < 4; ++i) {
      simde_mm256_storeu_ps(dst + i * ldd, simde_mm256_permute2f128_ps(u[i], u[i + 4], 0x20));
      simde_mm256_storeu_ps(dst + (i + 4) * ldd, simde_mm256_permute2f128_ps(u[i], u[i + 4], 0x31));
    }
  }
  static V add(V a, V b) { return simde_mm512_add_ps(a, b); }
  static V mul(V a, V b) { return simde_mm512_mul_ps(a, b); }
};
}  // namespace

constexpr int kMR = 8;
constexpr int kNV = 2;
constexpr size_t kKC = 256;
constexpr size_t kMC = 256;
constexpr size_t kNC = 2048;
#include "kernels/sgemm/sgemm_impl.h"

}  // namespace bnn::kernels::avx512
