// Bad input to every entry point returns an error and leaves every tensor (and the whole saved
// state) bit-identical.
#include <cmath>
#include <limits>

#include "test_helpers.h"

using namespace bnn_test;

namespace {

const char* kDoc = R"({"input_shape": [4], "layers": [
    {"type": "dense", "units": 6, "use_bias": false, "kernel_quantizer": {"type": "sign"}},
    {"type": "batch_norm"}, {"type": "relu"},
    {"type": "dense", "units": 3, "input_quantizer": {"type": "sign"},
     "kernel_quantizer": {"type": "sign"}},
    {"type": "batch_norm"}],
  "optimizer": {"type": "adam"}, "weight_clip": {"mode": "fixed", "value": 1.0}})";

}  // namespace

TEST(BadInput, EveryEntryPointRefusesAndChangesNothing) {
  ModelPtr m = make_model(kDoc);
  std::vector<float> x(8 * 4, 0.5f), logits(8 * 3);
  std::vector<int32_t> y = {0, 1, 2, 0, 1, 2, 0, 1};
  ASSERT_EQ(bnn_model_train_step(m, x.data(), y.data(), 8, nullptr), BNN_STATUS_OK);
  const std::vector<uint8_t> before = save_bytes(m);

  std::vector<float> nan_x = x, inf_x = x;
  nan_x[5] = std::numeric_limits<float>::quiet_NaN();
  inf_x[30] = -std::numeric_limits<float>::infinity();
  std::vector<int32_t> bad_y = y, neg_y = y;
  bad_y[3] = 3;
  neg_y[0] = -1;
  float loss = 0, acc = 0;
  EXPECT_EQ(bnn_model_train_step(m, nullptr, y.data(), 8, &loss), BNN_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(bnn_model_train_step(m, x.data(), nullptr, 8, &loss), BNN_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(bnn_model_train_step(m, x.data(), y.data(), 0, &loss), BNN_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(bnn_model_train_step(m, nan_x.data(), y.data(), 8, &loss), BNN_STATUS_NUMERIC);
  EXPECT_NE(std::string(bnn_model_errmsg(m)).find("sample 1"), std::string::npos) << bnn_model_errmsg(m);
  EXPECT_EQ(bnn_model_train_step(m, inf_x.data(), y.data(), 8, &loss), BNN_STATUS_NUMERIC);
  EXPECT_EQ(bnn_model_train_step(m, x.data(), bad_y.data(), 8, &loss), BNN_STATUS_OUT_OF_RANGE);
  EXPECT_NE(std::string(bnn_model_errmsg(m)).find("labels[3]"), std::string::npos);
  EXPECT_EQ(bnn_model_train_step(m, x.data(), neg_y.data(), 8, &loss), BNN_STATUS_OUT_OF_RANGE);
  EXPECT_EQ(bnn_model_predict(m, x.data(), 8, logits.data(), 8 * 3 - 1), BNN_STATUS_BUFFER_TOO_SMALL);
  EXPECT_EQ(bnn_model_predict(m, x.data(), 8, nullptr, 24), BNN_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(bnn_model_predict(m, nan_x.data(), 8, logits.data(), 24), BNN_STATUS_NUMERIC);
  EXPECT_EQ(bnn_model_evaluate(m, x.data(), bad_y.data(), 8, &loss, &acc), BNN_STATUS_OUT_OF_RANGE);
  EXPECT_EQ(bnn_model_evaluate(m, x.data(), y.data(), 0, &loss, &acc), BNN_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(bnn_model_configure(m, nullptr), BNN_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(bnn_model_configure(m, R"({"learning_rate": "fast"})"), BNN_STATUS_INVALID_ARGUMENT);
  // Tensors: wrong index, wrong size, NaN, negative variance, NULL.
  std::vector<float> t(6 * 4, 0.1f);
  EXPECT_EQ(bnn_model_set_tensor(m, 99, t.data(), t.size()), BNN_STATUS_OUT_OF_RANGE);
  EXPECT_EQ(bnn_model_set_tensor(m, 0, t.data(), t.size() - 1), BNN_STATUS_SHAPE_MISMATCH);
  EXPECT_EQ(bnn_model_set_tensor(m, 0, nullptr, t.size()), BNN_STATUS_INVALID_ARGUMENT);
  t[7] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(bnn_model_set_tensor(m, 0, t.data(), t.size()), BNN_STATUS_NUMERIC);
  size_t var_index = 0;
  ASSERT_EQ(bnn_model_tensor_index(m, "layers.1.running_var", &var_index), BNN_STATUS_OK);
  std::vector<float> var(6, 1.0f);
  var[2] = -0.5f;
  EXPECT_EQ(bnn_model_set_tensor(m, var_index, var.data(), var.size()), BNN_STATUS_OUT_OF_RANGE);
  EXPECT_EQ(bnn_model_get_tensor(m, 0, t.data(), 3), BNN_STATUS_BUFFER_TOO_SMALL);
  EXPECT_EQ(bnn_model_tensor_info(m, 99, nullptr, nullptr), BNN_STATUS_OUT_OF_RANGE);
  size_t idx;
  EXPECT_EQ(bnn_model_tensor_index(m, "layers.9.kernel", &idx), BNN_STATUS_OUT_OF_RANGE);
  // Parameters.
  EXPECT_EQ(bnn_model_set_param_f32(m, BNN_PARAM_LEARNING_RATE, std::numeric_limits<float>::infinity()),
            BNN_STATUS_OUT_OF_RANGE);
  EXPECT_EQ(bnn_model_set_param_i32(m, BNN_PARAM_KERNEL_STE, 7), BNN_STATUS_OUT_OF_RANGE);
  EXPECT_EQ(bnn_model_set_param_f32(m, static_cast<bnn_param>(12345), 1.0f), BNN_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(bnn_model_set_metadata(m, "{broken"), BNN_STATUS_INVALID_ARGUMENT);
  // Save to an impossible path.
  EXPECT_EQ(bnn_model_save(m, "/nonexistent-dir/x.bnn"), BNN_STATUS_IO);
  EXPECT_NE(std::string(bnn_model_errmsg(m)).find("/nonexistent-dir/x.bnn"), std::string::npos);
  size_t size = 0;
  EXPECT_EQ(bnn_model_save_buffer(m, nullptr, 0, nullptr), BNN_STATUS_INVALID_ARGUMENT);
  ASSERT_EQ(bnn_model_save_buffer(m, nullptr, 0, &size), BNN_STATUS_OK);
  std::vector<uint8_t> small(size - 1);
  EXPECT_EQ(bnn_model_save_buffer(m, small.data(), small.size(), &size), BNN_STATUS_BUFFER_TOO_SMALL);

  EXPECT_EQ(save_bytes(m), before) << "a failed call changed the model";
  // And the model still trains.
  EXPECT_EQ(bnn_model_train_step(m, x.data(), y.data(), 8, &loss), BNN_STATUS_OK);
}

TEST(BadInput, IsaAndThreads) {
  EXPECT_EQ(bnn_set_isa(nullptr), BNN_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(bnn_set_isa("mmx"), BNN_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(std::string(bnn_last_errmsg()).find("mmx"), std::string::npos);
  EXPECT_EQ(bnn_set_num_threads(-1), BNN_STATUS_OUT_OF_RANGE);
  EXPECT_EQ(bnn_set_num_threads(100000), BNN_STATUS_OUT_OF_RANGE);
  EXPECT_EQ(bnn_set_isa("auto"), BNN_STATUS_OK);
  EXPECT_EQ(bnn_set_isa("scalar"), BNN_STATUS_OK);
  EXPECT_STREQ(bnn_get_isa(), "scalar");
  EXPECT_EQ(bnn_set_isa("auto"), BNN_STATUS_OK);
}
