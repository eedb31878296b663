// Every float-GEMM variant against the scalar oracle, all four transpose combinations, alpha and
// beta, at sizes below, at and above the tiles (up to 8 x 32) and blocks (KC 256, MC up to 256,
// NC up to 2048), with ragged tails. Tolerance: |got - ref| <= 1e-5 * (|beta c| + sum_k |alpha a b|)
// + 1e-6, i.e. a few float rounding steps relative to the magnitude of the summed terms.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "kernels/kernels.h"
#include "kernels_test_util.h"

namespace {

using bnn::kernels::SgemmVariant;

struct Case {
  size_t M, N, K;
  float alpha, beta;
};
const Case kCases[] = {{1, 1, 1, 1, 0},      {3, 5, 7, 1, 0},      {8, 32, 16, 1, 1},
                       {9, 33, 17, 0.5f, 2}, {6, 16, 255, 1, 0},  {13, 47, 257, -1, 0.25f},
                       {130, 20, 40, 1, 0},  {17, 1030, 9, 1, 1}, {100, 65, 300, 1, 0},
                       {9, 2070, 5, 1, 0},   {300, 40, 20, 1, 0.5f}};

std::vector<const SgemmVariant*> variants() { return bnn_test::variant_list(bnn::kernels::sgemm_variants); }

class SgemmVariants : public bnn_test::VariantTest<SgemmVariant> {};

TEST_P(SgemmVariants, MatchesScalarWithinTolerance) {
  const SgemmVariant& v = *GetParam();
  for (const Case& c : kCases) {
    for (int t = 0; t < 4; ++t) {
      const bool ta = t & 1, tb = t & 2;
      const size_t lda = (ta ? c.M : c.K) + 1, ldb = (tb ? c.K : c.N) + 2, ldc = c.N + 3;
      const auto A = bnn_test::random_floats((ta ? c.K : c.M) * lda, c.M * 3 + t, false);
      const auto B = bnn_test::random_floats((tb ? c.N : c.K) * ldb, c.N * 5 + t, false);
      const auto C0 = bnn_test::random_floats(c.M * ldc, c.K + t, false);
      std::vector<float> ref = C0, got = C0;
      bnn::kernels::scalar::sgemm(ta, tb, c.M, c.N, c.K, c.alpha, A.data(), lda, B.data(), ldb,
                                  c.beta, ref.data(), ldc);
      v.sgemm(ta, tb, c.M, c.N, c.K, c.alpha, A.data(), lda, B.data(), ldb, c.beta, got.data(),
              ldc);
      for (size_t i = 0; i < c.M; ++i) {
        for (size_t j = 0; j < ldc; ++j) {
          const size_t idx = i * ldc + j;
          if (j >= c.N) {  // padding beyond N must be untouched
            ASSERT_EQ(C0[idx], got[idx]);
            continue;
          }
          double mag = std::fabs(c.beta * C0[idx]);
          for (size_t k = 0; k < c.K; ++k) {
            const float a = ta ? A[k * lda + i] : A[i * lda + k];
            const float b = tb ? B[j * ldb + k] : B[k * ldb + j];
            mag += std::fabs(c.alpha * a * b);
          }
          ASSERT_NEAR(ref[idx], got[idx], 1e-5 * mag + 1e-6)
              << v.name << " M=" << c.M << " N=" << c.N << " K=" << c.K << " ta=" << ta
              << " tb=" << tb << " at (" << i << "," << j << ")";
        }
      }
    }
  }
}

TEST_P(SgemmVariants, BetaZeroIgnoresNaNInC) {
  const SgemmVariant& v = *GetParam();
  const size_t M = 5, N = 9, K = 3;
  const auto A = bnn_test::random_floats(M * K, 1), B = bnn_test::random_floats(K * N, 2);
  std::vector<float> C(M * N, std::nanf("")), ref(M * N);
  v.sgemm(false, false, M, N, K, 1.0f, A.data(), K, B.data(), N, 0.0f, C.data(), N);
  bnn::kernels::scalar::sgemm(false, false, M, N, K, 1.0f, A.data(), K, B.data(), N, 0.0f,
                              ref.data(), N);
  for (size_t i = 0; i < M * N; ++i) ASSERT_NEAR(ref[i], C[i], 1e-5) << v.name;
}

// The float transpose (the lookup-table products' operands): every variant moves every value of
// the columns asked for to its place, bit for bit, and writes nothing else.
TEST_P(SgemmVariants, TransposeMovesEveryValueOfItsColumns) {
  const SgemmVariant& v = *GetParam();
  struct Shape { size_t rows, cols, c0, c1; };
  for (const Shape& k : {Shape{1, 1, 0, 1}, Shape{8, 8, 0, 8}, Shape{17, 33, 0, 33}, Shape{100, 1024, 0, 1024},
                         Shape{100, 1024, 512, 1024}, Shape{1024, 100, 16, 100}, Shape{13, 70, 3, 61}}) {
    const auto x = bnn_test::random_floats(k.rows * k.cols, static_cast<uint32_t>(k.rows * 5 + k.c0));
    std::vector<float> got(k.rows * k.cols, 7.0f);
    v.transpose(x.data(), k.rows, k.cols, k.c0, k.c1, got.data());
    for (size_t c = 0; c < k.cols; ++c)
      for (size_t r = 0; r < k.rows; ++r) {
        const float want = c >= k.c0 && c < k.c1 ? x[r * k.cols + c] : 7.0f;
        ASSERT_EQ(std::memcmp(&got[c * k.rows + r], &want, sizeof want), 0)
            << k.rows << " x " << k.cols << " [" << k.c0 << ", " << k.c1 << ") at " << r << "," << c;
      }
  }
}

// op(B) packed once (kernels.h sgemm_pack_b): every variant's product from the packed operand is
// its own sgemm's, bit for bit, at every case above (several KC slices and NC blocks among them),
// and writes nothing past N.
TEST_P(SgemmVariants, PackedOperandGivesItsSgemmBitForBit) {
  const SgemmVariant& v = *GetParam();
  for (const Case& c : kCases) {
    for (int t = 0; t < 4; ++t) {
      const bool ta = t & 1, tb = t & 2;
      const size_t lda = (ta ? c.M : c.K) + 1, ldb = (tb ? c.K : c.N) + 2, ldc = c.N + 3;
      const auto A = bnn_test::random_floats((ta ? c.K : c.M) * lda, c.M * 7 + t, false);
      const auto B = bnn_test::random_floats((tb ? c.N : c.K) * ldb, c.N * 11 + t, false);
      const auto C0 = bnn_test::random_floats(c.M * ldc, c.K * 3 + t, false);
      std::vector<float> want = C0, got = C0;
      v.sgemm(ta, tb, c.M, c.N, c.K, c.alpha, A.data(), lda, B.data(), ldb, c.beta, want.data(), ldc);
      std::vector<float> packed(v.sgemm_packed_b_floats(c.K, c.N), std::nanf(""));
      v.sgemm_pack_b(tb, c.K, c.N, B.data(), ldb, packed.data());
      v.sgemm_packed_b(ta, c.M, c.N, c.K, c.alpha, A.data(), lda, packed.data(), c.beta, got.data(), ldc);
      ASSERT_EQ(std::memcmp(want.data(), got.data(), want.size() * sizeof(float)), 0)
          << v.name << " M=" << c.M << " N=" << c.N << " K=" << c.K << " ta=" << ta << " tb=" << tb;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(All, SgemmVariants, ::testing::ValuesIn(variants()),
                         [](const auto& info) { return std::string(info.param->name); });

}  // namespace

namespace {

// The threaded entry points: sgemm_packed_b (split on M) gives sgemm's bits with 1 and 2 threads,
// at the shape of a kernel gradient's block of rows (alpha x^T dy).
TEST(SgemmPackedB, ThreadedEntryGivesSgemmBitForBit) {
  const size_t M = 256, N = 1030, K = 100;
  const auto A = bnn_test::random_floats(K * M, 21, false);
  const auto B = bnn_test::random_floats(K * N, 22, false);
  for (int threads : {1, 2}) {
    bnn::kernels::set_num_threads(threads);
    std::vector<float> want(M * N), got(M * N, std::nanf(""));
    bnn::kernels::sgemm(true, false, M, N, K, 0.5f, A.data(), M, B.data(), N, 0.0f, want.data(), N);
    std::vector<float> packed(bnn::kernels::sgemm_packed_b_floats(K, N));
    bnn::kernels::sgemm_pack_b(false, K, N, B.data(), N, packed.data());
    bnn::kernels::sgemm_packed_b(true, M, N, K, 0.5f, A.data(), M, packed.data(), 0.0f, got.data(), N);
    EXPECT_EQ(std::memcmp(want.data(), got.data(), want.size() * sizeof(float)), 0) << threads << " threads";
  }
  bnn::kernels::set_num_threads(1);
}

}  // namespace
