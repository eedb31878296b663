// conv2d / pooling / flatten through the public C API: document validation, tensor layout,
// exactness of the packed binary convolution, a small CNN's forward pass against a naive
// reference, and whole-model gradients (one SGD step) against finite differences.
#include <cmath>
#include <random>
#include <string>

#include <nlohmann/json.hpp>

#include "test_helpers.h"

using namespace bnn_test;

namespace {

std::vector<float> random_vec(size_t n, uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
  std::mt19937 g(seed);
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = d(g);
  return v;
}

float sgn(float v) { return v < 0.0f ? -1.0f : 1.0f; }

// Naive HWC convolution of one sample in double; padded taps hold `pad` (TF "same" geometry).
// kernel [kh][kw][c][f].
struct Geometry {
  size_t h, w, c, kh, kw, sh, sw, f;
  bool same;
  size_t oh() const { return same ? (h + sh - 1) / sh : (h - kh) / sh + 1; }
  size_t ow() const { return same ? (w + sw - 1) / sw : (w - kw) / sw + 1; }
  long top() const {
    if (!same) return 0;
    const long need = static_cast<long>((oh() - 1) * sh + kh) - static_cast<long>(h);
    return need > 0 ? need / 2 : 0;
  }
  long left() const {
    if (!same) return 0;
    const long need = static_cast<long>((ow() - 1) * sw + kw) - static_cast<long>(w);
    return need > 0 ? need / 2 : 0;
  }
};

std::vector<double> naive_conv(const Geometry& g, const float* x, const std::vector<float>& k,
                               const std::vector<float>& bias, double pad, bool binary) {
  std::vector<double> y(g.oh() * g.ow() * g.f, 0.0);
  for (size_t oy = 0; oy < g.oh(); ++oy)
    for (size_t ox = 0; ox < g.ow(); ++ox)
      for (size_t o = 0; o < g.f; ++o) {
        double s = bias.empty() ? 0.0 : bias[o];
        for (size_t ky = 0; ky < g.kh; ++ky)
          for (size_t kx = 0; kx < g.kw; ++kx) {
            const long iy = static_cast<long>(oy * g.sh + ky) - g.top();
            const long ix = static_cast<long>(ox * g.sw + kx) - g.left();
            const bool inside = iy >= 0 && iy < static_cast<long>(g.h) && ix >= 0 &&
                                ix < static_cast<long>(g.w);
            for (size_t c = 0; c < g.c; ++c) {
              double w = k[((ky * g.kw + kx) * g.c + c) * g.f + o];
              if (binary) w = sgn(static_cast<float>(w));
              double v = pad;
              if (inside) {
                v = x[(static_cast<size_t>(iy) * g.w + static_cast<size_t>(ix)) * g.c + c];
                if (binary) v = sgn(static_cast<float>(v));
              }
              s += v * w;
            }
          }
        y[(oy * g.ow() + ox) * g.f + o] = s;
      }
  return y;
}

std::string conv_doc(const Geometry& g, float pad, bool binary, bool bias, const std::string& tail = "") {
  const std::string q = binary ? R"({"type":"sign","ste":"clipped"})" : "null";
  return R"({"input_shape":[)" + std::to_string(g.h) + "," + std::to_string(g.w) + "," +
         std::to_string(g.c) + R"(],"layers":[{"type":"conv2d","filters":)" + std::to_string(g.f) +
         R"(,"kernel_size":[)" + std::to_string(g.kh) + "," + std::to_string(g.kw) +
         R"(],"strides":[)" + std::to_string(g.sh) + "," + std::to_string(g.sw) +
         R"(],"padding":")" + (g.same ? "same" : "valid") + R"(","pad_value":)" +
         std::to_string(static_cast<int>(pad)) + R"(,"use_bias":)" + (bias ? "true" : "false") +
         R"(,"input_quantizer":)" + q + R"(,"kernel_quantizer":)" + q + "}" + tail +
         R"(,{"type":"flatten"}],"seed":5})";
}

}  // namespace

