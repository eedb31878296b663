// Sign x float product by lookup tables, neon (auto-vectorised). The loops are lut_impl.h.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "kernels/registry.h"

namespace bnn::kernels::neon {
#include "kernels/lut/lut_impl.h"
}  // namespace bnn::kernels::neon
