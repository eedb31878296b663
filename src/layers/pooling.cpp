// Pooling on HWC images: max_pool2d, average_pool2d (pool_size, strides [= pool_size], padding
// "valid" [default] or "same") and global_average_pool2d ([H, W, C] -> [C]).
// With "same", padded positions are ignored: a max over the real inputs only, an average divided
// by the number of real inputs in the window (Keras/TF behaviour).
// Max pooling's gradient goes to the window's argmax, the first maximum in row-major order on ties.
#include <limits>

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
    for (size_t b = 0; b < batch; ++b) {
      const float* xs = x + b * n_in;
      float* ys = y + b * n_out;
      for (size_t oy = 0; oy < g_.oh; ++oy)
        for (size_t ox = 0; ox < g_.ow; ++ox) {
          float* yo = ys + (oy * g_.ow + ox) * C;
          const Range r = range(oy, ox);
          std::fill(yo, yo + C, max_ ? -std::numeric_limits<float>::infinity() : 0.0f);
          for (size_t iy = r.y0; iy < r.y1; ++iy)
            for (size_t ix = r.x0; ix < r.x1; ++ix) {
              const float* xi = xs + (iy * g_.w + ix) * C;
              if (max_)
                for (size_t c = 0; c < C; ++c) yo[c] = xi[c] > yo[c] ? xi[c] : yo[c];
              else
                for (size_t c = 0; c < C; ++c) yo[c] += xi[c];
            }
          if (!max_) {
            const float inv = 1.0f / static_cast<float>(r.count());
            for (size_t c = 0; c < C; ++c) yo[c] *= inv;
          }
        }
    }
  }

  void backward(const float* x, const float* y, const float* dy, float* dx,
                size_t batch) override {
    if (!dx) return;
    const size_t C = g_.c, n_in = in_.numel(), n_out = out_.numel();
    std::fill(dx, dx + batch * n_in, 0.0f);
    for (size_t b = 0; b < batch; ++b) {
      const float* xs = x + b * n_in;
      float* dxs = dx + b * n_in;
      for (size_t oy = 0; oy < g_.oh; ++oy)
        for (size_t ox = 0; ox < g_.ow; ++ox) {
          const size_t o = b * n_out + (oy * g_.ow + ox) * C;
          const Range r = range(oy, ox);
          if (max_) {
            // The first input (row-major) equal to the forward maximum is the argmax.
            done_.assign(C, 0);
            for (size_t iy = r.y0; iy < r.y1; ++iy)
              for (size_t ix = r.x0; ix < r.x1; ++ix) {
                const size_t i = (iy * g_.w + ix) * C;
                for (size_t c = 0; c < C; ++c)
                  if (!done_[c] && xs[i + c] == y[o + c]) {
                    dxs[i + c] += dy[o + c];
                    done_[c] = 1;
                  }
              }
          } else {
            const float inv = 1.0f / static_cast<float>(r.count());
            for (size_t iy = r.y0; iy < r.y1; ++iy)
              for (size_t ix = r.x0; ix < r.x1; ++ix) {
                float* d = dxs + (iy * g_.w + ix) * C;
                for (size_t c = 0; c < C; ++c) d[c] += dy[o + c] * inv;
              }
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
  std::vector<unsigned char> done_;
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
