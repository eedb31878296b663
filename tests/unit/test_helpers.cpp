#include "test_helpers.h"

#include <cmath>

namespace bnn_test {

Synthetic make_synthetic(size_t n, size_t dim, size_t classes, uint64_t seed) {
  // Class centres at random +-1 corners; samples = centre + noise. Separable with margin.
  uint64_t s = seed * 6364136223846793005ull + 1442695040888963407ull;
  auto next = [&] {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<float>((s >> 40) & 0xFFFFFF) / 16777216.0f;  // [0, 1)
  };
  std::vector<float> centres(classes * dim);
  for (float& c : centres) c = next() < 0.5f ? -1.0f : 1.0f;
  Synthetic d{{}, {}, n, dim, classes};
  d.x.resize(n * dim);
  d.y.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const size_t c = static_cast<size_t>(next() * classes) % classes;
    d.y[i] = static_cast<int32_t>(c);
    for (size_t j = 0; j < dim; ++j) d.x[i * dim + j] = centres[c * dim + j] + 1.2f * (next() - 0.5f) * 2.0f;
  }
  return d;
}

}  // namespace bnn_test
