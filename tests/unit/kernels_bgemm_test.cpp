// Every binary-GEMM variant (sign packing and xor-popcount GEMM) against the scalar oracle, at
// sizes below, at and above each tile (4 x 8..32 words-panels), with ragged tails: results must
// be exactly equal.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "kernels/kernels.h"
#include "kernels_test_util.h"

namespace {

using bnn::kernels::BgemmVariant;

struct Shape {
  size_t M, N, K;
};
const Shape kShapes[] = {{1, 1, 1},    {1, 3, 63},   {3, 5, 64},    {4, 8, 65},
                         {4, 32, 128}, {5, 33, 127}, {7, 31, 200},  {9, 65, 256},
                         {13, 17, 784}, {16, 70, 1000}, {33, 40, 2049}};

std::vector<const BgemmVariant*> variants() { return bnn_test::variant_list(bnn::kernels::bgemm_variants); }

class BgemmVariants : public bnn_test::VariantTest<BgemmVariant> {};

TEST_P(BgemmVariants, PackRowsMatchesScalar) {
  const BgemmVariant& v = *GetParam();
  for (const Shape& s : kShapes) {
    const size_t ld = s.K + 3, words = bnn::kernels::packed_words(s.K);
    const auto x = bnn_test::random_floats(s.M * ld, s.M * 31 + s.K);
    std::vector<uint64_t> ref(s.M * words, 0xdeadbeef), got(s.M * words, 0x12345678);
    bnn::kernels::scalar::pack_rows(x.data(), s.M, s.K, ld, ref.data());
    v.pack_rows(x.data(), s.M, s.K, ld, got.data());
    ASSERT_EQ(ref, got) << v.name << " M=" << s.M << " K=" << s.K;
  }
}

TEST_P(BgemmVariants, PackColsMatchesScalar) {
  const BgemmVariant& v = *GetParam();
  for (const Shape& s : kShapes) {
    const size_t ld = s.N + 5, words = bnn::kernels::packed_words(s.K);
    const auto w = bnn_test::random_floats(s.K * ld, s.N * 7 + s.K);
    std::vector<uint64_t> ref(s.N * words, 1), got(s.N * words, 2);
    bnn::kernels::scalar::pack_cols(w.data(), s.K, s.N, ld, ref.data());
    v.pack_cols(w.data(), s.K, s.N, ld, got.data());
    ASSERT_EQ(ref, got) << v.name << " K=" << s.K << " N=" << s.N;
  }
}

TEST_P(BgemmVariants, GemmMatchesScalarExactly) {
  const BgemmVariant& v = *GetParam();
  for (const Shape& s : kShapes) {
    const size_t words = bnn::kernels::packed_words(s.K), ldc = s.N + 2;
    const auto x = bnn_test::random_floats(s.M * s.K, s.M + 3 * s.K);
    const auto w = bnn_test::random_floats(s.K * s.N, s.N + 5 * s.K);
    std::vector<uint64_t> a(s.M * words), b(s.N * words);
    bnn::kernels::scalar::pack_rows(x.data(), s.M, s.K, s.K, a.data());
    bnn::kernels::scalar::pack_cols(w.data(), s.K, s.N, s.N, b.data());
    std::vector<float> ref(s.M * ldc, -7.0f), got(s.M * ldc, -7.0f);
    bnn::kernels::scalar::bgemm(s.M, s.N, s.K, a.data(), b.data(), ref.data(), ldc);
    v.bgemm(s.M, s.N, s.K, a.data(), b.data(), got.data(), ldc);
    ASSERT_EQ(0, std::memcmp(ref.data(), got.data(), ref.size() * sizeof(float)))
        << v.name << " M=" << s.M << " N=" << s.N << " K=" << s.K;
  }
}

// The oracle itself against a float dot product of signs.
TEST(BgemmScalar, EqualsDotProductOfSigns) {
  const size_t M = 3, N = 4, K = 70, words = bnn::kernels::packed_words(K);
  const auto x = bnn_test::random_floats(M * K, 11), w = bnn_test::random_floats(K * N, 12);
  std::vector<uint64_t> a(M * words), b(N * words);
  bnn::kernels::scalar::pack_rows(x.data(), M, K, K, a.data());
  bnn::kernels::scalar::pack_cols(w.data(), K, N, N, b.data());
  std::vector<float> c(M * N);
  bnn::kernels::scalar::bgemm(M, N, K, a.data(), b.data(), c.data(), N);
  for (size_t m = 0; m < M; ++m)
    for (size_t n = 0; n < N; ++n) {
      float dot = 0;
      for (size_t k = 0; k < K; ++k)
        dot += (x[m * K + k] < 0 ? -1.0f : 1.0f) * (w[k * N + n] < 0 ? -1.0f : 1.0f);
      EXPECT_EQ(dot, c[m * N + n]);
    }
}

INSTANTIATE_TEST_SUITE_P(All, BgemmVariants, ::testing::ValuesIn(variants()),
                         [](const auto& info) { return std::string(info.param->name); });

}  // namespace
