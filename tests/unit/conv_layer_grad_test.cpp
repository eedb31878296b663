// Layer-level gradient checks for the image layers (conv2d, pooling, flatten) and for batch
// norm on 4-D (HWC) inputs, against double-precision central differences of L = sum r * y.
// The layers are built from their JSON objects and driven through forward()/backward() directly,
// which also covers batch norm's training-mode statistics (the C API only evaluates in inference).
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "core/rng.h"
#include "kernels/kernels.h"
#include "layers/layers.h"

namespace {

using bnn::json;

std::unique_ptr<bnn::Layer> build(const std::string& text, std::vector<size_t> in_shape,
                                  uint64_t seed = 3) {
  const json j = json::parse(text);
  bnn::JsonReader r(j, "layers[0]");
  bnn::Rng rng(seed);
  bnn::LayerArgs a{r, bnn::Shape{in_shape}, 0, rng};
  return bnn::make_layer(a);
}

std::vector<float> random_vec(size_t n, uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
  std::mt19937 g(seed);
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = d(g);
  return v;
}

double weighted_sum(bnn::Layer& l, const std::vector<float>& x, size_t batch,
                    const std::vector<float>& r) {
  std::vector<float> y(batch * l.output_shape().numel());
  l.forward(x.data(), y.data(), batch, true);
  double s = 0.0;
  for (size_t i = 0; i < y.size(); ++i) s += static_cast<double>(r[i]) * y[i];
  return s;
}

// Analytical dL/dx and parameter gradients vs central differences with step eps.
// Pass: |fd - analytic| <= atol + rtol * |analytic| for every element.
void check_gradients(bnn::Layer& l, size_t batch, std::vector<float> x, float eps, double atol,
                     double rtol) {
  const size_t ny = batch * l.output_shape().numel();
  const std::vector<float> r = random_vec(ny, 99);
  std::vector<float> y(ny), dx(x.size());
  l.forward(x.data(), y.data(), batch, true);
  l.backward(x.data(), y.data(), r.data(), dx.data(), batch);
  std::vector<std::vector<float>> grads;
  for (bnn::Tensor* t : l.tensors())
    if (t->trainable) grads.push_back(t->grad);

  for (size_t i = 0; i < x.size(); ++i) {
    const float keep = x[i];
    x[i] = keep + eps;
    const double lp = weighted_sum(l, x, batch, r);
    x[i] = keep - eps;
    const double lm = weighted_sum(l, x, batch, r);
    x[i] = keep;
    const double fd = (lp - lm) / (2.0 * eps);
    ASSERT_NEAR(fd, dx[i], atol + rtol * std::fabs(dx[i])) << l.type() << " dx[" << i << "]";
  }
  size_t k = 0;
  for (bnn::Tensor* t : l.tensors()) {
    if (!t->trainable) continue;
    const std::vector<float>& g = grads[k++];
    for (size_t i = 0; i < t->numel(); ++i) {
      const float keep = t->value[i];
      t->value[i] = keep + eps;
      const double lp = weighted_sum(l, x, batch, r);
      t->value[i] = keep - eps;
      const double lm = weighted_sum(l, x, batch, r);
      t->value[i] = keep;
      const double fd = (lp - lm) / (2.0 * eps);
      ASSERT_NEAR(fd, g[i], atol + rtol * std::fabs(g[i])) << t->name << "[" << i << "]";
    }
  }
}

struct ConvCase {
  const char* padding;
  size_t stride_h, stride_w, kh, kw, h, w, c, f;
  float pad_value;
};

class ConvGrad : public ::testing::TestWithParam<ConvCase> {};

// A convolution is linear in x and in w, so central differences are exact up to rounding: a
// large step (0.5) keeps the float rounding of the forward pass negligible. Tolerance 1e-3 abs +
// 1e-3 rel.
TEST_P(ConvGrad, MatchesFiniteDifferences) {
  const ConvCase c = GetParam();
  const std::string doc = R"({"type":"conv2d","filters":)" + std::to_string(c.f) +
                          R"(,"kernel_size":[)" + std::to_string(c.kh) + "," +
                          std::to_string(c.kw) + R"(],"strides":[)" + std::to_string(c.stride_h) +
                          "," + std::to_string(c.stride_w) + R"(],"padding":")" + c.padding +
                          R"(","pad_value":)" + std::to_string(c.pad_value) + "}";
  auto l = build(doc, {c.h, c.w, c.c});
  // Non-zero bias so that its gradient is exercised with the rest.
  for (bnn::Tensor* t : l->tensors())
    if (t->name == "layers.0.bias") t->value = random_vec(t->numel(), 5);
  const size_t batch = 2;
  check_gradients(*l, batch, random_vec(batch * c.h * c.w * c.c, 11), 0.5f, 1e-3, 1e-3);
}