TEST(ConvApi, DocumentErrorsNameThePath) {
  bnn_model* m = nullptr;
  const char* unknown = R"({"input_shape":[8,8,1],"layers":[{"type":"conv2d","filters":2,
      "kernel_size":[3,3],"dilation":2},{"type":"flatten"}]})";
  EXPECT_EQ(bnn_model_create_from_json(unknown, &m), BNN_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(std::string(bnn_last_errmsg()).find("layers[0].dilation"), std::string::npos)
      << bnn_last_errmsg();
  const char* flatten_dense = R"({"input_shape":[4,4,1],"layers":[{"type":"flatten"},{"type":"dense","units":2}]})";
  ASSERT_EQ(bnn_model_create_from_json(flatten_dense, &m), BNN_STATUS_OK);
  bnn_model_free(m);
  const char* kernel_big = R"({"input_shape":[4,4,1],"layers":[{"type":"conv2d","filters":2,
      "kernel_size":[5,3]},{"type":"flatten"}]})";
  EXPECT_EQ(bnn_model_create_from_json(kernel_big, &m), BNN_STATUS_SHAPE_MISMATCH);
  EXPECT_NE(std::string(bnn_last_errmsg()).find("layers[0]"), std::string::npos);
  EXPECT_NE(std::string(bnn_last_errmsg()).find("conv2d"), std::string::npos);
  const char* pool_big = R"({"input_shape":[4,4,1],"layers":[{"type":"max_pool2d",
      "pool_size":[5,5]},{"type":"flatten"}]})";
  EXPECT_EQ(bnn_model_create_from_json(pool_big, &m), BNN_STATUS_SHAPE_MISMATCH);
  const char* pad = R"({"input_shape":[4,4,1],"layers":[{"type":"conv2d","filters":2,
      "kernel_size":[3,3],"padding":"same","pad_value":0.5},{"type":"flatten"}]})";
  EXPECT_EQ(bnn_model_create_from_json(pad, &m), BNN_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(std::string(bnn_last_errmsg()).find("layers[0].pad_value"), std::string::npos);
  const char* padding = R"({"input_shape":[4,4,1],"layers":[{"type":"conv2d","filters":2,
      "kernel_size":[3,3],"padding":"full"},{"type":"flatten"}]})";
  EXPECT_EQ(bnn_model_create_from_json(padding, &m), BNN_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(std::string(bnn_last_errmsg()).find("layers[0].padding"), std::string::npos);
  const char* dense_on_image = R"({"input_shape":[4,4,1],"layers":[{"type":"dense","units":2}]})";
  EXPECT_EQ(bnn_model_create_from_json(dense_on_image, &m), BNN_STATUS_SHAPE_MISMATCH);
  const char* conv_on_vector = R"({"input_shape":[16],"layers":[{"type":"conv2d","filters":2,
      "kernel_size":[3,3]},{"type":"flatten"}]})";
  EXPECT_EQ(bnn_model_create_from_json(conv_on_vector, &m), BNN_STATUS_SHAPE_MISMATCH);
  const char* pool_key = R"({"input_shape":[4,4,1],"layers":[{"type":"average_pool2d",
      "pool_size":2,"filters":3},{"type":"flatten"}]})";
  EXPECT_EQ(bnn_model_create_from_json(pool_key, &m), BNN_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(std::string(bnn_last_errmsg()).find("layers[0].filters"), std::string::npos);
  EXPECT_EQ(m, nullptr);
}

TEST(ConvApi, TensorLayoutAndInit) {
  ModelPtr m = make_model(R"({"input_shape":[9,9,3],"layers":[
      {"type":"conv2d","filters":8,"kernel_size":[3,3],"use_bias":true,
       "kernel_quantizer":{"type":"sign","ste":"clipped"}},
      {"type":"max_pool2d","pool_size":[2,2]},
      {"type":"batch_norm"},
      {"type":"flatten"},{"type":"dense","units":10}],"seed":3})");
  ASSERT_NE(m.m, nullptr);
  EXPECT_EQ(bnn_model_input_size(m), 9u * 9u * 3u);
  EXPECT_EQ(bnn_model_output_size(m), 10u);
  const std::vector<float> k = get_tensor(m, "layers.0.kernel");
  ASSERT_EQ(k.size(), 3u * 3u * 3u * 8u);
  const double limit = std::sqrt(6.0 / (9.0 * 3 + 9.0 * 8));
  double mx = 0;
  for (float v : k) mx = std::max(mx, std::fabs(static_cast<double>(v)));
  EXPECT_LE(mx, limit);
  EXPECT_GT(mx, 0.8 * limit);  // Glorot uniform fills the range
  EXPECT_EQ(get_tensor(m, "layers.0.bias").size(), 8u);
  EXPECT_EQ(get_tensor(m, "layers.2.gamma").size(), 8u);  // per channel
  // Summary counts the conv kernel as binary.
  size_t size = 0;
  ASSERT_EQ(bnn_model_summary(m, nullptr, 0, &size), BNN_STATUS_OK);
  std::string buf(size, '\0');
  ASSERT_EQ(bnn_model_summary(m, buf.data(), buf.size(), &size), BNN_STATUS_OK);
  EXPECT_NE(buf.find("216 binary"), std::string::npos) << buf;
}

