// Fused weight update, portable reference: the oracle of the other variants. The loop is update_impl.h.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/registry.h"

namespace bnn::kernels::scalar {
namespace {
constexpr size_t kBlock = 64;
constexpr bool kStreams = false;
inline void stream_line(float*, const float*) {}
inline void stream_fence() {}
#include "kernels/update/store_lines.inc"
}  // namespace
#include "kernels/update/update_impl.h"
}  // namespace bnn::kernels::scalar
