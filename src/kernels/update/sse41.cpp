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
// The whole 64-byte lines of [dst, dst + n) with streaming stores, the partial ones plainly.
inline void store_block(float* dst, const float* src, size_t n) {
  size_t head = ((64 - reinterpret_cast<uintptr_t>(dst) % 64) % 64) / sizeof(float);
  if (head > n) head = n;
  size_t i = 0;
  for (; i < head; ++i) dst[i] = src[i];
  for (; i + 16 <= n; i += 16)
    for (size_t j = 0; j < 16; j += 4)
      simde_mm_stream_ps(dst + i + j, simde_mm_loadu_ps(src + i + j));
  for (; i < n; ++i) dst[i] = src[i];
}
inline void store_fence() { simde_mm_sfence(); }
}  // namespace
#include "kernels/update/update_impl.h"
}  // namespace bnn::kernels::sse41
