// Straight-through estimators: the identity and clipped masks at |x| = clip +- eps, through the
// public API, and approx_sign / swish_sign pseudo-derivatives against their formulas.
#include <cmath>

#include "quant/quantizer.h"
#include "test_helpers.h"

using namespace bnn_test;

namespace {

// One dense layer 1 -> N with a kernel quantizer; SGD; the latent weights are set at chosen
// values, and one step shows which ones received a gradient.
std::vector<float> step_deltas(const std::string& ste, float clip, const std::vector<float>& w0) {
  const std::string doc = R"({"input_shape": [1], "layers": [
      {"type": "dense", "units": )" + std::to_string(w0.size()) + R"(, "use_bias": false,
       "kernel_quantizer": {"type": "sign", "ste": ")" + ste + R"(", "clip": )" +
                          std::to_string(clip) + R"(}}],
    "loss": "cross_entropy", "optimizer": {"type": "sgd", "learning_rate": 0.01}})";
  ModelPtr m = make_model(doc);
  set_tensor(m, "layers.0.kernel", w0);
  const float x = 1.0f;
  const int32_t label = 0;
  EXPECT_EQ(bnn_model_train_step(m, &x, &label, 1, nullptr), BNN_STATUS_OK) << bnn_model_errmsg(m);
  const std::vector<float> w1 = get_tensor(m, "layers.0.kernel");
  std::vector<float> d(w0.size());
  for (size_t i = 0; i < w0.size(); ++i) d[i] = w1[i] - w0[i];
  return d;
}

}  // namespace

TEST(Ste, ClippedCancelsGradientBeyondClip) {
  const float clip = 0.5f, eps = 1e-3f;
  const std::vector<float> w0 = {clip - eps, clip + eps, -(clip - eps), -(clip + eps), clip};
  const std::vector<float> d = step_deltas("clipped", clip, w0);
  EXPECT_NE(d[0], 0.0f);
  EXPECT_EQ(d[1], 0.0f);
  EXPECT_NE(d[2], 0.0f);
  EXPECT_EQ(d[3], 0.0f);
  EXPECT_NE(d[4], 0.0f);  // |x| == clip passes (hard-tanh derivative is 1 on the closed interval)
}

TEST(Ste, IdentityPassesEverything) {
  const float clip = 0.5f, eps = 1e-3f;
  const std::vector<float> w0 = {clip - eps, clip + eps, -(clip - eps), -(clip + eps), 7.0f};
  const std::vector<float> d = step_deltas("identity", clip, w0);
  for (float v : d) EXPECT_NE(v, 0.0f);
  // Identity and clipped agree inside the clip range.
  const std::vector<float> dc = step_deltas("clipped", clip, w0);
  EXPECT_EQ(d[0], dc[0]);
  EXPECT_EQ(d[2], dc[2]);
}

TEST(Ste, SignOfZeroIsPlusOne) {
  // Forward of a binarised input of exactly 0 and -0 must be +1.
  ModelPtr m = make_model(R"({"input_shape": [2], "layers": [
      {"type": "dense", "units": 2, "use_bias": false,
       "input_quantizer": {"type": "sign", "ste": "identity"},
       "kernel_quantizer": {"type": "sign", "ste": "identity"}}]})");
  set_tensor(m, "layers.0.kernel", {0.0f, -0.0f, 0.3f, -0.2f});  // [in][out]
  const float x[2] = {0.0f, -0.0f};
  float y[2];
  ASSERT_EQ(bnn_model_predict(m, x, 1, y, 2), BNN_STATUS_OK);
  // signs: x = (+1, +1); W = [[+1, +1], [+1, -1]] -> y = (2, 0)
  EXPECT_EQ(y[0], 2.0f);
  EXPECT_EQ(y[1], 0.0f);
}

// The smooth functions whose derivatives the STEs use.
static double approx_sign_fn(double x) {
  if (x < -1) return -1;
  if (x < 0) return 2 * x + x * x;
  if (x < 1) return 2 * x - x * x;
  return 1;
}
static double swish_sign_fn(double x, double beta) {
  const double s = 1.0 / (1.0 + std::exp(-beta * x));
  return 2 * s * (1 + beta * x * (1 - s)) - 1;
}

TEST(Ste, ApproxSignDerivativeMatchesFormula) {
  bnn::Quantizer q;
  q.present = true;
  q.ste = BNN_STE_APPROX_SIGN;
  for (double x = -1.5; x <= 1.5; x += 0.037) {
    const double h = 1e-5;
    const double numeric = (approx_sign_fn(x + h) - approx_sign_fn(x - h)) / (2 * h);
    EXPECT_NEAR(q.derivative(static_cast<float>(x)), numeric, 1e-3) << "x = " << x;
  }
}

TEST(Ste, SwishSignDerivativeMatchesFormula) {
  bnn::Quantizer q;
  q.present = true;
  q.ste = BNN_STE_SWISH_SIGN;
  for (double beta : {1.0, 5.0, 10.0}) {
    q.beta = static_cast<float>(beta);
    for (double x = -2.0; x <= 2.0; x += 0.041) {
      const double h = 1e-6;
      const double numeric = (swish_sign_fn(x + h, beta) - swish_sign_fn(x - h, beta)) / (2 * h);
      EXPECT_NEAR(q.derivative(static_cast<float>(x)), numeric, 1e-3 * std::max(1.0, numeric))
          << "beta " << beta << " x = " << x;
    }
  }
}

TEST(Ste, ConfigureSwitchesSteBetweenSteps) {
  const float clip = 1.0f;
  const std::vector<float> w0 = {2.0f, 0.5f};
  std::string doc = R"({"input_shape": [1], "layers": [
      {"type": "dense", "units": 2, "use_bias": false,
       "kernel_quantizer": {"type": "sign", "ste": "identity"}}],
    "loss": "cross_entropy", "optimizer": {"type": "sgd", "learning_rate": 0.01}})";
  ModelPtr m = make_model(doc);
  set_tensor(m, "layers.0.kernel", w0);
  ASSERT_EQ(bnn_model_configure(m, R"({"kernel_ste": "clipped"})"), BNN_STATUS_OK);
  int32_t ste = -1;
  ASSERT_EQ(bnn_model_get_param_i32(m, BNN_PARAM_KERNEL_STE, &ste), BNN_STATUS_OK);
  EXPECT_EQ(ste, BNN_STE_CLIPPED);
  const float x = 1.0f;
  const int32_t label = 0;
  ASSERT_EQ(bnn_model_train_step(m, &x, &label, 1, nullptr), BNN_STATUS_OK);
  const std::vector<float> w1 = get_tensor(m, "layers.0.kernel");
  EXPECT_EQ(w1[0], w0[0]);  // |2| > clip: cancelled
  EXPECT_NE(w1[1], w0[1]);
  (void)clip;
}
