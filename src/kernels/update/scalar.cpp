// Fused weight update, portable reference: the oracle of the other variants. The loop is update_impl.h.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/registry.h"

namespace bnn::kernels::scalar {
#include "kernels/update/update_impl.h"
}  // namespace bnn::kernels::scalar
