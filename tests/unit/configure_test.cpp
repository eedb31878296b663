// bnn_model_configure and the typed setters between steps: quantizers on/off (two-stage
// training), switching optimiser, and every change visible in the document.
#include "test_helpers.h"

using namespace bnn_test;

TEST(Configure, QuantizeOffGivesFullPrecisionForward) {
  ModelPtr m = make_model(R"({"input_shape": [2], "layers": [
      {"type": "dense", "units": 2, "use_bias": false,
       "input_quantizer": {"type": "sign"}, "kernel_quantizer": {"type": "sign"}}]})");
  set_tensor(m, "layers.0.kernel", {0.5f, -0.25f, 0.75f, 0.125f});  // [in][out]
  const float x[2] = {2.0f, -1.0f};
  float y[2];
  ASSERT_EQ(bnn_model_predict(m, x, 1, y, 2), BNN_STATUS_OK);
  EXPECT_EQ(y[0], 1.0f * 1 + -1.0f * 1);   // sign(x) . sign(W[:,0]) = 1 - 1
  EXPECT_EQ(y[1], 1.0f * -1 + -1.0f * 1);  // = -2
  ASSERT_EQ(bnn_model_configure(m, R"({"quantize": false})"), BNN_STATUS_OK);
  ASSERT_EQ(bnn_model_predict(m, x, 1, y, 2), BNN_STATUS_OK);
  EXPECT_FLOAT_EQ(y[0], 2.0f * 0.5f + -1.0f * 0.75f);
  EXPECT_FLOAT_EQ(y[1], 2.0f * -0.25f + -1.0f * 0.125f);
  int32_t q = -1;
  ASSERT_EQ(bnn_model_get_param_i32(m, BNN_PARAM_QUANTIZE, &q), BNN_STATUS_OK);
  EXPECT_EQ(q, 0);
  ASSERT_EQ(bnn_model_set_param_i32(m, BNN_PARAM_QUANTIZE, 1), BNN_STATUS_OK);
  ASSERT_EQ(bnn_model_predict(m, x, 1, y, 2), BNN_STATUS_OK);
  EXPECT_EQ(y[1], -2.0f);
}

TEST(Configure, SwitchingOptimiserKeepsWeightsAndRestartsState) {
  ModelPtr m = make_model(R"({"input_shape": [4], "layers": [
      {"type": "dense", "units": 3, "kernel_quantizer": {"type": "sign"}}],
      "optimizer": {"type": "adam", "learning_rate": 0.01}})");
  Synthetic d = make_synthetic(40, 4, 3, 5);
  ASSERT_EQ(bnn_model_train_step(m, d.x.data(), d.y.data(), 40, nullptr), BNN_STATUS_OK);
  const std::vector<float> w = get_tensor(m, "layers.0.kernel");
  ASSERT_EQ(bnn_model_configure(m, R"({"optimizer": {"type": "sgd", "learning_rate": 0.5}})"),
            BNN_STATUS_OK) << bnn_model_errmsg(m);
  EXPECT_EQ(get_tensor(m, "layers.0.kernel"), w);
  float lr = 0;
  ASSERT_EQ(bnn_model_get_param_f32(m, BNN_PARAM_LEARNING_RATE, &lr), BNN_STATUS_OK);
  EXPECT_FLOAT_EQ(lr, 0.5f);
  EXPECT_EQ(bnn_model_set_param_f32(m, BNN_PARAM_BETA1, 0.8f), BNN_STATUS_UNSUPPORTED);
  ASSERT_EQ(bnn_model_train_step(m, d.x.data(), d.y.data(), 40, nullptr), BNN_STATUS_OK);
  size_t n = 0;
  ASSERT_EQ(bnn_model_config_json(m, nullptr, 0, &n), BNN_STATUS_OK);
  std::string doc(n, '\0');
  ASSERT_EQ(bnn_model_config_json(m, &doc[0], n, &n), BNN_STATUS_OK);
  EXPECT_NE(doc.find("\"sgd\""), std::string::npos) << doc;
}

TEST(Configure, SteObjectPatchChangesClipOnly) {
  ModelPtr m = make_model(R"({"input_shape": [4], "layers": [
      {"type": "dense", "units": 3, "kernel_quantizer": {"type": "sign", "ste": "identity"}}]})");
  ASSERT_EQ(bnn_model_configure(m, R"({"kernel_ste": {"clip": 0.5}})"), BNN_STATUS_OK);
  float clip = 0;
  int32_t ste = -1;
  ASSERT_EQ(bnn_model_get_param_f32(m, BNN_PARAM_STE_CLIP, &clip), BNN_STATUS_OK);
  ASSERT_EQ(bnn_model_get_param_i32(m, BNN_PARAM_KERNEL_STE, &ste), BNN_STATUS_OK);
  EXPECT_FLOAT_EQ(clip, 0.5f);
  EXPECT_EQ(ste, BNN_STE_IDENTITY);
  ASSERT_EQ(bnn_model_configure(m, R"({"kernel_ste": {"type": "swish_sign", "beta": 3}})"), BNN_STATUS_OK);
  float beta = 0;
  ASSERT_EQ(bnn_model_get_param_f32(m, BNN_PARAM_STE_BETA, &beta), BNN_STATUS_OK);
  EXPECT_FLOAT_EQ(beta, 3.0f);
  // A model without input quantizers has no input STE to read.
  EXPECT_EQ(bnn_model_get_param_i32(m, BNN_PARAM_INPUT_STE, &ste), BNN_STATUS_UNSUPPORTED);
}
