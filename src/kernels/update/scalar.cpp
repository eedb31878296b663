// Fused weight update, portable reference: the oracle of the other variants. The loop is update_impl.h.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/registry.h"

namespace bnn::kernels::scalar {
namespace {
constexpr size_t kBlock = 64;
inline void store_block(float* dst, const float* src, size_t n) {
  std::memcpy(dst, src, n * sizeof(float));
}
inline void store_fence() {}
}  // namespace
#include "kernels/update/update_impl.h"
}  // namespace bnn::kernels::scalar
