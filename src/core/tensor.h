// Shapes and named tensors: the basics that layers, optimisers, checkpoints and exporters share
// (below all of them, so that an optimiser needs no layer header).
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace bnn {

struct Shape {
  std::vector<size_t> dims;
  size_t numel() const {
    size_t n = 1;
    for (size_t d : dims) n *= d;
    return n;
  }
  std::string str() const {
    std::string s = "[";
    for (size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
    return s + "]";
  }
};

// A named tensor of a layer: a trainable parameter (with a gradient) or a state buffer.
struct Tensor {
  std::string name;
  std::vector<size_t> shape;
  std::vector<float> value;
  std::vector<float> grad;      // same size as value for trainable tensors, empty otherwise
  bool trainable = true;
  bool binary = false;          // latent weights of a binarised kernel
  float glorot_h = 1.0f;        // H = sqrt(1.5 / (fan_in + fan_out)) for binary kernels
  bool non_negative = false;    // running variances
  // Binary kernels, kept by the optimiser's fused update when a model drives the layers: the
  // signs of `value` packed row-major (bit set where value < 0; rows = numel / shape.back(),
  // packed_words(shape.back()) words each), current while signs_stamp != 0. Whoever else writes
  // `value` (set_tensor, a loader) sets signs_stamp = 0 and the layer repacks.
  std::vector<uint64_t> signs;
  uint64_t signs_stamp = 0;
  // The clipped STE's mask that the layer left for the optimiser to apply to `grad` (fused
  // update); false when `grad` is final.
  bool grad_mask_clipped = false;
  float grad_mask_clip = 1.0f;
  // Data parallel (layers/layer.h FactorSync): the rows of `grad` that this rank updates already
  // hold the whole group's gradient (no reduction needed); the other rows are not computed. In
  // the exact step: the layer handed its factors over, and the model computes the gradient.
  bool grad_global = false;
  size_t numel() const { return value.size(); }
  size_t cols() const { return shape.empty() ? numel() : shape.back(); }
  size_t rows() const { return cols() ? numel() / cols() : 0; }
  // A new stamp for `signs` (process-wide counter, never 0).
  static uint64_t next_stamp() {
    static std::atomic<uint64_t> counter{0};
    return ++counter;
  }
};

}  // namespace bnn
