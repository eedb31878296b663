// Fused weight update, AVX-512 (auto-vectorised, 16 lanes). The loop is update_impl.h.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/registry.h"

namespace bnn::kernels::avx512 {
#include "kernels/update/update_impl.h"
}  // namespace bnn::kernels::avx512
