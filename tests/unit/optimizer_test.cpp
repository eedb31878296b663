// Every optimiser's first steps against closed-form updates computed here in double precision:
// a linear softmax model z = x W (+ b), whose gradient the test computes itself.
#include <cmath>
#include <functional>
#include <cmath>
#include <cstdlib>

#include "test_helpers.h"

using namespace bnn_test;

namespace {

constexpr size_t kIn = 3, kOut = 2, kBatch = 2;
const float kX[kBatch * kIn] = {0.5f, -1.0f, 2.0f, 1.5f, 0.25f, -0.75f};
const int32_t kY[kBatch] = {1, 0};
const std::vector<float> kW0 = {0.1f, -0.2f, 0.3f, 0.05f, -0.4f, 0.25f};

// dL/dW (and dL/db) of mean softmax cross-entropy for z = x * f(W) + b.
void gradient(const std::vector<double>& w, const std::vector<double>& b, bool binary,
              std::vector<double>& gw, std::vector<double>& gb) {
  gw.assign(kIn * kOut, 0.0);
  gb.assign(kOut, 0.0);
  for (size_t n = 0; n < kBatch; ++n) {
    double z[kOut];
    for (size_t o = 0; o < kOut; ++o) {
      z[o] = b.empty() ? 0.0 : b[o];
      for (size_t i = 0; i < kIn; ++i) {
        const double wi = binary ? (w[i * kOut + o] < 0 ? -1.0 : 1.0) : w[i * kOut + o];
        z[o] += static_cast<double>(kX[n * kIn + i]) * static_cast<float>(wi);
      }
    }
    const double mx = std::max(z[0], z[1]);
    const double s = std::exp(z[0] - mx) + std::exp(z[1] - mx);
    for (size_t o = 0; o < kOut; ++o) {
      const double d = (std::exp(z[o] - mx) / s - (static_cast<int32_t>(o) == kY[n])) / kBatch;
      gb[o] += d;
      for (size_t i = 0; i < kIn; ++i) gw[i * kOut + o] += kX[n * kIn + i] * d;
    }
  }
}

using Rule = std::function<void(std::vector<double>& w, const std::vector<double>& g,
                                std::vector<std::vector<double>>& state, int t)>;

// Runs `steps` library steps and the closed-form rule side by side.
void check_optimizer(const std::string& opt_json, const Rule& rule, int steps = 3,
                     double tol = 2e-5) {
  ModelPtr m = make_model(R"({"input_shape": [3], "layers": [
      {"type": "dense", "units": 2, "use_bias": false}],
    "loss": "cross_entropy", "optimizer": )" + opt_json + "}");
  set_tensor(m, "layers.0.kernel", kW0);
  std::vector<double> w(kW0.begin(), kW0.end()), gw, gb;
  std::vector<std::vector<double>> state(2, std::vector<double>(w.size(), 0.0));
  for (int t = 1; t <= steps; ++t) {
    ASSERT_EQ(bnn_model_train_step(m, kX, kY, kBatch, nullptr), BNN_STATUS_OK) << bnn_model_errmsg(m);
    gradient(w, {}, false, gw, gb);
    rule(w, gw, state, t);
    const std::vector<float> got = get_tensor(m, "layers.0.kernel");
    for (size_t i = 0; i < w.size(); ++i)
      ASSERT_NEAR(got[i], w[i], tol * std::max(1.0, std::fabs(w[i])))
          << opt_json << " step " << t << " weight " << i;
  }
}

}  // namespace

TEST(Optimizers, Sgd) {
  check_optimizer(R"({"type": "sgd", "learning_rate": 0.1})",
                  [](auto& w, auto& g, auto&, int) {
                    for (size_t i = 0; i < w.size(); ++i) w[i] -= 0.1 * g[i];
                  });
}

TEST(Optimizers, SgdWithWeightDecay) {
  check_optimizer(R"({"type": "sgd", "learning_rate": 0.1, "weight_decay": 0.01})",
                  [](auto& w, auto& g, auto&, int) {
                    for (size_t i = 0; i < w.size(); ++i) w[i] -= 0.1 * (g[i] + 0.01 * w[i]);
                  });
}

TEST(Optimizers, Momentum) {
  check_optimizer(R"({"type": "momentum", "learning_rate": 0.1, "momentum": 0.8})",
                  [](auto& w, auto& g, auto& s, int) {
                    for (size_t i = 0; i < w.size(); ++i) {
                      s[0][i] = 0.8 * s[0][i] + g[i];
                      w[i] -= 0.1 * s[0][i];
                    }
                  });
}

