// Finite-difference checks of every float layer's and loss's gradients. Layers are driven
// directly (internal interface) in float with central differences; tolerances are stated per
// check. A whole-network check through the public API follows.
#include <cmath>
#include <functional>

#include "core/rng.h"
#include "kernels/kernels.h"
#include "layers/layers.h"
#include "test_helpers.h"
#include "train/loss.h"

namespace {

using bnn::json;

struct LayerUnderTest {
  json doc;
  std::unique_ptr<bnn::Layer> layer;
  bnn::Rng rng{5};
  LayerUnderTest(const std::string& text, std::vector<size_t> in_shape) : doc(json::parse(text)) {
    bnn::JsonReader r(doc, "layer");
    bnn::LayerArgs args{r, bnn::Shape{in_shape}, 0, rng};
    layer = bnn::make_layer(args);
  }
};

// L = sum(y * r) for fixed random r, so dL/dy = r. Checks dL/dx and dL/dparams against
// central differences, within a relative tolerance of the gradient's scale.
void check_layer_gradients(const std::string& doc, std::vector<size_t> in_shape, size_t batch,
                           double tol, float h = 1e-2f, float input_offset = 0.0f) {
  LayerUnderTest t(doc, in_shape);
  bnn::Layer& L = *t.layer;
  const size_t nin = batch * L.input_shape().numel(), nout = batch * L.output_shape().numel();
  bnn::Rng rng(11);
  std::vector<float> x(nin), r(nout), y(nout), dx(nin);
  for (float& v : x) v = rng.uniform(-2.0f, 2.0f) + input_offset;
  for (float& v : r) v = rng.uniform(-1.0f, 1.0f);
  for (bnn::Tensor* p : L.tensors())
    if (p->trainable)
      for (float& v : p->value) v += rng.uniform(-0.3f, 0.3f);
  auto loss = [&]() {
    std::vector<float> yy(nout);
    L.forward(x.data(), yy.data(), batch, true);
    double s = 0;
    for (size_t i = 0; i < nout; ++i) s += static_cast<double>(yy[i]) * r[i];
    return s;
  };
  L.forward(x.data(), y.data(), batch, true);
  L.backward(x.data(), y.data(), r.data(), dx.data(), batch);
  auto compare = [&](const char* what, std::vector<float>& v, const std::vector<float>& analytic) {
    double scale = 1e-3;
    for (float a : analytic) scale = std::max(scale, static_cast<double>(std::fabs(a)));
    for (size_t i = 0; i < v.size(); ++i) {
      const float keep = v[i];
      v[i] = keep + h;
      const double lp = loss();
      v[i] = keep - h;
      const double lm = loss();
      v[i] = keep;
      const double numeric = (lp - lm) / (2.0 * h);
      ASSERT_NEAR(analytic[i], numeric, tol * scale) << doc << ": d/d" << what << "[" << i << "]";
    }
  };
  compare("x", x, dx);
  for (bnn::Tensor* p : L.tensors())
    if (p->trainable) {
      const std::vector<float> g = p->grad;
      compare(p->name.c_str(), p->value, g);
    }
}

TEST(Gradients, DenseWithBias) {
  check_layer_gradients(R"({"type":"dense","units":5,"use_bias":true})", {7}, 4, 1e-3);
}

TEST(Gradients, DenseWithoutBias) {
  check_layer_gradients(R"({"type":"dense","units":3,"use_bias":false})", {6}, 3, 1e-3);
}

TEST(Gradients, BatchNormTrainingMode) {
  check_layer_gradients(R"({"type":"batch_norm","epsilon":1e-3})", {6}, 8, 2e-3, 1e-2f);
}

TEST(Gradients, BatchNormWithoutAffine) {
  check_layer_gradients(R"({"type":"batch_norm","center":false,"scale":false})", {4}, 5, 2e-3);
}

TEST(Gradients, Relu) {
  check_layer_gradients(R"({"type":"relu"})", {9}, 3, 1e-3, 1e-3f);
}

TEST(Gradients, HardTanh) {
  check_layer_gradients(R"({"type":"hard_tanh"})", {9}, 3, 1e-3, 1e-3f);
}

// Losses: dLoss/dlogits against central differences in double.
void check_loss(bnn::LossType type) {
  const size_t batch = 4, classes = 5;
  bnn::Rng rng(3);
  std::vector<float> z(batch * classes), g(batch * classes);
  std::vector<int32_t> y = {0, 3, 4, 2};
  for (float& v : z) v = rng.uniform(-1.5f, 1.5f);
  bnn::compute_loss(type, z.data(), y.data(), batch, classes, g.data());
  const float h = 1e-3f;
  for (size_t i = 0; i < z.size(); ++i) {
    const float keep = z[i];
    z[i] = keep + h;
    const double lp = bnn::compute_loss(type, z.data(), y.data(), batch, classes, nullptr);
    z[i] = keep - h;
    const double lm = bnn::compute_loss(type, z.data(), y.data(), batch, classes, nullptr);
    z[i] = keep;
    EXPECT_NEAR(g[i], (lp - lm) / (2 * h), 2e-4) << "logit " << i;
  }
}

TEST(Gradients, CrossEntropyLoss) { check_loss(bnn::LossType::cross_entropy); }
TEST(Gradients, SquareHingeLoss) { check_loss(bnn::LossType::square_hinge); }

TEST(Gradients, LossValues) {
  // Closed forms: uniform logits give log(C); square hinge of zero logits is 1.
  std::vector<float> z(3, 0.0f);
  std::vector<int32_t> y = {1};
  EXPECT_NEAR(bnn::compute_loss(bnn::LossType::cross_entropy, z.data(), y.data(), 1, 3, nullptr),
              std::log(3.0), 1e-9);
  EXPECT_NEAR(bnn::compute_loss(bnn::LossType::square_hinge, z.data(), y.data(), 1, 3, nullptr), 1.0,
              1e-9);
}

// Whole network through the public API: with SGD the first step moves each weight by -lr * g,
// so g = (w0 - w1) / lr; compare with finite differences of bnn_model_evaluate's mean loss.
TEST(Gradients, WholeNetworkThroughPublicApi) {
  using namespace bnn_test;
  const float lr = 1e-3f;
  ModelPtr m = make_model(R"({
    "input_shape": [6],
    "layers": [
      {"type": "dense", "units": 8, "use_bias": true},
      {"type": "hard_tanh"},
      {"type": "dense", "units": 4, "use_bias": true}
    ],
    "loss": "cross_entropy",
    "optimizer": {"type": "sgd", "learning_rate": 0.001},
    "seed": 9
  })");
  Synthetic d = make_synthetic(10, 6, 4, 2);
  for (float& v : d.x) v *= 0.3f;  // stay inside hard_tanh's linear part mostly
  std::vector<uint8_t> start = save_bytes(m);
  const std::vector<float> w0 = get_tensor(m, "layers.0.kernel");
  ASSERT_EQ(bnn_model_train_step(m, d.x.data(), d.y.data(), d.n, nullptr), BNN_STATUS_OK)
      << bnn_model_errmsg(m);
  const std::vector<float> w1 = get_tensor(m, "layers.0.kernel");
  bnn_model* fresh = nullptr;
  ASSERT_EQ(bnn_model_load_buffer(start.data(), start.size(), &fresh), BNN_STATUS_OK)
      << bnn_last_errmsg();
  ModelPtr m0(fresh);
  std::vector<float> w = w0;
  const float h = 1e-2f;
  for (size_t i = 0; i < w.size(); ++i) {
    const float analytic = (w0[i] - w1[i]) / lr;
    const float keep = w[i];
    float lp, lm;
    w[i] = keep + h;
    set_tensor(m0, "layers.0.kernel", w);
    bnn_model_evaluate(m0, d.x.data(), d.y.data(), d.n, &lp, nullptr);
    w[i] = keep - h;
    set_tensor(m0, "layers.0.kernel", w);
    bnn_model_evaluate(m0, d.x.data(), d.y.data(), d.n, &lm, nullptr);
    w[i] = keep;
    EXPECT_NEAR(analytic, (lp - lm) / (2 * h), 2e-3) << "kernel[" << i << "]";
  }
}