// Binary conv on packed bits equals the naive convolution of the signs exactly, for every
// padding mode and pad_value, odd sizes, and channel counts that are not multiples of 64, on
// every ISA this CPU supports.
TEST(ConvApi, PackedBinaryConvIsExact) {
  const Geometry cases[] = {
      {7, 5, 3, 3, 3, 1, 1, 5, true},   {7, 5, 3, 3, 3, 1, 1, 5, false},
      {6, 7, 67, 3, 3, 2, 2, 9, true},  {7, 6, 130, 3, 2, 2, 1, 3, true},
      {5, 5, 64, 5, 5, 1, 1, 66, true}, {8, 6, 1, 3, 3, 2, 2, 4, false},
      {6, 5, 128, 3, 3, 2, 2, 7, true}, {4, 5, 64, 2, 3, 1, 1, 65, false},  // packed-pixel path
      {3, 3, 2, 4, 4, 1, 1, 2, true},   // window larger than the image with "same"
  };
  const std::string previous = bnn_get_isa();
  for (const char* isa : {"scalar", "sse4.1", "avx2", "avx512", "neon", "wasm_simd128"}) {
    if (!bnn_isa_supported(isa)) continue;
    ASSERT_EQ(bnn_set_isa(isa), BNN_STATUS_OK);
    for (const Geometry& g : cases)
      for (float pad : {0.0f, 1.0f, -1.0f}) {
        SCOPED_TRACE(std::string(isa) + " " + conv_doc(g, pad, true, true));
        ModelPtr m = make_model(conv_doc(g, pad, true, true));
        ASSERT_NE(m.m, nullptr);
        std::vector<float> k = random_vec(g.kh * g.kw * g.c * g.f, 17);
        std::vector<float> bias(g.f);
        for (size_t o = 0; o < g.f; ++o) bias[o] = 0.5f * static_cast<float>(o);
        set_tensor(m, "layers.0.kernel", k);
        set_tensor(m, "layers.0.bias", bias);
        const size_t batch = 2, n_in = g.h * g.w * g.c;
        std::vector<float> x = random_vec(batch * n_in, 23);
        for (size_t i = 0; i < x.size(); i += 7) x[i] = 0.0f;  // sign(0) = +1
        std::vector<float> y(batch * g.oh() * g.ow() * g.f);
        ASSERT_EQ(bnn_model_output_size(m), y.size() / batch);
        ASSERT_EQ(bnn_model_predict(m, x.data(), batch, y.data(), y.size()), BNN_STATUS_OK)
            << bnn_model_errmsg(m);
        for (size_t b = 0; b < batch; ++b) {
          const std::vector<double> ref = naive_conv(g, &x[b * n_in], k, bias, pad, true);
          for (size_t i = 0; i < ref.size(); ++i)
            ASSERT_EQ(static_cast<double>(y[b * ref.size() + i]), ref[i]) << "sample " << b << " i " << i;
        }
      }
  }
  bnn_set_isa("auto");
  (void)previous;
}

TEST(ConvApi, FullPrecisionModeSwitchesTheQuantizersOff) {
  const Geometry g{6, 5, 3, 3, 3, 2, 2, 4, true};
  ModelPtr m = make_model(conv_doc(g, 0, true, false));
  const std::vector<float> k = random_vec(g.kh * g.kw * g.c * g.f, 3);
  set_tensor(m, "layers.0.kernel", k);
  const std::vector<float> x = random_vec(2 * g.h * g.w * g.c, 4);
  std::vector<float> y(2 * g.oh() * g.ow() * g.f);
  ASSERT_EQ(bnn_model_configure(m, R"({"quantize":false})"), BNN_STATUS_OK);
  ASSERT_EQ(bnn_model_predict(m, x.data(), 2, y.data(), y.size()), BNN_STATUS_OK);
  for (size_t b = 0; b < 2; ++b) {
    const std::vector<double> ref = naive_conv(g, &x[b * g.h * g.w * g.c], k, {}, 0.0, false);
    for (size_t i = 0; i < ref.size(); ++i) ASSERT_NEAR(y[b * ref.size() + i], ref[i], 1e-5);
  }
}

