// Resource limits (issue 8): absurd sizes in a document or a checkpoint are refused before
// anything is allocated, and the "max_memory" key caps what a model may allocate.
#include <chrono>
#include <cstring>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "test_helpers.h"

namespace {

using bnn_test::ModelPtr;
using bnn_test::make_model;
using bnn_test::save_bytes;
using Clock = std::chrono::steady_clock;

bnn_status create(const std::string& doc) {
  bnn_model* m = nullptr;
  const bnn_status s = bnn_model_create_from_json(doc.c_str(), &m);
  bnn_model_free(m);
  return s;
}

// Each refusal must be quick: it happens before any large allocation or loop.
template <class F>
double seconds(F&& f) {
  const auto t0 = Clock::now();
  f();
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

TEST(ResourceLimits, HugeLayersAreRefusedBeforeAllocating) {
  const double t = seconds([] {
    EXPECT_EQ(create(R"({"input_shape":[784],"layers":[{"type":"dense","units":1048576}]})"),
              BNN_STATUS_OUT_OF_RANGE);
    EXPECT_NE(std::string(bnn_last_errmsg()).find("layers[0].units"), std::string::npos)
        << bnn_last_errmsg();
    EXPECT_EQ(create(R"({"input_shape":[16777216],"layers":[{"type":"dense","units":32}]})"),
              BNN_STATUS_OUT_OF_RANGE);
    // A convolution whose output (positions x filters) or im2col matrix per sample is absurd.
    EXPECT_EQ(create(R"({"input_shape":[4096,4096,1],"layers":[
        {"type":"conv2d","filters":65536,"kernel_size":1},{"type":"flatten"},
        {"type":"dense","units":2}]})"),
              BNN_STATUS_OUT_OF_RANGE);
    EXPECT_NE(std::string(bnn_last_errmsg()).find("layers[0].filters"), std::string::npos)
        << bnn_last_errmsg();
    EXPECT_EQ(create(R"({"input_shape":[4096,4096,1],"layers":[
        {"type":"conv2d","filters":1,"kernel_size":4096,"padding":"same"},
        {"type":"global_average_pool2d"},{"type":"dense","units":2}]})"),
              BNN_STATUS_OUT_OF_RANGE);
    EXPECT_NE(std::string(bnn_last_errmsg()).find("layers[0].kernel_size"), std::string::npos)
        << bnn_last_errmsg();
    EXPECT_EQ(create(R"({"input_shape":[4096,4096,1],"layers":[
        {"type":"max_pool2d","pool_size":4096,"strides":1,"padding":"same"},
        {"type":"global_average_pool2d"},{"type":"dense","units":2}]})"),
              BNN_STATUS_OUT_OF_RANGE);
    EXPECT_NE(std::string(bnn_last_errmsg()).find("layers[0].pool_size"), std::string::npos)
        << bnn_last_errmsg();
    nlohmann::json many = {{"input_shape", {4}}, {"layers", nlohmann::json::array()}};
    for (int i = 0; i < 5000; ++i) many["layers"].push_back({{"type", "relu"}});
    EXPECT_EQ(create(many.dump()), BNN_STATUS_OUT_OF_RANGE);
  });
  EXPECT_LT(t, 5.0);
}

TEST(ResourceLimits, MaxMemoryRefusesAModelThatDoesNotFit) {
  // 1024 x 1024 floats with gradients and Adam state: ~16 MiB.
  const std::string doc = R"({"input_shape":[1024],"layers":[{"type":"dense","units":1024},
      {"type":"dense","units":2}],"max_memory":1000000})";
  EXPECT_EQ(create(doc), BNN_STATUS_OUT_OF_MEMORY);
  const std::string msg = bnn_last_errmsg();
  EXPECT_NE(msg.find("max_memory"), std::string::npos) << msg;
  EXPECT_EQ(create(R"({"input_shape":[4],"layers":[{"type":"dense","units":2}],"max_memory":0})"),
            BNN_STATUS_OUT_OF_RANGE);
  EXPECT_EQ(create(R"({"input_shape":[4],"layers":[{"type":"dense","units":2}],"max_memory":"1G"})"),
            BNN_STATUS_INVALID_ARGUMENT);
  // The recipe's batch size counts: activations for a training batch must fit too.
  EXPECT_EQ(create(R"({"input_shape":[64],"layers":[{"type":"dense","units":2}],
      "max_memory":100000})"), BNN_STATUS_OK) << bnn_last_errmsg();
  EXPECT_EQ(create(R"({"input_shape":[64],"layers":[{"type":"dense","units":2}],
      "max_memory":100000,"training":{"batch_size":5000}})"), BNN_STATUS_OUT_OF_MEMORY);
}

