// The one table of typed parameters (bnn_param): JSON name, type, bounds and, for the optimiser's
// keys, which optimiser has them with which default. bnn_param_bounds, the typed setters and
// getters, the JSON readers (optimiser objects, quantizers, batch norm, weight clipping, patches)
// and to_json all read these rows; tests/unit/param_table_test.cpp checks docs/SCHEMA.md against
// them. A basic of the core: it depends on nothing but the public header.
#pragma once
#include <cstddef>

#include "bnn/bnn.h"

namespace bnn {

// Optimiser types, in the order of their JSON names (kOptimizerNames).
enum class OptType { sgd, momentum, nesterov, adagrad, adadelta, rmsprop, adam, bop };
constexpr const char* kOptimizerNames[] = {"sgd",      "momentum", "nesterov", "adagrad",
                                           "adadelta", "rmsprop",  "adam",     "bop"};
constexpr size_t kOptimizerCount = sizeof kOptimizerNames / sizeof kOptimizerNames[0];

// A model-level parameter: its name and bounds wherever it appears (setter, JSON, patch).
struct ParamInfo {
  bnn_param id;
  const char* name;
  double lo, hi;
  bool integer;
};

// One key of one optimiser type. param is 0 for keys without a typed parameter
// (initial_accumulator); in_json false for parameters that have no JSON key of their own (Bop's
// learning rate: its fallback optimiser's).
struct OptimizerKey {
  OptType type;
  const char* key;
  int param;  // a bnn_param value, or 0
  double def, lo, hi;
  bool in_json;
};

const ParamInfo* find_param(bnn_param p);         // null for an unknown parameter
const char* param_name(bnn_param p);              // null for an unknown parameter
double param_lo(bnn_param p);                     // param_bounds' halves, for JSON readers
double param_hi(bnn_param p);
const ParamInfo& param_info(bnn_param p);         // throws INVALID_ARGUMENT for an unknown one
const ParamInfo* const* all_params(size_t* count);
// The keys of one optimiser type, in document order (weight_decay last).
const OptimizerKey* optimizer_keys(size_t* count);
const OptimizerKey* find_optimizer_key(OptType t, bnn_param p);
const OptimizerKey* find_optimizer_key(OptType t, const char* key);
// Whether p is an optimiser key (its bounds and defaults are per optimiser type).
bool is_optimizer_param(bnn_param p);
// Bounds of a parameter; for an optimiser key the widest over every optimiser that has it (the
// current optimiser's own are find_optimizer_key(type, p)->lo/hi).
void param_bounds(bnn_param p, double* lo, double* hi);

}  // namespace bnn
