// Dense layer with optional input and kernel quantizers. When both operands are binary the
// forward product runs on bit-packed xnor-popcount kernels (exact: integers in float).
#include <cmath>

#include "core/rng.h"
#include "kernels/kernels.h"
#include "layers/binary_kernel.h"
#include "layers/layers.h"

namespace bnn {
namespace {

class Dense : public Layer {
 public:
  explicit Dense(LayerArgs& a) {
    const JsonReader& r = a.doc;
    r.allow_only({"type", "units", "use_bias", "input_quantizer", "kernel_quantizer"});
    in_ = a.input;
    if (in_.dims.size() != 1)
      r.error(BNN_STATUS_SHAPE_MISMATCH, "",
              "dense needs a 1-D input, got " + in_.str() + " (add a flatten layer)");
    n_in_ = in_.dims[0];
    n_out_ = static_cast<size_t>(r.required_integer("units", 1, 1 << 20));
    out_.dims = {n_out_};
    use_bias_ = r.boolean("use_bias", true);
    if (r.has("input_quantizer")) iq_ = Quantizer::from_json(r.at("input_quantizer"));
    if (r.has("kernel_quantizer")) kq_ = Quantizer::from_json(r.at("kernel_quantizer"));
    if (n_in_ * n_out_ > (size_t{1} << 28))
      r.error(BNN_STATUS_OUT_OF_RANGE, "units", "kernel of " + std::to_string(n_in_ * n_out_) +
                                                    " weights exceeds the limit of 2^28");
    kernel_ = add_tensor(a.prefix() + "kernel", {n_in_, n_out_}, true, 0.0f);
    kernel_->binary = kq_.present;
    kernel_->glorot_h = static_cast<float>(std::sqrt(1.5 / static_cast<double>(n_in_ + n_out_)));
    const float limit = static_cast<float>(std::sqrt(6.0 / static_cast<double>(n_in_ + n_out_)));
    for (float& w : kernel_->value) w = a.rng.uniform(-limit, limit);  // Glorot uniform
    if (use_bias_) bias_ = add_tensor(a.prefix() + "bias", {n_out_}, true, 0.0f);
  }

  const char* type() const override { return "dense"; }
  Quantizer* kernel_quantizer() override { return kq_.present ? &kq_ : nullptr; }
  Quantizer* input_quantizer() override { return iq_.present ? &iq_ : nullptr; }

  json to_json() const override {
    return {{"type", "dense"}, {"units", n_out_}, {"use_bias", use_bias_},
            {"input_quantizer", iq_.to_json()}, {"kernel_quantizer", kq_.to_json()}};
  }

  void forward(const float* x, float* y, size_t batch, bool training) override {
    const bool qin = quantize_ && iq_.present, qk = quantize_ && kq_.present;
    // sign(x) as floats, for the float products (with two sign operands the bits below serve
    // the forward, and the kernel gradient too from 128 inputs: signs_gradient).
    if (qin && !(qk && BinaryKernel::signs_gradient_pays(n_in_))) {
      xq_.resize(batch * n_in_);
      sign_forward(x, xq_.data(), xq_.size());
    }
    if (qk) {
      // sign(W) as bits, kept current by the optimiser's fused update (no pass over W here).
      const uint64_t* rows = BinaryKernel::row_signs(*kernel_, fused_update_);
      if (qin) {
        // Both operands are signs: y = K - 2 popcount(x xor w) on packed bits.
        const size_t words = kernels::packed_words(n_in_);
        xbits_.resize(batch * words);
        kernels::pack_rows(x, batch, n_in_, n_in_, xbits_.data());
        kernels::bgemm(batch, n_out_, n_in_, xbits_.data(), wsigns_.col_signs(*kernel_), y,
                       n_out_);
      } else if (training && n_out_ >= BinaryKernel::kLutMinRows * 2 &&
                 n_in_ >= BinaryKernel::kLutMinRows) {
        // Training: y^T = sign(W)^T x^T by lookup tables (the transposed signs are sign(W)^T's
        // rows). Inference keeps the GEMM order, which the deployment exports reproduce.
        xt_.resize(batch * n_in_);
        yt_.resize(batch * n_out_);
        kernels::transpose(x, batch, n_in_, xt_.data());
        kernels::sign_float_gemm(n_out_, batch, n_in_, wsigns_.col_signs(*kernel_),
                                 kernels::packed_words(n_in_), xt_.data(), batch, yt_.data(), batch);
        kernels::transpose(yt_.data(), n_out_, batch, y);
      } else {
        kernels::sgemm_signs(false, false, batch, n_out_, n_in_, 1.0f, x, n_in_, rows,
                             kernels::packed_words(n_out_), 0.0f, y, n_out_);
      }
    } else {
      kernels::sgemm(false, false, batch, n_out_, n_in_, 1.0f, qin ? xq_.data() : x, n_in_,
                     kernel_->value.data(), n_out_, 0.0f, y, n_out_);
    }
    if (use_bias_) {
      const float* b = bias_->value.data();
      for (size_t i = 0; i < batch; ++i)
        for (size_t o = 0; o < n_out_; ++o) y[i * n_out_ + o] += b[o];
    }
  }