TEST(Optimizers, Nesterov) {
  check_optimizer(R"({"type": "nesterov", "learning_rate": 0.1, "momentum": 0.8})",
                  [](auto& w, auto& g, auto& s, int) {
                    for (size_t i = 0; i < w.size(); ++i) {
                      s[0][i] = 0.8 * s[0][i] + g[i];
                      w[i] -= 0.1 * (g[i] + 0.8 * s[0][i]);
                    }
                  });
}

TEST(Optimizers, Adagrad) {
  check_optimizer(R"({"type": "adagrad", "learning_rate": 0.1, "initial_accumulator": 0.1})",
                  [](auto& w, auto& g, auto& s, int t) {
                    for (size_t i = 0; i < w.size(); ++i) {
                      if (t == 1) s[0][i] = 0.1;
                      s[0][i] += g[i] * g[i];
                      w[i] -= 0.1 * g[i] / (std::sqrt(s[0][i]) + 1e-10);
                    }
                  });
}

TEST(Optimizers, Adadelta) {
  check_optimizer(R"({"type": "adadelta", "learning_rate": 1.0, "rho": 0.9, "epsilon": 1e-6})",
                  [](auto& w, auto& g, auto& s, int) {
                    for (size_t i = 0; i < w.size(); ++i) {
                      s[0][i] = 0.9 * s[0][i] + 0.1 * g[i] * g[i];
                      const double d = std::sqrt(s[1][i] + 1e-6) / std::sqrt(s[0][i] + 1e-6) * g[i];
                      s[1][i] = 0.9 * s[1][i] + 0.1 * d * d;
                      w[i] -= 1.0 * d;
                    }
                  });
}

TEST(Optimizers, Rmsprop) {
  check_optimizer(R"({"type": "rmsprop", "learning_rate": 0.01, "rho": 0.99, "epsilon": 1e-8})",
                  [](auto& w, auto& g, auto& s, int) {
                    for (size_t i = 0; i < w.size(); ++i) {
                      s[0][i] = 0.99 * s[0][i] + 0.01 * g[i] * g[i];
                      w[i] -= 0.01 * g[i] / (std::sqrt(s[0][i]) + 1e-8);
                    }
                  });
}

TEST(Optimizers, Adam) {
  check_optimizer(R"({"type": "adam", "learning_rate": 0.01, "beta1": 0.9, "beta2": 0.999})",
                  [](auto& w, auto& g, auto& s, int t) {
                    for (size_t i = 0; i < w.size(); ++i) {
                      s[0][i] = 0.9 * s[0][i] + 0.1 * g[i];
                      s[1][i] = 0.999 * s[1][i] + 0.001 * g[i] * g[i];
                      const double mh = s[0][i] / (1 - std::pow(0.9, t));
                      const double vh = s[1][i] / (1 - std::pow(0.999, t));
                      w[i] -= 0.01 * mh / (std::sqrt(vh) + 1e-8);
                    }
                  },
                  5);
}

TEST(Optimizers, BopFlipsBinaryWeightsAndUsesFallbackForTheRest) {
  // Binary kernel (identity STE) with Bop; bias with the Adam fallback.
  ModelPtr m = make_model(R"({"input_shape": [3], "layers": [
      {"type": "dense", "units": 2, "use_bias": true,
       "kernel_quantizer": {"type": "sign", "ste": "identity"}}],
    "loss": "cross_entropy",
    "optimizer": {"type": "bop", "threshold": 0.02, "gamma": 0.5,
                  "fallback": {"type": "adam", "learning_rate": 0.01}}})");
  set_tensor(m, "layers.0.kernel", kW0);
  std::vector<double> w(kW0.begin(), kW0.end()), b(2, 0.0), gw, gb, mw(6, 0.0), am(2, 0), av(2, 0);
  size_t total_flips = 0;
  for (int t = 1; t <= 4; ++t) {
    ASSERT_EQ(bnn_model_train_step(m, kX, kY, kBatch, nullptr), BNN_STATUS_OK) << bnn_model_errmsg(m);
    gradient(w, b, true, gw, gb);
    size_t flips = 0;
    for (size_t i = 0; i < w.size(); ++i) {
      mw[i] = 0.5 * mw[i] + 0.5 * gw[i];
      if (std::fabs(mw[i]) > 0.02 && ((mw[i] > 0) == (w[i] > 0))) {
        w[i] = -w[i];
        ++flips;
      }
    }
    for (size_t o = 0; o < 2; ++o) {
      am[o] = 0.9 * am[o] + 0.1 * gb[o];
      av[o] = 0.999 * av[o] + 0.001 * gb[o] * gb[o];
      b[o] -= 0.01 * (am[o] / (1 - std::pow(0.9, t))) / (std::sqrt(av[o] / (1 - std::pow(0.999, t))) + 1e-8);
    }
    total_flips += flips;
    const std::vector<float> gotw = get_tensor(m, "layers.0.kernel"), gotb = get_tensor(m, "layers.0.bias");
    for (size_t i = 0; i < w.size(); ++i) ASSERT_EQ(gotw[i], static_cast<float>(w[i])) << "step " << t;
    for (size_t o = 0; o < 2; ++o) ASSERT_NEAR(gotb[o], b[o], 1e-5) << "step " << t;
    float ratio = -1;
    ASSERT_EQ(bnn_model_flip_ratio(m, &ratio), BNN_STATUS_OK);
    EXPECT_FLOAT_EQ(ratio, flips / 6.0f) << "step " << t;
  }
  EXPECT_GT(total_flips, 0u);
}