INSTANTIATE_TEST_SUITE_P(
    Conv, ConvGrad,
    ::testing::Values(ConvCase{"valid", 1, 1, 3, 3, 5, 6, 2, 3, 0},
                      ConvCase{"valid", 2, 2, 3, 3, 7, 6, 3, 2, 0},
                      ConvCase{"same", 1, 1, 3, 3, 5, 5, 2, 3, 0},
                      ConvCase{"same", 2, 2, 3, 3, 6, 7, 2, 2, 0},   // asymmetric padding
                      ConvCase{"same", 2, 1, 2, 3, 5, 4, 3, 2, 0},   // even kernel, mixed strides
                      ConvCase{"same", 1, 2, 5, 1, 4, 5, 1, 2, -1},  // pad_value -1
                      ConvCase{"same", 2, 2, 3, 3, 5, 5, 2, 2, 1}));

TEST(ConvGradQuantized, SteMatchesFloatConvOfSigns) {
  // With identity STEs, the gradients of a binarised conv are those of a float conv on sign(x)
  // and sign(w): dW exactly, dx as computed for sign(x).
  const char* q = R"({"type":"conv2d","filters":3,"kernel_size":[3,3],"padding":"same",
      "input_quantizer":{"type":"sign","ste":"identity"},
      "kernel_quantizer":{"type":"sign","ste":"identity"}})";
  const char* f = R"({"type":"conv2d","filters":3,"kernel_size":[3,3],"padding":"same"})";
  auto lq = build(q, {5, 4, 3}), lf = build(f, {5, 4, 3});
  const std::vector<float> x = random_vec(2 * 5 * 4 * 3, 4);
  std::vector<float> xs(x.size());
  for (size_t i = 0; i < x.size(); ++i) xs[i] = x[i] < 0 ? -1.0f : 1.0f;
  bnn::Tensor* kq = lq->tensors()[0];
  bnn::Tensor* kf = lf->tensors()[0];
  for (size_t i = 0; i < kq->numel(); ++i) kf->value[i] = kq->value[i] < 0 ? -1.0f : 1.0f;
  const size_t ny = 2 * lq->output_shape().numel();
  std::vector<float> yq(ny), yf(ny), dxq(x.size()), dxf(x.size());
  const std::vector<float> r = random_vec(ny, 8);
  lq->forward(x.data(), yq.data(), 2, true);
  lf->forward(xs.data(), yf.data(), 2, true);
  EXPECT_EQ(yq, yf);
  lq->backward(x.data(), yq.data(), r.data(), dxq.data(), 2);
  lf->backward(xs.data(), yf.data(), r.data(), dxf.data(), 2);
  EXPECT_EQ(dxq, dxf);
  EXPECT_EQ(kq->grad, kf->grad);
}

// From 128 filters and 128 window values the binarised conv's backward products run by lookup
// tables (sign_float_gemm): dx through sign(W), and dW from the signs of x with padded taps of
// pad_value 0 taken out again. Against the float conv on sign(x) and sign(w) (sgemm), within a
// few roundings of the sums (their order differs), for every pad_value, strides 1 and 2, input
// channels in whole words (dW's signs from the packed pixels) or not, and a
// batch that spans two chunks of the im2col buffer (32 x 32 x 128, 4 samples); the same bits
// with 1 and 2 threads.
TEST(ConvGradQuantized, LookupTableBackwardMatchesFloatConvOfSigns) {
  struct Case { size_t h, w, c, stride, batch; int pad; };
  bnn::kernels::set_num_threads(1);
  for (const Case& k : {Case{6, 5, 16, 1, 3, 0}, Case{6, 5, 16, 1, 3, 1}, Case{7, 6, 16, 2, 2, -1},
                        Case{7, 6, 16, 2, 2, 0}, Case{5, 4, 64, 2, 2, 1}, Case{5, 4, 64, 1, 2, -1},
                        Case{32, 32, 128, 1, 4, 0}}) {
    const std::string common = R"("filters":128,"kernel_size":[3,3],"padding":"same","use_bias":false,"strides":[)" +
                               std::to_string(k.stride) + "," + std::to_string(k.stride) +
                               R"(],"pad_value":)" + std::to_string(k.pad);
    auto lq = build(R"({"type":"conv2d",)" + common + R"(,"input_quantizer":{"type":"sign","ste":"identity"},
        "kernel_quantizer":{"type":"sign","ste":"identity"}})", {k.h, k.w, k.c});
    auto lf = build(R"({"type":"conv2d",)" + common + "}", {k.h, k.w, k.c});
    const std::vector<float> x = random_vec(k.batch * k.h * k.w * k.c, 5);
    std::vector<float> xs(x.size());
    for (size_t i = 0; i < x.size(); ++i) xs[i] = x[i] < 0 ? -1.0f : 1.0f;
    bnn::Tensor* kq = lq->tensors()[0];
    bnn::Tensor* kf = lf->tensors()[0];
    for (size_t i = 0; i < kq->numel(); ++i) kf->value[i] = kq->value[i] < 0 ? -1.0f : 1.0f;
    const size_t ny = k.batch * lq->output_shape().numel();
    std::vector<float> yq(ny), yf(ny), dxq(x.size()), dxf(x.size());
    const std::vector<float> r = random_vec(ny, 9);
    lq->forward(x.data(), yq.data(), k.batch, true);
    lf->forward(xs.data(), yf.data(), k.batch, true);
    ASSERT_EQ(yq, yf);
    lq->backward(x.data(), yq.data(), r.data(), dxq.data(), k.batch);
    lf->backward(xs.data(), yf.data(), r.data(), dxf.data(), k.batch);
    // The same bits with 2 threads (the tables' sums have a fixed order).
    bnn::kernels::set_num_threads(2);
    std::vector<float> dx2(x.size());
    const std::vector<float> g1 = kq->grad;
    lq->backward(x.data(), yq.data(), r.data(), dx2.data(), k.batch);
    bnn::kernels::set_num_threads(1);
    ASSERT_EQ(dx2, dxq);
    ASSERT_EQ(kq->grad, g1);
    // Sums of up to 1,152 (dx) and 4,096 (dW) terms of magnitude <= 1.
    for (size_t i = 0; i < dxf.size(); ++i)
      ASSERT_NEAR(dxq[i], dxf[i], 1e-4) << k.h << "x" << k.w << "x" << k.c << " pad " << k.pad << " dx " << i;
    for (size_t i = 0; i < kf->grad.size(); ++i)
      ASSERT_NEAR(kq->grad[i], kf->grad[i], 2e-4) << k.h << "x" << k.w << "x" << k.c << " pad " << k.pad << " dW " << i;
  }
}

