// bnn-infer export and runtime: every decision of bnn_model_predict reproduced exactly (random
// models with tie-prone batch norm statistics, negative and zero gammas, every padding and
// pad_value), corrupt files refused, unsupported models refused without leaving a file.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "bnn/bnn.h"
#include "infer/kernels.h"
#include "infer/format.h"
#include "kernels/kernels.h"
#include "test_helpers.h"

using bnn_test::make_model;
using bnn_test::ModelPtr;

namespace {

const char* kBin = R"("input_quantizer": {"type": "sign"}, "kernel_quantizer": {"type": "sign"})";

// Random parameters: batch norm statistics near the range of the integer sums so that the
// thresholds fall inside it, some gammas negative or zero, some means exact integers (ties).
void randomize(bnn_model* m, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (size_t i = 0; i < bnn_model_tensor_count(m); ++i) {
    const char* name = nullptr;
    size_t n = 0;
    ASSERT_EQ(bnn_model_tensor_info(m, i, &name, &n), BNN_STATUS_OK);
    std::vector<float> v(n);
    ASSERT_EQ(bnn_model_get_tensor(m, i, v.data(), n), BNN_STATUS_OK);
    const std::string s = name;
    const auto ends = [&](const char* suf) {
      return s.size() >= std::strlen(suf) && s.compare(s.size() - std::strlen(suf), std::string::npos, suf) == 0;
    };
    for (size_t j = 0; j < n; ++j) {
      if (ends("gamma")) v[j] = j % 7 == 3 ? 0.0f : u(rng);
      else if (ends("beta")) v[j] = j % 5 == 1 ? 0.0f : u(rng);
      else if (ends("running_mean")) v[j] = j % 3 == 0 ? std::round(8 * u(rng)) : 8 * u(rng);
      else if (ends("running_var")) v[j] = 4.0f + 30.0f * std::fabs(u(rng));
      else if (ends("kernel")) v[j] = j % 11 == 0 ? 0.0f : u(rng);  // sign(0) = +1
      else v[j] = u(rng);
    }
    ASSERT_EQ(bnn_model_set_tensor(m, i, v.data(), n), BNN_STATUS_OK) << s;
  }
}

std::vector<float> random_input(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> g(0.0f, 1.0f);
  std::vector<float> x(n);
  for (size_t i = 0; i < n; ++i) x[i] = i % 13 == 0 ? 0.0f : (i % 17 == 0 ? -0.0f : g(rng));
  return x;
}

std::vector<uint8_t> export_buffer(bnn_model* m, const char* format) {
  size_t size = 0;
  EXPECT_EQ(bnn_model_export_buffer(m, format, nullptr, 0, &size), BNN_STATUS_OK) << bnn_model_errmsg(m);
  std::vector<uint8_t> buf(size);
  EXPECT_EQ(bnn_model_export_buffer(m, format, buf.data(), buf.size(), &size), BNN_STATUS_OK);
  return buf;
}

struct InferPtr {
  bnn_infer* e = nullptr;
  ~InferPtr() { bnn_infer_free(e); }
};

// Exports m, runs both on `batch` random samples; exact: logits bit-identical, else classes
// equal and logits within rel.
void check_same(bnn_model* m, size_t batch, bool exact, uint32_t seed = 7) {
  const std::vector<uint8_t> file = export_buffer(m, "bnn-infer");
  InferPtr e;
  ASSERT_EQ(bnn_infer_load_buffer(file.data(), file.size(), &e.e), BNN_STATUS_OK) << bnn_last_errmsg();
  const size_t in = bnn_model_input_size(m), classes = bnn_model_output_size(m);
  ASSERT_EQ(bnn_infer_input_size(e.e), in);
  ASSERT_EQ(bnn_infer_output_size(e.e), classes);
  const std::vector<float> x = random_input(batch * in, seed);
  std::vector<float> want(batch * classes), got(batch * classes);
  ASSERT_EQ(bnn_model_predict(m, x.data(), batch, want.data(), want.size()), BNN_STATUS_OK);
  ASSERT_EQ(bnn_infer_predict(e.e, x.data(), batch, got.data(), got.size()), BNN_STATUS_OK)
      << bnn_infer_errmsg(e.e);
  for (size_t i = 0; i < want.size(); ++i) {
    if (exact)
      ASSERT_EQ(std::memcmp(&want[i], &got[i], sizeof(float)), 0)
          << "logit " << i << ": predict " << want[i] << ", bnn-infer " << got[i];
    else
      ASSERT_NEAR(got[i], want[i], 1e-4f * std::max(1.0f, std::fabs(want[i]))) << "logit " << i;
  }
}

}  // namespace

