// Save/load: predictions identical, training continues bit-identically, corrupt files rejected,
// writes atomic, same seed gives identical runs.
#include <cstdio>
#include <cmath>
#include <cstdlib>
#include <fstream>

#include "test_helpers.h"

using namespace bnn_test;

namespace {

const char* kDoc = R"({"input_shape": [16], "layers": [
    {"type": "dense", "units": 32, "use_bias": false, "kernel_quantizer": {"type": "sign"}},
    {"type": "batch_norm", "momentum": 0.9}, {"type": "hard_tanh"},
    {"type": "dense", "units": 4, "input_quantizer": {"type": "sign"},
     "kernel_quantizer": {"type": "sign", "ste": "identity"}},
    {"type": "batch_norm"}],
  "optimizer": {"type": "adam", "learning_rate": 0.01}, "seed": 4,
  "weight_clip": {"mode": "glorot"}})";

void train(bnn_model* m, const Synthetic& d, size_t steps, size_t first = 0) {
  for (size_t s = first; s < first + steps; ++s) {
    const size_t b = (s * 20) % (d.n - 20);
    ASSERT_EQ(bnn_model_train_step(m, &d.x[b * d.dim], &d.y[b], 20, nullptr), BNN_STATUS_OK)
        << bnn_model_errmsg(m);
  }
}

std::string temp_path(const char* name) {
  return std::string(::testing::TempDir()) + "/bnn_ckpt_" + name;
}

}  // namespace

TEST(Checkpoint, SaveLoadPredictsIdentically) {
  ModelPtr m = make_model(kDoc);
  Synthetic d = make_synthetic(200, 16, 4, 1);
  train(m, d, 10);
  const std::string path = temp_path("a.bnn");
  ASSERT_EQ(bnn_model_save(m, path.c_str()), BNN_STATUS_OK) << bnn_model_errmsg(m);
  bnn_model* raw = nullptr;
  ASSERT_EQ(bnn_model_load(path.c_str(), &raw), BNN_STATUS_OK) << bnn_last_errmsg();
  ModelPtr l(raw);
  std::vector<float> a(200 * 4), b(200 * 4);
  ASSERT_EQ(bnn_model_predict(m, d.x.data(), 200, a.data(), a.size()), BNN_STATUS_OK);
  ASSERT_EQ(bnn_model_predict(l, d.x.data(), 200, b.data(), b.size()), BNN_STATUS_OK);
  EXPECT_EQ(a, b);
  EXPECT_EQ(all_tensors(m), all_tensors(l));
  uint64_t sm = 0, sl = 0;
  bnn_model_step_count(m, &sm);
  bnn_model_step_count(l, &sl);
  EXPECT_EQ(sm, 10u);
  EXPECT_EQ(sl, 10u);
  std::remove(path.c_str());
}

TEST(Checkpoint, TrainingResumesBitIdentically) {
  Synthetic d = make_synthetic(200, 16, 4, 2);
  ModelPtr straight = make_model(kDoc);
  train(straight, d, 12);
  ModelPtr first = make_model(kDoc);
  train(first, d, 5);
  const std::vector<uint8_t> bytes = save_bytes(first);
  bnn_model* raw = nullptr;
  ASSERT_EQ(bnn_model_load_buffer(bytes.data(), bytes.size(), &raw), BNN_STATUS_OK) << bnn_last_errmsg();
  ModelPtr resumed(raw);
  train(resumed, d, 7, 5);
  EXPECT_EQ(all_tensors(straight), all_tensors(resumed));
  EXPECT_EQ(save_bytes(straight), save_bytes(resumed));  // optimiser state and counters too
}

TEST(Checkpoint, SameSeedSameRun) {
  Synthetic d = make_synthetic(200, 16, 4, 3);
  ModelPtr a = make_model(kDoc), b = make_model(kDoc);
  train(a, d, 8);
  train(b, d, 8);
  EXPECT_EQ(save_bytes(a), save_bytes(b));
}

TEST(Checkpoint, RecipeChangesAreSaved) {
  ModelPtr m = make_model(kDoc);
  ASSERT_EQ(bnn_model_configure(m, R"({"kernel_ste": "identity", "learning_rate": 0.002,
      "weight_clip": {"mode": "fixed", "value": 0.5}, "batch_norm_momentum": 0.8})"), BNN_STATUS_OK);
  ASSERT_EQ(bnn_model_set_metadata(m, R"({"epoch": 3})"), BNN_STATUS_OK);
  const std::vector<uint8_t> bytes = save_bytes(m);
  bnn_model* raw = nullptr;
  ASSERT_EQ(bnn_model_load_buffer(bytes.data(), bytes.size(), &raw), BNN_STATUS_OK);
  ModelPtr l(raw);
  float lr = 0, clip = 0;
  int32_t ste = -1, mode = -1;
  bnn_model_get_param_f32(l, BNN_PARAM_LEARNING_RATE, &lr);
  bnn_model_get_param_f32(l, BNN_PARAM_WEIGHT_CLIP_VALUE, &clip);
  bnn_model_get_param_i32(l, BNN_PARAM_KERNEL_STE, &ste);
  bnn_model_get_param_i32(l, BNN_PARAM_WEIGHT_CLIP_MODE, &mode);
  EXPECT_FLOAT_EQ(lr, 0.002f);
  EXPECT_FLOAT_EQ(clip, 0.5f);
  EXPECT_EQ(ste, BNN_STE_IDENTITY);
  EXPECT_EQ(mode, BNN_WEIGHT_CLIP_FIXED);
  char meta[64];
  size_t n = 0;
  ASSERT_EQ(bnn_model_metadata(l, meta, sizeof meta, &n), BNN_STATUS_OK);
  EXPECT_STREQ(meta, R"({"epoch":3})");
}

