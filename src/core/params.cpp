// Typed parameters: one table of names and bounds, shared by the setters, the getters, the bounds
// query and (through the same names) the JSON document.
#include <cmath>

#include "core/model.h"

namespace bnn {
namespace {

struct ParamInfo {
  bnn_param id;
  const char* name;
  double lo, hi;
  bool integer;
};

const ParamInfo kParams[] = {
    {BNN_PARAM_LEARNING_RATE, "learning_rate", 0.0, 1e3, false},
    {BNN_PARAM_MOMENTUM, "momentum", 0.0, 1.0, false},
    {BNN_PARAM_BETA1, "beta1", 0.0, 0.999999, false},
    {BNN_PARAM_BETA2, "beta2", 0.0, 0.9999999, false},
    {BNN_PARAM_EPSILON, "epsilon", 0.0, 1.0, false},
    {BNN_PARAM_RHO, "rho", 0.0, 1.0, false},
    {BNN_PARAM_WEIGHT_DECAY, "weight_decay", 0.0, 1e3, false},
    {BNN_PARAM_BOP_THRESHOLD, "threshold", 0.0, 1e3, false},
    {BNN_PARAM_BOP_GAMMA, "gamma", 0.0, 1.0, false},
    {BNN_PARAM_KERNEL_STE, "kernel_ste", 0, 3, true},
    {BNN_PARAM_INPUT_STE, "input_ste", 0, 3, true},
    {BNN_PARAM_STE_CLIP, "ste_clip", 1e-6, 1e6, false},
    {BNN_PARAM_STE_BETA, "ste_beta", 1e-3, 1e3, false},
    {BNN_PARAM_QUANTIZE, "quantize", 0, 1, true},
    {BNN_PARAM_WEIGHT_CLIP_MODE, "weight_clip_mode", 0, 2, true},
    {BNN_PARAM_WEIGHT_CLIP_VALUE, "weight_clip_value", 1e-6, 1e6, false},
    {BNN_PARAM_LR_SCALE, "lr_scale", 0, 1, true},
    {BNN_PARAM_BATCH_NORM_MOMENTUM, "batch_norm_momentum", 0.0, 1.0, false},
};

const ParamInfo& info(bnn_param p) {
  for (const auto& i : kParams)
    if (i.id == p) return i;
  fail(BNN_STATUS_INVALID_ARGUMENT, "unknown parameter " + std::to_string(static_cast<int>(p)));
}

}  // namespace

const char* param_name(bnn_param p) {
  for (const auto& i : kParams)
    if (i.id == p) return i.name;
  return nullptr;
}

void param_bounds(bnn_param p, double* lo, double* hi) {
  const ParamInfo& i = info(p);
  *lo = i.lo;
  *hi = i.hi;
}

void Model::set_param(bnn_param p, double v) {
  const ParamInfo& pi = info(p);
  if (!std::isfinite(v) || v < pi.lo || v > pi.hi)
    fail(BNN_STATUS_OUT_OF_RANGE, std::string(pi.name) + ": value " + JsonReader::fmt(v) +
                                      " is out of range [" + JsonReader::fmt(pi.lo) + ", " +
                                      JsonReader::fmt(pi.hi) + "]");
  if (pi.integer && std::floor(v) != v)
    fail(BNN_STATUS_INVALID_ARGUMENT, std::string(pi.name) + ": expected an integer value");
  OptimizerConfig& oc = optimizer_->config();
  auto need = [&](bool ok) {
    if (!ok)
      fail(BNN_STATUS_UNSUPPORTED, std::string(pi.name) + " is not a parameter of the " +
                                       oc.type_name() + " optimiser");
  };
  const float f = static_cast<float>(v);
  const OptType t = oc.type;
  switch (p) {
    case BNN_PARAM_LEARNING_RATE: oc.learning_rate = f; break;
    case BNN_PARAM_MOMENTUM:
      need(t == OptType::momentum || t == OptType::nesterov);
      oc.momentum = f;
      break;
    case BNN_PARAM_BETA1: need(t == OptType::adam); oc.beta1 = f; break;
    case BNN_PARAM_BETA2: need(t == OptType::adam); oc.beta2 = f; break;
    case BNN_PARAM_EPSILON:
      need(t == OptType::adagrad || t == OptType::adadelta || t == OptType::rmsprop ||
           t == OptType::adam);
      // The document of these optimisers requires epsilon >= 1e-30 (it divides by it): a smaller
      // value here would make the model's own document and checkpoint unloadable.
      if (t != OptType::adagrad && v < 1e-30)
        fail(BNN_STATUS_OUT_OF_RANGE, std::string("epsilon: value ") + JsonReader::fmt(v) +
                                          " is out of range [1e-30, 1] for the " +
                                          oc.type_name() + " optimiser");
      oc.epsilon = f;
      break;
    case BNN_PARAM_RHO: need(t == OptType::adadelta || t == OptType::rmsprop); oc.rho = f; break;
    case BNN_PARAM_WEIGHT_DECAY: oc.weight_decay = f; break;
    case BNN_PARAM_BOP_THRESHOLD: need(t == OptType::bop); oc.threshold = f; break;
    case BNN_PARAM_BOP_GAMMA: need(t == OptType::bop); oc.gamma = f; break;
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
  const ParamInfo& pi = info(p);
  const OptimizerConfig& oc = optimizer_->config();
  const OptType t = oc.type;
  auto need = [&](bool ok) {
    if (!ok)
      fail(BNN_STATUS_UNSUPPORTED, std::string(pi.name) + " is not a parameter of the " +
                                       oc.type_name() + " optimiser");
  };
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
    case BNN_PARAM_LEARNING_RATE: return oc.learning_rate;
    case BNN_PARAM_MOMENTUM: need(t == OptType::momentum || t == OptType::nesterov); return oc.momentum;
    case BNN_PARAM_BETA1: need(t == OptType::adam); return oc.beta1;
    case BNN_PARAM_BETA2: need(t == OptType::adam); return oc.beta2;
    case BNN_PARAM_EPSILON:
      need(t == OptType::adagrad || t == OptType::adadelta || t == OptType::rmsprop ||
           t == OptType::adam);
      return oc.epsilon;
    case BNN_PARAM_RHO: need(t == OptType::adadelta || t == OptType::rmsprop); return oc.rho;
    case BNN_PARAM_WEIGHT_DECAY: return oc.weight_decay;
    case BNN_PARAM_BOP_THRESHOLD: need(t == OptType::bop); return oc.threshold;
    case BNN_PARAM_BOP_GAMMA: need(t == OptType::bop); return oc.gamma;
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
