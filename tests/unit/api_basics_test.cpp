// The C ABI's basics: versions, status strings, handles, NULL safety.
#include <cstring>

#include "test_helpers.h"

using namespace bnn_test;

static const char* kSmallMlp = R"({
  "input_shape": [8],
  "layers": [
    {"type": "dense", "units": 16, "use_bias": false,
     "kernel_quantizer": {"type": "sign", "ste": "clipped", "clip": 1.0}},
    {"type": "batch_norm", "momentum": 0.9, "epsilon": 1e-5},
    {"type": "dense", "units": 3, "use_bias": false,
     "input_quantizer": {"type": "sign", "ste": "clipped"},
     "kernel_quantizer": {"type": "sign", "ste": "identity"}},
    {"type": "batch_norm"}
  ],
  "loss": "cross_entropy",
  "optimizer": {"type": "adam", "learning_rate": 0.001},
  "weight_clip": {"mode": "fixed", "value": 1.0},
  "lr_scale": "none",
  "seed": 1
})";

TEST(ApiBasics, Version) {
  EXPECT_EQ(bnn_version_number(),
            uint32_t(BNN_VERSION_MAJOR * 10000 + BNN_VERSION_MINOR * 100 + BNN_VERSION_PATCH));
  EXPECT_STREQ(bnn_version_string(), BNN_VERSION_STRING);
}

TEST(ApiBasics, StatusStringsNeverNull) {
  for (int s = -3; s < 40; ++s) {
    ASSERT_NE(bnn_status_string(static_cast<bnn_status>(s)), nullptr);
    ASSERT_NE(bnn_status_name(static_cast<bnn_status>(s)), nullptr);
  }
  EXPECT_STREQ(bnn_status_name(BNN_STATUS_OUT_OF_RANGE), "OUT_OF_RANGE");
  EXPECT_EQ(BNN_STATUS_OK, 0);
  EXPECT_EQ(BNN_STATUS_INTERNAL, 11);
}

TEST(ApiBasics, CreateContractExample) {
  ModelPtr m = make_model(kSmallMlp);
  ASSERT_NE(m.m, nullptr);
  EXPECT_EQ(bnn_model_input_size(m), 8u);
  EXPECT_EQ(bnn_model_output_size(m), 3u);
  // kernel, gamma, beta, mean, var, kernel, gamma, beta, mean, var
  EXPECT_EQ(bnn_model_tensor_count(m), 10u);
  const char* name = nullptr;
  size_t n = 0;
  ASSERT_EQ(bnn_model_tensor_info(m, 0, &name, &n), BNN_STATUS_OK);
  EXPECT_STREQ(name, "layers.0.kernel");
  EXPECT_EQ(n, 8u * 16u);
  ASSERT_EQ(bnn_model_tensor_info(m, 3, &name, &n), BNN_STATUS_OK);
  EXPECT_STREQ(name, "layers.1.running_mean");
  float r = -1;
  EXPECT_EQ(bnn_model_flip_ratio(m, &r), BNN_STATUS_OK);
  EXPECT_EQ(r, 0.0f);
}

TEST(ApiBasics, NullHandlesAreStatusesNotCrashes) {
  bnn_model* out = reinterpret_cast<bnn_model*>(0x1);
  EXPECT_EQ(bnn_model_create_from_json(nullptr, &out), BNN_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(out, nullptr);
  EXPECT_EQ(bnn_model_create_from_json(kSmallMlp, nullptr), BNN_STATUS_INVALID_ARGUMENT);
  bnn_model_free(nullptr);
  float f;
  EXPECT_EQ(bnn_model_train_step(nullptr, &f, nullptr, 1, &f), BNN_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(bnn_model_predict(nullptr, &f, 1, &f, 1), BNN_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(bnn_model_evaluate(nullptr, &f, nullptr, 1, &f, &f), BNN_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(bnn_model_configure(nullptr, "{}"), BNN_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(bnn_model_flip_ratio(nullptr, &f), BNN_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(bnn_model_save(nullptr, "/tmp/x"), BNN_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(bnn_model_input_size(nullptr), 0u);
  EXPECT_EQ(bnn_model_tensor_count(nullptr), 0u);
  EXPECT_NE(bnn_model_errmsg(nullptr), nullptr);
  EXPECT_NE(bnn_last_errmsg(), nullptr);
}

TEST(ApiBasics, ConfigJsonRoundTrips) {
  ModelPtr m = make_model(kSmallMlp);
  size_t size = 0;
  ASSERT_EQ(bnn_model_config_json(m, nullptr, 0, &size), BNN_STATUS_OK);
  std::string buf(size, '\0');
  ASSERT_EQ(bnn_model_config_json(m, buf.data(), 3, &size), BNN_STATUS_BUFFER_TOO_SMALL);
  ASSERT_EQ(bnn_model_config_json(m, buf.data(), buf.size(), &size), BNN_STATUS_OK);
  ModelPtr m2 = make_model(buf.c_str());
  EXPECT_EQ(all_tensors(m), all_tensors(m2));  // same seed, same document -> same weights
}

TEST(ApiBasics, Summary) {
  ModelPtr m = make_model(kSmallMlp);
  size_t size = 0;
  ASSERT_EQ(bnn_model_summary(m, nullptr, 0, &size), BNN_STATUS_OK);
  std::string buf(size, '\0');
  ASSERT_EQ(bnn_model_summary(m, buf.data(), buf.size(), &size), BNN_STATUS_OK);
  EXPECT_NE(buf.find("176 binary"), std::string::npos) << buf;  // 8*16 + 16*3
}

TEST(ApiBasics, BinaryMlpLearnsSeparableTask) {
  // Binary weights everywhere, binary activations into the hidden layers.
  ModelPtr m = make_model(R"({
    "input_shape": [32],
    "layers": [
      {"type": "dense", "units": 64, "use_bias": false,
       "kernel_quantizer": {"type": "sign", "ste": "clipped"}},
      {"type": "batch_norm", "momentum": 0.9},
      {"type": "hard_tanh"},
      {"type": "dense", "units": 64, "use_bias": false,
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
    "weight_clip": {"mode": "fixed", "value": 1.0},
    "seed": 3
  })");
  // One stream, so that train (first 2000) and test (last 1000) share the class centres.
  Synthetic all = make_synthetic(3000, 32, 4, 7);
  float loss = 0, loss0 = -1;
  for (int epoch = 0; epoch < 15; ++epoch)
    for (size_t b = 0; b < 2000; b += 50) {
      ASSERT_EQ(bnn_model_train_step(m, &all.x[b * 32], &all.y[b], 50, &loss), BNN_STATUS_OK)
          << bnn_model_errmsg(m);
      if (loss0 < 0) loss0 = loss;
    }
  float acc = 0;
  ASSERT_EQ(bnn_model_evaluate(m, &all.x[2000 * 32], &all.y[2000], 1000, nullptr, &acc),
            BNN_STATUS_OK);
  EXPECT_LT(loss, loss0);
  EXPECT_GE(acc, 0.95f);
}