// The products through a binarised kernel wide enough for lookup tables (dense.cpp: the input
// gradient from 128 outputs, the training forward from 256 outputs and 128 inputs): dL/dx =
// dL/dy sign(W)^T and y = x sign(W), against the products in double; inference forward too.
TEST(Gradients, DenseBinaryKernelProductsByLookupTables) {
  for (size_t units : {130u, 300u}) {
    const size_t batch = 37, nin = 150;
    LayerUnderTest t(R"({"type":"dense","units":)" + std::to_string(units) +
                         R"(,"use_bias":false,"kernel_quantizer":{"type":"sign"}})",
                     {nin});
    bnn::Layer& L = *t.layer;
    bnn::Rng rng(3);
    std::vector<float> x(batch * nin), r(batch * units), y(batch * units), dx(batch * nin);
    for (float& v : x) v = rng.uniform(-2.0f, 2.0f);
    for (float& v : r) v = rng.uniform(-1.0f, 1.0f);
    std::vector<float> y_infer(batch * units);
    L.forward(x.data(), y_infer.data(), batch, false);
    L.forward(x.data(), y.data(), batch, true);
    L.backward(x.data(), y.data(), r.data(), dx.data(), batch);
    const std::vector<float>& w = L.tensors()[0]->value;
    // sum_k sign(W[at(k)]) v[k] in double, and sum_k |v[k]| for the tolerance.
    auto signed_sum = [&](size_t n, auto w_at, const float* v, double* mag) {
      double ref = 0;
      *mag = 0;
      for (size_t k = 0; k < n; ++k) {
        ref += (w[w_at(k)] < 0.0f ? -1.0 : 1.0) * v[k];
        *mag += std::fabs(v[k]);
      }
      return ref;
    };
    for (size_t b = 0; b < batch; ++b)
      for (size_t o = 0; o < units; ++o) {
        double mag = 0;
        const double ref = signed_sum(nin, [&](size_t i) { return i * units + o; }, &x[b * nin], &mag);
        ASSERT_NEAR(y[b * units + o], ref, 1e-6 * mag * 50) << units << ": y[" << b << "][" << o << "]";
        ASSERT_NEAR(y_infer[b * units + o], ref, 1e-6 * mag * 50) << units << ": inference";
      }
    for (size_t b = 0; b < batch; ++b)
      for (size_t i = 0; i < nin; ++i) {
        double mag = 0;
        const double ref = signed_sum(units, [&](size_t o) { return i * units + o; }, &r[b * units], &mag);
        ASSERT_NEAR(dx[b * nin + i], ref, 1e-6 * mag * 50) << units << ": dx[" << b << "][" << i << "]";
      }
  }
}