TEST(Optimizers, FlipRatioCountsSignChanges) {
  ModelPtr m = make_model(R"({"input_shape": [3], "layers": [
      {"type": "dense", "units": 2, "use_bias": false,
       "kernel_quantizer": {"type": "sign", "ste": "identity"}}],
    "loss": "cross_entropy", "optimizer": {"type": "sgd", "learning_rate": 10.0}})");
  set_tensor(m, "layers.0.kernel", kW0);
  ASSERT_EQ(bnn_model_train_step(m, kX, kY, kBatch, nullptr), BNN_STATUS_OK);
  const std::vector<float> w1 = get_tensor(m, "layers.0.kernel");
  size_t flips = 0;
  for (size_t i = 0; i < w1.size(); ++i) flips += (w1[i] < 0) != (kW0[i] < 0);
  float ratio = -1, layer_ratio = -1;
  ASSERT_EQ(bnn_model_flip_ratio(m, &ratio), BNN_STATUS_OK);
  ASSERT_EQ(bnn_model_layer_flip_ratio(m, 0, &layer_ratio), BNN_STATUS_OK);
  EXPECT_FLOAT_EQ(ratio, flips / 6.0f);
  EXPECT_FLOAT_EQ(layer_ratio, ratio);
  EXPECT_GT(flips, 0u);
  EXPECT_EQ(bnn_model_layer_flip_ratio(m, 5, &layer_ratio), BNN_STATUS_OUT_OF_RANGE);
}

TEST(Optimizers, ParamsBoundsAndApplicability) {
  ModelPtr m = make_model(R"({"input_shape": [3], "layers": [{"type": "dense", "units": 2}],
    "optimizer": {"type": "adam"}})");
  double lo = 0, hi = 0;
  ASSERT_EQ(bnn_param_bounds(BNN_PARAM_BETA1, &lo, &hi), BNN_STATUS_OK);
  EXPECT_EQ(lo, 0.0);
  EXPECT_LT(hi, 1.0);
  EXPECT_EQ(bnn_param_bounds(static_cast<bnn_param>(9999), &lo, &hi), BNN_STATUS_INVALID_ARGUMENT);
  EXPECT_STREQ(bnn_param_name(BNN_PARAM_LEARNING_RATE), "learning_rate");
  const std::vector<uint8_t> before = save_bytes(m);
  EXPECT_EQ(bnn_model_set_param_f32(m, BNN_PARAM_BETA1, 1.5f), BNN_STATUS_OUT_OF_RANGE);
  EXPECT_EQ(bnn_model_set_param_f32(m, BNN_PARAM_LEARNING_RATE, -1.0f), BNN_STATUS_OUT_OF_RANGE);
  EXPECT_EQ(bnn_model_set_param_f32(m, BNN_PARAM_LEARNING_RATE, NAN), BNN_STATUS_OUT_OF_RANGE);
  EXPECT_EQ(bnn_model_set_param_f32(m, BNN_PARAM_MOMENTUM, 0.5f), BNN_STATUS_UNSUPPORTED);
  EXPECT_EQ(save_bytes(m), before);
  ASSERT_EQ(bnn_model_set_param_f32(m, BNN_PARAM_BETA2, 0.99f), BNN_STATUS_OK);
  float v = 0;
  ASSERT_EQ(bnn_model_get_param_f32(m, BNN_PARAM_BETA2, &v), BNN_STATUS_OK);
  EXPECT_FLOAT_EQ(v, 0.99f);
}
