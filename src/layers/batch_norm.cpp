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
    if (training && sync_) {
      synced_statistics(x, rows);
    } else if (training) {
      // Two-pass mean/variance in double: stable and independent of the thread count.
      batch_mean_.resize(c_);
      batch_var_.resize(c_);
      inv_std_.resize(c_);
      for_channel_blocks(c_, rows, [&](size_t c0, size_t c1) {
        // Sums of one block of channels in registers / L1, rows in order.
        const size_t w = c1 - c0;
        double mean[kChannelBlock] = {}, var[kChannelBlock] = {};
        for (size_t r = 0; r < rows; ++r) {
          const float* xr = x + r * c_ + c0;
          for (size_t j = 0; j < w; ++j) mean[j] += xr[j];
        }
        for (size_t j = 0; j < w; ++j) mean[j] /= static_cast<double>(rows);
        for (size_t r = 0; r < rows; ++r) {
          const float* xr = x + r * c_ + c0;
          for (size_t j = 0; j < w; ++j) {
            const double d = xr[j] - mean[j];
            var[j] += d * d;
          }
        }
        for (size_t j = 0; j < w; ++j) {
          var[j] /= static_cast<double>(rows);
          batch_mean_[c0 + j] = static_cast<float>(mean[j]);
          batch_var_[c0 + j] = static_cast<float>(var[j]);
          inv_std_[c0 + j] = static_cast<float>(1.0 / std::sqrt(var[j] + epsilon_));
        }
      });
    }
    if (training) {
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
      for (size_t c = 0; c < c_; ++c) {
        scale_buf_[c] = g(c);
        shift_buf_[c] = b(c);
      }
      float* __restrict xhat = xhat_.data();
      const float* mu = batch_mean_.data();
      const float* inv = inv_std_.data();
      const float* gam = scale_buf_.data();
      const float* bet = shift_buf_.data();
      for_channel_blocks(c_, rows, [&](size_t c0, size_t c1) {
        for (size_t r = 0; r < rows; ++r) {
          const float* xr = x + r * c_;
          float* __restrict hr = xhat + r * c_;
          float* __restrict yr = y + r * c_;
#pragma GCC ivdep  // the buffers are distinct: lets the loop vectorise
          for (size_t c = c0; c < c1; ++c) {
            const float h = (xr[c] - mu[c]) * inv[c];
            hr[c] = h;
            yr[c] = h * gam[c] + bet[c];
          }
        }
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
    const float* xhat = xhat_.data();
    for_channel_blocks(c_, rows, [&](size_t c0, size_t c1) {
      const size_t w = c1 - c0;
      double sd[kChannelBlock] = {}, sdx[kChannelBlock] = {};
      for (size_t r = 0; r < rows; ++r) {
        const float* dyr = dy + r * c_ + c0;
        const float* hr = xhat + r * c_ + c0;
        for (size_t j = 0; j < w; ++j) {
          sd[j] += dyr[j];
          sdx[j] += static_cast<double>(dyr[j]) * hr[j];
        }
      }
      for (size_t j = 0; j < w; ++j) {
        sum_dy[c0 + j] = sd[j];
        sum_dy_xhat[c0 + j] = sdx[j];
      }
    });
    if (gamma_)
      for (size_t c = 0; c < c_; ++c) gamma_->grad[c] = static_cast<float>(sum_dy_xhat[c]);
    if (beta_)
      for (size_t c = 0; c < c_; ++c) beta_->grad[c] = static_cast<float>(sum_dy[c]);
    if (!dx) return;
    double n = static_cast<double>(rows);
    if (sync_) {
      // The sums over the global batch. This rank's dy is the gradient of its own share's mean
      // loss, weight (share / global) times that of the global batch's mean loss: the sums are
      // taken on that common scale and brought back to this rank's. (gamma's and beta's
      // gradients stay this rank's own: the gradient hook sums them over the ranks.)
      const double w = sync_->weight;
      sums_.resize(2 * c_);
      for (size_t c = 0; c < c_; ++c) {
        sums_[c] = sum_dy[c] * w;
        sums_[c_ + c] = sum_dy_xhat[c] * w;
      }
      sync_->sum(sums_.data(), sums_.size());
      for (size_t c = 0; c < c_; ++c) {
        sum_dy[c] = sums_[c] / w;
        sum_dy_xhat[c] = sums_[c_ + c] / w;
      }
      n = global_rows_;
    }
    // Per channel: dx = k (n dy - sum(dy) - xhat sum(dy xhat)), k = gamma inv_std / n; rows
    // outer so that memory is read in order.
    std::vector<float> k(c_), mdy(c_), mdyx(c_);
    for (size_t c = 0; c < c_; ++c) {
      k[c] = static_cast<float>(g(c) * inv_std_[c] / n);
      mdy[c] = static_cast<float>(sum_dy[c]);
      mdyx[c] = static_cast<float>(sum_dy_xhat[c]);
    }
    const float nf = static_cast<float>(n);
    const float* kp = k.data();
    const float* mdyp = mdy.data();
    const float* mdyxp = mdyx.data();
    for_channel_blocks(c_, rows, [&](size_t c0, size_t c1) {
      for (size_t r = 0; r < rows; ++r) {
        const float* dyr = dy + r * c_;
        const float* xr = xhat + r * c_;
        float* __restrict dxr = dx + r * c_;
#pragma GCC ivdep
        for (size_t c = c0; c < c1; ++c)
          dxr[c] = kp[c] * (nf * dyr[c] - mdyp[c] - xr[c] * mdyxp[c]);
      }
    });
  }

  // Mean and variance over every rank's rows (BatchSync): the sums of x and of x^2 per channel and
  // the row count in one all-reduce (one synchronisation of the ranks per layer, not two), in
  // double, whose 53 bits leave the float's 24 even when the mean is 10^4 standard deviations
  // from 0; variance = E[x^2] - mean^2, at least 0.
  void synced_statistics(const float* x, size_t rows) {
    batch_mean_.resize(c_);
    batch_var_.resize(c_);
    inv_std_.resize(c_);
    sums_.assign(2 * c_ + 1, 0.0);
    for_channel_blocks(c_, rows, [&](size_t c0, size_t c1) {
      for (size_t r = 0; r < rows; ++r) {
        const float* xr = x + r * c_;
        for (size_t c = c0; c < c1; ++c) {
          const double v = xr[c];
          sums_[c] += v;
          sums_[c_ + c] += v * v;
        }
      }
    });
    sums_[2 * c_] = static_cast<double>(rows);
    sync_->sum(sums_.data(), sums_.size());
    global_rows_ = sums_[2 * c_];
    for (size_t c = 0; c < c_; ++c) {
      const double mean = sums_[c] / global_rows_;
      const double var = std::max(0.0, sums_[c_ + c] / global_rows_ - mean * mean);
      batch_mean_[c] = static_cast<float>(mean);
      batch_var_[c] = static_cast<float>(var);
      inv_std_[c] = static_cast<float>(1.0 / std::sqrt(var + epsilon_));
    }
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
  std::vector<double> mean_d_, var_d_;  // backward: per-channel sums of dy and dy * xhat
  std::vector<double> sums_;            // synchronised sums (BatchSync)
  double global_rows_ = 0;              // rows of the global batch (BatchSync)
};

}  // namespace

std::unique_ptr<Layer> make_batch_norm(LayerArgs& a) { return std::make_unique<BatchNorm>(a); }

}  // namespace bnn