TEST(ResourceLimits, MaxMemoryRefusesABatchThatDoesNotFitAndChangesNothing) {
  ModelPtr m = make_model(R"({"input_shape":[64],"layers":[{"type":"dense","units":8},
      {"type":"batch_norm"},{"type":"dense","units":2}],"max_memory":200000})");
  const std::vector<float> x(64 * 1000, 0.25f);
  const std::vector<int32_t> y(1000, 1);
  const std::vector<uint8_t> before = save_bytes(m);
  EXPECT_EQ(bnn_model_train_step(m, x.data(), y.data(), 1000, nullptr), BNN_STATUS_OUT_OF_MEMORY);
  EXPECT_NE(std::string(bnn_model_errmsg(m)).find("max_memory"), std::string::npos);
  EXPECT_EQ(save_bytes(m), before);
  std::vector<float> logits(2000);
  EXPECT_EQ(bnn_model_predict(m, x.data(), 1000, logits.data(), logits.size()),
            BNN_STATUS_OUT_OF_MEMORY);
  EXPECT_EQ(bnn_model_train_step(m, x.data(), y.data(), 10, nullptr), BNN_STATUS_OK)
      << bnn_model_errmsg(m);
  // The cap travels with the model: in its document and through a checkpoint.
  std::vector<uint8_t> bytes = save_bytes(m);
  bnn_model* loaded = nullptr;
  ASSERT_EQ(bnn_model_load_buffer(bytes.data(), bytes.size(), &loaded), BNN_STATUS_OK);
  ModelPtr l(loaded);
  EXPECT_EQ(bnn_model_train_step(l, x.data(), y.data(), 1000, nullptr), BNN_STATUS_OUT_OF_MEMORY);
  size_t n = 0;
  ASSERT_EQ(bnn_model_config_json(l, nullptr, 0, &n), BNN_STATUS_OK);
  std::string doc(n, '\0');
  ASSERT_EQ(bnn_model_config_json(l, &doc[0], n, &n), BNN_STATUS_OK);
  EXPECT_NE(doc.find("\"max_memory\": 200000"), std::string::npos) << doc;
}

// A checkpoint whose (CRC-valid) document describes a model far larger than the data it holds
// is refused before the model is allocated.
TEST(ResourceLimits, ForgedCheckpointDocumentCannotForceAHugeAllocation) {
  ModelPtr m = make_model(R"({"input_shape":[4],"layers":[{"type":"dense","units":2}]})");
  const std::vector<uint8_t> good = save_bytes(m);
  // Rebuild the file with a document describing 2^14 x 2^14 weights (2 GiB with gradients).
  const std::string doc =
      R"({"input_shape":[16384],"layers":[{"type":"dense","units":16384,"use_bias":false}]})";
  uint64_t old_len = 0;
  std::memcpy(&old_len, good.data() + 16, 8);
  std::vector<uint8_t> forged(good.begin(), good.begin() + 16);
  const uint64_t len = doc.size();
  forged.insert(forged.end(), reinterpret_cast<const uint8_t*>(&len),
                reinterpret_cast<const uint8_t*>(&len) + 8);
  forged.insert(forged.end(), doc.begin(), doc.end());
  forged.insert(forged.end(), good.begin() + 24 + old_len, good.end() - 4);
  // CRC-32 (IEEE, reflected), as the format uses.
  uint32_t crc = 0xFFFFFFFFu;
  for (uint8_t b : forged) {
    crc ^= b;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  crc ^= 0xFFFFFFFFu;
  forged.insert(forged.end(), reinterpret_cast<const uint8_t*>(&crc),
                reinterpret_cast<const uint8_t*>(&crc) + 4);
  bnn_model* out = nullptr;
  const double t = seconds([&] {
    EXPECT_EQ(bnn_model_load_buffer(forged.data(), forged.size(), &out), BNN_STATUS_CORRUPT_DATA);
  });
  EXPECT_EQ(out, nullptr);
  const std::string msg = bnn_last_errmsg();
  EXPECT_NE(msg.find("checkpoint of"), std::string::npos) << msg;
  EXPECT_LT(t, 2.0);
}

}  // namespace
