#include "train/loss.h"

#include <algorithm>
#include <cmath>

namespace bnn {

double compute_loss(LossType type, const float* logits, const int32_t* labels, size_t batch,
                    size_t classes, float* grad) {
  double total = 0.0;
  for (size_t b = 0; b < batch; ++b) {
    const float* z = logits + b * classes;
    float* g = grad ? grad + b * classes : nullptr;
    const size_t y = static_cast<size_t>(labels[b]);
    if (type == LossType::cross_entropy) {
      const double zmax = *std::max_element(z, z + classes);
      double sum = 0.0;
      for (size_t c = 0; c < classes; ++c) sum += std::exp(static_cast<double>(z[c]) - zmax);
      const double log_sum = std::log(sum) + zmax;
      total += log_sum - z[y];
      if (g)
        for (size_t c = 0; c < classes; ++c) {
          const double p = std::exp(static_cast<double>(z[c]) - log_sum);
          g[c] = static_cast<float>((p - (c == y ? 1.0 : 0.0)) / static_cast<double>(batch));
        }
    } else {
      const double scale = 1.0 / static_cast<double>(batch * classes);
      for (size_t c = 0; c < classes; ++c) {
        const double t = c == y ? 1.0 : -1.0;
        const double m = std::max(0.0, 1.0 - t * z[c]);
        total += m * m / static_cast<double>(classes);
        if (g) g[c] = static_cast<float>(-2.0 * t * m * scale);
      }
    }
  }
  return total / static_cast<double>(batch);
}

size_t count_correct(const float* logits, const int32_t* labels, size_t batch, size_t classes) {
  size_t correct = 0;
  for (size_t b = 0; b < batch; ++b) {
    const float* z = logits + b * classes;
    const size_t arg = static_cast<size_t>(std::max_element(z, z + classes) - z);
    correct += arg == static_cast<size_t>(labels[b]);
  }
  return correct;
}

}  // namespace bnn
