// Window geometry shared by conv2d and the pooling layers (HWC images, batch-major), and the
// im2col / col2im transforms that turn a convolution into one matrix product.
//
// "same" padding follows TF/Keras: out = ceil(in / stride), total padding
// max((out - 1) * stride + k - in, 0), the smaller half before (top/left) and the larger after,
// so stride > 1 can pad asymmetrically.
#pragma once
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "layers/layer.h"

namespace bnn {

struct Window2d {
  size_t h = 0, w = 0, c = 0;     // input image
  size_t kh = 1, kw = 1;          // window
  size_t sh = 1, sw = 1;          // strides
  size_t pad_top = 0, pad_left = 0;
  size_t oh = 0, ow = 0;          // output positions
  bool same = false;

  size_t positions() const { return oh * ow; }
  // First input row/column of output row oy / column ox, as a signed offset (may be < 0).
  long y0(size_t oy) const { return static_cast<long>(oy * sh) - static_cast<long>(pad_top); }
  long x0(size_t ox) const { return static_cast<long>(ox * sw) - static_cast<long>(pad_left); }
};

// A [a, b] pair of positive integers, or one integer meaning [n, n] (Keras accepts both).
inline std::vector<size_t> read_pair(const JsonReader& r, const char* key, size_t lo, size_t hi) {
  const json& v = r.raw().at(key);
  if (v.is_number()) {
    const size_t n = static_cast<size_t>(r.integer_value(v, key, static_cast<int64_t>(lo),
                                                         static_cast<int64_t>(hi)));
    return {n, n};
  }
  return r.int_list(key, 2, static_cast<int64_t>(lo), static_cast<int64_t>(hi));
}

// Reads "padding" and computes the geometry; the layer's input must be [H, W, C].
// Errors (SHAPE_MISMATCH) name the layer's path and type.
inline Window2d make_window(const JsonReader& r, const Shape& in, const char* type, size_t kh,
                            size_t kw, size_t sh, size_t sw) {
  if (in.dims.size() != 3)
    r.error(BNN_STATUS_SHAPE_MISMATCH, "",
            std::string(type) + " needs an [H, W, C] input, got " + in.str());
  Window2d g;
  g.h = in.dims[0];
  g.w = in.dims[1];
  g.c = in.dims[2];
  g.kh = kh;
  g.kw = kw;
  g.sh = sh;
  g.sw = sw;
  g.same = r.choice("padding", {"valid", "same"}, 0) == 1;
  if (g.same) {
    g.oh = (g.h + sh - 1) / sh;
    g.ow = (g.w + sw - 1) / sw;
    const size_t need_h = (g.oh - 1) * sh + kh, need_w = (g.ow - 1) * sw + kw;
    g.pad_top = need_h > g.h ? (need_h - g.h) / 2 : 0;
    g.pad_left = need_w > g.w ? (need_w - g.w) / 2 : 0;
    // The padded input, (oh - 1) * sh + kh rows, always holds the window (Keras allows a
    // window larger than the image with "same").
  } else {
    if (kh > g.h || kw > g.w)
      r.error(BNN_STATUS_SHAPE_MISMATCH, "",
              std::string(type) + " window [" + std::to_string(kh) + ", " + std::to_string(kw) +
                  "] is larger than the input " + in.str() + " with \"valid\" padding");
    g.oh = (g.h - kh) / sh + 1;
    g.ow = (g.w - kw) / sw + 1;
  }
  return g;
}

// One sample x[H][W][C] -> col[oh*ow][kh*kw*C]; a row's column index is (ky*kw + kx)*C + c,
// the row index of a [kh][kw][in][out] kernel. Taps outside the image hold `pad`.
inline void im2col(const float* x, const Window2d& g, float pad, float* col) {
  const size_t C = g.c, K = g.kh * g.kw * C;
  for (size_t oy = 0; oy < g.oh; ++oy)
    for (size_t ox = 0; ox < g.ow; ++ox) {
      float* row = col + (oy * g.ow + ox) * K;
      for (size_t ky = 0; ky < g.kh; ++ky) {
        const long iy = g.y0(oy) + static_cast<long>(ky);
        float* dst = row + ky * g.kw * C;
        if (iy < 0 || iy >= static_cast<long>(g.h)) {
          std::fill(dst, dst + g.kw * C, pad);
          continue;
        }
        for (size_t kx = 0; kx < g.kw; ++kx) {
          const long ix = g.x0(ox) + static_cast<long>(kx);
          if (ix < 0 || ix >= static_cast<long>(g.w))
            std::fill(dst + kx * C, dst + (kx + 1) * C, pad);
          else
            std::memcpy(dst + kx * C, x + (static_cast<size_t>(iy) * g.w + ix) * C,
                        C * sizeof(float));
        }
      }
    }
}

// The adjoint of im2col: dx[H][W][C] = sum of the col entries that read each input (padded taps
// are constants and receive nothing). dx is overwritten.
inline void col2im(const float* col, const Window2d& g, float* dx) {
  const size_t C = g.c, K = g.kh * g.kw * C;
  std::fill(dx, dx + g.h * g.w * C, 0.0f);
  for (size_t oy = 0; oy < g.oh; ++oy)
    for (size_t ox = 0; ox < g.ow; ++ox) {
      const float* row = col + (oy * g.ow + ox) * K;
      for (size_t ky = 0; ky < g.kh; ++ky) {
        const long iy = g.y0(oy) + static_cast<long>(ky);
        if (iy < 0 || iy >= static_cast<long>(g.h)) continue;
        for (size_t kx = 0; kx < g.kw; ++kx) {
          const long ix = g.x0(ox) + static_cast<long>(kx);
          if (ix < 0 || ix >= static_cast<long>(g.w)) continue;
          float* d = dx + (static_cast<size_t>(iy) * g.w + ix) * C;
          const float* s = row + (ky * g.kw + kx) * C;
          for (size_t c = 0; c < C; ++c) d[c] += s[c];
        }
      }
    }
}

}  // namespace bnn
