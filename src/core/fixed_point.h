// Rounding onto the exact step's fixed-point grid (core/exact_step.cpp).
#pragma once
#include <cmath>
#include <cstdint>

namespace bnn {

// std::nearbyint(v) (ties to even, the default rounding mode) as an int64, for v a float times a
// power of two (exact in double) with |v| < 2^63, without the library call: below 2^51, adding
// and subtracting 1.5 * 2^52 rounds to the nearest integer, ties to even; from 2^23 up such a v
// is an integer already.
inline int64_t round_to_int64(double v) {
  return static_cast<int64_t>(std::fabs(v) < 0x1p51 ? (v + 0x1.8p52) - 0x1.8p52 : v);
}

}  // namespace bnn