TEST(ExportInfer, BinaryMlpMatchesPredictExactly) {
  for (uint32_t seed = 1; seed <= 4; ++seed) {
    ModelPtr m = make_model(std::string(R"({"input_shape": [70], "layers": [
      {"type": "dense", "units": 130, "use_bias": false, )") + kBin + R"(},
      {"type": "batch_norm"},
      {"type": "dense", "units": 64, "use_bias": true, )" + kBin + R"(},
      {"type": "batch_norm", "epsilon": 1e-4},
      {"type": "hard_tanh"},
      {"type": "dense", "units": 65, "use_bias": false, )" + kBin + R"(},
      {"type": "batch_norm", "center": false},
      {"type": "relu"},
      {"type": "dense", "units": 10, "use_bias": true, )" + kBin + R"(},
      {"type": "batch_norm"}], "loss": "cross_entropy"})");
    randomize(m, seed);
    check_same(m, 37, true, seed);
  }
}

TEST(ExportInfer, BinaryCnnEveryPaddingMatchesPredictExactly) {
  for (uint32_t seed = 1; seed <= 3; ++seed) {
    ModelPtr m = make_model(std::string(R"({"input_shape": [11, 9, 3], "layers": [
      {"type": "conv2d", "filters": 64, "kernel_size": [3, 3], "padding": "same", "use_bias": false, )") + kBin + R"(},
      {"type": "max_pool2d", "pool_size": [2, 2], "padding": "same"},
      {"type": "batch_norm"},
      {"type": "conv2d", "filters": 70, "kernel_size": [3, 2], "strides": [2, 1], "padding": "same", "pad_value": -1, )" + kBin + R"(},
      {"type": "batch_norm"},
      {"type": "hard_tanh"},
      {"type": "conv2d", "filters": 20, "kernel_size": 2, "padding": "same", "pad_value": 1, )" + kBin + R"(},
      {"type": "average_pool2d", "pool_size": [2, 2], "strides": [1, 1], "padding": "same"},
      {"type": "batch_norm"},
      {"type": "conv2d", "filters": 64, "kernel_size": 3, "padding": "same", "use_bias": false, )" + kBin + R"(},
      {"type": "batch_norm"},
      {"type": "max_pool2d", "pool_size": 2},
      {"type": "flatten"},
      {"type": "dense", "units": 10, )" + kBin + R"(},
      {"type": "batch_norm"}], "loss": "cross_entropy"})");
    randomize(m, seed);
    check_same(m, 9, true, seed);
  }
}

TEST(ExportInfer, GlobalPoolAndFloatLayersMatch) {
  // Float first layer (input not binarised), a full-precision dense head, relu, global pooling.
  ModelPtr m = make_model(std::string(R"({"input_shape": [8, 8, 2], "layers": [
    {"type": "conv2d", "filters": 16, "kernel_size": 3, "padding": "same",
     "kernel_quantizer": {"type": "sign"}},
    {"type": "batch_norm"},
    {"type": "conv2d", "filters": 32, "kernel_size": 3, "padding": "valid", )") + kBin + R"(},
    {"type": "relu"},
    {"type": "global_average_pool2d"},
    {"type": "dense", "units": 5}], "loss": "cross_entropy"})");
  randomize(m, 3);
  check_same(m, 20, true);
}

TEST(ExportInfer, FileIsSmallAndRoundTripsThroughAFile) {
  ModelPtr m = make_model(std::string(R"({"input_shape": [256], "layers": [
    {"type": "dense", "units": 256, "use_bias": false, )") + kBin + R"(},
    {"type": "batch_norm"},
    {"type": "dense", "units": 10, "use_bias": false, )" + kBin + R"(},
    {"type": "batch_norm"}], "loss": "cross_entropy"})");
  randomize(m, 5);
  const std::string path = testing::TempDir() + "bnn_export_test.bnninfer";
  ASSERT_EQ(bnn_model_export(m, "bnn-infer", path.c_str()), BNN_STATUS_OK) << bnn_model_errmsg(m);
  InferPtr e;
  ASSERT_EQ(bnn_infer_load(path.c_str(), &e.e), BNN_STATUS_OK) << bnn_last_errmsg();
  size_t ckpt = 0;
  ASSERT_EQ(bnn_model_save_buffer(m, nullptr, 0, &ckpt), BNN_STATUS_OK);
  const std::vector<uint8_t> file = export_buffer(m, "bnn-infer");
  EXPECT_LT(file.size() * 25, ckpt) << file.size() << " bytes vs checkpoint " << ckpt;
  std::remove(path.c_str());
}

