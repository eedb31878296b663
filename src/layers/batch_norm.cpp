// Batch normalisation over the last axis (features of a dense layer, channels of an HWC image).
// Keras conventions: running = momentum * running + (1 - momentum) * batch statistic, biased
// batch variance, epsilon inside the square root.
// Every loop runs over fixed blocks of channels on the thread pool: a channel's sums are taken in
// row order by one task, so the results never depend on the thread count.
#include <algorithm>
#include <cmath>

#include "kernels/thread_pool.h"
#include "core/param_table.h"
#include "layers/layers.h"

namespace bnn {
namespace {

constexpr size_t kChannelBlock = 64;

// fn(c0, c1) over blocks of channels, in parallel when the tensor is large enough.
template <class F>
void for_channel_blocks(size_t channels, size_t rows, F&& fn) {
  const size_t blocks = (channels + kChannelBlock - 1) / kChannelBlock;
  auto run = [&](size_t b) { fn(b * kChannelBlock, std::min(channels, (b + 1) * kChannelBlock)); };
  if (blocks <= 1 || rows * channels < (size_t{1} << 14)) {
    for (size_t b = 0; b < blocks; ++b) run(b);
  } else {
    kernels::parallel_for(blocks, run);
  }
}

class BatchNorm : public Layer {
 public:
  explicit BatchNorm(LayerArgs& a) {
    const JsonReader& r = a.doc;
    r.allow_only({"type", "momentum", "epsilon", "center", "scale"});
    in_ = out_ = a.input;
    c_ = in_.dims.back();
    momentum_ = static_cast<float>(r.number("momentum", 0.99, param_lo(BNN_PARAM_BATCH_NORM_MOMENTUM),
                                                   param_hi(BNN_PARAM_BATCH_NORM_MOMENTUM)));
    epsilon_ = static_cast<float>(r.number("epsilon", 1e-3, 1e-12, 1.0));
    center_ = r.boolean("center", true);
    scale_ = r.boolean("scale", true);
    if (scale_) gamma_ = add_tensor(a.prefix() + "gamma", {c_}, true, 1.0f);
    if (center_) beta_ = add_tensor(a.prefix() + "beta", {c_}, true, 0.0f);
    mean_ = add_tensor(a.prefix() + "running_mean", {c_}, false, 0.0f);
    var_ = add_tensor(a.prefix() + "running_var", {c_}, false, 1.0f);
    var_->non_negative = true;
  }

  const char* type() const override { return "batch_norm"; }
  void set_batch_norm_momentum(float m) override { momentum_ = m; }
  json to_json() const override {
    return {{"type", "batch_norm"}, {"momentum", momentum_}, {"epsilon", epsilon_},
            {"center", center_}, {"scale", scale_}};
  }

  void forward(const float* x, float* y, size_t batch, bool training) override {
    const size_t rows = batch * (in_.numel() / c_);
    scale_buf_.resize(c_);
    shift_buf_.resize(c_);
    if (training) {
      // Two-pass mean/variance in double: stable and independent of the thread count.
      mean_d_.assign(c_, 0.0);
      var_d_.assign(c_, 0.0);
      batch_mean_.resize(c_);
      batch_var_.resize(c_);
      inv_std_.resize(c_);
      for_channel_blocks(c_, rows, [&](size_t c0, size_t c1) {
        double* mean = mean_d_.data();
        double* var = var_d_.data();
        for (size_t r = 0; r < rows; ++r)
          for (size_t c = c0; c < c1; ++c) mean[c] += x[r * c_ + c];
        for (size_t c = c0; c < c1; ++c) mean[c] /= static_cast<double>(rows);
        for (size_t r = 0; r < rows; ++r)
          for (size_t c = c0; c < c1; ++c) {
            const double d = x[r * c_ + c] - mean[c];
            var[c] += d * d;
          }
        for (size_t c = c0; c < c1; ++c) {
          var[c] /= static_cast<double>(rows);
          batch_mean_[c] = static_cast<float>(mean[c]);
          batch_var_[c] = static_cast<float>(var[c]);
          inv_std_[c] = static_cast<float>(1.0 / std::sqrt(var[c] + epsilon_));
        }
      });
      // What commit_state() would store must stay finite too (a batch of huge but finite
      // activations has a variance beyond float): refuse the step now, before anything commits.
      for (size_t c = 0; c < c_; ++c)
        if (!std::isfinite(momentum_ * mean_->value[c] + (1.0f - momentum_) * batch_mean_[c]) ||
            !std::isfinite(momentum_ * var_->value[c] + (1.0f - momentum_) * batch_var_[c]))
          fail(BNN_STATUS_NUMERIC, var_->name.substr(0, var_->name.rfind('.')) +
                                       " (batch_norm): the batch statistics of channel " +
                                       std::to_string(c) +
                                       " would make running_mean/running_var NaN or Inf");
      xhat_.resize(rows * c_);
      for_channel_blocks(c_, rows, [&](size_t c0, size_t c1) {
        for (size_t r = 0; r < rows; ++r)
          for (size_t c = c0; c < c1; ++c)
            xhat_[r * c_ + c] = (x[r * c_ + c] - batch_mean_[c]) * inv_std_[c];
        for (size_t r = 0; r < rows; ++r)
          for (size_t c = c0; c < c1; ++c) y[r * c_ + c] = xhat_[r * c_ + c] * g(c) + b(c);
      });
      pending_ = true;
    } else {
      for (size_t c = 0; c < c_; ++c) {
        const float inv = 1.0f / std::sqrt(var_->value[c] + epsilon_);
        scale_buf_[c] = g(c) * inv;
        shift_buf_[c] = b(c) - mean_->value[c] * scale_buf_[c];
      }
      for (size_t r = 0; r < rows; ++r)
        for (size_t c = 0; c < c_; ++c) y[r * c_ + c] = x[r * c_ + c] * scale_buf_[c] + shift_buf_[c];
    }
  }