// conv(same, stride 2, float) -> max_pool 2 -> batch_norm -> hard_tanh -> binary conv (valid)
// -> average_pool -> flatten -> dense, with every tensor set through the API, against a naive
// double-precision reference (tolerance 1e-4).
TEST(ConvApi, SmallCnnForwardMatchesNaiveReference) {
  ModelPtr m = make_model(R"({"input_shape":[9,8,2],"layers":[
      {"type":"conv2d","filters":4,"kernel_size":[3,3],"strides":[2,2],"padding":"same"},
      {"type":"max_pool2d","pool_size":[2,2],"strides":[1,1]},
      {"type":"batch_norm","epsilon":1e-3},
      {"type":"hard_tanh"},
      {"type":"conv2d","filters":3,"kernel_size":[2,2],"use_bias":false,
       "input_quantizer":{"type":"sign","ste":"clipped"},
       "kernel_quantizer":{"type":"sign","ste":"clipped"}},
      {"type":"average_pool2d","pool_size":[2,1]},
      {"type":"flatten"},
      {"type":"dense","units":5}],"seed":9})");
  ASSERT_NE(m.m, nullptr);
  const Geometry g0{9, 8, 2, 3, 3, 2, 2, 4, true};  // -> 5x4x4
  const Geometry g1{4, 3, 4, 2, 2, 1, 1, 3, false};  // after 2x2/1 max pool: 4x3x4 -> 3x2x3
  const std::vector<float> k0 = random_vec(3 * 3 * 2 * 4, 1), b0 = random_vec(4, 2);
  const std::vector<float> gamma = random_vec(4, 3, 0.5f, 1.5f), beta = random_vec(4, 4);
  const std::vector<float> mean = random_vec(4, 5), var = random_vec(4, 6, 0.2f, 2.0f);
  const std::vector<float> k1 = random_vec(2 * 2 * 4 * 3, 7);
  // average pool [2,1] on 3x2x3 -> 1x2x3 -> 6 features
  const std::vector<float> kd = random_vec(6 * 5, 8), bd = random_vec(5, 9);
  set_tensor(m, "layers.0.kernel", k0);
  set_tensor(m, "layers.0.bias", b0);
  set_tensor(m, "layers.2.gamma", gamma);
  set_tensor(m, "layers.2.beta", beta);
  set_tensor(m, "layers.2.running_mean", mean);
  set_tensor(m, "layers.2.running_var", var);
  set_tensor(m, "layers.4.kernel", k1);
  set_tensor(m, "layers.7.kernel", kd);
  set_tensor(m, "layers.7.bias", bd);
  const size_t batch = 4, n_in = 9 * 8 * 2;
  const std::vector<float> x = random_vec(batch * n_in, 10, -2.0f, 2.0f);
  std::vector<float> logits(batch * 5);
  ASSERT_EQ(bnn_model_predict(m, x.data(), batch, logits.data(), logits.size()), BNN_STATUS_OK);
  for (size_t b = 0; b < batch; ++b) {
    std::vector<double> a = naive_conv(g0, &x[b * n_in], k0, b0, 0.0, false);  // 5x4x4
    std::vector<float> p(4 * 3 * 4);
    for (size_t y = 0; y < 4; ++y)
      for (size_t xx = 0; xx < 3; ++xx)
        for (size_t c = 0; c < 4; ++c) {
          double v = -1e30;
          for (size_t dy = 0; dy < 2; ++dy)
            for (size_t dx = 0; dx < 2; ++dx) v = std::max(v, a[((y + dy) * 4 + xx + dx) * 4 + c]);
          v = (v - mean[c]) / std::sqrt(var[c] + 1e-3) * gamma[c] + beta[c];
          p[(y * 3 + xx) * 4 + c] = static_cast<float>(std::min(1.0, std::max(-1.0, v)));
        }
    const std::vector<double> q = naive_conv(g1, p.data(), k1, {}, 0.0, true);  // 3x2x3
    std::vector<double> feat(6);
    for (size_t xx = 0; xx < 2; ++xx)
      for (size_t c = 0; c < 3; ++c) feat[xx * 3 + c] = 0.5 * (q[(0 * 2 + xx) * 3 + c] + q[(1 * 2 + xx) * 3 + c]);
    for (size_t o = 0; o < 5; ++o) {
      double s = bd[o];
      for (size_t i = 0; i < 6; ++i) s += feat[i] * kd[i * 5 + o];
      EXPECT_NEAR(logits[b * 5 + o], s, 1e-4) << "sample " << b << " logit " << o;
    }
  }
}

