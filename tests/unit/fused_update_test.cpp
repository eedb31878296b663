// One process, plain step: the gradient of a binarised dense kernel is computed by the update
// (Model::stage_pending): in blocks of rows, each staged by the optimiser right away while it is
// in cache (float inputs), or at once by lookup tables (inputs behind a sign: the second and third
// kernels). The oracle is the path a gradient hook still takes (data-parallel training): the
// whole gradient written out by the layer, then one update pass. Same bits, same failures.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/handles.h"
#include "core/model.h"
#include "test_helpers.h"

namespace {

using bnn_test::ModelPtr;
using bnn_test::make_model;
using json = nlohmann::json;

constexpr size_t kIn = 300, kClasses = 5, kBatch = 60;

// Float input -> 700 (2 blocks of rows: 187 + 113) -> 600 (4 blocks: 218, 218, 218, 46) -> 5.
json doc(const json& optimizer, bool clip) {
  const json sign = {{"type", "sign"}, {"ste", "clipped"}};
  json d = {{"input_shape", {kIn}},
            {"layers",
             {{{"type", "dense"}, {"units", 700}, {"use_bias", false}, {"kernel_quantizer", sign}},
              {{"type", "batch_norm"}},
              {{"type", "dense"}, {"units", 600}, {"use_bias", false}, {"input_quantizer", sign},
               {"kernel_quantizer", sign}},
              {{"type", "batch_norm"}},
              {{"type", "dense"}, {"units", kClasses}, {"use_bias", true}, {"input_quantizer", sign},
               {"kernel_quantizer", sign}},
              {{"type", "batch_norm"}}}},
            {"optimizer", optimizer},
            {"seed", 5}};
  if (clip) d["weight_clip"] = {{"mode", "fixed"}, {"value", 0.05}};
  return d;
}

// The oracle: a gradient hook that changes nothing turns the blocks off.
void unfuse(bnn_model* m) { m->impl->set_gradient_hook([](bnn::Model&, double*, double*) {}); }

TEST(FusedUpdate, BlocksOfRowsGiveTheBitsOfOneGradientAndOnePass) {
  const auto data = bnn_test::make_synthetic(3 * kBatch, kIn, kClasses, 11);
  const std::vector<json> optimizers = {
      {{"type", "sgd"}, {"learning_rate", 0.05}, {"weight_decay", 1e-3}},
      {{"type", "momentum"}, {"learning_rate", 0.05}},
      {{"type", "nesterov"}, {"learning_rate", 0.05}},
      {{"type", "adagrad"}, {"learning_rate", 0.05}},
      {{"type", "adadelta"}},
      {{"type", "rmsprop"}, {"learning_rate", 0.01}},
      {{"type", "adam"}, {"learning_rate", 0.01}},
      {{"type", "bop"}, {"threshold", 1e-6}}};
  for (const json& opt : optimizers)
    for (int threads : {1, 2}) {
      SCOPED_TRACE(opt.dump() + ", " + std::to_string(threads) + " threads");
      ASSERT_EQ(bnn_set_num_threads(threads), BNN_STATUS_OK);
      const std::string d = doc(opt, opt.at("type") == "adam").dump();
      ModelPtr fused = make_model(d), whole = make_model(d);
      unfuse(whole);
      for (size_t s = 0; s < 3; ++s) {
        float la = 0, lb = 0;
        const float* x = data.x.data() + s * kBatch * kIn;
        const int32_t* y = data.y.data() + s * kBatch;
        ASSERT_EQ(bnn_model_train_step(fused, x, y, kBatch, &la), BNN_STATUS_OK) << bnn_model_errmsg(fused);
        ASSERT_EQ(bnn_model_train_step(whole, x, y, kBatch, &lb), BNN_STATUS_OK) << bnn_model_errmsg(whole);
        EXPECT_EQ(la, lb);
        float fa = 0, fb = 0;
        bnn_model_flip_ratio(fused, &fa);
        bnn_model_flip_ratio(whole, &fb);
        EXPECT_EQ(fa, fb);
      }
      // Weights, batch-norm state and the optimiser's state, bit for bit.
      EXPECT_EQ(bnn_test::save_bytes(fused), bnn_test::save_bytes(whole));
      // Something was learnt (the test would pass on a model that never moved otherwise).
      EXPECT_NE(bnn_test::save_bytes(fused), bnn_test::save_bytes(make_model(d)));
    }
  bnn_set_num_threads(0);
}

TEST(FusedUpdate, AnUpdateThatOverflowsInALaterBlockChangesNothing) {
  // SGD with weight decay: a latent weight of 1e36 in the last block of rows of the second kernel
  // makes its update overflow after the earlier blocks were staged.
  const auto data = bnn_test::make_synthetic(kBatch, kIn, kClasses, 12);
  const std::string d =
      doc({{"type", "sgd"}, {"learning_rate", 1e3}, {"weight_decay", 1e3}}, false).dump();
  ModelPtr fused = make_model(d), whole = make_model(d);
  unfuse(whole);
  std::string msg[2];
  int i = 0;
  for (bnn_model* m : {fused.m, whole.m}) {
    std::vector<float> k = bnn_test::get_tensor(m, "layers.2.kernel");
    k[k.size() - 7] = 1e36f;
    bnn_test::set_tensor(m, "layers.2.kernel", k);
    const std::vector<uint8_t> before = bnn_test::save_bytes(m);
    float loss = 0;
    EXPECT_EQ(bnn_model_train_step(m, data.x.data(), data.y.data(), kBatch, &loss), BNN_STATUS_NUMERIC);
    msg[i++] = bnn_model_errmsg(m);
    EXPECT_EQ(bnn_test::save_bytes(m), before) << "a failed step changed the model";
  }
  EXPECT_EQ(msg[0], msg[1]);
  EXPECT_NE(msg[0].find("the update of layers.2.kernel would produce NaN or Inf"), std::string::npos) << msg[0];
}

}  // namespace