TEST(ExportInfer, UnsupportedModelNamesTheLayerAndLeavesNoFile) {
  ModelPtr m = make_model(R"({"input_shape": [16], "layers": [
    {"type": "dense", "units": 8, "input_quantizer": {"type": "sign"}},
    {"type": "dense", "units": 3}], "loss": "cross_entropy"})");
  const std::string path = testing::TempDir() + "bnn_export_unsupported.bnninfer";
  std::remove(path.c_str());
  EXPECT_EQ(bnn_model_export(m, "bnn-infer", path.c_str()), BNN_STATUS_UNSUPPORTED);
  EXPECT_NE(std::string(bnn_model_errmsg(m)).find("layers.0 (dense)"), std::string::npos)
      << bnn_model_errmsg(m);
  EXPECT_EQ(std::fopen(path.c_str(), "rb"), nullptr);
  EXPECT_EQ(std::fopen((path + ".tmp").c_str(), "rb"), nullptr);
  size_t size = 0;
  EXPECT_EQ(bnn_model_export_buffer(m, "bnn-infer", nullptr, 0, &size), BNN_STATUS_UNSUPPORTED);
  // ONNX expresses it (a plain MatMul on +-1 inputs).
  EXPECT_EQ(bnn_model_export_buffer(m, "onnx", nullptr, 0, &size), BNN_STATUS_OK);
}

TEST(ExportInfer, BadArguments) {
  ModelPtr m = make_model(R"({"input_shape": [4], "layers": [{"type": "dense", "units": 2}]})");
  size_t size = 0;
  EXPECT_EQ(bnn_model_export_buffer(m, "tflite", nullptr, 0, &size), BNN_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(bnn_model_export_buffer(m, nullptr, nullptr, 0, &size), BNN_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(bnn_model_export(nullptr, "onnx", "x"), BNN_STATUS_INVALID_ARGUMENT);
  const std::vector<uint8_t> file = export_buffer(m, "bnn-infer");
  uint8_t small[4];
  EXPECT_EQ(bnn_model_export_buffer(m, "bnn-infer", small, sizeof small, &size), BNN_STATUS_BUFFER_TOO_SMALL);
  InferPtr e;
  ASSERT_EQ(bnn_infer_load_buffer(file.data(), file.size(), &e.e), BNN_STATUS_OK);
  float x[4] = {1, 2, 3, 4}, y[2];
  EXPECT_EQ(bnn_infer_predict(e.e, x, 1, y, 1), BNN_STATUS_BUFFER_TOO_SMALL);
  EXPECT_EQ(bnn_infer_predict(e.e, nullptr, 1, y, 2), BNN_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(bnn_infer_predict(nullptr, x, 1, y, 2), BNN_STATUS_INVALID_ARGUMENT);
  x[2] = NAN;
  EXPECT_EQ(bnn_infer_predict(e.e, x, 1, y, 2), BNN_STATUS_NUMERIC);
  InferPtr missing;  // a failed load sets its out-pointer to NULL (not e: that would leak it)
  EXPECT_EQ(bnn_infer_load("/nonexistent/dir/file", &missing.e), BNN_STATUS_IO);
  EXPECT_EQ(missing.e, nullptr);
  bnn_infer_free(nullptr);
}

TEST(ExportInfer, CorruptFilesAreRefused) {
  ModelPtr m = make_model(std::string(R"({"input_shape": [6, 6, 1], "layers": [
    {"type": "conv2d", "filters": 3, "kernel_size": 3, "padding": "same", )") + kBin + R"(},
    {"type": "batch_norm"}, {"type": "flatten"},
    {"type": "dense", "units": 2, )" + kBin + R"(}]})");
  const std::vector<uint8_t> file = export_buffer(m, "bnn-infer");
  bnn_infer* e = nullptr;
  for (size_t n = 0; n < file.size(); ++n) {
    EXPECT_EQ(bnn_infer_load_buffer(file.data(), n, &e), BNN_STATUS_CORRUPT_DATA) << "truncated to " << n;
    EXPECT_EQ(e, nullptr);
  }
  for (size_t i = 0; i < file.size(); ++i)
    for (int bit = 0; bit < 8; bit += 3) {
      std::vector<uint8_t> f = file;
      f[i] ^= static_cast<uint8_t>(1 << bit);
      const bnn_status s = bnn_infer_load_buffer(f.data(), f.size(), &e);
      EXPECT_TRUE(s == BNN_STATUS_CORRUPT_DATA || s == BNN_STATUS_UNSUPPORTED) << "byte " << i << ": " << s;
      bnn_infer_free(e);
      e = nullptr;
    }
  std::vector<uint8_t> newer = file;
  newer[8] = 2;  // version
  EXPECT_EQ(bnn_infer_load_buffer(newer.data(), newer.size(), &e), BNN_STATUS_UNSUPPORTED);
  EXPECT_NE(std::string(bnn_last_errmsg()).find("version"), std::string::npos);
}

TEST(ExportInfer, StandardizationIsPartOfTheFile) {
  // Binarised inputs right after the standardisation: every decision depends on it exactly.
  for (const char* st : {R"("per_image")", R"({"mode": "global", "mean": 0.25, "sd": 0.5})"}) {
    ModelPtr m = make_model(std::string(R"({"input_shape": [50], "standardize": )") + st +
                            R"(, "layers": [
      {"type": "dense", "units": 40, )" + kBin + R"(},
      {"type": "batch_norm"},
      {"type": "dense", "units": 6, )" + kBin + R"(}], "loss": "cross_entropy"})");
    randomize(m, 11);
    check_same(m, 30, true, 11);
  }
  ModelPtr g = make_model(R"({"input_shape": [4], "standardize": "global",
                              "layers": [{"type": "dense", "units": 2}]})");
  size_t size = 0;
  EXPECT_EQ(bnn_model_export_buffer(g, "bnn-infer", nullptr, 0, &size), BNN_STATUS_INVALID_STATE);
  EXPECT_EQ(bnn_model_export_buffer(g, "onnx", nullptr, 0, &size), BNN_STATUS_INVALID_STATE);
}

