// Float GEMM, AVX-512 F: 8 x 32 tile (16 zmm accumulators, FMA with broadcast A).
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include <simde/x86/avx512.h>

#include "kernels/registry.h"

namespace bnn::kernels::avx512 {
namespace {
#include "kernels/sgemm/transpose8_avx.inc"

struct Ops {
  using V = simde__m512;
  static constexpr size_t kLanes = 16;
  static V zero() { return simde_mm512_setzero_ps(); }
  static V load(const float* p) { return simde_mm512_loadu_ps(p); }
  static void store(float* p, V v) { simde_mm512_storeu_ps(p, v); }
  static V bcast(float x) { return simde_mm512_set1_ps(x); }
  static V madd(V acc, V a, V b) { return simde_mm512_fmadd_ps(a, b, acc); }
  static constexpr bool kTranspose8 = true;
  // dst[c * ldd + r] = src[r * lds + c] for an 8 x 8 block.
  static void transpose8(const float* src, size_t lds, float* dst, size_t ldd) {
    transpose8_avx(src, lds, dst, ldd);
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
