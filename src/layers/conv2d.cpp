// 2-D convolution on HWC images with optional input and kernel quantizers (as dense).
//
// Full precision (and the backward pass): im2col + sgemm, a chunk of samples at a time so the
// column matrix stays within a fixed memory budget. When both operands are binarised the forward
// product runs on packed bits: the im2col rows are packed (pack_rows), the kernel's columns too
// (pack_cols), and bgemm gives sum sign(x) sign(w) exactly (small integers in float). When the
// channels fill whole 64-bit words (C % 64 == 0, every binary layer of the VGG net) each image is
// packed once and the rows are assembled from words: 1.4-3.3x faster than packing a float im2col
// matrix on the VGG shapes (batch 8, AVX-512).
//
// pad_value: the value that padded taps hold in the layer's (quantized) input. 0 (default, as
// Larq): padded taps contribute nothing. In the packed path a padded 0 is stored as bit 0, i.e.
// as +1, so each output position with padded taps gets the exact correction
//   y -= sum over its padded taps t and channels c of sign(w[t][c][o]).
// +1 / -1: padded taps hold that value. This is what a binary conv is usually meant to do (every
// tap is +-1, Larq's pad_values=1), but it applies in full-precision layers as well: there the
// padded taps are the constant pad_value too. Padded taps never receive a gradient.
#include <cmath>
#include <cstring>

#include "core/rng.h"
#include "kernels/kernels.h"
#include "layers/binary_kernel.h"
#include "layers/layers.h"
#include "layers/spatial.h"

namespace bnn {
namespace {

// Floats of the im2col buffer per chunk (16 MiB); a chunk holds at least one sample.
constexpr size_t kColBudget = size_t{1} << 22;

class Conv2d : public Layer {
 public:
  explicit Conv2d(LayerArgs& a) {
    const JsonReader& r = a.doc;
    r.allow_only({"type", "filters", "kernel_size", "strides", "padding", "pad_value",
                  "use_bias", "input_quantizer", "kernel_quantizer"});
    in_ = a.input;
    f_ = static_cast<size_t>(r.required_integer("filters", 1, 1 << 16));
    if (!r.has("kernel_size"))
      r.error(BNN_STATUS_INVALID_ARGUMENT, "kernel_size", "required key is missing");
    const std::vector<size_t> k = read_pair(r, "kernel_size", 1, 1 << 12);
    std::vector<size_t> s = {1, 1};
    if (r.has("strides")) s = read_pair(r, "strides", 1, 1 << 12);
    g_ = make_window(r, in_, "conv2d", k[0], k[1], s[0], s[1]);
    pad_ = static_cast<float>(r.number("pad_value", 0.0, -1.0, 1.0));
    if (pad_ != 0.0f && pad_ != 1.0f && pad_ != -1.0f)
      r.error(BNN_STATUS_INVALID_ARGUMENT, "pad_value", "expected 0, 1 or -1");
    use_bias_ = r.boolean("use_bias", true);
    if (r.has("input_quantizer")) iq_ = Quantizer::from_json(r.at("input_quantizer"));
    if (r.has("kernel_quantizer")) kq_ = Quantizer::from_json(r.at("kernel_quantizer"));
    k_ = g_.kh * g_.kw * g_.c;
    // One sample's im2col matrix (positions x window) is the least a chunk holds, and the border
    // search visits every (position, tap): bound both before allocating anything.
    if (g_.positions() * k_ > (size_t{1} << 28))
      r.error(BNN_STATUS_OUT_OF_RANGE, "kernel_size",
              std::to_string(g_.positions()) + " positions x " + std::to_string(k_) +
                  " window values per sample exceeds the limit of 2^28");
    if (g_.positions() * f_ > (size_t{1} << 26))
      r.error(BNN_STATUS_OUT_OF_RANGE, "filters",
              "output of " + std::to_string(g_.positions() * f_) +
                  " values per sample exceeds the limit of 2^26");
    if (k_ * f_ > (size_t{1} << 28))
      r.error(BNN_STATUS_OUT_OF_RANGE, "filters", "kernel of " + std::to_string(k_ * f_) +
                                                      " weights exceeds the limit of 2^28");
    out_.dims = {g_.oh, g_.ow, f_};
    kernel_ = add_tensor(a.prefix() + "kernel", {g_.kh, g_.kw, g_.c, f_}, true, 0.0f);
    kernel_->binary = kq_.present;
    // Keras convention: fan_in = kh*kw*in, fan_out = kh*kw*out.
    const double fan = static_cast<double>(g_.kh * g_.kw) * static_cast<double>(g_.c + f_);
    kernel_->glorot_h = static_cast<float>(std::sqrt(1.5 / fan));
    const float limit = static_cast<float>(std::sqrt(6.0 / fan));
    for (float& w : kernel_->value) w = a.rng.uniform(-limit, limit);  // Glorot uniform
    if (use_bias_) bias_ = add_tensor(a.prefix() + "bias", {f_}, true, 0.0f);
    find_border();
  }

