// Fused weight update, NEON builds (natively on x86: baseline flags). The loop is update_impl.h.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/registry.h"

namespace bnn::kernels::neon {
#include "kernels/update/update_impl.h"
}  // namespace bnn::kernels::neon