// The kernel gradient behind a sign of 128 inputs or more, by lookup tables from x's signs
// (BinaryKernel::signs_gradient): dL/dW = sign(x)^T dL/dy against the product in double (a zero
// input counts as +1), with a binarised kernel (x's bits from the forward's binary GEMM) and a
// float one (bits packed for the gradient); a batch of 70 (two words of bits per row); the same
// bits with 2 threads. Below 128 inputs, the GEMM: the same check.
TEST(Gradients, DenseBinaryInputKernelGradientByLookupTables) {
  for (size_t nin : {100u, 130u, 300u})
    for (size_t units : {10u, 70u})
      for (bool binary_kernel : {true, false}) {
        const size_t batch = 70;
        SCOPED_TRACE(std::to_string(nin) + " -> " + std::to_string(units) +
                     (binary_kernel ? ", binarised kernel" : ", float kernel"));
        LayerUnderTest t(R"({"type":"dense","units":)" + std::to_string(units) +
                             R"(,"use_bias":false,"input_quantizer":{"type":"sign","ste":"identity"})" +
                             (binary_kernel ? R"(,"kernel_quantizer":{"type":"sign"}})" : "}"),
                         {nin});
        bnn::Layer& L = *t.layer;
        bnn::Rng rng(4);
        std::vector<float> x(batch * nin), r(batch * units), y(batch * units), dx(batch * nin);
        for (float& v : x) v = rng.uniform(-2.0f, 2.0f);
        for (size_t i = 0; i < x.size(); i += 7) x[i] = 0.0f;
        for (float& v : r) v = rng.uniform(-1.0f, 1.0f);
        bnn::kernels::set_num_threads(1);
        L.forward(x.data(), y.data(), batch, true);
        L.backward(x.data(), y.data(), r.data(), dx.data(), batch);
        const std::vector<float> g = L.tensors()[0]->grad;
        bnn::kernels::set_num_threads(2);
        L.backward(x.data(), y.data(), r.data(), dx.data(), batch);
        bnn::kernels::set_num_threads(0);
        ASSERT_EQ(L.tensors()[0]->grad, g) << "1 and 2 threads differ";
        for (size_t i = 0; i < nin; ++i)
          for (size_t o = 0; o < units; ++o) {
            double ref = 0, mag = 0;
            for (size_t b = 0; b < batch; ++b) {
              ref += (x[b * nin + i] < 0.0f ? -1.0 : 1.0) * r[b * units + o];
              mag += std::fabs(r[b * units + o]);
            }
            ASSERT_NEAR(g[i * units + o], ref, 1e-6 * mag * 20) << "dW[" << i << "][" << o << "]";
          }
      }
}

}  // namespace