  const char* type() const override { return "conv2d"; }
  Quantizer* kernel_quantizer() override { return kq_.present ? &kq_ : nullptr; }
  Quantizer* input_quantizer() override { return iq_.present ? &iq_ : nullptr; }

  json to_json() const override {
    return {{"type", "conv2d"},
            {"filters", f_},
            {"kernel_size", {g_.kh, g_.kw}},
            {"strides", {g_.sh, g_.sw}},
            {"padding", g_.same ? "same" : "valid"},
            {"pad_value", pad_},
            {"use_bias", use_bias_},
            {"input_quantizer", iq_.to_json()},
            {"kernel_quantizer", kq_.to_json()}};
  }

  void forward(const float* x, float* y, size_t batch, bool /*training*/) override {
    const bool qin = quantize_ && iq_.present, qk = quantize_ && kq_.present;
    const size_t P = g_.positions(), n_in = in_.numel(), chunk = chunk_samples(batch);
    const float* w = kernel_->value.data();
    // sign(W) as bits, kept current by the optimiser's fused update (no pass over W here).
    const uint64_t* wsigns = qk ? BinaryKernel::row_signs(*kernel_, fused_update_) : nullptr;
    if (qin && qk) {
      binary_forward(x, y, batch, chunk);
    } else {
      const float* xin = x;
      if (qin) {
        xq_.resize(batch * n_in);
        sign_forward(x, xq_.data(), xq_.size());
        xin = xq_.data();
      }
      col_.resize(chunk * P * k_);
      for (size_t b0 = 0; b0 < batch; b0 += chunk) {
        const size_t nb = std::min(chunk, batch - b0);
        for (size_t s = 0; s < nb; ++s) im2col(xin + (b0 + s) * n_in, g_, pad_, &col_[s * P * k_]);
        if (qk)
          kernels::sgemm_signs(false, false, nb * P, f_, k_, 1.0f, col_.data(), k_, wsigns,
                               kernels::packed_words(f_), 0.0f, y + b0 * P * f_, f_);
        else
          kernels::sgemm(false, false, nb * P, f_, k_, 1.0f, col_.data(), k_, w, f_, 0.0f,
                         y + b0 * P * f_, f_);
      }
    }
    if (use_bias_) {
      const float* b = bias_->value.data();
      const size_t rows = batch * P;
      for (size_t i = 0; i < rows; ++i)
        for (size_t o = 0; o < f_; ++o) y[i * f_ + o] += b[o];
    }
  }

