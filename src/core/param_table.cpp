#include "core/param_table.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "core/error.h"

namespace bnn {
namespace {

constexpr ParamInfo kParams[] = {
    // optimiser: bounds come from kKeys (param_bounds: the widest over the optimisers)
    {BNN_PARAM_LEARNING_RATE, "learning_rate", 0, 0, false},
    {BNN_PARAM_MOMENTUM, "momentum", 0, 0, false},
    {BNN_PARAM_BETA1, "beta1", 0, 0, false},
    {BNN_PARAM_BETA2, "beta2", 0, 0, false},
    {BNN_PARAM_EPSILON, "epsilon", 0, 0, false},
    {BNN_PARAM_RHO, "rho", 0, 0, false},
    {BNN_PARAM_WEIGHT_DECAY, "weight_decay", 0, 0, false},
    {BNN_PARAM_BOP_THRESHOLD, "threshold", 0, 0, false},
    {BNN_PARAM_BOP_GAMMA, "gamma", 0, 0, false},
    // quantizers / STE
    {BNN_PARAM_KERNEL_STE, "kernel_ste", 0, 3, true},
    {BNN_PARAM_INPUT_STE, "input_ste", 0, 3, true},
    {BNN_PARAM_STE_CLIP, "ste_clip", 1e-6, 1e6, false},  // JSON: a quantizer's "clip"
    {BNN_PARAM_STE_BETA, "ste_beta", 1e-3, 1e3, false},  // JSON: a quantizer's "beta"
    {BNN_PARAM_QUANTIZE, "quantize", 0, 1, true},
    // clipping and scaling
    {BNN_PARAM_WEIGHT_CLIP_MODE, "weight_clip_mode", 0, 2, true},
    {BNN_PARAM_WEIGHT_CLIP_VALUE, "weight_clip_value", 1e-6, 1e6, false},  // weight_clip.value
    {BNN_PARAM_LR_SCALE, "lr_scale", 0, 1, true},
    // batch norm
    {BNN_PARAM_BATCH_NORM_MOMENTUM, "batch_norm_momentum", 0.0, 1.0, false},  // also "momentum"
};

constexpr int LR = BNN_PARAM_LEARNING_RATE, WD = BNN_PARAM_WEIGHT_DECAY, EPS = BNN_PARAM_EPSILON,
              RHO = BNN_PARAM_RHO, MOM = BNN_PARAM_MOMENTUM;
// Epsilon divides in AdaDelta, RMSProp and Adam: at least 1e-30 there (AdaGrad adds it to a sum
// of squares that starts at initial_accumulator, so 0 is allowed).
constexpr OptimizerKey kKeys[] = {
    {OptType::sgd, "learning_rate", LR, 0.01, 0.0, 1e3, true},
    {OptType::sgd, "weight_decay", WD, 0.0, 0.0, 1e3, true},
    {OptType::momentum, "learning_rate", LR, 0.01, 0.0, 1e3, true},
    {OptType::momentum, "momentum", MOM, 0.9, 0.0, 1.0, true},
    {OptType::momentum, "weight_decay", WD, 0.0, 0.0, 1e3, true},
    {OptType::nesterov, "learning_rate", LR, 0.01, 0.0, 1e3, true},
    {OptType::nesterov, "momentum", MOM, 0.9, 0.0, 1.0, true},
    {OptType::nesterov, "weight_decay", WD, 0.0, 0.0, 1e3, true},
    {OptType::adagrad, "learning_rate", LR, 0.01, 0.0, 1e3, true},
    {OptType::adagrad, "epsilon", EPS, 1e-10, 0.0, 1.0, true},
    {OptType::adagrad, "initial_accumulator", 0, 0.0, 0.0, 1e6, true},
    {OptType::adagrad, "weight_decay", WD, 0.0, 0.0, 1e3, true},
    {OptType::adadelta, "learning_rate", LR, 1.0, 0.0, 1e3, true},
    {OptType::adadelta, "rho", RHO, 0.9, 0.0, 1.0, true},
    {OptType::adadelta, "epsilon", EPS, 1e-6, 1e-30, 1.0, true},
    {OptType::adadelta, "weight_decay", WD, 0.0, 0.0, 1e3, true},
    {OptType::rmsprop, "learning_rate", LR, 0.01, 0.0, 1e3, true},
    {OptType::rmsprop, "rho", RHO, 0.99, 0.0, 1.0, true},
    {OptType::rmsprop, "epsilon", EPS, 1e-8, 1e-30, 1.0, true},
    {OptType::rmsprop, "weight_decay", WD, 0.0, 0.0, 1e3, true},
    {OptType::adam, "learning_rate", LR, 0.001, 0.0, 1e3, true},
    {OptType::adam, "beta1", BNN_PARAM_BETA1, 0.9, 0.0, 0.999999, true},
    {OptType::adam, "beta2", BNN_PARAM_BETA2, 0.999, 0.0, 0.9999999, true},
    {OptType::adam, "epsilon", EPS, 1e-8, 1e-30, 1.0, true},
    {OptType::adam, "weight_decay", WD, 0.0, 0.0, 1e3, true},
    {OptType::bop, "learning_rate", LR, 0.001, 0.0, 1e3, false},  // the fallback's rate
    {OptType::bop, "threshold", BNN_PARAM_BOP_THRESHOLD, 1e-8, 0.0, 1e3, true},
    {OptType::bop, "gamma", BNN_PARAM_BOP_GAMMA, 1e-4, 0.0, 1.0, true},
    {OptType::bop, "weight_decay", WD, 0.0, 0.0, 1e3, true},
};

}  // namespace

const ParamInfo* find_param(bnn_param p) {
  for (const auto& i : kParams)
    if (i.id == p) return &i;
  return nullptr;
}

const char* param_name(bnn_param p) {
  const ParamInfo* i = find_param(p);
  return i ? i->name : nullptr;
}

double param_lo(bnn_param p) {
  double lo, hi;
  param_bounds(p, &lo, &hi);
  return lo;
}
double param_hi(bnn_param p) {
  double lo, hi;
  param_bounds(p, &lo, &hi);
  return hi;
}

const ParamInfo& param_info(bnn_param p) {
  const ParamInfo* i = find_param(p);
  if (!i) fail(BNN_STATUS_INVALID_ARGUMENT, "unknown parameter " + std::to_string(static_cast<int>(p)));
  return *i;
}

const ParamInfo* const* all_params(size_t* count) {
  static const ParamInfo* const ptrs[] = {
      &kParams[0],  &kParams[1],  &kParams[2],  &kParams[3],  &kParams[4],  &kParams[5],
      &kParams[6],  &kParams[7],  &kParams[8],  &kParams[9],  &kParams[10], &kParams[11],
      &kParams[12], &kParams[13], &kParams[14], &kParams[15], &kParams[16], &kParams[17]};
  static_assert(sizeof ptrs / sizeof ptrs[0] == sizeof kParams / sizeof kParams[0], "every row");
  *count = sizeof kParams / sizeof kParams[0];
  return ptrs;
}

const OptimizerKey* optimizer_keys(size_t* count) {
  *count = sizeof kKeys / sizeof kKeys[0];
  return kKeys;
}

const OptimizerKey* find_optimizer_key(OptType t, bnn_param p) {
  for (const auto& k : kKeys)
    if (k.type == t && k.param == static_cast<int>(p)) return &k;
  return nullptr;
}

const OptimizerKey* find_optimizer_key(OptType t, const char* key) {
  for (const auto& k : kKeys)
    if (k.type == t && std::strcmp(k.key, key) == 0) return &k;
  return nullptr;
}

bool is_optimizer_param(bnn_param p) {
  for (const auto& k : kKeys)
    if (k.param == static_cast<int>(p)) return true;
  return false;
}

void param_bounds(bnn_param p, double* lo, double* hi) {
  const ParamInfo& i = param_info(p);
  if (!is_optimizer_param(p)) {
    *lo = i.lo;
    *hi = i.hi;
    return;
  }
  bool first = true;
  for (const auto& k : kKeys)
    if (k.param == static_cast<int>(p)) {
      *lo = first ? k.lo : std::min(*lo, k.lo);
      *hi = first ? k.hi : std::max(*hi, k.hi);
      first = false;
    }
}

}  // namespace bnn