// Whole-model gradients: one SGD step with learning rate 1 reveals dL/dw = w_before - w_after;
// compared with double-precision central differences of bnn_model_evaluate's loss (step 1e-2,
// tolerance 5e-4 abs + 2e-2 rel; the model is linear up to the softmax, so truncation is small).
// The second conv's input gradient is exercised through the first conv's kernel gradient.
TEST(ConvApi, ModelGradientsMatchFiniteDifferences) {
  for (const char* pad : {"same", "valid"}) {
    SCOPED_TRACE(pad);
    const std::string doc = std::string(R"({"input_shape":[7,6,2],"layers":[
      {"type":"conv2d","filters":3,"kernel_size":[3,3],"strides":[2,2],"padding":")") + pad +
                            R"("},
      {"type":"conv2d","filters":2,"kernel_size":[2,2],"padding":")" + pad + R"("},
      {"type":"average_pool2d","pool_size":[1,2],"padding":"same"},
      {"type":"flatten"},
      {"type":"dense","units":3}],
      "loss":"cross_entropy","optimizer":{"type":"sgd","learning_rate":1.0},"seed":4})";
    ModelPtr m = make_model(doc);
    ASSERT_NE(m.m, nullptr);
    const size_t batch = 5, n_in = 7 * 6 * 2;
    const std::vector<float> x = random_vec(batch * n_in, 31, -2.0f, 2.0f);
    const std::vector<int32_t> labels = {0, 1, 2, 1, 0};
    ModelPtr probe = make_model(doc);  // same seed: same weights; used for the differences
    const std::vector<float> before = all_tensors(m);
    float loss = 0;
    ASSERT_EQ(bnn_model_train_step(m, x.data(), labels.data(), batch, &loss), BNN_STATUS_OK);
    const std::vector<float> after = all_tensors(m);
    size_t offset = 0;
    for (size_t t = 0; t < bnn_model_tensor_count(probe); ++t) {
      const char* name = nullptr;
      size_t n = 0;
      bnn_model_tensor_info(probe, t, &name, &n);
      std::vector<float> w(n);
      bnn_model_get_tensor(probe, t, w.data(), n);
      for (size_t i = 0; i < n; ++i) {
        const double grad = static_cast<double>(before[offset + i]) - after[offset + i];
        const float keep = w[i];
        double l[2];
        for (int s = 0; s < 2; ++s) {
          w[i] = keep + (s ? -1e-2f : 1e-2f);
          bnn_model_set_tensor(probe, t, w.data(), n);
          float lv = 0, acc = 0;
          ASSERT_EQ(bnn_model_evaluate(probe, x.data(), labels.data(), batch, &lv, &acc),
                    BNN_STATUS_OK);
          l[s] = lv;
        }
        w[i] = keep;
        bnn_model_set_tensor(probe, t, w.data(), n);
        const double fd = (l[0] - l[1]) / 2e-2;
        ASSERT_NEAR(fd, grad, 5e-4 + 2e-2 * std::fabs(grad)) << name << "[" << i << "]";
      }
      offset += n;
    }
  }
}

