// Numerical faults during a step (issue 8): a NaN/Inf that appears in activations, gradients or
// would-be weights fails the step with NUMERIC, names the layer or tensor, and leaves the model
// bit-identical (same checkpoint bytes); the next good step then gives exactly what it would
// have given had the failed step never been tried.
#include <cfloat>
#include <cmath>
#include <string>
#include <vector>

#include "test_helpers.h"

namespace {

using bnn_test::ModelPtr;
using bnn_test::make_model;
using bnn_test::save_bytes;
using bnn_test::set_tensor;

// Runs a step that must fail with NUMERIC and a message containing `where`, and checks that
// nothing changed, that a twin without the failed step stays in lockstep afterwards.
void expect_numeric_rollback(bnn_model* m, bnn_model* twin, const std::vector<float>& bad_x,
                             const std::vector<int32_t>& bad_y, const std::vector<float>& good_x,
                             const std::vector<int32_t>& good_y, const std::string& where) {
  ASSERT_EQ(save_bytes(m), save_bytes(twin));
  const std::vector<uint8_t> before = save_bytes(m);
  float loss = -1.0f;
  EXPECT_EQ(bnn_model_train_step(m, bad_x.data(), bad_y.data(), bad_y.size(), &loss),
            BNN_STATUS_NUMERIC);
  const std::string msg = bnn_model_errmsg(m);
  EXPECT_NE(msg.find(where), std::string::npos) << msg;
  EXPECT_EQ(save_bytes(m), before) << "a failed step changed the model";
  uint64_t steps = 99;
  ASSERT_EQ(bnn_model_step_count(m, &steps), BNN_STATUS_OK);
  EXPECT_EQ(steps, 0u);
  // The next good step: identical to the twin's.
  float l1 = 0, l2 = 0;
  ASSERT_EQ(bnn_model_train_step(m, good_x.data(), good_y.data(), good_y.size(), &l1),
            BNN_STATUS_OK) << bnn_model_errmsg(m);
  ASSERT_EQ(bnn_model_train_step(twin, good_x.data(), good_y.data(), good_y.size(), &l2),
            BNN_STATUS_OK) << bnn_model_errmsg(twin);
  EXPECT_EQ(l1, l2);
  EXPECT_EQ(save_bytes(m), save_bytes(twin));
}

const char* kFloatModel = R"({"input_shape":[4],"layers":[
    {"type":"dense","units":4},{"type":"batch_norm"},{"type":"relu"},
    {"type":"dense","units":2}],"optimizer":{"type":"adam"},"seed":2})";

TEST(NumericFault, HugeInputOverflowsFirstLayerActivations) {
  ModelPtr m = make_model(kFloatModel), twin = make_model(kFloatModel);
  // Finite inputs (accepted by the input check) whose products overflow to Inf in layers[0].
  const std::vector<float> huge(8, FLT_MAX);
  const std::vector<float> good = {0.5f, -1.0f, 0.25f, 2.0f, -0.5f, 1.0f, 0.0f, -2.0f};
  expect_numeric_rollback(m, twin, huge, {0, 1}, good, {0, 1}, "layers[0] (dense)");
}

TEST(NumericFault, HugeWeightSetThroughSetTensorOverflowsALaterLayer) {
  ModelPtr m = make_model(kFloatModel), twin = make_model(kFloatModel);
  // A finite but huge weight: set_tensor accepts it, the forward pass of layers[3] overflows.
  const std::vector<float> w(8, 3e38f);
  set_tensor(m, "layers.3.kernel", w);
  set_tensor(twin, "layers.3.kernel", w);
  const std::vector<float> x = {0.5f, -1.0f, 0.25f, 2.0f, -0.5f, 1.0f, 0.0f, -2.0f};
  const std::vector<uint8_t> before = save_bytes(m);
  EXPECT_EQ(bnn_model_train_step(m, x.data(), std::vector<int32_t>{0, 1}.data(), 2, nullptr),
            BNN_STATUS_NUMERIC);
  EXPECT_NE(std::string(bnn_model_errmsg(m)).find("layers[3] (dense)"), std::string::npos)
      << bnn_model_errmsg(m);
  EXPECT_EQ(save_bytes(m), before);
  // set_tensor itself refuses NaN/Inf and changes nothing.
  std::vector<float> inf(8, 1.0f);
  inf[5] = INFINITY;
  size_t idx = 0;
  ASSERT_EQ(bnn_model_tensor_index(m, "layers.3.kernel", &idx), BNN_STATUS_OK);
  EXPECT_EQ(bnn_model_set_tensor(m, idx, inf.data(), inf.size()), BNN_STATUS_NUMERIC);
  EXPECT_NE(std::string(bnn_model_errmsg(m)).find("layers.3.kernel"), std::string::npos);
  EXPECT_EQ(save_bytes(m), before);
}

