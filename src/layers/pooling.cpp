// Pooling on HWC images: max_pool2d, average_pool2d (pool_size, strides [= pool_size], padding
// "valid" [default] or "same") and global_average_pool2d ([H, W, C] -> [C]).
// With "same", padded positions are ignored: a max over the real inputs only, an average divided
// by the number of real inputs in the window (Keras/TF behaviour).
// Max pooling's gradient goes to the window's argmax, the first maximum in row-major order on ties
// (recorded by the forward pass).
#include <algorithm>
#include <cstdint>

#include "layers/layers.h"
#include "layers/spatial.h"

namespace bnn {
namespace {

class Pool2d : public Layer {
 public:
  Pool2d(LayerArgs& a, bool max) : max_(max) {
    const JsonReader& r = a.doc;
    r.allow_only({"type", "pool_size", "strides", "padding"});
    in_ = a.input;
    if (!r.has("pool_size"))
      r.error(BNN_STATUS_INVALID_ARGUMENT, "pool_size", "required key is missing");
    const std::vector<size_t> p = read_pair(r, "pool_size", 1, 1 << 12);
    std::vector<size_t> s = p;
    if (r.has("strides")) s = read_pair(r, "strides", 1, 1 << 12);
    g_ = make_window(r, in_, type(), p[0], p[1], s[0], s[1]);
    // Each output position visits its whole window: bound the work of one sample.
    if (g_.positions() * g_.kh * g_.kw * g_.c > (size_t{1} << 30))
      r.error(BNN_STATUS_OUT_OF_RANGE, "pool_size",
              std::to_string(g_.positions() * g_.c) + " outputs x " +
                  std::to_string(g_.kh * g_.kw) + " window taps per sample exceeds 2^30");
    out_.dims = {g_.oh, g_.ow, g_.c};
  }

  const char* type() const override { return max_ ? "max_pool2d" : "average_pool2d"; }
  json to_json() const override {
    return {{"type", type()},
            {"pool_size", {g_.kh, g_.kw}},
            {"strides", {g_.sh, g_.sw}},
            {"padding", g_.same ? "same" : "valid"}};
  }

  void forward(const float* x, float* y, size_t batch, bool) override {
    const size_t C = g_.c, n_in = in_.numel(), n_out = out_.numel();
    if (max_) argmax_.resize(batch * n_out);
    for (size_t b = 0; b < batch; ++b) {
      const float* xs = x + b * n_in;
      float* ys = y + b * n_out;
      for (size_t oy = 0; oy < g_.oh; ++oy)
        for (size_t ox = 0; ox < g_.ow; ++ox) {
          const size_t o = (oy * g_.ow + ox) * C;
          float* yo = ys + o;
          const Range r = range(oy, ox);
          if (max_) {
            // Strict ">" keeps the first maximum (row-major) as the argmax.
            uint32_t* arg = &argmax_[b * n_out + o];
            const size_t first = (r.y0 * g_.w + r.x0) * C;
            for (size_t c = 0; c < C; ++c) {
              yo[c] = xs[first + c];
              arg[c] = static_cast<uint32_t>(first + c);
            }
            for (size_t iy = r.y0; iy < r.y1; ++iy)
              for (size_t ix = r.x0; ix < r.x1; ++ix) {
                const size_t i = (iy * g_.w + ix) * C;
                const float* xi = xs + i;
                for (size_t c = 0; c < C; ++c) {  // selects, not branches: vectorises
                  const bool take = xi[c] > yo[c];
                  yo[c] = take ? xi[c] : yo[c];
                  arg[c] = take ? static_cast<uint32_t>(i + c) : arg[c];
                }
              }
          } else {
            std::fill(yo, yo + C, 0.0f);
            for (size_t iy = r.y0; iy < r.y1; ++iy)
              for (size_t ix = r.x0; ix < r.x1; ++ix) {
                const float* xi = xs + (iy * g_.w + ix) * C;
                for (size_t c = 0; c < C; ++c) yo[c] += xi[c];
              }
            const float inv = 1.0f / static_cast<float>(r.count());
            for (size_t c = 0; c < C; ++c) yo[c] *= inv;
          }
        }
    }
  }

