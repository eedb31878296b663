// ISA selection through the C API, thread-count independence, and training through the C API on
// the scalar path versus the best path.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "bnn/bnn.h"
#include "kernels/kernels.h"
#include "kernels_test_util.h"
#include "test_helpers.h"

namespace {

// Restores the detected ISA and one thread whatever a test did.
struct IsaGuard {
  ~IsaGuard() {
    bnn_set_isa("auto");
    bnn_set_num_threads(1);
  }
};

const char* const kIsas[] = {"scalar", "sse4.1", "avx2", "avx512", "neon", "wasm_simd128"};

TEST(KernelsDispatch, SetIsaFollowsSupport) {
  IsaGuard g;
  for (const char* isa : kIsas) {
    const bnn_status s = bnn_set_isa(isa);
    if (bnn_isa_supported(isa)) {
      EXPECT_EQ(s, BNN_STATUS_OK) << isa;
      EXPECT_STREQ(bnn_get_isa(), isa);
    } else {
      // e.g. "avx512" on a CPU without it, "neon" on x86.
      EXPECT_EQ(s, BNN_STATUS_UNSUPPORTED_HARDWARE) << isa;
      EXPECT_NE(std::string(bnn_last_errmsg()).find(isa), std::string::npos);
    }
  }
  EXPECT_EQ(bnn_isa_supported("scalar"), 1);
  EXPECT_EQ(bnn_set_isa("mmx"), BNN_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(bnn_set_isa(nullptr), BNN_STATUS_INVALID_ARGUMENT);
  ASSERT_EQ(bnn_set_isa("auto"), BNN_STATUS_OK);
  EXPECT_STREQ(bnn_get_isa(), bnn::kernels::isa_name(bnn::kernels::best_isa()));
#if defined(__x86_64__)
  EXPECT_EQ(bnn_isa_supported("neon"), 0);
  EXPECT_EQ(bnn_set_isa("neon"), BNN_STATUS_UNSUPPORTED_HARDWARE);
#endif
}

TEST(KernelsDispatch, ThreadCounts) {
  IsaGuard g;
  EXPECT_EQ(bnn_set_num_threads(-1), BNN_STATUS_OUT_OF_RANGE);
  ASSERT_EQ(bnn_set_num_threads(3), BNN_STATUS_OK);
  EXPECT_EQ(bnn_get_num_threads(), 3);
  ASSERT_EQ(bnn_set_num_threads(0), BNN_STATUS_OK);
  EXPECT_GE(bnn_get_num_threads(), 1);
}

// The public (threaded) kernels give bit-identical results for 1, 2 and 3 threads, on every ISA
// this CPU runs: each output element is computed by one thread in a fixed order.
TEST(KernelsDispatch, ResultsDoNotDependOnThreadCount) {
  IsaGuard g;
  const size_t M = 100, N = 300, K = 777, words = bnn::kernels::packed_words(K);
  const auto x = bnn_test::random_floats(M * K, 5), w = bnn_test::random_floats(K * N, 6);
  for (const char* isa : kIsas) {
    if (!bnn_isa_supported(isa)) continue;
    ASSERT_EQ(bnn_set_isa(isa), BNN_STATUS_OK);
    std::vector<std::vector<uint64_t>> bits;
    std::vector<std::vector<float>> bin, flt, flt_t;
    for (int t : {1, 2, 3}) {
      ASSERT_EQ(bnn_set_num_threads(t), BNN_STATUS_OK);
      std::vector<uint64_t> a(M * words), b(N * words);
      bnn::kernels::pack_rows(x.data(), M, K, K, a.data());
      bnn::kernels::pack_cols(w.data(), K, N, N, b.data());
      std::vector<float> c(M * N), d(M * N), e(K * N);
      bnn::kernels::bgemm(M, N, K, a.data(), b.data(), c.data(), N);
      bnn::kernels::sgemm(false, false, M, N, K, 1.0f, x.data(), K, w.data(), N, 0.0f, d.data(), N);
      // The weight-gradient shape: x^T dy.
      bnn::kernels::sgemm(true, false, K, N, M, 1.0f, x.data(), K, d.data(), N, 0.0f, e.data(), N);
      a.insert(a.end(), b.begin(), b.end());
      bits.push_back(a);
      bin.push_back(c);
      flt.push_back(d);
      flt_t.push_back(e);
    }
    for (size_t i = 1; i < bits.size(); ++i) {
      EXPECT_EQ(bits[0], bits[i]) << isa;
      EXPECT_EQ(0, std::memcmp(bin[0].data(), bin[i].data(), bin[0].size() * 4)) << isa;
      EXPECT_EQ(0, std::memcmp(flt[0].data(), flt[i].data(), flt[0].size() * 4)) << isa;
      EXPECT_EQ(0, std::memcmp(flt_t[0].data(), flt_t[i].data(), flt_t[0].size() * 4)) << isa;
    }
  }
}

// A fully binary MLP (binary inputs and weights on the hidden layers: the packed kernels run in
// the forward pass) trained through the C API.
const char* kBinaryMlp = R"({
  "input_shape": [32],
  "layers": [
    {"type": "dense", "units": 96, "use_bias": false,
     "kernel_quantizer": {"type": "sign", "ste": "clipped"}},
    {"type": "batch_norm", "momentum": 0.9},
    {"type": "hard_tanh"},
    {"type": "dense", "units": 80, "use_bias": false,
     "input_quantizer": {"type": "sign", "ste": "clipped"},
     "kernel_quantizer": {"type": "sign", "ste": "clipped"}},
    {"type": "batch_norm", "momentum": 0.9},
    {"type": "hard_tanh"},
    {"type": "dense", "units": 4, "use_bias": false,
     "input_quantizer": {"type": "sign", "ste": "clipped"},
     "kernel_quantizer": {"type": "sign", "ste": "clipped"}},
    {"type": "batch_norm", "momentum": 0.9}
  ],
  "loss": "square_hinge",
  "optimizer": {"type": "adam", "learning_rate": 0.01},
  "seed": 3
})";

