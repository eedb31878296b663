// The fused weight update (kernels/update) and the sign-bit kernels (sgemm_signs, transpose_signs):
// every ISA variant against the scalar oracle. The update is element-wise with the same
// operations in every variant (compiled without FP contraction), so results must match exactly,
// bit for bit; sgemm_signs must equal the same variant's sgemm on the expanded +-1 matrix exactly.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "kernels/kernels.h"
#include "kernels/thread_pool.h"
#include "kernels_test_util.h"

namespace {

using bnn::kernels::UpdateParams;
using bnn::kernels::UpdateRule;
using bnn::kernels::UpdateVariant;

const UpdateRule kRules[] = {UpdateRule::sgd,      UpdateRule::momentum, UpdateRule::nesterov,
                             UpdateRule::adagrad,  UpdateRule::adadelta, UpdateRule::rmsprop,
                             UpdateRule::adam,     UpdateRule::bop};

int slots(UpdateRule r) {
  return r == UpdateRule::sgd ? 0 : (r == UpdateRule::adadelta || r == UpdateRule::adam) ? 2 : 1;
}

UpdateParams params(UpdateRule r, bool mask, float clip) {
  UpdateParams p;
  p.rule = r;
  p.mask_clipped = mask;
  p.mask_clip = 0.7f;
  p.lr = 0.01f;
  p.wd = 0.001f;
  p.mu = 0.9f;
  p.rho = 0.9f;
  p.eps = 1e-6f;
  p.b1 = 0.9f;
  p.b2 = 0.999f;
  p.bc1 = 0.271f;
  p.bc2 = 0.00299f;
  p.gamma = 0.01f;
  p.threshold = 1e-4f;
  p.clip = clip;
  return p;
}

struct Buffers {
  std::vector<float> w, g, s0, s1, ow, os0, os1;
  explicit Buffers(size_t n, uint64_t seed) {
    w = bnn_test::random_floats(n, seed);
    g = bnn_test::random_floats(n, seed + 1);
    s0 = bnn_test::random_floats(n, seed + 2, false);
    s1 = bnn_test::random_floats(n, seed + 3, false);
    for (size_t i = 0; i < n; ++i) {  // accumulators are non-negative
      s0[i] = std::fabs(s0[i]) * 0.01f;
      s1[i] = std::fabs(s1[i]) * 0.01f;
      w[i] *= 1.2f;  // some beyond the mask and the clip
    }
    ow.assign(n, 0.0f);
    os0.assign(n, 0.0f);
    os1.assign(n, 0.0f);
  }
};

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

std::vector<const UpdateVariant*> variants() { return bnn_test::variant_list(bnn::kernels::update_variants); }

class UpdateVariants : public bnn_test::VariantTest<UpdateVariant> {};

TEST_P(UpdateVariants, MatchesScalarExactly) {
  const UpdateVariant& v = *GetParam();
  const float inf = std::numeric_limits<float>::infinity();
  for (size_t n : {1u, 7u, 16u, 33u, 1000u}) {
    for (UpdateRule r : kRules) {
      for (bool mask : {false, true}) {
        for (float clip : {inf, 1.0f, 0.5f}) {
          const UpdateParams p = params(r, mask, clip);
          Buffers ref(n, n * 7 + static_cast<int>(r)), got = ref;
          bool fin_ref = false, fin_got = false;
          // Odd offsets: the vector loops' heads and tails.
          const size_t b = n > 3 ? 1 : 0, e = n > 3 ? n - 1 : n;
          const size_t fr = bnn::kernels::scalar::weight_update(
              p, ref.w.data(), ref.g.data(), ref.s0.data(), ref.s1.data(), ref.ow.data(),
              ref.os0.data(), ref.os1.data(), b, e, &fin_ref);
          const size_t fg = v.update(p, got.w.data(), got.g.data(), got.s0.data(), got.s1.data(),
                                     got.ow.data(), got.os0.data(), got.os1.data(), b, e,
                                     &fin_got);
          ASSERT_EQ(fr, fg) << "rule " << static_cast<int>(r) << " n " << n;
          ASSERT_TRUE(fin_ref);
          ASSERT_EQ(fin_ref, fin_got);
          ASSERT_TRUE(same_bits(ref.ow, got.ow)) << "rule " << static_cast<int>(r) << " n " << n;
          if (slots(r) >= 1) {
            ASSERT_TRUE(same_bits(ref.os0, got.os0));
          }
          if (slots(r) >= 2) {
            ASSERT_TRUE(same_bits(ref.os1, got.os1));
          }
        }
      }
    }
  }
}

TEST_P(UpdateVariants, NonFiniteGradientIsReportedUnlessMasked) {
  const UpdateVariant& v = *GetParam();
  const float inf = std::numeric_limits<float>::infinity();
  for (UpdateRule r : kRules) {
    if (r == UpdateRule::bop) continue;  // bop only flips signs: a NaN average never flips
    Buffers b(40, 3);
    b.w[17] = 0.1f;
    b.g[17] = std::numeric_limits<float>::quiet_NaN();
    bool fin = true;
    v.update(params(r, true, inf), b.w.data(), b.g.data(), b.s0.data(), b.s1.data(), b.ow.data(),
             b.os0.data(), b.os1.data(), 0, 40, &fin);
    EXPECT_FALSE(fin) << "rule " << static_cast<int>(r);
    b.w[17] = 0.9f;  // outside the clipped STE's mask (0.7): the NaN gradient is dropped
    v.update(params(r, true, inf), b.w.data(), b.g.data(), b.s0.data(), b.s1.data(), b.ow.data(),
             b.os0.data(), b.os1.data(), 0, 40, &fin);
    EXPECT_TRUE(fin) << "rule " << static_cast<int>(r);
  }
}

TEST_P(UpdateVariants, MaskEqualsTheQuantizersClippedSte) {
  // The fused mask must equal Quantizer::backward's select: g = |w| <= clip ? g : 0.
  const UpdateVariant& v = *GetParam();
  const float inf = std::numeric_limits<float>::infinity();
  Buffers fused(64, 9), plain = fused;
  for (size_t i = 0; i < 64; ++i)
    plain.g[i] = std::fabs(plain.w[i]) <= 0.7f ? plain.g[i] : 0.0f;
  bool f1, f2;
  v.update(params(UpdateRule::adam, true, inf), fused.w.data(), fused.g.data(), fused.s0.data(),
           fused.s1.data(), fused.ow.data(), fused.os0.data(), fused.os1.data(), 0, 64, &f1);
  v.update(params(UpdateRule::adam, false, inf), plain.w.data(), plain.g.data(), plain.s0.data(),
           plain.s1.data(), plain.ow.data(), plain.os0.data(), plain.os1.data(), 0, 64, &f2);
  EXPECT_TRUE(same_bits(fused.ow, plain.ow));
  EXPECT_TRUE(same_bits(fused.os0, plain.os0));
  EXPECT_TRUE(same_bits(fused.os1, plain.os1));
}

INSTANTIATE_TEST_SUITE_P(All, UpdateVariants, ::testing::ValuesIn(variants()),
                         [](const auto& info) { return std::string(info.param->name); });

// The threaded entry: signs equal pack_rows of the new weights, flips equal the count of sign
// changes, and nothing depends on the thread count.
TEST(WeightUpdate, SignsFlipsAndThreadCountIndependence) {
  const float inf = std::numeric_limits<float>::infinity();
  const int saved_threads = bnn::kernels::get_num_threads();
  for (size_t cols : {10u, 64u, 100u, 1024u}) {
    const size_t rows = 300;
    const size_t n = rows * cols, words = bnn::kernels::packed_words(cols);
    std::vector<std::vector<float>> outs;
    std::vector<std::vector<uint64_t>> signs_out;
    std::vector<size_t> flips_out;
    for (int threads : {1, 2, 3}) {
      bnn::kernels::set_num_threads(threads);
      Buffers b(n, cols);
      std::vector<uint64_t> signs(rows * words, ~uint64_t{0});
      bool fin = false;
      const size_t flips = bnn::kernels::weight_update(
          params(UpdateRule::adam, true, 1.0f), rows, cols, b.w.data(), b.g.data(), b.s0.data(),
          b.s1.data(), b.ow.data(), b.os0.data(), b.os1.data(), signs.data(), &fin);
      ASSERT_TRUE(fin);
      std::vector<uint64_t> ref(rows * words);
      bnn::kernels::scalar::pack_rows(b.ow.data(), rows, cols, cols, ref.data());
      ASSERT_EQ(ref, signs) << cols;
      size_t count = 0;
      for (size_t i = 0; i < n; ++i) count += (b.ow[i] < 0.0f) != (b.w[i] < 0.0f);
      ASSERT_EQ(count, flips);
      outs.push_back(b.ow);
      signs_out.push_back(signs);
      flips_out.push_back(flips);
    }
    bnn::kernels::set_num_threads(saved_threads);
    for (size_t i = 1; i < outs.size(); ++i) {
      EXPECT_TRUE(same_bits(outs[0], outs[i]));
      EXPECT_EQ(signs_out[0], signs_out[i]);
      EXPECT_EQ(flips_out[0], flips_out[i]);
    }
    (void)inf;
  }
}

// Both transposes split their columns over the kernel threads: every thread count (3 makes
// uneven parts) gives the oracle's bits.
TEST(TransposeSigns, EqualsPackColsOfTheValues) {
  const int saved_threads = bnn::kernels::get_num_threads();
  for (int threads : {1, 2, 3}) {
    bnn::kernels::set_num_threads(threads);
    for (auto [rows, cols] : {std::pair<size_t, size_t>{1, 1}, {3, 70}, {64, 64}, {65, 10},
                              {200, 130}, {784, 1024}, {1024, 1024}, {1024, 200}}) {
      const auto w = bnn_test::random_floats(rows * cols, static_cast<uint32_t>(rows + cols));
      std::vector<uint64_t> row_bits(rows * bnn::kernels::packed_words(cols));
      std::vector<uint64_t> ref(cols * bnn::kernels::packed_words(rows)), got(ref.size(), 7);
      bnn::kernels::scalar::pack_rows(w.data(), rows, cols, cols, row_bits.data());
      bnn::kernels::scalar::pack_cols(w.data(), rows, cols, cols, ref.data());
      bnn::kernels::transpose_signs(row_bits.data(), rows, cols, got.data());
      ASSERT_EQ(ref, got) << rows << " x " << cols << ", " << threads << " threads";
    }
  }
  bnn::kernels::set_num_threads(saved_threads);
}

TEST(TransposeFloats, MovesEveryValueToItsPlace) {
  const int saved_threads = bnn::kernels::get_num_threads();
  for (int threads : {1, 2, 3}) {
    bnn::kernels::set_num_threads(threads);
    for (auto [rows, cols] : {std::pair<size_t, size_t>{1, 1}, {17, 33}, {100, 1024}, {1024, 100},
                              {100, 784}, {333, 130}}) {
      const auto x = bnn_test::random_floats(rows * cols, static_cast<uint32_t>(rows * 3 + cols));
      std::vector<float> got(rows * cols + 1, 7.0f);
      bnn::kernels::transpose(x.data(), rows, cols, got.data());
      for (size_t r = 0; r < rows; ++r)
        for (size_t c = 0; c < cols; ++c)
          ASSERT_EQ(std::memcmp(&got[c * rows + r], &x[r * cols + c], sizeof(float)), 0)
              << rows << " x " << cols << " at " << r << "," << c << ", " << threads << " threads";
      ASSERT_EQ(got.back(), 7.0f) << "wrote past the end";
    }
  }
  bnn::kernels::set_num_threads(saved_threads);
}

// sgemm_signs: op(B) from bits equals the same variant's sgemm on the +-1 floats, exactly.
class SgemmSignsVariants : public bnn_test::VariantTest<bnn::kernels::SgemmVariant> {};

// unpack_rows is pack_rows' inverse on signs: +1 / -1 floats (sign(0) = +1) of the columns
// asked for, whole bytes and single bits alike, ld respected.
TEST(UnpackRows, GivesTheSignsThatPackRowsPacked) {
  struct Case { size_t rows, cols, c0, c1; };
  for (const Case& k : {Case{1, 1, 0, 1}, Case{3, 63, 0, 63}, Case{5, 64, 0, 64}, Case{4, 200, 0, 200},
                        Case{4, 200, 3, 197}, Case{2, 784, 392, 784}, Case{3, 130, 9, 14}}) {
    std::vector<float> x = bnn_test::random_floats(k.rows * k.cols, static_cast<uint32_t>(k.cols * 7 + k.c0));
    x[0] = 0.0f;
    std::vector<uint64_t> bits(k.rows * bnn::kernels::packed_words(k.cols));
    bnn::kernels::pack_rows(x.data(), k.rows, k.cols, k.cols, bits.data());
    const size_t w = k.c1 - k.c0, ld = w + 2;
    std::vector<float> got(k.rows * ld, 7.0f);
    bnn::kernels::unpack_rows(bits.data(), k.rows, k.cols, k.c0, k.c1, got.data(), ld);
    for (size_t i = 0; i < k.rows; ++i)
      for (size_t j = 0; j < ld; ++j)
        ASSERT_EQ(got[i * ld + j], j >= w ? 7.0f : x[i * k.cols + k.c0 + j] < 0 ? -1.0f : 1.0f)
            << k.cols << " [" << k.c0 << ", " << k.c1 << "): " << i << "," << j;
  }
}

TEST_P(SgemmSignsVariants, EqualsSgemmOnPlusMinusOne) {
  const auto& v = *GetParam();
  struct Case {
    size_t M, N, K;
    float alpha, beta;
  };
  const Case cases[] = {{1, 1, 1, 1, 0},     {3, 5, 7, 1, 0},        {8, 32, 16, 1, 1},
                        {9, 33, 17, 0.5f, 2}, {13, 47, 257, -1, 0.25f}, {100, 130, 300, 1, 0},
                        {17, 2100, 9, 1, 1},  {100, 1024, 784, 1, 0}};
  for (const Case& c : cases)
    for (int t = 0; t < 4; ++t) {
      const bool ta = t & 1, tb = t & 2;
      const size_t lda = (ta ? c.M : c.K) + 1, ldc = c.N + 3;
      const size_t brows = tb ? c.N : c.K, bcols = tb ? c.K : c.N;
      const size_t ldw = bnn::kernels::packed_words(bcols) + 1;
      const auto A = bnn_test::random_floats((ta ? c.K : c.M) * lda, c.M + t, false);
      const auto Bf = bnn_test::random_floats(brows * bcols, c.N + 3 * t);
      std::vector<float> pm(brows * bcols);
      std::vector<uint64_t> bits(brows * ldw, 0);
      for (size_t r = 0; r < brows; ++r)
        for (size_t k = 0; k < bcols; ++k) {
          pm[r * bcols + k] = Bf[r * bcols + k] < 0.0f ? -1.0f : 1.0f;
          if (Bf[r * bcols + k] < 0.0f) bits[r * ldw + k / 64] |= uint64_t{1} << (k % 64);
        }
      const auto C0 = bnn_test::random_floats(c.M * ldc, c.K + t, false);
      std::vector<float> ref = C0, got = C0;
      v.sgemm(ta, tb, c.M, c.N, c.K, c.alpha, A.data(), lda, pm.data(), bcols, c.beta,
              ref.data(), ldc);
      v.sgemm_signs(ta, tb, c.M, c.N, c.K, c.alpha, A.data(), lda, bits.data(), ldw, c.beta,
                    got.data(), ldc);
      ASSERT_TRUE(same_bits(ref, got)) << v.name << " " << c.M << "x" << c.N << "x" << c.K
                                       << " ta " << ta << " tb " << tb;
    }
}

INSTANTIATE_TEST_SUITE_P(All, SgemmSignsVariants, ::testing::ValuesIn(bnn_test::variant_list(bnn::kernels::sgemm_variants)),
                         [](const auto& info) { return std::string(info.param->name); });

// The threaded entry splits columns at whole words of B's bits and gives the same result on any
// thread count.
TEST(SgemmSigns, ThreadCountIndependent) {
  const size_t M = 100, N = 1024, K = 784;
  const auto A = bnn_test::random_floats(M * K, 1, false);
  const auto Bf = bnn_test::random_floats(K * N, 2);
  std::vector<uint64_t> bits(K * bnn::kernels::packed_words(N));
  bnn::kernels::scalar::pack_rows(Bf.data(), K, N, N, bits.data());
  std::vector<float> c1(M * N), c2(M * N);
  const int saved_threads = bnn::kernels::get_num_threads();
  bnn::kernels::set_num_threads(1);
  bnn::kernels::sgemm_signs(false, false, M, N, K, 1.0f, A.data(), K, bits.data(),
                            bnn::kernels::packed_words(N), 0.0f, c1.data(), N);
  bnn::kernels::set_num_threads(2);
  bnn::kernels::sgemm_signs(false, false, M, N, K, 1.0f, A.data(), K, bits.data(),
                            bnn::kernels::packed_words(N), 0.0f, c2.data(), N);
  bnn::kernels::set_num_threads(saved_threads);
  EXPECT_TRUE(same_bits(c1, c2));
}

}  // namespace
