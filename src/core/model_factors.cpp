// Kernel gradients from their factors in data-parallel training (layers/layer.h FactorSync): the
// layers hand over their rows of x and dy, the ranks exchange them once per step, and each rank
// computes the gradients of the kernel rows it updates -- of the global batch (plain step) or of
// every micro-batch (exact step, core/exact_step.cpp).
#include <algorithm>
#include <cstring>
#include <tuple>

#include "core/model.h"
#include "kernels/kernels.h"
#include "layers/binary_kernel.h"

namespace bnn {

void Model::wire_factor_sync(FactorSync& s, bool copy, bool whole) {
  s.owned = [this, whole](const Tensor& t, size_t* lo, size_t* hi) {
    const size_t k = tensor_index(t);
    if (k >= tensors_.size() || !(whole ? update_alone_reads(k) : partitioned(k))) return false;
    std::tie(*lo, *hi) = whole ? std::pair<size_t, size_t>(0, t.rows()) : owned_rows(t, partition_.rank);
    return true;
  };
  s.collect = [this, copy](const Tensor& t, const uint64_t* xbits, const float* xf, const float* dy, size_t n) {
    const size_t k = tensor_index(t);
    if (k >= tensors_.size()) fail(BNN_STATUS_INTERNAL, "factors of a tensor that is not the model's");
    FactorStash& st = factor_stash_[k];
    st.bits = xbits != nullptr;
    if (!copy) {
      if (st.rows != 0) fail(BNN_STATUS_INTERNAL, "the factors of " + t.name + " were handed over twice");
      st.x_ref = xbits ? static_cast<const void*>(xbits) : xf;
      st.dy_ref = dy;
      st.rows = n;
      return;
    }
    const size_t n_in = t.rows(), n_out = t.cols();
    if (xbits)
      st.xbits.insert(st.xbits.end(), xbits, xbits + n * kernels::packed_words(n_in));
    else
      st.x.insert(st.x.end(), xf, xf + n * n_in);
    st.dy.insert(st.dy.end(), dy, dy + n * n_out);
    st.rows += n;
  };
}

size_t Model::tensor_index(const Tensor& t) const {
  return static_cast<size_t>(std::find(tensors_.begin(), tensors_.end(), &t) - tensors_.begin());
}

void Model::set_factor_sync(FactorSync* s) {
  if (s) wire_factor_sync(*s, false);
  factor_sync_ = s;
  for (auto& l : layers_) l->set_factor_sync(s);
}

void Model::clear_factor_stash() {
  factor_stash_.resize(tensors_.size());
  for (FactorStash& st : factor_stash_) {
    st.rows = 0;
    st.x_ref = nullptr;
    st.dy_ref = nullptr;
    st.xbits.clear();
    st.x.clear();
    st.dy.clear();
  }
}

std::vector<size_t> Model::collected_kernels() const {
  std::vector<size_t> out;
  for (size_t k = 0; k < factor_stash_.size(); ++k)
    if (factor_stash_[k].rows > 0) out.push_back(k);
  return out;
}

void Model::gradients_from_factors() {
  const std::vector<size_t> kernels = collected_kernels();
  if (kernels.empty()) return;
  const std::vector<size_t>& shares = factor_sync_->shares;
  exchange_factors(kernels, shares);
  size_t global = 0;
  for (size_t n : shares) global += n;
  // Each rank's rows of dy are means over its share: weighted by share / global, the product over
  // the global batch (in rank order) is the global batch's mean gradient. Equal shares: one
  // weight, the GEMM's alpha (1/2, 1/4: exact either way).
  bool equal = true;
  for (size_t n : shares) equal = equal && n == shares[0];
  auto weight = [&](size_t n) {
    return static_cast<float>(static_cast<double>(n) / static_cast<double>(global));
  };
  for (size_t k : kernels) {
    Tensor& t = *tensors_[k];
    const size_t n_out = t.cols();
    const FactorAt& fa = factor_at_[k];
    float* gdy = factor_gdy_.data() + fa.gdy;
    const bool lut = fa.gbits != kNone;  // BinaryKernel::signs_gradient: the weights go in dy
    if (!equal || lut) {
      size_t at = 0;
      for (size_t n : shares) {
        const float w = weight(n);
        for (size_t i = at * n_out; i < (at + n) * n_out; ++i) gdy[i] *= w;
        at += n;
      }
    }
    // Computed by the update, a block of rows at a time (Model::stage_pending).
    const auto [lo, hi] = owned_rows(t, partition_.rank);
    PendingGrad& g = pending_grad_[k];
    g.n = hi > lo ? global : 0;
    if (lut)
      g.xbits = factor_gbits_.data() + fa.gbits;
    else
      g.x = factor_gx_.data() + fa.gx;
    g.ldx = hi - lo;
    g.col0 = lo;
    g.dy = gdy;
    g.alpha = equal && !lut ? weight(shares[0]) : 1.0f;
  }
  clear_factor_stash();
}

void Model::exchange_factors(const std::vector<size_t>& kernels, const std::vector<size_t>& counts) {
  // One broadcast per rank: its rows of x (bits or floats) and of dy for every kernel in turn;
  // every rank unpacks them, in rank order, into the global x (only the columns of the kernel
  // rows it updates) and the global dy of each kernel.
  size_t global = 0;
  for (size_t n : counts) global += n;
  auto xrow_units = [&](size_t k) {  // 32-bit units of a row of x as exchanged
    return factor_stash_[k].bits ? kernels::packed_words(tensors_[k]->rows()) * 2 : tensors_[k]->rows();
  };
  size_t gx_total = 0, gdy_total = 0, gbits_total = 0;
  factor_at_.assign(tensors_.size(), FactorAt{});
  for (size_t k : kernels) {
    const auto [lo, hi] = owned_rows(*tensors_[k], partition_.rank);
    FactorAt& fa = factor_at_[k];
    fa.gdy = gdy_total;
    gdy_total += global * tensors_[k]->cols();
    if (factor_stash_[k].bits && BinaryKernel::signs_gradient_pays(tensors_[k]->rows())) {
      fa.gbits = gbits_total;
      gbits_total += global * kernels::packed_words(tensors_[k]->rows());
    } else {
      fa.gx = gx_total;
      gx_total += global * (hi - lo);
    }
  }
  factor_gx_.resize(gx_total);
  factor_gdy_.resize(gdy_total);
  factor_gbits_.resize(gbits_total);
  size_t before = 0;  // samples of the ranks before r
  for (size_t r = 0; r < counts.size(); ++r) {
    const size_t n = counts[r];
    size_t units = 0;  // rank r's buffer
    for (size_t k : kernels) units += n * (xrow_units(k) + tensors_[k]->cols());
    factor_buf_.resize((units + 1) / 2);
    auto* buf = reinterpret_cast<float*>(factor_buf_.data());
    if (r == static_cast<size_t>(partition_.rank)) {
      size_t at = 0;
      for (size_t k : kernels) {
        const FactorStash& st = factor_stash_[k];
        if (st.rows != n) fail(BNN_STATUS_INTERNAL, "the factors of " + tensors_[k]->name + " are incomplete");
        std::memcpy(buf + at, st.x_data(), n * xrow_units(k) * 4);
        at += n * xrow_units(k);
        std::memcpy(buf + at, st.dy_data(), n * tensors_[k]->cols() * sizeof(float));
        at += n * tensors_[k]->cols();
      }
    }
    if (n) partition_.broadcast(buf, units * 4, static_cast<int>(r));
    size_t at = 0;
    for (size_t k : kernels) {
      const size_t n_in = tensors_[k]->rows(), n_out = tensors_[k]->cols();
      const auto [lo, hi] = owned_rows(*tensors_[k], partition_.rank);
      const FactorAt& fa = factor_at_[k];
      if (fa.gbits != kNone) {  // the gradient takes the bits (signs_gradient)
        std::memcpy(factor_gbits_.data() + fa.gbits + before * kernels::packed_words(n_in), buf + at,
                    n * xrow_units(k) * 4);
      } else {
        float* gx = factor_gx_.data() + fa.gx + before * (hi - lo);
        if (factor_stash_[k].bits) {
          kernels::unpack_rows(reinterpret_cast<const uint64_t*>(buf + at), n, n_in, lo, hi, gx, hi - lo);
        } else {
          for (size_t i = 0; i < n; ++i)
            std::memcpy(gx + i * (hi - lo), buf + at + i * n_in + lo, (hi - lo) * sizeof(float));
        }
      }
      at += n * xrow_units(k);
      std::memcpy(factor_gdy_.data() + fa.gdy + before * n_out, buf + at, n * n_out * sizeof(float));
      at += n * n_out;
    }
    before += n;
  }
}

}  // namespace bnn