TEST(NumericFault, GradientOverflowInBackwardPassNamesTheLayer) {
  // layers[2]'s first input is always 0 after the relu, so a huge weight row there leaves the
  // forward pass finite, but its input gradient dx[0] = dy . W[0] overflows.
  const char* doc = R"({"input_shape":[4],"layers":[
      {"type":"dense","units":4,"use_bias":false},{"type":"relu"},
      {"type":"dense","units":2,"use_bias":false}],"optimizer":{"type":"sgd","learning_rate":0.01}})";
  ModelPtr m = make_model(doc), twin = make_model(doc);
  for (bnn_model* p : {m.m, twin.m}) {
    set_tensor(p, "layers.0.kernel", {-1, 1, 1, 1, -1, 1, 1, 1, -1, 1, 1, 1, -1, 1, 1, 1});
    set_tensor(p, "layers.2.kernel", {3e38f, -3e38f, -1, 1, -1, 1, -1, 1});
  }
  const std::vector<float> x(4, 1.0f);
  float logits[2];
  ASSERT_EQ(bnn_model_predict(m, x.data(), 1, logits, 2), BNN_STATUS_OK) << bnn_model_errmsg(m);
  ASSERT_TRUE(std::isfinite(logits[0]) && std::isfinite(logits[1]));
  // Label 0 while the logits favour class 1: dy = (p0 - 1, p1), dx[0] ~ -6e38 = -Inf.
  const std::vector<float> good = {0.1f, 0.2f, 0.3f, 0.4f};
  const std::vector<int32_t> y0 = {0};
  const std::vector<uint8_t> before = save_bytes(m);
  EXPECT_EQ(bnn_model_train_step(m, x.data(), y0.data(), 1, nullptr), BNN_STATUS_NUMERIC);
  const std::string msg = bnn_model_errmsg(m);
  EXPECT_NE(msg.find("layers[2] (dense)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("gradient"), std::string::npos) << msg;
  EXPECT_EQ(save_bytes(m), before);
  EXPECT_EQ(save_bytes(m), save_bytes(twin));
}

TEST(NumericFault, UpdateThatWouldOverflowIsRefusedBeforeAnythingIsWritten) {
  // SGD with the largest learning rate and weight decay: w - lr * (g + wd * w) with w = 1e33 is
  // -1e39, beyond float. The forward and backward passes are finite (x[0] = 0).
  const char* doc = R"({"input_shape":[2],"layers":[{"type":"dense","units":2},
      {"type":"batch_norm"}],"optimizer":{"type":"sgd","learning_rate":1000,"weight_decay":1000}})";
  ModelPtr m = make_model(doc), twin = make_model(doc);
  for (bnn_model* p : {m.m, twin.m}) set_tensor(p, "layers.0.kernel", {1e33f, 1e33f, 0.1f, -0.1f});
  const std::vector<float> bad = {0.0f, 1.0f, 0.0f, -1.0f};
  const std::vector<uint8_t> before = save_bytes(m);
  EXPECT_EQ(bnn_model_train_step(m, bad.data(), std::vector<int32_t>{0, 1}.data(), 2, nullptr),
            BNN_STATUS_NUMERIC);
  const std::string msg = bnn_model_errmsg(m);
  EXPECT_NE(msg.find("layers.0.kernel"), std::string::npos) << msg;
  EXPECT_NE(msg.find("update"), std::string::npos) << msg;
  // Batch-norm running statistics, biases updated earlier in the commit order, the optimiser's
  // step counter: all as before.
  EXPECT_EQ(save_bytes(m), before);
  EXPECT_EQ(save_bytes(m), save_bytes(twin));
  // With a sane learning rate the same model trains, and stays in lockstep with its twin.
  for (bnn_model* p : {m.m, twin.m}) {
    ASSERT_EQ(bnn_model_set_param_f32(p, BNN_PARAM_WEIGHT_DECAY, 0.0f), BNN_STATUS_OK);
    ASSERT_EQ(bnn_model_set_param_f32(p, BNN_PARAM_LEARNING_RATE, 1e-3f), BNN_STATUS_OK);
    set_tensor(p, "layers.0.kernel", {0.5f, 0.5f, 0.1f, -0.1f});
  }
  expect_numeric_rollback(m, twin, std::vector<float>(4, FLT_MAX), {0, 1}, bad, {0, 1},
                          "layers[0] (dense)");
}