  void backward(const float*, const float*, const float* dy, float* dx, size_t batch) override {
    if (!dx) return;
    const size_t C = g_.c, n_in = in_.numel(), n_out = out_.numel();
    std::fill(dx, dx + batch * n_in, 0.0f);
    if (max_) {  // the gradient goes to the argmax recorded by the forward pass
      for (size_t b = 0; b < batch; ++b) {
        float* dxs = dx + b * n_in;
        const uint32_t* arg = &argmax_[b * n_out];
        const float* dys = dy + b * n_out;
        for (size_t i = 0; i < n_out; ++i) dxs[arg[i]] += dys[i];
      }
      return;
    }
    for (size_t b = 0; b < batch; ++b) {
      float* dxs = dx + b * n_in;
      for (size_t oy = 0; oy < g_.oh; ++oy)
        for (size_t ox = 0; ox < g_.ow; ++ox) {
          const size_t o = b * n_out + (oy * g_.ow + ox) * C;
          const Range r = range(oy, ox);
          const float inv = 1.0f / static_cast<float>(r.count());
          for (size_t iy = r.y0; iy < r.y1; ++iy)
            for (size_t ix = r.x0; ix < r.x1; ++ix) {
              float* d = dxs + (iy * g_.w + ix) * C;
              for (size_t c = 0; c < C; ++c) d[c] += dy[o + c] * inv;
            }
        }
    }
  }

 private:
  // The window of an output position clipped to the image.
  struct Range {
    size_t y0, y1, x0, x1;
    size_t count() const { return (y1 - y0) * (x1 - x0); }
  };
  Range range(size_t oy, size_t ox) const {
    const long h = static_cast<long>(g_.h), w = static_cast<long>(g_.w);
    const long y0 = g_.y0(oy), x0 = g_.x0(ox);
    const long y1 = std::min(h, y0 + static_cast<long>(g_.kh));
    const long x1 = std::min(w, x0 + static_cast<long>(g_.kw));
    return {static_cast<size_t>(std::max(0L, y0)), static_cast<size_t>(y1),
            static_cast<size_t>(std::max(0L, x0)), static_cast<size_t>(x1)};
  }

  bool max_;
  Window2d g_;
  std::vector<uint32_t> argmax_;  // per output: input index within the sample (forward)
};

class GlobalAveragePool2d : public Layer {
 public:
  explicit GlobalAveragePool2d(LayerArgs& a) {
    a.doc.allow_only({"type"});
    in_ = a.input;
    if (in_.dims.size() != 3)
      a.doc.error(BNN_STATUS_SHAPE_MISMATCH, "",
                  "global_average_pool2d needs an [H, W, C] input, got " + in_.str());
    out_.dims = {in_.dims[2]};
  }
  const char* type() const override { return "global_average_pool2d"; }
  json to_json() const override { return {{"type", type()}}; }

  void forward(const float* x, float* y, size_t batch, bool) override {
    const size_t C = in_.dims[2], P = in_.dims[0] * in_.dims[1];
    const float inv = 1.0f / static_cast<float>(P);
    for (size_t b = 0; b < batch; ++b) {
      float* yo = y + b * C;
      std::fill(yo, yo + C, 0.0f);
      for (size_t p = 0; p < P; ++p) {
        const float* xi = x + (b * P + p) * C;
        for (size_t c = 0; c < C; ++c) yo[c] += xi[c];
      }
      for (size_t c = 0; c < C; ++c) yo[c] *= inv;
    }
  }
  void backward(const float*, const float*, const float* dy, float* dx, size_t batch) override {
    if (!dx) return;
    const size_t C = in_.dims[2], P = in_.dims[0] * in_.dims[1];
    const float inv = 1.0f / static_cast<float>(P);
    for (size_t b = 0; b < batch; ++b)
      for (size_t p = 0; p < P; ++p)
        for (size_t c = 0; c < C; ++c) dx[(b * P + p) * C + c] = dy[b * C + c] * inv;
  }
};

}  // namespace

std::unique_ptr<Layer> make_max_pool2d(LayerArgs& a) { return std::make_unique<Pool2d>(a, true); }
std::unique_ptr<Layer> make_average_pool2d(LayerArgs& a) {
  return std::make_unique<Pool2d>(a, false);
}
std::unique_ptr<Layer> make_global_average_pool2d(LayerArgs& a) {
  return std::make_unique<GlobalAveragePool2d>(a);
}

}  // namespace bnn
