// Kernel gradients from their factors in data-parallel training (layers/layer.h FactorSync): the
// layers hand over their rows of x and dy, the ranks exchange them once per step, and each rank
// computes the gradients of the kernel rows it updates -- of the global batch (plain step) or of
// every micro-batch (exact step, core/exact_step.cpp).
#include <algorithm>
#include <cstring>
#include <tuple>

#include "core/model.h"
#include "kernels/kernels.h"

namespace bnn {

void Model::wire_factor_sync(FactorSync& s) {
  s.owned = [this](const Tensor& t, size_t* lo, size_t* hi) {
    const size_t k = static_cast<size_t>(std::find(tensors_.begin(), tensors_.end(), &t) - tensors_.begin());
    if (k >= tensors_.size() || !partitioned(k)) return false;
    std::tie(*lo, *hi) = owned_rows(t, partition_.rank);
    return true;
  };
  s.collect = [this](const Tensor& t, const uint64_t* xbits, const float* xf, const float* dy, size_t n) {
    const size_t k = static_cast<size_t>(std::find(tensors_.begin(), tensors_.end(), &t) - tensors_.begin());
    if (k >= tensors_.size()) fail(BNN_STATUS_INTERNAL, "factors of a tensor that is not the model's");
    FactorStash& st = factor_stash_[k];
    const size_t n_in = t.rows(), n_out = t.cols();
    st.bits = xbits != nullptr;
    if (xbits)
      st.xbits.insert(st.xbits.end(), xbits, xbits + n * kernels::packed_words(n_in));
    else
      st.x.insert(st.x.end(), xf, xf + n * n_in);
    st.dy.insert(st.dy.end(), dy, dy + n * n_out);
    st.rows += n;
  };
}

void Model::set_factor_sync(FactorSync* s) {
  if (s) wire_factor_sync(*s);
  factor_sync_ = s;
  for (auto& l : layers_) l->set_factor_sync(s);
}

void Model::clear_factor_stash() {
  factor_stash_.resize(tensors_.size());
  for (FactorStash& st : factor_stash_) {
    st.rows = 0;
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
  // the global batch (in rank order) is the global batch's mean gradient.
  size_t gx_at = 0, gdy_at = 0;
  for (size_t k : kernels) {
    Tensor& t = *tensors_[k];
    const size_t n_in = t.rows(), n_out = t.cols();
    float* gdy = factor_gdy_.data() + gdy_at;
    size_t at = 0;
    for (size_t n : shares) {
      const float w = static_cast<float>(static_cast<double>(n) / static_cast<double>(global));
      for (size_t i = at * n_out; i < (at + n) * n_out; ++i) gdy[i] *= w;
      at += n;
    }
    const auto [lo, hi] = owned_rows(t, partition_.rank);
    if (hi > lo)
      kernels::sgemm(true, false, hi - lo, n_out, global, 1.0f, factor_gx_.data() + gx_at + lo, n_in, gdy,
                     n_out, 0.0f, t.grad.data() + lo * n_out, n_out);
    gx_at += global * n_in;
    gdy_at += global * n_out;
  }
  clear_factor_stash();
}

void Model::exchange_factors(const std::vector<size_t>& kernels, const std::vector<size_t>& counts) {
  // One broadcast per rank: its rows of x (bits or floats) and of dy for every kernel in turn;
  // every rank unpacks them into the global x and dy of each kernel, in rank order.
  size_t global = 0;
  for (size_t n : counts) global += n;
  auto xrow_words = [&](const FactorStash& st, const Tensor& t) {
    return st.bits ? kernels::packed_words(t.rows()) * 2 : t.rows();  // in 32-bit units
  };
  size_t gx_total = 0, gdy_total = 0;
  for (size_t k : kernels) {
    gx_total += global * tensors_[k]->rows();
    gdy_total += global * tensors_[k]->cols();
  }
  factor_gx_.resize(gx_total);
  factor_gdy_.resize(gdy_total);
  size_t before = 0;  // samples of the ranks before r
  for (size_t r = 0; r < counts.size(); ++r) {
    const size_t n = counts[r];
    size_t units = 0;  // 32-bit units of rank r's buffer
    for (size_t k : kernels) units += n * (xrow_words(factor_stash_[k], *tensors_[k]) + tensors_[k]->cols());
    factor_buf_.resize((units + 1) / 2);
    auto* buf = reinterpret_cast<float*>(factor_buf_.data());
    const bool mine = r == static_cast<size_t>(partition_.rank);
    if (mine) {
      size_t at = 0;
      for (size_t k : kernels) {
        const FactorStash& st = factor_stash_[k];
        if (st.rows != n) fail(BNN_STATUS_INTERNAL, "the factors of " + tensors_[k]->name + " are incomplete");
        const size_t xu = n * xrow_words(st, *tensors_[k]);
        std::memcpy(buf + at, st.bits ? static_cast<const void*>(st.xbits.data()) : st.x.data(), xu * 4);
        at += xu;
        std::memcpy(buf + at, st.dy.data(), st.dy.size() * sizeof(float));
        at += st.dy.size();
      }
    }
    if (n) partition_.broadcast(buf, units * 4, static_cast<int>(r));
    size_t at = 0, gx_at = 0, gdy_at = 0;
    for (size_t k : kernels) {
      const FactorStash& st = factor_stash_[k];
      const size_t n_in = tensors_[k]->rows(), n_out = tensors_[k]->cols();
      float* gx = factor_gx_.data() + gx_at + before * n_in;
      if (st.bits)
        kernels::unpack_rows(reinterpret_cast<const uint64_t*>(buf + at), n, n_in, gx, n_in);
      else
        std::memcpy(gx, buf + at, n * n_in * sizeof(float));
      at += n * xrow_words(st, *tensors_[k]);
      std::memcpy(factor_gdy_.data() + gdy_at + before * n_out, buf + at, n * n_out * sizeof(float));
      at += n * n_out;
      gx_at += global * n_in;
      gdy_at += global * n_out;
    }
    before += n;
  }
}

}  // namespace bnn