// Found by the api_sequence fuzzer: huge but finite activations (1e30) normalise to finite
// outputs, but their batch variance (1e60) is Inf as a float, and the step used to commit an Inf
// running_var: the model could then no longer be loaded from its own checkpoint.
TEST(NumericFault, BatchStatisticsThatOverflowTheRunningVarianceFailTheStep) {
  const char* doc = R"({"input_shape":[2],"layers":[{"type":"batch_norm"},
      {"type":"dense","units":2}],"optimizer":{"type":"sgd","learning_rate":0.01}})";
  ModelPtr m = make_model(doc), twin = make_model(doc);
  const std::vector<float> huge = {1e30f, 1.0f, -1e30f, 2.0f};
  const std::vector<float> good = {0.5f, 1.0f, -0.5f, 2.0f};
  expect_numeric_rollback(m, twin, huge, {0, 1}, good, {0, 1}, "layers.0 (batch_norm)");
  const std::vector<uint8_t> b = save_bytes(m);
  bnn_model* loaded = nullptr;
  EXPECT_EQ(bnn_model_load_buffer(b.data(), b.size(), &loaded), BNN_STATUS_OK) << bnn_last_errmsg();
  bnn_model_free(loaded);
}

TEST(NumericFault, NonFiniteInputIsRefusedUpFront) {
  ModelPtr m = make_model(kFloatModel);
  std::vector<float> x(8, 0.5f);
  x[6] = NAN;
  const std::vector<uint8_t> before = save_bytes(m);
  EXPECT_EQ(bnn_model_train_step(m, x.data(), std::vector<int32_t>{0, 1}.data(), 2, nullptr),
            BNN_STATUS_NUMERIC);
  EXPECT_NE(std::string(bnn_model_errmsg(m)).find("sample 1, feature 2"), std::string::npos)
      << bnn_model_errmsg(m);
  EXPECT_EQ(save_bytes(m), before);
}

}  // namespace

namespace {

// Found by the api_sequence fuzzer: bnn_model_set_param_f32(EPSILON, 0) was accepted for Adam,
// whose document requires epsilon >= 1e-30, so the model's own checkpoint could not be loaded.
TEST(SettersKeepDocumentsLoadable, AdamEpsilonZeroIsRefused) {
  ModelPtr m = make_model(R"({"input_shape":[2],"layers":[{"type":"dense","units":2}],
      "optimizer":{"type":"adam"}})");
  const std::vector<uint8_t> before = save_bytes(m);
  EXPECT_EQ(bnn_model_set_param_f32(m, BNN_PARAM_EPSILON, 0.0f), BNN_STATUS_OUT_OF_RANGE);
  EXPECT_EQ(save_bytes(m), before);
  ModelPtr a = make_model(R"({"input_shape":[2],"layers":[{"type":"dense","units":2}],
      "optimizer":{"type":"adagrad"}})");
  EXPECT_EQ(bnn_model_set_param_f32(a, BNN_PARAM_EPSILON, 0.0f), BNN_STATUS_OK);
}

// Bounds such as 1e-6 (clip, weight clip) and 1e-12 (batch-norm epsilon) are stored as floats
// just below the bound: the saved document must still load.
TEST(SettersKeepDocumentsLoadable, FloatRoundedBoundsRoundTrip) {
  ModelPtr m = make_model(R"({"input_shape":[2],"layers":[{"type":"dense","units":2,
      "kernel_quantizer":{"type":"sign","ste":"clipped","clip":1e-6}},
      {"type":"batch_norm","epsilon":1e-12}],"weight_clip":{"mode":"fixed","value":1e-6}})");
  const std::vector<uint8_t> b = save_bytes(m);
  bnn_model* l = nullptr;
  EXPECT_EQ(bnn_model_load_buffer(b.data(), b.size(), &l), BNN_STATUS_OK) << bnn_last_errmsg();
  bnn_model_free(l);
}

}  // namespace
