// Fused weight update, AVX2 (auto-vectorised, 8 lanes). The loop is update_impl.h.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/registry.h"

namespace bnn::kernels::avx2 {
#include "kernels/update/update_impl.h"
}  // namespace bnn::kernels::avx2