TEST(ConvApi, TrainsAndRoundTripsThroughSave) {
  const char* doc = R"({"input_shape":[6,6,1],"layers":[
      {"type":"conv2d","filters":4,"kernel_size":[3,3],"padding":"same","use_bias":false,
       "kernel_quantizer":{"type":"sign","ste":"clipped"}},
      {"type":"max_pool2d","pool_size":2},
      {"type":"batch_norm"},
      {"type":"conv2d","filters":4,"kernel_size":[3,3],"padding":"same","use_bias":false,
       "input_quantizer":{"type":"sign","ste":"clipped"},
       "kernel_quantizer":{"type":"sign","ste":"clipped"}},
      {"type":"global_average_pool2d"},
      {"type":"batch_norm"},
      {"type":"dense","units":2}],
      "optimizer":{"type":"adam","learning_rate":0.01},"seed":2})";
  ModelPtr m = make_model(doc);
  ASSERT_NE(m.m, nullptr);
  // Class 1: bright left half; class 0: bright right half.
  const size_t n = 64;
  std::vector<float> x(n * 36);
  std::vector<int32_t> y(n);
  std::mt19937 g(1);
  std::uniform_real_distribution<float> noise(-0.3f, 0.3f);
  for (size_t i = 0; i < n; ++i) {
    y[i] = static_cast<int32_t>(i % 2);
    for (size_t p = 0; p < 36; ++p)
      x[i * 36 + p] = (((p % 6) < 3) == (y[i] == 1) ? 1.0f : -1.0f) + noise(g);
  }
  float loss = 0;
  for (int e = 0; e < 30; ++e)
    ASSERT_EQ(bnn_model_train_step(m, x.data(), y.data(), n, &loss), BNN_STATUS_OK)
        << bnn_model_errmsg(m);
  float acc = 0, eloss = 0;
  ASSERT_EQ(bnn_model_evaluate(m, x.data(), y.data(), n, &eloss, &acc), BNN_STATUS_OK);
  EXPECT_GE(acc, 0.95f);
  const std::vector<uint8_t> bytes = save_bytes(m);
  bnn_model* loaded = nullptr;
  ASSERT_EQ(bnn_model_load_buffer(bytes.data(), bytes.size(), &loaded), BNN_STATUS_OK)
      << bnn_last_errmsg();
  ModelPtr l(loaded);
  std::vector<float> a(n * 2), b(n * 2);
  ASSERT_EQ(bnn_model_predict(m, x.data(), n, a.data(), a.size()), BNN_STATUS_OK);
  ASSERT_EQ(bnn_model_predict(l, x.data(), n, b.data(), b.size()), BNN_STATUS_OK);
  EXPECT_EQ(a, b);
}

TEST(ConvApi, ConfigRoundTripAndGlorotClip) {
  // weight_clip "glorot" clips a binary conv kernel to H = sqrt(1.5 / (kh*kw*(in + out))).
  const char* doc = R"({"input_shape":[5,5,3],"layers":[
      {"type":"conv2d","filters":8,"kernel_size":[3,3],"strides":2,"padding":"same","pad_value":-1,
       "kernel_quantizer":{"type":"sign","ste":"identity"}},
      {"type":"average_pool2d","pool_size":[3,3],"padding":"same"},
      {"type":"flatten"},{"type":"dense","units":2}],
      "optimizer":{"type":"sgd","learning_rate":100.0},"weight_clip":{"mode":"glorot"},"seed":6})";
  ModelPtr m = make_model(doc);
  ASSERT_NE(m.m, nullptr);
  size_t size = 0;
  ASSERT_EQ(bnn_model_config_json(m, nullptr, 0, &size), BNN_STATUS_OK);
  std::string buf(size, '\0');
  ASSERT_EQ(bnn_model_config_json(m, buf.data(), buf.size(), &size), BNN_STATUS_OK);
  ModelPtr m2 = make_model(buf.c_str());
  EXPECT_EQ(all_tensors(m), all_tensors(m2));
  const nlohmann::json parsed = nlohmann::json::parse(buf.c_str());
  EXPECT_EQ(parsed.at("layers").at(0).at("pad_value").get<double>(), -1.0) << buf;
  EXPECT_EQ(parsed.at("layers").at(0).at("strides"), nlohmann::json({2, 2})) << buf;
  const std::vector<float> x = random_vec(4 * 75, 3);
  const std::vector<int32_t> y = {0, 1, 1, 0};
  float loss = 0;
  ASSERT_EQ(bnn_model_train_step(m, x.data(), y.data(), 4, &loss), BNN_STATUS_OK);
  const float h = static_cast<float>(std::sqrt(1.5 / (9.0 * (3 + 8))));
  size_t at_bound = 0;
  for (float v : get_tensor(m, "layers.0.kernel")) {
    ASSERT_LE(std::fabs(v), h * (1 + 1e-6f));
    at_bound += std::fabs(v) == h;
  }
  EXPECT_GT(at_bound, 0u);
}
