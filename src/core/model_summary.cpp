// The layer table of bnn_model_summary and the memory estimate behind max_memory.
#include <cstdio>

#include "core/model.h"

namespace bnn {

std::string Model::summary() const {
  std::string s;
  char line[256];
  std::snprintf(line, sizeof line, "%-4s %-16s %-16s %12s %12s %14s\n", "#", "layer", "output",
                "float params", "binary", "packed bytes");
  s += line;
  size_t tot_f = 0, tot_b = 0, tot_bytes = 0;
  for (size_t i = 0; i < layers_.size(); ++i) {
    const Layer& l = *layers_[i];
    size_t all = 0;
    for (auto* t : const_cast<Layer&>(l).tensors())
      if (t->trainable) all += t->numel();
    const size_t bin = l.binary_params(), flt = all - bin;
    const size_t bytes = flt * 4 + (bin + 7) / 8;
    std::snprintf(line, sizeof line, "%-4zu %-16s %-16s %12zu %12zu %14zu\n", i, l.type(),
                  l.output_shape().str().c_str(), flt, bin, bytes);
    s += line;
    tot_f += flt;
    tot_b += bin;
    tot_bytes += bytes;
  }
  std::snprintf(line, sizeof line,
                "total: %zu float + %zu binary parameters; %zu bytes as float32, %zu bytes with "
                "packed binary weights (%.1fx smaller)\n",
                tot_f, tot_b, (tot_f + tot_b) * 4, tot_bytes,
                tot_bytes ? static_cast<double>((tot_f + tot_b) * 4) / tot_bytes : 0.0);
  s += line;
  return s;
}

uint64_t Model::memory_needed(size_t batch) const {
  // Parameters with their gradients, an upper bound of the optimiser state (two slots per
  // trainable value: Adam, AdaDelta), and per sample the input plus, per layer, its activation,
  // its gradient and a cache of the same size (quantized copies, pooling indices).
  uint64_t fixed = 0, per_sample = input_.numel();
  for (const Tensor* t : tensors_) fixed += uint64_t{t->numel()} * (t->trainable ? 4 : 1);
  for (const auto& l : layers_) per_sample += 3 * uint64_t{l->output_shape().numel()};
  return (fixed + per_sample * batch) * sizeof(float);
}

void Model::check_memory(size_t batch) const {
  if (!max_memory_) return;
  const uint64_t need = memory_needed(batch);
  if (need > max_memory_)
    fail(BNN_STATUS_OUT_OF_MEMORY,
         "the model needs about " + std::to_string(need) + " bytes for a batch of " +
             std::to_string(batch) + " (parameters, optimiser state, activations), more than " +
             "max_memory = " + std::to_string(max_memory_));
}

}  // namespace bnn