  void backward(const float* x, const float* /*y*/, const float* dy, float* dx,
                size_t batch) override {
    const bool qin = quantize_ && iq_.present, qk = quantize_ && kq_.present;
    const size_t P = g_.positions(), n_in = in_.numel(), chunk = chunk_samples(batch);
    const float* w = kernel_->value.data();
    // Lookup tables (kernels.h sign_float_gemm) for the products with a sign operand: dW from
    // the signs of x, dx through sign(W). With whole words of channels, dW's signs come straight
    // from the packed pixels (no float im2col).
    // From BinaryKernel::kLutMinRows filters and window values (a table per 8 filters serves
    // every window value).
    const bool lut = f_ >= BinaryKernel::kLutMinRows && k_ >= BinaryKernel::kLutMinRows;
    const bool lut_w = qin && lut, lut_x = qk && lut;
    // sign(W)^T row-major for the GEMM (the forward made the signs current).
    const uint64_t* wt = qk && !lut_x ? wsigns_.col_signs(*kernel_) : nullptr;
    const bool from_pixels = lut_w && g_.c % 64 == 0;
    const float* xin = x;
    if (qin && !from_pixels) {  // the packed forward path does not keep sign(x)
      xq_.resize(batch * n_in);
      sign_forward(x, xq_.data(), xq_.size());
      xin = xq_.data();
    }
    col_.resize(chunk * P * k_);
    if (dx) dcol_.resize(chunk * P * k_);
    float* gw = kernel_->grad.data();
    for (size_t b0 = 0; b0 < batch; b0 += chunk) {
      const size_t nb = std::min(chunk, batch - b0);
      const float* dyc = dy + b0 * P * f_;
      if (from_pixels) {
        xbits_.resize(std::max(xbits_.size(), nb * P * kernels::packed_words(k_)));
        window_bits(x + b0 * n_in, nb);
      } else {
        for (size_t s = 0; s < nb; ++s) im2col(xin + (b0 + s) * n_in, g_, pad_, &col_[s * P * k_]);
      }
      // dL/dW_used (K x F) += col^T dy
      if (lut_w)
        signs_gradient(nb, dyc, gw, b0 == 0, !from_pixels);
      else
        kernels::sgemm(true, false, k_, f_, nb * P, 1.0f, col_.data(), k_, dyc, f_,
                       b0 == 0 ? 0.0f : 1.0f, gw, f_);
      if (dx) {
        // dL/dcol = dy W^T, then scattered back onto the image.
        if (lut_x) {
          // dcol^T = sign(W) dy^T by lookup tables (kernels.h sign_float_gemm, as dense):
          // sign(W)'s rows are the row-major signs the fused update keeps; col_ is free (the
          // kernel gradient has read it, or did not need it) and holds dcol^T.
          dyt_.resize(nb * P * f_);
          BinaryKernel::dy_signs_t(*kernel_, BinaryKernel::row_signs(*kernel_, fused_update_), dyc,
                                   nb * P, dyt_.data(), col_.data(), dcol_.data());
        } else if (qk)
          kernels::sgemm_signs(false, false, nb * P, k_, f_, 1.0f, dyc, f_, wt,
                               kernels::packed_words(k_), 0.0f, dcol_.data(), k_);
        else
          kernels::sgemm(false, true, nb * P, k_, f_, 1.0f, dyc, f_, w, f_, 0.0f, dcol_.data(),
                         k_);
        for (size_t s = 0; s < nb; ++s) col2im(&dcol_[s * P * k_], g_, dx + (b0 + s) * n_in);
      }
    }
    kernel_->grad_mask_clipped = false;
    if (qk) BinaryKernel::ste_backward(kq_, *kernel_, fused_update_);
    if (use_bias_) {
      float* gb = bias_->grad.data();
      std::fill(gb, gb + f_, 0.0f);
      const size_t rows = batch * P;
      for (size_t i = 0; i < rows; ++i)
        for (size_t o = 0; o < f_; ++o) gb[o] += dy[i * f_ + o];
    }
    if (dx && qin) iq_.backward(x, dx, batch * n_in);
  }

 private:
  size_t chunk_samples(size_t batch) const {
    const size_t per = std::max<size_t>(1, g_.positions() * k_);
    return std::max<size_t>(1, std::min(batch, kColBudget / per));
  }

