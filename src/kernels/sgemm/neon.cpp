// Float GEMM, NEON (AArch64 has 32 vector registers): 8 x 8 tile (16 q accumulators, fused
// multiply-add). On x86 SIMDe emulates it so that it is tested here.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include <simde/arm/neon.h>

#include "kernels/registry.h"

namespace bnn::kernels::neon {
namespace {
struct Ops {
  using V = simde_float32x4_t;
  static constexpr size_t kLanes = 4;
  static V zero() { return simde_vdupq_n_f32(0.0f); }
  static V load(const float* p) { return simde_vld1q_f32(p); }
  static void store(float* p, V v) { simde_vst1q_f32(p, v); }
  static V bcast(float x) { return simde_vdupq_n_f32(x); }
  static V madd(V acc, V a, V b) { return simde_vfmaq_f32(acc, a, b); }
  static constexpr bool kTranspose8 = false;
  static void transpose8(const float*, size_t, float*, size_t) {}
  static V add(V a, V b) { return simde_vaddq_f32(a, b); }
  static V mul(V a, V b) { return simde_vmulq_f32(a, b); }
};
}  // namespace

constexpr int kMR = 8;
constexpr int kNV = 2;
constexpr size_t kKC = 256;
constexpr size_t kMC = 128;
constexpr size_t kNC = 1024;
#include "kernels/sgemm/sgemm_impl.h"

}  // namespace bnn::kernels::neon