TEST(Checkpoint, TruncatedAndBitFlippedAreRejected) {
  ModelPtr m = make_model(kDoc);
  const std::vector<uint8_t> bytes = save_bytes(m);
  bnn_model* raw = reinterpret_cast<bnn_model*>(0x1);
  // Every truncation length (a sample of them) is refused.
  for (size_t len = 0; len < bytes.size(); len += 1 + len / 7) {
    EXPECT_EQ(bnn_model_load_buffer(bytes.data(), len, &raw), BNN_STATUS_CORRUPT_DATA) << len;
    EXPECT_EQ(raw, nullptr);
  }
  // Every single-bit flip (a sample) is refused.
  for (size_t pos = 0; pos < bytes.size(); pos += 1 + pos / 5) {
    std::vector<uint8_t> bad = bytes;
    bad[pos] ^= static_cast<uint8_t>(1u << (pos % 8));
    EXPECT_EQ(bnn_model_load_buffer(bad.data(), bad.size(), &raw), BNN_STATUS_CORRUPT_DATA) << pos;
  }
  // A foreign file.
  const char* png = "\x89PNG\r\n\x1a\n0000000000000000";
  EXPECT_EQ(bnn_model_load_buffer(reinterpret_cast<const uint8_t*>(png), 24, &raw), BNN_STATUS_CORRUPT_DATA);
  EXPECT_NE(std::string(bnn_last_errmsg()).find("not a libbnn checkpoint"), std::string::npos);
  EXPECT_EQ(bnn_model_load_buffer(nullptr, 10, &raw), BNN_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(bnn_model_load("/nonexistent/file.bnn", &raw), BNN_STATUS_IO);
}

TEST(Checkpoint, AtomicWriteKeepsPreviousFileOnFailure) {
  ModelPtr m = make_model(kDoc);
  const std::string path = temp_path("atomic.bnn");
  const std::string tmp = path + ".tmp";
  std::system(("rm -rf '" + tmp + "'").c_str());  // left over by an earlier, interrupted run
  ASSERT_EQ(bnn_model_save(m, path.c_str()), BNN_STATUS_OK) << bnn_model_errmsg(m);
  // Make the temporary file impossible to create: a folder in its place.
  ASSERT_EQ(std::system(("mkdir -p '" + tmp + "'").c_str()), 0);
  EXPECT_EQ(bnn_model_save(m, path.c_str()), BNN_STATUS_IO);
  bnn_model* raw = nullptr;
  EXPECT_EQ(bnn_model_load(path.c_str(), &raw), BNN_STATUS_OK) << "previous file destroyed";
  bnn_model_free(raw);
  std::system(("rmdir '" + tmp + "'").c_str());
  std::remove(path.c_str());
  // No temporary file is left behind by a successful save.
  ASSERT_EQ(bnn_model_save(m, path.c_str()), BNN_STATUS_OK);
  std::ifstream t(tmp);
  EXPECT_FALSE(t.good());
  std::remove(path.c_str());
}

TEST(Checkpoint, ClippingAndGlorotScaling) {
  // Dense 784 -> 256: H = sqrt(1.5 / (784 + 256)).
  const double H = std::sqrt(1.5 / 1040.0);
  const std::string base = R"({"input_shape": [784], "layers": [
      {"type": "dense", "units": 256, "use_bias": false, "kernel_quantizer": {"type": "sign", "ste": "identity"}}],
    "loss": "square_hinge", "optimizer": {"type": "sgd", "learning_rate": 100.0})";
  std::vector<float> x(784 * 4);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>((i * 37) % 11) - 5.0f;
  const std::vector<int32_t> y = {1, 7, 3, 200};
  for (const auto& [clip, bound] : std::vector<std::pair<std::string, double>>{
           {R"({"mode": "glorot"})", H}, {R"({"mode": "fixed", "value": 0.3})", 0.3}}) {
    ModelPtr m = make_model(base + R"(, "weight_clip": )" + clip + "}");
    ASSERT_EQ(bnn_model_train_step(m, x.data(), y.data(), 4, nullptr), BNN_STATUS_OK);
    const std::vector<float> w = get_tensor(m, "layers.0.kernel");
    float mx = 0;
    for (float v : w) mx = std::max(mx, std::fabs(v));
    EXPECT_NEAR(mx, bound, 1e-6) << clip;  // the huge step pushed weights to the bound
  }
  // lr_scale glorot: each binary layer's step is multiplied by 1/H.
  const std::string small = R"({"input_shape": [784], "layers": [
      {"type": "dense", "units": 256, "use_bias": false, "kernel_quantizer": {"type": "sign", "ste": "identity"}}],
    "loss": "square_hinge", "optimizer": {"type": "sgd", "learning_rate": 0.001})";
  ModelPtr plain = make_model(small + "}");
  ModelPtr scaled = make_model(small + R"(, "lr_scale": "glorot"})");
  const std::vector<float> w0 = get_tensor(plain, "layers.0.kernel");
  ASSERT_EQ(bnn_model_train_step(plain, x.data(), y.data(), 4, nullptr), BNN_STATUS_OK);
  ASSERT_EQ(bnn_model_train_step(scaled, x.data(), y.data(), 4, nullptr), BNN_STATUS_OK);
  const std::vector<float> wp = get_tensor(plain, "layers.0.kernel"), ws = get_tensor(scaled, "layers.0.kernel");
  size_t checked = 0;
  for (size_t i = 0; i < w0.size(); ++i) {
    const double dp = wp[i] - w0[i], ds = ws[i] - w0[i];
    if (std::fabs(dp) < 1e-4) continue;
    EXPECT_NEAR(ds / dp, 1.0 / H, 1e-2 / H) << i;
    ++checked;
  }
  EXPECT_GT(checked, 1000u);
}