  // col^T dy for nb samples whose im2col rows are signs, by lookup tables as a dense layer's
  // x^T dy (BinaryKernel::signs_gradient, the im2col rows as x): the rows as bits are in xbits_
  // (im2col_bits), or (pack) packed here from the float im2col rows in col_. Into gw (first:
  // overwrite, else add). A padded tap of pad_value 0 is a bit 0 (+1): its dy is subtracted
  // again (the same for every channel of the tap).
  void signs_gradient(size_t nb, const float* dyc, float* gw, bool first, bool pack) {
    const size_t P = g_.positions(), rows = nb * P;
    if (pack) {
      xbits_.resize(std::max(xbits_.size(), rows * kernels::packed_words(k_)));
      kernels::pack_rows(col_.data(), rows, k_, k_, xbits_.data());
    }
    float* out = gw;
    if (!first) {
      gtmp_.resize(k_ * f_);
      out = gtmp_.data();
    }
    BinaryKernel::signs_gradient(*kernel_, rows, xbits_.data(), dyc, 0, k_, out, colt_bits_);
    if (pad_ == 0.0f && !border_.empty()) {
      const size_t taps = g_.kh * g_.kw;
      tap_sum_.assign(taps * f_, 0.0f);  // per tap: the dy of the positions where it is padded
      for (const Border& b : border_)
        for (size_t s = 0; s < nb; ++s) {
          const float* d = dyc + (s * P + b.pos) * f_;
          for (size_t i = b.tap_begin; i < b.tap_end; ++i) {
            float* ts = &tap_sum_[border_taps_[i] * f_];
            for (size_t o = 0; o < f_; ++o) ts[o] += d[o];
          }
        }
      for (size_t t = 0; t < taps; ++t)
        for (size_t c = 0; c < g_.c; ++c) {
          float* g = out + (t * g_.c + c) * f_;
          const float* ts = &tap_sum_[t * f_];
          for (size_t o = 0; o < f_; ++o) g[o] -= ts[o];
        }
    }
    if (!first)
      for (size_t i = 0; i < k_ * f_; ++i) gw[i] += gtmp_[i];
  }

  // Output positions whose window reaches into the padding, with their padded taps
  // (ky * kw + kx): the positions that need the pad_value 0 correction in the packed path.
  void find_border() {
    for (size_t oy = 0; oy < g_.oh; ++oy)
      for (size_t ox = 0; ox < g_.ow; ++ox) {
        const size_t start = border_taps_.size();
        for (size_t ky = 0; ky < g_.kh; ++ky)
          for (size_t kx = 0; kx < g_.kw; ++kx) {
            const long iy = g_.y0(oy) + static_cast<long>(ky);
            const long ix = g_.x0(ox) + static_cast<long>(kx);
            if (iy < 0 || iy >= static_cast<long>(g_.h) || ix < 0 || ix >= static_cast<long>(g_.w))
              border_taps_.push_back(ky * g_.kw + kx);
          }
        if (border_taps_.size() > start)
          border_.push_back({oy * g_.ow + ox, start, border_taps_.size()});
      }
  }

  // im2col on packed pixels (C a multiple of 64): a row is the taps' words in (ky, kx) order,
  // the same bit order as pack_rows on the float im2col row. Padded taps: pad_value -1 is all
  // ones; 0 and +1 are zeros (+1; pad_value 0 is corrected afterwards).
  void im2col_bits(const uint64_t* pix, uint64_t* rows) const {
    const size_t cw = g_.c / 64, words = g_.kh * g_.kw * cw;
    const uint64_t pad_bits = pad_ < 0.0f ? ~uint64_t{0} : 0;
    for (size_t oy = 0; oy < g_.oh; ++oy)
      for (size_t ox = 0; ox < g_.ow; ++ox) {
        uint64_t* row = rows + (oy * g_.ow + ox) * words;
        for (size_t ky = 0; ky < g_.kh; ++ky) {
          const long iy = g_.y0(oy) + static_cast<long>(ky);
          for (size_t kx = 0; kx < g_.kw; ++kx) {
            const long ix = g_.x0(ox) + static_cast<long>(kx);
            uint64_t* dst = row + (ky * g_.kw + kx) * cw;
            if (iy < 0 || iy >= static_cast<long>(g_.h) || ix < 0 || ix >= static_cast<long>(g_.w))
              std::fill(dst, dst + cw, pad_bits);
            else
              std::memcpy(dst, pix + (static_cast<size_t>(iy) * g_.w + ix) * cw, cw * sizeof(uint64_t));
          }
        }
      }
  }

