// Shared helpers for the kernel tests: random data with exact zeros and negative zeros (sign(0)
// and sign(-0) are +1), and the variant loops with a skip message for paths this CPU lacks.
#pragma once
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "kernels/isa.h"
#include "kernels/registry.h"

namespace bnn_test {

inline std::vector<float> random_floats(size_t n, uint64_t seed, bool with_zeros = true) {
  std::vector<float> v(n);
  uint64_t s = seed * 0x9E3779B97F4A7C15ull + 1;
  for (size_t i = 0; i < n; ++i) {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    const float u = static_cast<float>((s >> 40) & 0xFFFFFF) / 16777216.0f;  // [0, 1)
    v[i] = 2.0f * u - 1.0f;
    if (with_zeros && (s & 31) == 0) v[i] = 0.0f;
    if (with_zeros && (s & 31) == 1) v[i] = -0.0f;
  }
  return v;
}

// Returns an empty string when the variant runs here, else the reason to skip.
inline std::string skip_reason(const char* name, uint32_t features) {
  const uint32_t missing = features & ~bnn::kernels::runnable_features();
  if (missing == 0) return "";
  return std::string("variant ") + name + " needs CPU features this machine lacks (mask 0x" +
         std::to_string(missing) + ")";
}

// Every compiled variant of a kernel family (bnn::kernels::*_variants), for INSTANTIATE_TEST_SUITE_P.
template <class V>
std::vector<const V*> variant_list(const V* (*table)(size_t*)) {
  size_t n = 0;
  const V* v = table(&n);
  std::vector<const V*> out;
  for (size_t i = 0; i < n; ++i) out.push_back(v + i);
  return out;
}

// The fixture of a family's variant tests: skips the variants this CPU cannot run.
template <class V>
class VariantTest : public ::testing::TestWithParam<const V*> {
 protected:
  void SetUp() override {
    const std::string why = skip_reason(this->GetParam()->name, this->GetParam()->features);
    if (!why.empty()) GTEST_SKIP() << why;
  }
};

}  // namespace bnn_test
