// Float GEMM, SSE4.1 (no FMA: multiply then add): 4 x 8 tile (8 xmm accumulators).
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include <simde/x86/sse4.1.h>

#include "kernels/registry.h"

namespace bnn::kernels::sse41 {
namespace {
struct Ops {
  using V = simde__m128;
  static constexpr size_t kLanes = 4;
  static V zero() { return simde_mm_setzero_ps(); }
  static V load(const float* p) { return simde_mm_loadu_ps(p); }
  static void store(float* p, V v) { simde_mm_storeu_ps(p, v); }
  static V bcast(float x) { return simde_mm_set1_ps(x); }
  static V madd(V acc, V a, V b) { return simde_mm_add_ps(acc, simde_mm_mul_ps(a, b)); }
  static constexpr bool kTranspose8 = false;
  static void transpose8(const float*, size_t, float*, size_t) {}
  static V add(V a, V b) { return simde_mm_add_ps(a, b); }
  static V mul(V a, V b) { return simde_mm_mul_ps(a, b); }
};
}  // namespace

constexpr int kMR = 4;
constexpr int kNV = 2;
constexpr size_t kKC = 256;
constexpr size_t kMC = 128;
constexpr size_t kNC = 1024;
#include "kernels/sgemm/sgemm_impl.h"

}  // namespace bnn::kernels::sse41
