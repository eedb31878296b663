// Optimisers of the four families the study compares (SGD; momentum/Nesterov; AdaGrad/AdaDelta/
// RMSProp; Adam) with PyTorch's update rules, plus Bop (Helwegen et al. 2019, as in Larq).
// Updates are element-wise and staged: stage() writes the new weights and state of a tensor into
// shadow buffers (checking that they are finite), commit() swaps them in. So a step either fully
// succeeds or changes nothing, at the memory traffic of a single in-place pass.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/json_reader.h"
#include "core/param_table.h"
#include "core/tensor.h"

namespace bnn {


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
  // The field of an optimiser key of the parameter table ("learning_rate" -> &learning_rate).
  float* slot(const char* key);
};

struct ParamSlot {
  Tensor* tensor;
  float lr_mult;  // per-layer learning-rate scale (1/H with lr_scale glorot)
  // The rows [row_begin, row_end) to update (a data-parallel rank's part: core/model.h,
  // Model::Partition); the staged buffers' other rows are left as they were.
  size_t row_begin = 0, row_end = static_cast<size_t>(-1);
  // The gradient of those rows when it is not in tensor->grad (a block computed just before the
  // update, while it is in cache: Model::stage_pending); null: tensor->grad.
  const float* grad = nullptr;
};

class Optimizer {
 public:
  explicit Optimizer(const OptimizerConfig& c);
  const OptimizerConfig& config() const { return cfg_; }
  OptimizerConfig& config() { return cfg_; }

  // Advances the step counter (bias correction) for the update about to be applied.
  void begin_step();
  // Undoes begin_step() when the step was abandoned before any commit().
  void cancel_step();
  // Computes the update of a tensor into shadow buffers, the new weights clipped to
  // [-clip, clip]. Returns false when a new value or state is NaN/Inf. *flips: sign changes
  // (binary tensors). Nothing visible changes.
  bool stage(const ParamSlot& p, float clip, size_t* flips);
  // Makes the staged update of the tensor current (O(1) buffer swaps).
  void commit(const ParamSlot& p);

  // State for save/load: named float buffers and step counters.
  struct StateBuffer {
    std::string name;
    std::vector<float>* data;
  };
  std::vector<StateBuffer> state_buffers(const std::vector<Tensor*>& trainable);
  // The state slots of one trainable tensor (those of the fallback optimiser for Bop's
  // non-binary tensors).
  std::vector<std::vector<float>*> state_of(const Tensor* t);
  // The staged signs of a binary tensor (rows x packed_words(cols) words) between stage() and
  // commit(): a data-parallel rank fills in the other ranks' rows before committing.
  std::vector<uint64_t>& staged_signs(const Tensor* t) { return shadow_signs_[t->name]; }
  uint64_t steps() const { return t_; }
  void set_steps(uint64_t t);

 private:
  bool run(const ParamSlot& p, float clip, size_t* flips);
  std::vector<std::vector<float>>& slots(const Tensor* t, size_t n);
  std::vector<std::vector<float>>& shadow(const Tensor* t, size_t n);
  size_t slot_count(bool binary) const;

  OptimizerConfig cfg_;
  uint64_t t_ = 0;
  std::map<std::string, std::vector<std::vector<float>>> state_;
  // Staged updates: per tensor, [0] = new weights, [1..] = new state slots.
  std::map<std::string, std::vector<std::vector<float>>> shadow_;
  // Staged signs of binary tensors (Tensor::signs), swapped in with the weights.
  std::map<std::string, std::vector<uint64_t>> shadow_signs_;
  std::unique_ptr<Optimizer> fallback_;
};

}  // namespace bnn
