// Training and inference: input checks, standardisation, forward, loss and backward, the staged
// all-or-nothing update, predict, evaluate, flip ratios.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>
#include <tuple>

#include "core/model.h"
#include "kernels/kernels.h"
#include "kernels/thread_pool.h"
#include "layers/binary_kernel.h"

namespace bnn {

namespace {

bool finite_run(const float* v, size_t n) {
  // An integer OR over "exponent all ones" (NaN or Inf): no early exit and no float reduction,
  // so that it vectorises.
  uint32_t bad = 0;
  for (size_t i = 0; i < n; ++i) {
    uint32_t bits;
    std::memcpy(&bits, &v[i], sizeof bits);
    bad |= static_cast<uint32_t>((bits & 0x7F800000u) == 0x7F800000u);
  }
  return bad == 0;
}

bool all_finite(const float* v, size_t n) {
  // Every activation and input gradient of a step is checked: on the kernel threads when large
  // (a yes/no answer, whatever the split; a value weighs like 4 multiply-adds).
  const size_t parts = kernels::pool_parts(static_cast<double>(n) * 4, n);
  if (parts <= 1) return finite_run(v, n);
  std::atomic<bool> ok{true};
  kernels::parallel_for(parts, [&](size_t i) {
    if (!finite_run(v + n * i / parts, n * (i + 1) / parts - n * i / parts)) ok.store(false);
  });
  return ok.load();
}

std::string layer_label(size_t i, const Layer& l) {
  return "layers[" + std::to_string(i) + "] (" + l.type() + ")";
}

}  // namespace


void Model::check_input(const float* x, size_t batch) const {
  if (x == nullptr) fail(BNN_STATUS_INVALID_ARGUMENT, "x is NULL");
  if (batch == 0) fail(BNN_STATUS_INVALID_ARGUMENT, "batch is 0");
  if (batch > (size_t{1} << 24)) fail(BNN_STATUS_OUT_OF_RANGE, "batch exceeds 2^24 samples");
  const size_t n = batch * input_size();
  if (!all_finite(x, n)) {
    size_t i = 0;
    while (i < n && std::isfinite(x[i])) ++i;
    fail(BNN_STATUS_NUMERIC, "x contains NaN or Inf (sample " + std::to_string(i / input_size()) +
                                 ", feature " + std::to_string(i % input_size()) + ")");
  }
}

void Model::check_labels(const int32_t* labels, size_t batch) const {
  if (labels == nullptr) fail(BNN_STATUS_INVALID_ARGUMENT, "labels is NULL");
  for (size_t i = 0; i < batch; ++i)
    if (labels[i] < 0 || static_cast<size_t>(labels[i]) >= output_size())
      fail(BNN_STATUS_OUT_OF_RANGE, "labels[" + std::to_string(i) + "] = " +
                                        std::to_string(labels[i]) + " is not in [0, " +
                                        std::to_string(output_size()) + ")");
}

const float* Model::prepared_input(const float* x, size_t batch) {
  if (!standardize_.active()) return x;
  if (standardize_.mode == Standardize::Mode::global && !standardize_.has_stats)
    fail(BNN_STATUS_INVALID_STATE,
         "standardize is \"global\" but its mean and sd are not known yet (a trainer computes them "
         "from the training samples; or give {\"mode\": \"global\", \"mean\": .., \"sd\": ..})");
  std_input_.resize(batch * input_size());
  standardize_.apply(x, std_input_.data(), batch, input_size());
  return std_input_.data();
}

void Model::forward(const float* x, size_t batch, bool training) {
  acts_.resize(layers_.size());
  const float* in = x;
  for (size_t i = 0; i < layers_.size(); ++i) {
    Layer& l = *layers_[i];
    acts_[i].resize(batch * l.output_shape().numel());
    l.forward(in, acts_[i].data(), batch, training);
    if (!all_finite(acts_[i].data(), acts_[i].size()))
      numeric_failure(layer_label(i, l) + " produced NaN or Inf in its forward pass", acts_[i].data(),
                      acts_[i].size());
    in = acts_[i].data();
  }
}

std::vector<Tensor*> Model::trainable() const {
  std::vector<Tensor*> t;
  for (Tensor* p : tensors_)
    if (p->trainable) t.push_back(p);
  return t;
}

void Model::numeric_failure(const std::string& what, float* v, size_t n) {
  if (!defer_numeric_) fail(BNN_STATUS_NUMERIC, what);
  if (deferred_failure_.empty()) deferred_failure_ = what;
  if (v) std::fill(v, v + n, 0.0f);
}

float Model::train_step(const float* x, const int32_t* labels, size_t batch) {
  check_input(x, batch);
  check_labels(labels, batch);
  check_memory(batch);
  prepare_partitioned_step();
  x = prepared_input(x, batch);
  // From here on, a data-parallel step meets every collective of the step whatever this rank
  // finds (numeric_failure); the failure surfaces in apply_update, on every rank.
  // One process without a gradient hook: the kernels that only the update reads take their
  // gradients in blocks of rows, each staged right after it is computed (stage_pending).
  fused_step_ = partition_.size <= 1 && !gradient_hook_ && !factor_sync_;
  struct Defer {
    Model& m;
    ~Defer() {
      m.defer_numeric_ = false;
      m.deferred_failure_.clear();
      for (PendingGrad& g : m.pending_grad_) g = PendingGrad{};
      if (m.fused_step_) {
        m.fused_step_ = false;
        m.clear_factor_stash();  // its pointers into this step's buffers
        for (auto& l : m.layers_) l->set_factor_sync(m.factor_sync_);
      }
    }
  } defer{*this};
  defer_numeric_ = partition_.size > 1;
  deferred_failure_.clear();
  if (factor_sync_ || fused_step_) clear_factor_stash();
  pending_grad_.assign(tensors_.size(), PendingGrad{});
  if (fused_step_) {
    wire_factor_sync(fused_factors_, false, true);
    fused_factors_.shares.assign(1, batch);
    fused_factors_.float_x = true;
    for (auto& l : layers_) l->set_factor_sync(&fused_factors_);
  }
  const double loss = backward_pass(x, labels, batch);
  // Data parallel: the kernels whose layers handed over their factors (FactorSync).
  if (factor_sync_) gradients_from_factors();
  for (size_t k = 0; fused_step_ && k < tensors_.size(); ++k) {
    const FactorStash& st = factor_stash_[k];
    if (st.rows == 0) continue;
    PendingGrad& g = pending_grad_[k];
    g.n = st.rows;
    if (st.bits)  // binarised inputs: the gradient by lookup tables (the layer's choice)
      g.xbits = static_cast<const uint64_t*>(st.x_ref);
    else
      g.x = static_cast<const float*>(st.x_ref);
    g.ldx = tensors_[k]->rows();
    g.dy = st.dy_ref;
  }
  double correct = static_cast<double>(count_correct(acts_.back().data(), labels, batch, output_size()));
  // Data-parallel training (a trainer with a communicator) reduces the gradients here, before
  // any update is staged: a failing reduction leaves the model as it was.
  double reduced_loss = loss;
  if (gradient_hook_) gradient_hook_(*this, &reduced_loss, &correct);
  apply_update();
  last_accuracy_ = static_cast<float>(correct / static_cast<double>(batch));
  return static_cast<float>(reduced_loss);
}

double Model::backward_pass(const float* x, const int32_t* labels, size_t batch) {
  forward(x, batch, true);
  const size_t classes = output_size();
  grads_.resize(layers_.size());
  grads_.back().resize(batch * classes);
  double loss = compute_loss(loss_, acts_.back().data(), labels, batch, classes,
                             grads_.back().data());
  if (!std::isfinite(loss)) {
    numeric_failure("the loss is NaN or Inf", grads_.back().data(), grads_.back().size());
    loss = 0.0;
  }
  for (size_t i = layers_.size(); i-- > 0;) {
    Layer& l = *layers_[i];
    float* dx = nullptr;
    if (i > 0) {
      grads_[i - 1].resize(batch * l.input_shape().numel());
      dx = grads_[i - 1].data();
    }
    l.backward(i ? acts_[i - 1].data() : x, acts_[i].data(), grads_[i].data(), dx, batch);
    // Parameter gradients are checked by the staged update (a NaN/Inf gradient makes a
    // non-finite new value); the input gradient is checked here to name the layer.
    if (dx && !all_finite(dx, grads_[i - 1].size()))
      numeric_failure(layer_label(i, l) + " produced NaN or Inf gradients", dx, grads_[i - 1].size());
  }
  return loss;
}

void Model::apply_update() {
  // Stage every update (new weights, clipped, and state in shadow buffers), then swap them in.
  // Nothing visible has changed until the commit loop. In a data-parallel group, a partitioned
  // kernel is staged for this rank's rows only, and the ranks agree on the outcome and exchange
  // the new signs before anyone commits (core/model_partition.cpp).
  auto lr_mult = [&](const Tensor* t) {
    return (lr_scale_ == BNN_LR_SCALE_GLOROT && t->binary) ? 1.0f / t->glorot_h : 1.0f;
  };
  const bool group = partition_.size > 1;
  optimizer_->begin_step();
  std::vector<size_t> flips(layers_.size(), 0);
  // The group's agreement: [any rank failed, then the flips per layer of the partitioned kernels].
  std::vector<int64_t> agree(group ? 1 + layers_.size() : 0, 0);
  // A failure this rank deferred (numeric_failure) fails the step here, where the group agrees.
  std::string failure = deferred_failure_;
  for (size_t k = 0; k < tensors_.size() && failure.empty(); ++k) {
    Tensor* t = tensors_[k];
    if (!t->trainable) continue;
    const size_t i = tensor_layer_[k];
    ParamSlot ps{t, lr_mult(t)};
    const bool part = partitioned(k);
    if (part) std::tie(ps.row_begin, ps.row_end) = owned_rows(*t, partition_.rank);
    size_t f = 0;
    bool bad_grad = false;
    const bool pending = k < pending_grad_.size() && pending_grad_[k].n > 0;
    const bool ok = pending ? stage_pending(k, ps, clip_bound(*t), &f, &bad_grad)
                            : optimizer_->stage(ps, clip_bound(*t), &f);
    if (!ok) {
      if (!pending) {
        // (A partitioned kernel's gradient is this rank's only on its own rows.)
        const size_t r1 = std::min(ps.row_end, t->rows()), r0 = std::min(ps.row_begin, r1);
        bad_grad = !all_finite(t->grad.data() + r0 * t->cols(), (r1 - r0) * t->cols());
      }
      failure = bad_grad ? layer_label(i, *layers_[i]) + " produced NaN or Inf gradients (" + t->name + ")"
                         : "the update of " + t->name + " would produce NaN or Inf";
      break;
    }
    if (part)
      agree[1 + i] += static_cast<int64_t>(f);
    else
      flips[i] += f;
  }
  if (group) {
    agree[0] = failure.empty() ? 0 : 1;
    try {
      partition_.sum_i64(agree.data(), agree.size());
      if (agree[0] == 0) exchange_staged_signs();
    } catch (...) {
      optimizer_->cancel_step();
      throw;
    }
    if (agree[0] != 0 && failure.empty())
      failure = "another rank's step produced NaN or Inf (its activations, loss, gradients or update)";
  }
  if (!failure.empty()) {
    optimizer_->cancel_step();
    fail(BNN_STATUS_NUMERIC, failure);
  }
  for (size_t i = 0; i < layers_.size(); ++i) {
    for (Tensor* t : layers_[i]->tensors())
      if (t->trainable) optimizer_->commit({t, lr_mult(t)});
    layers_[i]->commit_state();
  }
  for (size_t k = 0; group && k < tensors_.size(); ++k)
    if (partitioned(k)) scattered_[k] = 1;
  for (size_t i = 0; group && i < layers_.size(); ++i) flips[i] += static_cast<size_t>(agree[1 + i]);
  layer_flips_ = flips;
  ++steps_;
}

bool Model::stage_pending(size_t k, const ParamSlot& ps, float clip, size_t* flips, bool* bad_grad) {
  // Blocks of about 128K gradient values (512 KiB: in L2 when the update reads them). The
  // product of a block of rows is that of the whole kernel on those rows (the float GEMM's
  // values do not depend on M), and the update is element-wise: the same bits as one gradient
  // and one pass, without the gradient's trip to memory and back.
  const Tensor& t = *tensors_[k];
  const PendingGrad& g = pending_grad_[k];
  const size_t rows = t.rows(), cols = t.cols();
  const size_t hi = std::min(ps.row_end, rows), lo = std::min(ps.row_begin, hi);
  if (g.xbits) {
    // Binarised inputs: these rows' gradient by lookup tables at once (each 16-column panel's
    // tables built once), in the tensor's gradient, then one staged pass.
    Tensor& tw = *tensors_[k];
    BinaryKernel::signs_gradient(tw, g.n, g.xbits, g.dy, lo, hi, tw.grad.data() + lo * cols,
                                 factor_xt_);
    *flips = 0;
    if (optimizer_->stage(ps, clip, flips)) return true;
    *bad_grad = !all_finite(tw.grad.data() + lo * cols, (hi - lo) * cols);
    return false;
  }
  const size_t per = std::min(hi - lo, std::max<size_t>(1, (size_t{1} << 17) / cols));
  // Grown only: resizing up after a smaller kernel would zero the new part every step.
  if (fused_grad_.size() < per * cols) fused_grad_.resize(per * cols);
  // dy, the GEMM's right operand for every block, packed once.
  const size_t packed = kernels::sgemm_packed_b_floats(g.n, cols);
  if (fused_dy_.size() < packed) fused_dy_.resize(packed);
  kernels::sgemm_pack_b(false, g.n, cols, g.dy, cols, fused_dy_.data());
  *flips = 0;
  for (size_t r0 = lo; r0 < hi; r0 += per) {
    const size_t r1 = std::min(hi, r0 + per);
    kernels::sgemm_packed_b(true, r1 - r0, cols, g.n, g.alpha, g.x + (r0 - g.col0), g.ldx,
                            fused_dy_.data(), 0.0f, fused_grad_.data(), cols);
    ParamSlot block = ps;
    block.row_begin = r0;
    block.row_end = r1;
    block.grad = fused_grad_.data();
    size_t f = 0;
    if (!optimizer_->stage(block, clip, &f)) {
      *bad_grad = !all_finite(fused_grad_.data(), (r1 - r0) * cols);
      return false;
    }
    *flips += f;
  }
  return true;
}

float Model::clip_bound(const Tensor& t) const {
  if (!t.binary || weight_clip_.mode == BNN_WEIGHT_CLIP_NONE)
    return std::numeric_limits<float>::infinity();
  return weight_clip_.mode == BNN_WEIGHT_CLIP_FIXED ? weight_clip_.value : t.glorot_h;
}

void Model::predict(const float* x, size_t batch, float* logits) {
  check_input(x, batch);
  check_forward_readable("predict");
  constexpr size_t kChunk = 500;
  check_memory(std::min(kChunk, batch));
  const size_t classes = output_size();
  for (size_t b0 = 0; b0 < batch; b0 += kChunk) {
    const size_t nb = std::min(kChunk, batch - b0);
    forward(prepared_input(x + b0 * input_size(), nb), nb, false);
    std::copy(acts_.back().begin(), acts_.back().end(), logits + b0 * classes);
  }
}

void Model::evaluate(const float* x, const int32_t* labels, size_t n, float* loss_out,
                     float* accuracy_out) {
  check_input(x, n);
  check_forward_readable("evaluate");
  check_labels(labels, n);
  constexpr size_t kChunk = 500;
  check_memory(std::min(kChunk, n));
  const size_t classes = output_size();
  double loss = 0.0;
  size_t correct = 0;
  for (size_t b0 = 0; b0 < n; b0 += kChunk) {
    const size_t nb = std::min(kChunk, n - b0);
    forward(prepared_input(x + b0 * input_size(), nb), nb, false);
    loss += compute_loss(loss_, acts_.back().data(), labels + b0, nb, classes, nullptr) *
            static_cast<double>(nb);
    correct += count_correct(acts_.back().data(), labels + b0, nb, classes);
  }
  if (loss_out) *loss_out = static_cast<float>(loss / static_cast<double>(n));
  if (accuracy_out) *accuracy_out = static_cast<float>(static_cast<double>(correct) / n);
}


float Model::flip_ratio() const {
  size_t flips = 0, total = 0;
  for (size_t i = 0; i < layers_.size(); ++i) {
    flips += layer_flips_[i];
    total += layer_binary_[i];
  }
  return total ? static_cast<float>(static_cast<double>(flips) / total) : 0.0f;
}

float Model::layer_flip_ratio(size_t layer) const {
  if (layer >= layers_.size())
    fail(BNN_STATUS_OUT_OF_RANGE, "layer " + std::to_string(layer) + " does not exist (the model has " +
                                      std::to_string(layers_.size()) + ")");
  return layer_binary_[layer]
             ? static_cast<float>(static_cast<double>(layer_flips_[layer]) / layer_binary_[layer])
             : 0.0f;
}

}  // namespace bnn
