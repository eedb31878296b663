// Fused weight update, SSE4.1. The loop is update_impl.h.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include <simde/x86/sse4.1.h>

#include "kernels/registry.h"

namespace bnn::kernels::sse41 {
namespace {
constexpr size_t kBlock = 256;
constexpr bool kStreams = true;
inline void stream_line(float* dst, const float* src) {
  for (size_t j = 0; j < 16; j += 4) simde_mm_stream_ps(dst + j, simde_mm_loadu_ps(src + j));
}
inline void stream_fence() { simde_mm_sfence(); }
#include "kernels/update/store_lines.inc"
}  // namespace
#include "kernels/update/update_impl.h"
}  // namespace bnn::kernels::sse41
