// Optimisers of the four families the study compares (SGD; momentum/Nesterov; AdaGrad/AdaDelta/
// RMSProp; Adam) with PyTorch's update rules, plus Bop (Helwegen et al. 2019, as in Larq).
// Updates are element-wise and run in two passes per tensor: a dry run that checks the result
// stays finite, then the commit. So a step either fully succeeds or changes nothing.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/json_reader.h"
#include "layers/layer.h"

namespace bnn {

enum class OptType { sgd, momentum, nesterov, adagrad, adadelta, rmsprop, adam, bop };

struct OptimizerConfig {
  OptType type = OptType::adam;
  float learning_rate = 0.001f;
  float momentum = 0.9f;
  float beta1 = 0.9f, beta2 = 0.999f;
  float epsilon = 1e-8f;
  float rho = 0.9f;
  float initial_accumulator = 0.0f;
  float weight_decay = 0.0f;
  float threshold = 1e-8f, gamma = 1e-4f;   // bop
  std::shared_ptr<OptimizerConfig> fallback; // bop: optimiser of the non-binary parameters

  static OptimizerConfig from_json(const JsonReader& r);
  json to_json() const;
  const char* type_name() const;
};

struct ParamSlot {
  Tensor* tensor;
  float lr_mult;  // per-layer learning-rate scale (1/H with lr_scale glorot)
};

class Optimizer {
 public:
  explicit Optimizer(const OptimizerConfig& c);
  const OptimizerConfig& config() const { return cfg_; }
  OptimizerConfig& config() { return cfg_; }

  // Advances the step counter (bias correction) for the update about to be applied.
  void begin_step();
  // Undoes begin_step() when the step was abandoned before any apply().
  void cancel_step();
  // Would the update of this tensor keep every value and state finite? Writes nothing.
  bool check(const ParamSlot& p);
  // Applies the update; returns the number of sign flips for binary tensors.
  size_t apply(const ParamSlot& p);

  // State for save/load: named float buffers and step counters.
  struct StateBuffer {
    std::string name;
    std::vector<float>* data;
  };
  std::vector<StateBuffer> state_buffers(const std::vector<Tensor*>& trainable);
  uint64_t steps() const { return t_; }
  void set_steps(uint64_t t);

 private:
  template <bool kCommit>
  size_t run(const ParamSlot& p, bool* finite);
  std::vector<std::vector<float>>& slots(const Tensor* t, size_t n);
  size_t slot_count(bool binary) const;

  OptimizerConfig cfg_;
  uint64_t t_ = 0;
  std::map<std::string, std::vector<std::vector<float>>> state_;
  std::unique_ptr<Optimizer> fallback_;
};

}  // namespace bnn
