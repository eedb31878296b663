#include "core/standardize.h"

#include <algorithm>
#include <cmath>

namespace bnn {

Standardize Standardize::from_json(const JsonReader& r, const char* key) {
  Standardize s;
  if (!r.has(key)) return s;
  const json& v = r.raw().at(key);
  if (v.is_string()) {
    s.mode = static_cast<Mode>(r.choice(key, {"none", "per_image", "global"}, 0));
    return s;
  }
  const JsonReader o = r.at(key);
  o.allow_only({"mode", "mean", "sd"});
  s.mode = static_cast<Mode>(o.choice("mode", {"none", "per_image", "global"}, 0));
  if (o.has("mean") || o.has("sd")) {
    if (s.mode != Mode::global)
      o.error(BNN_STATUS_INVALID_ARGUMENT, "mean", "mean and sd belong to the \"global\" mode only");
    s.mean = o.required_number("mean", -1e30, 1e30);
    s.sd = o.required_number("sd", 1e-30, 1e30);
    s.has_stats = true;
  }
  return s;
}

json Standardize::to_json() const {
  static const char* names[] = {"none", "per_image", "global"};
  const char* name = names[static_cast<int>(mode)];
  if (mode == Mode::global && has_stats) return {{"mode", name}, {"mean", mean}, {"sd", sd}};
  return name;
}

void Standardize::apply(const float* x, float* y, size_t batch, size_t dim) const {
  switch (mode) {
    case Mode::none:
      if (y != x) std::copy(x, x + batch * dim, y);
      return;
    case Mode::per_image:
      for (size_t i = 0; i < batch; ++i) {
        const float* xi = x + i * dim;
        float* yi = y + i * dim;
        double m = 0, var = 0;
        for (size_t j = 0; j < dim; ++j) m += xi[j];
        m /= static_cast<double>(dim);
        for (size_t j = 0; j < dim; ++j) var += (xi[j] - m) * (xi[j] - m);
        // As tf.image.per_image_standardization: the deviation floored at 1/sqrt(N), so a
        // constant image maps to zeros instead of dividing by zero.
        const double sd = std::max(std::sqrt(var / static_cast<double>(dim)),
                                   1.0 / std::sqrt(static_cast<double>(dim)));
        for (size_t j = 0; j < dim; ++j) yi[j] = static_cast<float>((xi[j] - m) / sd);
      }
      return;
    case Mode::global:
      for (size_t i = 0; i < batch * dim; ++i) y[i] = static_cast<float>((x[i] - mean) / sd);
      return;
  }
}

void Standardize::fit(const float* x, size_t n, size_t dim) {
  if (mode != Mode::global || n == 0) return;
  const size_t total = n * dim;
  double m = 0, var = 0;
  for (size_t i = 0; i < total; ++i) m += x[i];
  m /= static_cast<double>(total);
  for (size_t i = 0; i < total; ++i) var += (x[i] - m) * (x[i] - m);
  mean = m;
  sd = std::sqrt(var / static_cast<double>(total)) + 1e-8;
  has_stats = true;
}

}  // namespace bnn
