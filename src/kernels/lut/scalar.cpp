// Sign x float product by lookup tables, portable reference: the oracle of the other variants.
// The loops are lut_impl.h.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "kernels/registry.h"

namespace bnn::kernels::scalar {
#include "kernels/lut/lut_impl.h"
}  // namespace bnn::kernels::scalar
