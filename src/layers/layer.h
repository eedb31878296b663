// The layer interface. A model is a chain of layers; each layer sees a batch of samples of its
// input shape (HWC for images) and produces its output shape. Layers cache in forward() what
// their backward() needs; running statistics are only committed when the whole step succeeded.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/json_reader.h"
#include "core/tensor.h"
#include "core/memory_budget.h"
#include "quant/quantizer.h"

namespace bnn {

// Synchronised batch norm in data-parallel training: the batch statistics of the forward pass and
// the per-channel sums of the backward pass are taken over every rank's share of the global batch.
struct BatchSync {
  std::function<void(double*, size_t)> sum;  // in place, over every rank
  double weight = 1.0;  // this rank's share of the global batch (share / global samples)
};

// The gradient of a partitioned kernel (core/model.h, Model::Partition) from the factors of its
// product in data-parallel training: a dense layer's kernel gradient is x^T dy, a sum over the
// batch, so instead of reducing the kernel-sized gradient the ranks exchange their rows of x
// (bits when x is binarised) and of dy, and each computes the global batch's gradient of the rows
// it updates. Far fewer bytes while the batch is small against the layer (100 samples against
// 1024 x 1024 weights: ~200 KB per rank instead of 2 MB), and the same multiply-adds per rank.
// The layer decides and hands its factors over; the model (core/model_factors.cpp) exchanges
// them once per step and computes the gradients (the plain step) or each micro-batch's
// contribution (the exact step).
struct FactorSync {
  std::vector<size_t> shares;  // samples of the global batch on each rank, in rank order
  // x as floats even when binarised (one process: nothing is exchanged, and the layer keeps x's
  // signs as +-1 floats anyway, which the gradient's GEMM reads without unpacking bits).
  bool float_x = false;
  // Rows [*lo, *hi) of t that this rank updates; false when t is not partitioned in this step.
  std::function<bool(const Tensor& t, size_t* lo, size_t* hi)> owned;
  // Takes a backward pass's factors of kernel t: x as sign bits (pack_rows layout) or as floats
  // (the +-1 floats when binarised), and dy, `batch` rows each.
  std::function<void(const Tensor& t, const uint64_t* xbits, const float* x, const float* dy,
                     size_t batch)>
      collect;
};

class Layer {
 public:
  virtual ~Layer() = default;
  virtual const char* type() const = 0;
  const Shape& input_shape() const { return in_; }
  const Shape& output_shape() const { return out_; }

  // y = f(x) for a batch. training: batch statistics, caches for backward.
  virtual void forward(const float* x, float* y, size_t batch, bool training) = 0;
  // Given dL/dy, writes dL/dx (dx may be null when not needed) and sets parameter gradients.
  // x and y are the tensors of the preceding forward(training = true).
  virtual void backward(const float* x, const float* y, const float* dy, float* dx,
                        size_t batch) = 0;
  // Deferred state (batch-norm running statistics) from the last training forward.
  virtual void commit_state() {}
  // The batch statistics that commit_state() folds into the running ones (batch norm: the
  // batch mean and variance per channel), so that an exact micro-batched step can replace them
  // by their average over micro-batches before committing. Empty for other layers.
  virtual std::vector<std::vector<float>*> batch_statistics() { return {}; }

  std::vector<Tensor*> tensors() {
    std::vector<Tensor*> t;
    for (auto& p : tensors_) t.push_back(p.get());
    return t;
  }
  // Quantizers (null for layers without them).
  virtual Quantizer* kernel_quantizer() { return nullptr; }
  virtual Quantizer* input_quantizer() { return nullptr; }
  // false = run in full precision (two-stage training), keeping the configured quantizers.
  void set_quantize(bool on) { quantize_ = on; }
  // On (set by the model): the optimiser applies the kernel's clipped-STE mask and keeps
  // Tensor::signs current in its fused update. Off (a layer used alone): the layer applies the
  // mask itself and packs the signs of its kernel from the values on every forward.
  void set_fused_update(bool on) { fused_update_ = on; }
  // Batch-norm momentum (layers without one ignore it).
  virtual void set_batch_norm_momentum(float) {}
  // Synchronised batch statistics in training forward and backward passes (null: this process's
  // batch alone); layers without statistics ignore it. The object must outlive its use.
  void set_batch_sync(const BatchSync* s) { sync_ = s; }
  // Kernel gradients by the exchange of factors (FactorSync); null: this process's gradient.
  // Layers that do not use it leave Tensor::grad_global false.
  void set_factor_sync(const FactorSync* s) { factor_sync_ = s; }

  // The layer's object in the model document, with every default filled in.
  virtual json to_json() const = 0;
  // Parameters that are binarised in inference (for the summary).
  size_t binary_params() const {
    size_t n = 0;
    for (auto& t : tensors_) n += t->binary ? t->numel() : 0;
    return n;
  }

 protected:
  Tensor* add_tensor(const std::string& name, std::vector<size_t> shape, bool trainable,
                     float fill) {
    auto t = std::make_unique<Tensor>();
    t->name = name;
    t->shape = shape;
    size_t n = 1;
    for (size_t d : shape) n *= d;
    // Charged before allocating: an absurd document fails here, not in the allocator.
    MemoryBudget::charge(uint64_t{n} * sizeof(float) * (trainable ? 2 : 1), name);
    t->value.assign(n, fill);
    if (trainable) t->grad.assign(n, 0.0f);
    t->trainable = trainable;
    tensors_.push_back(std::move(t));
    return tensors_.back().get();
  }
  Shape in_, out_;
  bool quantize_ = true;
  bool fused_update_ = false;
  const BatchSync* sync_ = nullptr;
  const FactorSync* factor_sync_ = nullptr;
  std::vector<std::unique_ptr<Tensor>> tensors_;
};

class Rng;

// Everything a layer constructor needs.
struct LayerArgs {
  const JsonReader& doc;  // the layer's object
  Shape input;
  size_t index;           // position in the document's "layers"
  Rng& rng;               // for initialisation
  std::string prefix() const { return "layers." + std::to_string(index) + "."; }
};

// Builds a layer from its document object ("type" selects the class).
std::unique_ptr<Layer> make_layer(LayerArgs& args);

}  // namespace bnn
