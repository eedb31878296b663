// What the exporters read from the model: each layer's configuration (from its own document
// object, the single record of its settings) and parameters (by tensor name), and the float
// expressions its inference forward pass evaluates, so that exported files reproduce them.
#pragma once
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/model.h"
#include "infer/engine.h"

namespace bnn::exporters {

struct LayerView {
  Layer* layer = nullptr;
  json cfg;              // the layer's document object, defaults filled in
  std::string type, name;  // name: "layers.3 (dense)" for messages
  bool qin = false, qk = false;  // binarised input / kernel in inference (model quantized)

  LayerView(const Model& m, size_t i) : layer(m.layers()[i].get()) {
    cfg = layer->to_json();
    type = layer->type();
    name = "layers." + std::to_string(i) + " (" + type + ")";
    qin = m.quantized() && layer->input_quantizer() != nullptr;
    qk = m.quantized() && layer->kernel_quantizer() != nullptr;
  }
  bool is_product() const { return type == "dense" || type == "conv2d"; }
  bool is_pool() const { return type == "max_pool2d" || type == "average_pool2d"; }
  // The tensor whose name ends in "." + suffix, or null.
  const Tensor* tensor(const std::string& suffix) const {
    for (Tensor* t : layer->tensors()) {
      const std::string& n = t->name;
      if (n.size() > suffix.size() && n.compare(n.size() - suffix.size(), suffix.size(), suffix) == 0 &&
          n[n.size() - suffix.size() - 1] == '.')
        return t;
    }
    return nullptr;
  }
  uint32_t u32(const char* key, size_t i) const { return cfg.at(key).at(i).get<uint32_t>(); }
  // Window of conv2d / pooling layers on input `in`; checked against the layer's own output.
  infer::Window window(const infer::Dims& in) const {
    infer::Window w;
    w.kh = u32(type == "conv2d" ? "kernel_size" : "pool_size", 0);
    w.kw = u32(type == "conv2d" ? "kernel_size" : "pool_size", 1);
    w.sh = u32("strides", 0);
    w.sw = u32("strides", 1);
    w.same = cfg.at("padding").get<std::string>() == "same";
    const Shape& out = layer->output_shape();
    if (!w.compute(in) || out.dims.size() != 3 || out.dims[0] != w.oh || out.dims[1] != w.ow)
      fail(BNN_STATUS_INTERNAL, name + ": window geometry differs from the layer's output shape");
    return w;
  }
};

// Batch norm in inference mode as batch_norm.cpp evaluates it: y = x * scale[c] + shift[c] with
// scale and shift computed in float in this order.
struct FoldedBatchNorm {
  std::vector<float> scale, shift;
  explicit FoldedBatchNorm(const LayerView& v) {
    const Tensor* g = v.tensor("gamma");
    const Tensor* b = v.tensor("beta");
    const Tensor* mean = v.tensor("running_mean");
    const Tensor* var = v.tensor("running_var");
    const float eps = v.cfg.at("epsilon").get<float>();
    const size_t c = mean->numel();
    scale.resize(c);
    shift.resize(c);
    for (size_t i = 0; i < c; ++i) {
      const float inv = 1.0f / std::sqrt(var->value[i] + eps);
      scale[i] = (g ? g->value[i] : 1.0f) * inv;
      shift[i] = (b ? b->value[i] : 0.0f) - mean->value[i] * scale[i];
    }
  }
};

// The model's input standardisation, refused when predict would refuse it too.
inline const Standardize& standardize_of(const Model& m) {
  const Standardize& s = m.standardize();
  if (s.mode == Standardize::Mode::global && !s.has_stats)
    fail(BNN_STATUS_INVALID_STATE,
         "export: standardize is \"global\" but its mean and sd are not known yet (train first, "
         "or give them in the document)");
  return s;
}

// The layer's input as infer dims ([1, 1, N] for vectors).
inline infer::Dims dims_of(const Shape& s) {
  infer::Dims d;
  if (s.dims.size() == 3) {
    d.h = static_cast<uint32_t>(s.dims[0]);
    d.w = static_cast<uint32_t>(s.dims[1]);
    d.c = static_cast<uint32_t>(s.dims[2]);
  } else {
    d.c = static_cast<uint32_t>(s.numel());
  }
  return d;
}

}  // namespace bnn::exporters
