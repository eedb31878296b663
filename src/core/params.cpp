// Typed parameters: one table of names and bounds, shared by the setters, the getters, the bounds
// query and (through the same names) the JSON document.
#include <cmath>

#include "core/model.h"
#include "core/param_table.h"

namespace bnn {
namespace {

// The current optimiser's row for an optimiser parameter (UNSUPPORTED when it has none).
const OptimizerKey& optimizer_row(const OptimizerConfig& oc, const ParamInfo& pi) {
  const OptimizerKey* k = find_optimizer_key(oc.type, pi.id);
  if (!k)
    fail(BNN_STATUS_UNSUPPORTED, std::string(pi.name) + " is not a parameter of the " +
                                     oc.type_name() + " optimiser");
  return *k;
}

}  // namespace

void Model::param_bounds(bnn_param p, double* lo, double* hi) const {
  const ParamInfo& pi = param_info(p);
  if (is_optimizer_param(p)) {
    const OptimizerKey& row = optimizer_row(optimizer_->config(), pi);
    *lo = row.lo;
    *hi = row.hi;
    return;
  }
  bnn::param_bounds(p, lo, hi);
}

void Model::set_param(bnn_param p, double v) {
  const ParamInfo& pi = param_info(p);
  OptimizerConfig& oc = optimizer_->config();
  double lo = pi.lo, hi = pi.hi;
  const OptimizerKey* row = nullptr;
  if (is_optimizer_param(p)) {
    row = &optimizer_row(oc, pi);
    lo = row->lo;
    hi = row->hi;
  }
  if (!std::isfinite(v) || v < lo || v > hi)
    fail(BNN_STATUS_OUT_OF_RANGE, std::string(pi.name) + ": value " + JsonReader::fmt(v) +
                                      " is out of range [" + JsonReader::fmt(lo) + ", " +
                                      JsonReader::fmt(hi) + "]" +
                                      (row ? std::string(" for the ") + oc.type_name() + " optimiser" : ""));
  if (pi.integer && std::floor(v) != v)
    fail(BNN_STATUS_INVALID_ARGUMENT, std::string(pi.name) + ": expected an integer value");
  const float f = static_cast<float>(v);
  if (row) {
    *oc.slot(row->key) = f;
    return;
  }
  switch (p) {
    case BNN_PARAM_KERNEL_STE:
    case BNN_PARAM_INPUT_STE:
    case BNN_PARAM_STE_CLIP:
    case BNN_PARAM_STE_BETA:
      for (auto& l : layers_) {
        Quantizer* qs[2] = {l->kernel_quantizer(), l->input_quantizer()};
        for (int k = 0; k < 2; ++k) {
          Quantizer* q = qs[k];
          if (!q) continue;
          if (p == BNN_PARAM_KERNEL_STE && k == 0) q->ste = static_cast<bnn_ste>(static_cast<int>(v));
          if (p == BNN_PARAM_INPUT_STE && k == 1) q->ste = static_cast<bnn_ste>(static_cast<int>(v));
          if (p == BNN_PARAM_STE_CLIP) q->clip = f;
          if (p == BNN_PARAM_STE_BETA) q->beta = f;
        }
      }
      break;
    case BNN_PARAM_QUANTIZE:
      quantize_ = v != 0.0;
      for (auto& l : layers_) l->set_quantize(quantize_);
      break;
    case BNN_PARAM_WEIGHT_CLIP_MODE: weight_clip_.mode = static_cast<bnn_weight_clip>(static_cast<int>(v)); break;
    case BNN_PARAM_WEIGHT_CLIP_VALUE: weight_clip_.value = f; break;
    case BNN_PARAM_LR_SCALE: lr_scale_ = static_cast<bnn_lr_scale>(static_cast<int>(v)); break;
    case BNN_PARAM_BATCH_NORM_MOMENTUM:
      for (auto& l : layers_) l->set_batch_norm_momentum(f);
      bn_momentum_ = f;
      break;
    default: break;  // unreachable: info(p) refused unknown parameters
  }
}

double Model::get_param(bnn_param p) const {
  const ParamInfo& pi = param_info(p);
  if (is_optimizer_param(p)) {
    OptimizerConfig& oc = optimizer_->config();
    return *oc.slot(optimizer_row(oc, pi).key);
  }
  // which: 0 kernel, 1 input, 2 either (kernel first).
  auto first_quantizer = [&](int which) -> const Quantizer* {
    for (int k = which == 1 ? 1 : 0; k <= (which == 0 ? 0 : 1); ++k)
      for (auto& l : layers_) {
        const Quantizer* q = k == 0 ? l->kernel_quantizer() : l->input_quantizer();
        if (q) return q;
      }
    fail(BNN_STATUS_UNSUPPORTED, std::string(pi.name) + ": the model has no such quantizer");
  };
  switch (p) {
    case BNN_PARAM_KERNEL_STE: return first_quantizer(0)->ste;
    case BNN_PARAM_INPUT_STE: return first_quantizer(1)->ste;
    case BNN_PARAM_STE_CLIP: return first_quantizer(2)->clip;
    case BNN_PARAM_STE_BETA: return first_quantizer(2)->beta;
    case BNN_PARAM_QUANTIZE: return quantize_ ? 1 : 0;
    case BNN_PARAM_WEIGHT_CLIP_MODE: return weight_clip_.mode;
    case BNN_PARAM_WEIGHT_CLIP_VALUE: return weight_clip_.value;
    case BNN_PARAM_LR_SCALE: return lr_scale_;
    case BNN_PARAM_BATCH_NORM_MOMENTUM:
      if (bn_momentum_ < 0.0f) fail(BNN_STATUS_UNSUPPORTED, "batch_norm_momentum: not set for the whole model (each batch_norm layer has its own)");
      return bn_momentum_;
    default: break;
  }
  fail(BNN_STATUS_INVALID_ARGUMENT, "unknown parameter");
}

}  // namespace bnn