  void backward(const float*, const float*, const float* dy, float* dx, size_t batch) override {
    const size_t rows = batch * (in_.numel() / c_);
    mean_d_.assign(c_, 0.0);
    var_d_.assign(c_, 0.0);
    double* sum_dy = mean_d_.data();
    double* sum_dy_xhat = var_d_.data();
    for_channel_blocks(c_, rows, [&](size_t c0, size_t c1) {
      for (size_t r = 0; r < rows; ++r)
        for (size_t c = c0; c < c1; ++c) {
          sum_dy[c] += dy[r * c_ + c];
          sum_dy_xhat[c] += static_cast<double>(dy[r * c_ + c]) * xhat_[r * c_ + c];
        }
    });
    if (gamma_)
      for (size_t c = 0; c < c_; ++c) gamma_->grad[c] = static_cast<float>(sum_dy_xhat[c]);
    if (beta_)
      for (size_t c = 0; c < c_; ++c) beta_->grad[c] = static_cast<float>(sum_dy[c]);
    if (!dx) return;
    // Per channel: dx = k (n dy - sum(dy) - xhat sum(dy xhat)), k = gamma inv_std / n; rows
    // outer so that memory is read in order.
    const double n = static_cast<double>(rows);
    std::vector<float> k(c_), mdy(c_), mdyx(c_);
    for (size_t c = 0; c < c_; ++c) {
      k[c] = static_cast<float>(g(c) * inv_std_[c] / n);
      mdy[c] = static_cast<float>(sum_dy[c]);
      mdyx[c] = static_cast<float>(sum_dy_xhat[c]);
    }
    const float nf = static_cast<float>(n);
    for_channel_blocks(c_, rows, [&](size_t c0, size_t c1) {
      for (size_t r = 0; r < rows; ++r) {
        const float* dyr = dy + r * c_;
        const float* xr = xhat_.data() + r * c_;
        float* dxr = dx + r * c_;
        for (size_t c = c0; c < c1; ++c) dxr[c] = k[c] * (nf * dyr[c] - mdy[c] - xr[c] * mdyx[c]);
      }
    });
  }

  std::vector<std::vector<float>*> batch_statistics() override { return {&batch_mean_, &batch_var_}; }

  void commit_state() override {
    if (!pending_) return;
    for (size_t c = 0; c < c_; ++c) {
      mean_->value[c] = momentum_ * mean_->value[c] + (1.0f - momentum_) * batch_mean_[c];
      var_->value[c] = momentum_ * var_->value[c] + (1.0f - momentum_) * batch_var_[c];
    }
    pending_ = false;
  }

 private:
  float g(size_t c) const { return gamma_ ? gamma_->value[c] : 1.0f; }
  float b(size_t c) const { return beta_ ? beta_->value[c] : 0.0f; }
  size_t c_ = 0;
  float momentum_ = 0.99f, epsilon_ = 1e-3f;
  bool center_ = true, scale_ = true, pending_ = false;
  Tensor *gamma_ = nullptr, *beta_ = nullptr, *mean_ = nullptr, *var_ = nullptr;
  std::vector<float> batch_mean_, batch_var_, inv_std_, xhat_, scale_buf_, shift_buf_;
  std::vector<double> mean_d_, var_d_;  // per-channel sums (forward: mean/var; backward: dy sums)
};

}  // namespace

std::unique_ptr<Layer> make_batch_norm(LayerArgs& a) { return std::make_unique<BatchNorm>(a); }

}  // namespace bnn