TEST(ConvGradQuantized, ClippedSteCancelsOutsideClip) {
  const char* q = R"({"type":"conv2d","filters":2,"kernel_size":[1,1],"use_bias":false,
      "input_quantizer":{"type":"sign","ste":"clipped","clip":0.5},
      "kernel_quantizer":{"type":"sign","ste":"clipped","clip":0.5}})";
  auto l = build(q, {1, 2, 1});
  bnn::Tensor* k = l->tensors()[0];
  k->value = {0.3f, 0.9f};  // second weight outside the clip: no gradient
  const std::vector<float> x = {0.2f, -0.8f};  // second input outside the clip
  std::vector<float> y(4), dx(2);
  const std::vector<float> dy = {1, 1, 2, 0};  // [position][filter]
  l->forward(x.data(), y.data(), 1, true);
  l->backward(x.data(), y.data(), dy.data(), dx.data(), 1);
  EXPECT_NE(k->grad[0], 0.0f);
  EXPECT_EQ(k->grad[1], 0.0f);
  EXPECT_NE(dx[0], 0.0f);
  EXPECT_EQ(dx[1], 0.0f);
}

// Distinct, well separated inputs so that a small step never changes the argmax.
std::vector<float> distinct_vec(size_t n, uint32_t seed) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = -1.0f + 2.0f * static_cast<float>(i) / static_cast<float>(n);
  std::shuffle(v.begin(), v.end(), std::mt19937(seed));
  return v;
}

TEST(PoolGrad, MaxPoolMatchesFiniteDifferences) {
  for (const char* doc : {R"({"type":"max_pool2d","pool_size":[2,2]})",
                          R"({"type":"max_pool2d","pool_size":[3,3],"strides":[2,2]})",
                          R"({"type":"max_pool2d","pool_size":[2,3],"strides":[2,2],"padding":"same"})"}) {
    SCOPED_TRACE(doc);
    auto l = build(doc, {5, 7, 3});
    check_gradients(*l, 2, distinct_vec(2 * 5 * 7 * 3, 1), 1e-3f, 1e-3, 1e-3);
  }
}

TEST(PoolGrad, AveragePoolsMatchFiniteDifferences) {
  for (const char* doc : {R"({"type":"average_pool2d","pool_size":[2,2]})",
                          R"({"type":"average_pool2d","pool_size":3,"strides":2,"padding":"same"})",
                          R"({"type":"global_average_pool2d"})", R"({"type":"flatten"})"}) {
    SCOPED_TRACE(doc);
    auto l = build(doc, {5, 6, 2});
    check_gradients(*l, 2, random_vec(2 * 5 * 6 * 2, 2), 0.5f, 1e-4, 1e-4);
  }
}

