// The lookup-table sign x float product (kernels/lut, kernels.h sign_float_gemm): every ISA variant
// against the scalar oracle, bit for bit (one template, compiled without contraction); the oracle
// against the product in double within float rounding; the threaded entry independent of the
// thread count.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "kernels/kernels.h"
#include "kernels_test_util.h"

namespace {

using bnn::kernels::LutVariant;
using bnn::kernels::packed_words;

struct Case {
  size_t M, N, K;
};
// Shapes of training (weight gradient 1024 x 1024 over a batch of 100; input gradient 1024 x 100
// over 1024 outputs), odd ones (K not a multiple of 8 or 64, N not of 16), tiny ones, and K past
// one block of 16 tables.
const Case kCases[] = {{1, 1, 1},    {3, 17, 9},     {16, 16, 8},   {33, 40, 63}, {70, 100, 130},
                       {257, 5, 200}, {64, 1024, 100}, {512, 100, 1024},
                       // last panels of 2, 6 and 13 columns (widths 4, 8 and 16)
                       {5, 50, 77},   {9, 22, 16},    {4, 13, 8},
                       // an empty sum: zeros
                       {3, 20, 0}};

struct Operands {
  std::vector<uint64_t> S;
  std::vector<float> F;
  size_t words;
  Operands(const Case& c, uint64_t seed) {
    words = packed_words(c.K);
    F = bnn_test::random_floats(c.K * c.N, seed);
    // The signs of random values, packed as training packs them (padding bits 0).
    const auto s = bnn_test::random_floats(c.M * c.K, seed + 7);
    S.assign(c.M * words, 0);
    for (size_t m = 0; m < c.M; ++m)
      for (size_t k = 0; k < c.K; ++k)
        if (std::signbit(s[m * c.K + k]) && s[m * c.K + k] != 0.0f)
          S[m * words + k / 64] |= uint64_t{1} << (k % 64);
  }
  float sign(size_t m, size_t k) const { return (S[m * words + k / 64] >> (k % 64)) & 1 ? -1.0f : 1.0f; }
};

std::vector<const LutVariant*> variants() { return bnn_test::variant_list(bnn::kernels::lut_variants); }

class LutVariants : public bnn_test::VariantTest<LutVariant> {};

TEST_P(LutVariants, MatchesScalarExactlyAndTheProductInDouble) {
  const LutVariant& v = *GetParam();
  for (const Case& c : kCases) {
    SCOPED_TRACE(std::to_string(c.M) + "x" + std::to_string(c.N) + "x" + std::to_string(c.K));
    const Operands o(c, c.M + c.N + c.K);
    // C with a wider leading dimension, poisoned: every element of the M x N block is written,
    // nothing outside it.
    const size_t ldc = c.N + 3;
    std::vector<float> got(c.M * ldc, 1e30f), want(c.M * ldc, 1e30f);
    v.sign_float_gemm(c.M, c.N, c.K, o.S.data(), o.words, o.F.data(), c.N, got.data(), ldc);
    bnn::kernels::scalar::sign_float_gemm(c.M, c.N, c.K, o.S.data(), o.words, o.F.data(), c.N,
                                          want.data(), ldc);
    ASSERT_EQ(std::memcmp(got.data(), want.data(), got.size() * sizeof(float)), 0) << v.name;
    for (size_t m = 0; m < c.M; ++m) {
      for (size_t n = c.N; n < ldc; ++n) ASSERT_EQ(got[m * ldc + n], 1e30f) << "wrote past N";
      for (size_t n = 0; n < c.N; ++n) {
        double ref = 0, mag = 0;
        for (size_t k = 0; k < c.K; ++k) {
          ref += static_cast<double>(o.sign(m, k)) * o.F[k * c.N + n];
          mag += std::fabs(o.F[k * c.N + n]);
        }
        // Each table entry is a chain of at most 8 roundings, each row's sum one more per group.
        ASSERT_NEAR(got[m * ldc + n], ref, 1e-6 * mag * (8.0 + c.K / 8.0) + 1e-30) << m << "," << n;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(All, LutVariants, ::testing::ValuesIn(variants()),
                         [](const auto& info) { return std::string(info.param->name); });

TEST(SignFloatGemm, ThreadCountIndependence) {
  const int saved = bnn::kernels::get_num_threads();
  for (const Case& c : {Case{1024, 1024, 100}, Case{1024, 100, 1024}, Case{300, 40, 77}}) {
    const Operands o(c, 3);
    std::vector<std::vector<float>> outs;
    for (int threads : {1, 2, 3}) {
      bnn::kernels::set_num_threads(threads);
      std::vector<float> C(c.M * c.N);
      bnn::kernels::sign_float_gemm(c.M, c.N, c.K, o.S.data(), o.words, o.F.data(), c.N, C.data(), c.N);
      outs.push_back(C);
    }
    for (size_t i = 1; i < outs.size(); ++i)
      EXPECT_EQ(std::memcmp(outs[0].data(), outs[i].data(), outs[0].size() * sizeof(float)), 0)
          << c.M << "x" << c.N << "x" << c.K << ", " << i + 1 << " threads";
  }
  bnn::kernels::set_num_threads(saved);
}

}  // namespace
