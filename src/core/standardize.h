// Input standardisation owned by the model (document key "standardize"): applied to the inputs
// of train_step, predict, evaluate and by the exported deployment files, so that a model always
// sees what it was trained on.
//   none      -- inputs pass unchanged
//   per_image -- each sample to zero mean, unit variance: y = (x - mean) / max(sd, 1/sqrt(N)),
//                mean and sd (biased) over the sample's N values, computed in double
//                (as tf.image.per_image_standardization)
//   global    -- y = (x - mean) / sd with two scalars stored in the document (the trainer
//                computes them from the training samples when they are not given)
#pragma once
#include <cstddef>

#include "core/json_reader.h"

namespace bnn {

struct Standardize {
  enum class Mode { none, per_image, global };
  Mode mode = Mode::none;
  double mean = 0.0, sd = 1.0;  // global only
  bool has_stats = false;       // global: mean/sd known

  // Reads the document value: "none" | "per_image" | "global" | {"mode": ..., "mean": .., "sd": ..}.
  static Standardize from_json(const JsonReader& r, const char* key);
  json to_json() const;
  bool active() const { return mode != Mode::none; }
  // y may equal x. batch samples of dim floats each.
  void apply(const float* x, float* y, size_t batch, size_t dim) const;
  // Sets mean/sd (global) from samples; no-op for other modes.
  void fit(const float* x, size_t n, size_t dim);
};

}  // namespace bnn