TEST(PoolForward, MaxPoolTiesGoToFirstMaximum) {
  auto l = build(R"({"type":"max_pool2d","pool_size":[2,2]})", {2, 2, 1});
  const std::vector<float> x = {1.0f, 3.0f, 3.0f, 2.0f};
  std::vector<float> y(1), dx(4);
  const float dy = 1.0f;
  l->forward(x.data(), y.data(), 1, true);
  EXPECT_EQ(y[0], 3.0f);
  l->backward(x.data(), y.data(), &dy, dx.data(), 1);
  EXPECT_EQ(dx, (std::vector<float>{0, 1, 0, 0}));
}

TEST(PoolForward, SamePaddingIgnoresPaddedPositions) {
  // 3x3 image, pool 2 stride 2 "same": windows of 4, 2, 2 and 1 real inputs.
  auto avg = build(R"({"type":"average_pool2d","pool_size":2,"padding":"same"})", {3, 3, 1});
  auto mx = build(R"({"type":"max_pool2d","pool_size":2,"padding":"same"})", {3, 3, 1});
  const std::vector<float> x = {-1, -2, -3, -4, -5, -6, -7, -8, -9};
  std::vector<float> y(4);
  avg->forward(x.data(), y.data(), 1, false);
  EXPECT_EQ(y, (std::vector<float>{-3.0f, -4.5f, -7.5f, -9.0f}));
  mx->forward(x.data(), y.data(), 1, false);
  EXPECT_EQ(y, (std::vector<float>{-1.0f, -3.0f, -7.0f, -9.0f}));
}

// Batch norm on [H, W, C]: statistics per channel over batch, H and W. Non-linear (the batch
// statistics depend on x), so a small step 1e-2; tolerance 2e-3 abs + 1e-2 rel.
TEST(BatchNorm4d, MatchesFiniteDifferences) {
  auto l = build(R"({"type":"batch_norm","epsilon":1e-3})", {3, 4, 3});
  for (bnn::Tensor* t : l->tensors()) {
    if (t->name == "layers.0.gamma") t->value = random_vec(3, 6, 0.5f, 1.5f);
    if (t->name == "layers.0.beta") t->value = random_vec(3, 7);
  }
  check_gradients(*l, 3, random_vec(3 * 3 * 4 * 3, 12, -2.0f, 2.0f), 1e-2f, 2e-3, 1e-2);
}

TEST(BatchNorm4d, NormalisesEachChannelOverBatchAndSpace) {
  auto l = build(R"({"type":"batch_norm","epsilon":1e-5,"momentum":0.5})", {2, 3, 2});
  std::vector<float> x = random_vec(4 * 2 * 3 * 2, 21, -3.0f, 3.0f);
  for (size_t i = 0; i < x.size(); i += 2) x[i] = 5.0f + 2.0f * x[i];  // channel 0 shifted
  std::vector<float> y(x.size());
  l->forward(x.data(), y.data(), 4, true);
  for (size_t c = 0; c < 2; ++c) {
    double m = 0, v = 0, mx = 0;
    for (size_t i = c; i < y.size(); i += 2) m += y[i], mx += x[i];
    m /= 24;
    mx /= 24;
    for (size_t i = c; i < y.size(); i += 2) v += (y[i] - m) * (y[i] - m);
    EXPECT_NEAR(m, 0.0, 1e-5);
    EXPECT_NEAR(v / 24, 1.0, 1e-3);
    l->commit_state();
    // Keras momentum: running = 0.5 * 0 + 0.5 * batch mean (committed once above).
    if (c == 0) {
      EXPECT_NEAR(l->tensors()[2]->value[0], 0.5 * mx, 1e-4);
    }
  }
}

TEST(ConvLayer, ShapesAndJson) {
  auto l = build(R"({"type":"conv2d","filters":4,"kernel_size":[3,3],"strides":[2,2],
                     "padding":"same"})", {7, 6, 3});
  EXPECT_EQ(l->output_shape().dims, (std::vector<size_t>{4, 3, 4}));
  const json j = l->to_json();
  EXPECT_EQ(j.at("padding"), "same");
  EXPECT_EQ(j.at("pad_value"), 0.0);
  EXPECT_TRUE(j.at("kernel_quantizer").is_null());
  auto v = build(R"({"type":"conv2d","filters":2,"kernel_size":[2,3]})", {5, 5, 1});
  EXPECT_EQ(v->output_shape().dims, (std::vector<size_t>{4, 3, 2}));
  auto p = build(R"({"type":"max_pool2d","pool_size":[2,2]})", {5, 5, 2});
  EXPECT_EQ(p->output_shape().dims, (std::vector<size_t>{2, 2, 2}));
  auto ps = build(R"({"type":"max_pool2d","pool_size":[2,2],"padding":"same"})", {5, 5, 2});
  EXPECT_EQ(ps->output_shape().dims, (std::vector<size_t>{3, 3, 2}));
}

}  // namespace
