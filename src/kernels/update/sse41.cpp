// Fused weight update, SSE4.1. The loop is update_impl.h.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/registry.h"

namespace bnn::kernels::sse41 {
#include "kernels/update/update_impl.h"
}  // namespace bnn::kernels::sse41