  // The im2col rows of nb samples from x as bits into xbits_ (C a multiple of 64): each image
  // packed once, then im2col_bits.
  void window_bits(const float* x, size_t nb) {
    const size_t P = g_.positions(), n_in = in_.numel(), words = kernels::packed_words(k_);
    pix_.resize(g_.h * g_.w * (g_.c / 64));
    for (size_t s = 0; s < nb; ++s) {
      kernels::pack_rows(x + s * n_in, g_.h * g_.w, g_.c, g_.c, pix_.data());
      im2col_bits(pix_.data(), &xbits_[s * P * words]);
    }
  }

  void binary_forward(const float* x, float* y, size_t batch, size_t chunk) {
    const size_t P = g_.positions(), n_in = in_.numel(), words = kernels::packed_words(k_);
    const uint64_t* wbits = wsigns_.col_signs(*kernel_);
    if (g_.c % 64 == 0) {
      // Channels fill whole words: pack each image once, then build the im2col rows from words
      // (no float column matrix; chunks can be as large as the bit budget allows).
      chunk = std::max<size_t>(1, std::min(batch, kColBudget / std::max<size_t>(1, P * words)));
      xbits_.resize(chunk * P * words);
      for (size_t b0 = 0; b0 < batch; b0 += chunk) {
        const size_t nb = std::min(chunk, batch - b0);
        window_bits(x + b0 * n_in, nb);
        kernels::bgemm(nb * P, f_, k_, xbits_.data(), wbits, y + b0 * P * f_, f_);
      }
    } else {
      col_.resize(chunk * P * k_);
      xbits_.resize(chunk * P * words);
      for (size_t b0 = 0; b0 < batch; b0 += chunk) {
        const size_t nb = std::min(chunk, batch - b0);
        // Raw x: packing takes the sign (sign(0) = +1, bit 0), so no separate sign pass.
        for (size_t s = 0; s < nb; ++s) im2col(x + (b0 + s) * n_in, g_, pad_, &col_[s * P * k_]);
        kernels::pack_rows(col_.data(), nb * P, k_, k_, xbits_.data());
        kernels::bgemm(nb * P, f_, k_, xbits_.data(), wbits, y + b0 * P * f_, f_);
      }
    }
    if (pad_ != 0.0f || border_.empty()) return;
    // Padded zeros were counted as +1: subtract sum_c sign(w[t][c][o]) of every padded tap t.
    const size_t taps = g_.kh * g_.kw;
    tap_sum_.assign(taps * f_, 0.0f);
    const size_t fw = kernels::packed_words(f_);
    for (size_t t = 0; t < taps; ++t)
      for (size_t c = 0; c < g_.c; ++c) {
        const uint64_t* wr = &kernel_->signs[(t * g_.c + c) * fw];  // sums of +-1: exact
        float* ts = &tap_sum_[t * f_];
        for (size_t o = 0; o < f_; ++o) ts[o] += ((wr[o / 64] >> (o % 64)) & 1u) ? -1.0f : 1.0f;
      }
    corr_.resize(f_);
    for (const Border& b : border_) {
      std::fill(corr_.begin(), corr_.end(), 0.0f);
      for (size_t i = b.tap_begin; i < b.tap_end; ++i) {
        const float* ts = &tap_sum_[border_taps_[i] * f_];
        for (size_t o = 0; o < f_; ++o) corr_[o] += ts[o];
      }
      for (size_t s = 0; s < batch; ++s) {
        float* yr = y + (s * P + b.pos) * f_;
        for (size_t o = 0; o < f_; ++o) yr[o] -= corr_[o];
      }
    }
  }

  struct Border {
    size_t pos, tap_begin, tap_end;
  };

  Window2d g_;
  size_t f_ = 0, k_ = 0;
  float pad_ = 0.0f;
  bool use_bias_ = true;
  Quantizer iq_, kq_;
  Tensor* kernel_ = nullptr;
  Tensor* bias_ = nullptr;
  std::vector<Border> border_;
  std::vector<size_t> border_taps_;
  BinaryKernel wsigns_;
  std::vector<float> xq_, col_, dcol_, dyt_, tap_sum_, corr_;
  std::vector<uint64_t> xbits_, pix_, colt_bits_;
  std::vector<float> gtmp_;
};

}  // namespace

std::unique_ptr<Layer> make_conv2d(LayerArgs& a) { return std::make_unique<Conv2d>(a); }

}  // namespace bnn