TEST(ExportInfer, FullPrecisionModelExports) {
  // "quantize": false (full-precision pretraining): every layer is float; still the same logits.
  ModelPtr m = make_model(std::string(R"({"input_shape": [30], "quantize": false, "layers": [
    {"type": "dense", "units": 20, )") + kBin + R"(},
    {"type": "batch_norm"}, {"type": "relu"},
    {"type": "dense", "units": 4, )" + kBin + R"(}], "loss": "cross_entropy"})");
  randomize(m, 2);
  check_same(m, 16, true);
}

TEST(ExportInfer, FloatInputSumsAreTheLibraryGemmsBits) {
  // The runtime's float-input product (infer::sign_weights_product, also libbnn_infer's) sums in
  // the order of libbnn's SIMD GEMMs (K slices of infer::kSumSlice): same bits on every ISA but
  // the scalar one, whose order libbnn reaches through kernels::sgemm_signs instead.
  std::mt19937 rng(5);
  std::normal_distribution<float> g(0.0f, 1.0f);
  for (const char* isa : {"sse4.1", "avx2", "avx512", "neon", "wasm_simd128"}) {
    if (bnn_set_isa(isa) != BNN_STATUS_OK) continue;
    for (size_t K : {1, 9, 255, 256, 257, 784, 1300})
      for (size_t N : {1, 17, 64, 300, 1024}) {
        std::vector<float> x(K);
        for (size_t k = 0; k < K; ++k) x[k] = k % 3 == 0 ? 0.0f : g(rng);
        std::vector<uint64_t> w(K * bnn::infer::words(N));
        for (uint64_t& v : w) v = (uint64_t{rng()} << 32) | rng();
        for (size_t k = 0; k < K; ++k)  // padding bits 0
          if (N % 64) w[k * bnn::infer::words(N) + N / 64] &= (uint64_t{1} << (N % 64)) - 1;
        std::vector<float> want(N), got(N);
        std::vector<uint32_t> scratch(K);
        bnn::kernels::sgemm_signs(false, false, 1, N, K, 1.0f, x.data(), K, w.data(),
                                  bnn::kernels::packed_words(N), 0.0f, want.data(), N);
        bnn::infer::sign_weights_product(x.data(), K, w.data(), N, got.data(), scratch.data());
        ASSERT_EQ(std::memcmp(want.data(), got.data(), N * sizeof(float)), 0)
            << isa << " K " << K << " N " << N;
      }
  }
  ASSERT_EQ(bnn_set_isa("auto"), BNN_STATUS_OK);
}

TEST(ExportInfer, MoreLayersThanTheFormatHoldsIsUnsupported) {
  std::string doc = R"({"input_shape": [4], "layers": [)";
  for (int i = 0; i < 2049; ++i) doc += R"({"type": "relu"},)";
  doc += R"({"type": "dense", "units": 2}]})";
  ModelPtr m = make_model(doc);
  size_t size = 0;
  EXPECT_EQ(bnn_model_export_buffer(m, "bnn-infer", nullptr, 0, &size), BNN_STATUS_UNSUPPORTED);
  EXPECT_NE(std::string(bnn_model_errmsg(m)).find("layers"), std::string::npos) << bnn_model_errmsg(m);
  EXPECT_EQ(bnn_model_export_buffer(m, "onnx", nullptr, 0, &size), BNN_STATUS_OK);
}