  void backward(const float* x, const float* /*y*/, const float* dy, float* dx,
                size_t batch) override {
    const bool qin = quantize_ && iq_.present, qk = quantize_ && kq_.present;
    const float* xin = qin ? xq_.data() : x;
    // dL/dW_used = x^T dy (data parallel: perhaps the global batch's on this rank's rows, which
    // the model computes from the factors); then through the kernel STE to the latent weights.
    // Binarised inputs: by lookup tables from x's signs (BinaryKernel::signs_gradient), as the
    // model computes it from the factors.
    kernel_->grad_global = hand_over_factors(xin, dy, batch);
    if (!kernel_->grad_global) {
      if (qin && BinaryKernel::signs_gradient_pays(n_in_))
        BinaryKernel::signs_gradient(*kernel_, batch, input_signs(batch), dy, 0, n_in_,
                                     kernel_->grad.data(), xt_bits_);
      else
        kernels::sgemm(true, false, n_in_, n_out_, batch, 1.0f, xin, n_in_, dy, n_out_, 0.0f,
                       kernel_->grad.data(), n_out_);
    }
    kernel_->grad_mask_clipped = false;
    if (qk) BinaryKernel::ste_backward(kq_, *kernel_, fused_update_);
    if (use_bias_) {
      float* gb = bias_->grad.data();
      std::fill(gb, gb + n_out_, 0.0f);
      for (size_t i = 0; i < batch; ++i)
        for (size_t o = 0; o < n_out_; ++o) gb[o] += dy[i * n_out_ + o];
    }
    if (dx) {
      if (qk && n_out_ >= BinaryKernel::kLutMinRows) {
        // dx^T = sign(W) dy^T by lookup tables (kernels.h sign_float_gemm): sign(W)'s rows are
        // the row-major signs the fused update keeps; about 8x fewer additions than the
        // multiply-adds of dy sign(W)^T, for two transposes of batch x width floats.
        dyt_.resize(batch * n_out_);
        dxt_.resize(batch * n_in_);
        BinaryKernel::dy_signs_t(*kernel_, BinaryKernel::row_signs(*kernel_, fused_update_), dy, batch,
                                 dyt_.data(), dxt_.data(), dx);
      } else if (qk) {  // dy sign(W)^T: the transposed signs are sign(W)^T row-major
        kernels::sgemm_signs(false, false, batch, n_in_, n_out_, 1.0f, dy, n_out_,
                             wsigns_.col_signs(*kernel_), kernels::packed_words(n_in_), 0.0f, dx,
                             n_in_);
      } else
        kernels::sgemm(false, true, batch, n_in_, n_out_, 1.0f, dy, n_out_,
                       kernel_->value.data(), n_out_, 0.0f, dx, n_in_);
      if (qin) iq_.backward(x, dx, batch * n_in_);
    }
  }

 private:
  // FactorSync (layers/layer.h): hands this micro-batch's or share's rows of x (bits when
  // binarised) and dy to the model, which exchanges them between the ranks and computes the
  // global batch's x^T dy on the kernel rows this rank updates. False (every rank alike) when the
  // kernel is not partitioned or the exchange would carry more bytes than reducing the gradient.
  // In one process (FactorSync::float_x) the model computes this step's whole gradient from them
  // for the update to stage right away (Model::stage_pending): in blocks of rows, or at once by
  // lookup tables from x's bits.
  bool hand_over_factors(const float* xin, const float* dy, size_t batch) {
    const FactorSync* fs = factor_sync_;
    size_t lo = 0, hi = 0;
    if (!fs || !fs->owned(*kernel_, &lo, &hi)) return false;
    size_t global = 0;
    for (size_t n : fs->shares) global += n;
    // x's signs as bits when exchanged, or (one process) when the gradient takes them.
    const bool bits = quantize_ && iq_.present &&
                      (!fs->float_x || BinaryKernel::signs_gradient_pays(n_in_));
    const size_t xrow = bits ? kernels::packed_words(n_in_) * sizeof(uint64_t) : n_in_ * sizeof(float);
    // (One process, float_x: nothing is exchanged, whatever the batch.)
    if (!fs->float_x && global * (xrow + n_out_ * sizeof(float)) >= n_in_ * n_out_ * sizeof(float))
      return false;
    fs->collect(*kernel_, bits ? input_signs(batch) : nullptr, bits ? nullptr : xin, dy, batch);
    return true;
  }

  // x's signs as bits (pack_rows layout): packed by the forward when the kernel is binarised too.
  const uint64_t* input_signs(size_t batch) {
    if (!(quantize_ && kq_.present)) {
      xbits_.resize(batch * kernels::packed_words(n_in_));
      kernels::pack_rows(xq_.data(), batch, n_in_, n_in_, xbits_.data());
    }
    return xbits_.data();
  }

  size_t n_in_ = 0, n_out_ = 0;
  bool use_bias_ = true;
  Quantizer iq_, kq_;
  Tensor* kernel_ = nullptr;
  Tensor* bias_ = nullptr;
  BinaryKernel wsigns_;
  std::vector<float> xq_;
  std::vector<uint64_t> xbits_, xt_bits_;  // x's signs; x^T's (the kernel gradient's scratch)
  std::vector<float> dyt_, dxt_;  // backward through a binary kernel: dy^T and dx^T
  std::vector<float> xt_, yt_;    // training forward through a binary kernel: x^T and y^T
};

}  // namespace

std::unique_ptr<Layer> make_dense(LayerArgs& a) { return std::make_unique<Dense>(a); }

}  // namespace bnn