struct TrainResult {
  float accuracy = 0;
  std::vector<float> tensors;
};

TrainResult train(const char* isa, int threads) {
  TrainResult r;
  EXPECT_EQ(bnn_set_isa(isa), BNN_STATUS_OK);
  EXPECT_EQ(bnn_set_num_threads(threads), BNN_STATUS_OK);
  const auto data = bnn_test::make_synthetic(400, 32, 4, 9);
  auto m = bnn_test::make_model(kBinaryMlp);
  if (!m.m) return r;
  const size_t batch = 50;
  for (int epoch = 0; epoch < 4; ++epoch)
    for (size_t i = 0; i + batch <= data.n; i += batch)
      EXPECT_EQ(bnn_model_train_step(m, data.x.data() + i * data.dim, data.y.data() + i, batch,
                                     nullptr),
                BNN_STATUS_OK)
          << bnn_model_errmsg(m);
  EXPECT_EQ(bnn_model_evaluate(m, data.x.data(), data.y.data(), data.n, nullptr, &r.accuracy),
            BNN_STATUS_OK);
  r.tensors = bnn_test::all_tensors(m);
  return r;
}

TEST(KernelsDispatch, TrainingScalarVersusBestIsa) {
  IsaGuard g;
  const std::string best = bnn::kernels::isa_name(bnn::kernels::best_isa());
  const TrainResult scalar = train("scalar", 1);
  const TrainResult fast = train(best.c_str(), 1);
  EXPECT_GT(scalar.accuracy, 0.9f);
  EXPECT_GT(fast.accuracy, 0.9f);
  // Forward products of binary layers are exact on every path; float rounding in the backward
  // pass may differ between paths, so accuracies (not weights) are compared.
  EXPECT_NEAR(scalar.accuracy, fast.accuracy, 0.02f) << "best ISA " << best;
}

TEST(KernelsDispatch, TrainingIsBitIdenticalForAnyThreadCount) {
  IsaGuard g;
  const std::string best = bnn::kernels::isa_name(bnn::kernels::best_isa());
  const TrainResult one = train(best.c_str(), 2);
  const TrainResult again = train(best.c_str(), 2);
  const TrainResult single = train(best.c_str(), 1);
  ASSERT_FALSE(one.tensors.empty());
  EXPECT_EQ(0, std::memcmp(one.tensors.data(), again.tensors.data(), one.tensors.size() * 4));
  ASSERT_EQ(one.tensors.size(), single.tensors.size());
  EXPECT_EQ(0, std::memcmp(one.tensors.data(), single.tensors.data(), one.tensors.size() * 4));
}

}  // namespace
