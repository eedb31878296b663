// Fused weight update, AVX2 (auto-vectorised, 8 lanes). The loop is update_impl.h.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include <simde/x86/avx2.h>

#include "kernels/registry.h"

namespace bnn::kernels::avx2 {
namespace {
constexpr size_t kBlock = 256;
constexpr bool kStreams = true;
inline void stream_line(float* dst, const float* src) {
  for (size_t j = 0; j < 16; j += 8) simde_mm256_stream_ps(dst + j, simde_mm256_loadu_ps(src + j));
}
inline void stream_fence() { simde_mm_sfence(); }
#include "kernels/update/store_lines.inc"
}  // namespace
#include "kernels/update/update_impl.h"
}  // namespace bnn::kernels::avx2
