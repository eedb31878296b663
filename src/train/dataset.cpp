#include "train/dataset.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "core/error.h"
#include "io/idx.h"

namespace bnn {

std::shared_ptr<const Dataset> Dataset::from_arrays(const float* x, const int32_t* labels, size_t n,
                                                    size_t sample_size) {
  if (x == nullptr) fail(BNN_STATUS_INVALID_ARGUMENT, "x is NULL");
  if (labels == nullptr) fail(BNN_STATUS_INVALID_ARGUMENT, "labels is NULL");
  if (n == 0) fail(BNN_STATUS_INVALID_ARGUMENT, "a dataset needs at least one sample (n is 0)");
  if (sample_size == 0) fail(BNN_STATUS_INVALID_ARGUMENT, "sample_size is 0");
  // In 64 bits: on wasm32 size_t would wrap.
  if (uint64_t{n} > (uint64_t{1} << 31)) fail(BNN_STATUS_OUT_OF_RANGE, "more than 2^31 samples");
  if (uint64_t{sample_size} > (uint64_t{1} << 26))
    fail(BNN_STATUS_OUT_OF_RANGE, "more than 2^26 floats per sample");
  const uint64_t floats = uint64_t{n} * sample_size;
  if (floats > (uint64_t{1} << 34) || floats * sizeof(float) > SIZE_MAX)
    fail(BNN_STATUS_OUT_OF_MEMORY, "more than 2^34 floats, or more than this build can address");
  for (size_t i = 0; i < n; ++i)
    if (labels[i] < 0)
      fail(BNN_STATUS_OUT_OF_RANGE, "labels[" + std::to_string(i) + "] = " +
                                        std::to_string(labels[i]) + " is negative");
  const size_t total = n * sample_size;
  for (size_t i = 0; i < total; ++i)
    if (!std::isfinite(x[i]))
      fail(BNN_STATUS_NUMERIC, "x contains NaN or Inf (sample " + std::to_string(i / sample_size) +
                                   ", feature " + std::to_string(i % sample_size) + ")");
  std::shared_ptr<Dataset> d(new Dataset());
  d->x_.assign(x, x + total);
  d->y_.assign(labels, labels + n);
  d->n_ = n;
  d->dim_ = sample_size;
  d->finish();
  return d;
}

std::shared_ptr<const Dataset> Dataset::load_idx(const std::string& images, const std::string& labels) {
  std::vector<uint8_t> lab;
  std::vector<size_t> ldims;
  // Labels first: they are small, and their count bounds what the image header may claim.
  read_idx(labels, lab, ldims);
  if (ldims.size() != 1)
    fail(BNN_STATUS_CORRUPT_DATA, labels + ": a label file has rank 1, this one " +
                                      std::to_string(ldims.size()));
  std::vector<uint8_t> img;
  std::vector<size_t> idims;
  read_idx(images, img, idims);
  if (idims[0] != ldims[0])
    fail(BNN_STATUS_CORRUPT_DATA, images + " holds " + std::to_string(idims[0]) + " images, " +
                                      labels + " " + std::to_string(ldims[0]) + " labels");
  std::shared_ptr<Dataset> d(new Dataset());
  d->n_ = idims[0];
  d->dim_ = img.size() / d->n_;
  d->x_.resize(img.size());
  for (size_t i = 0; i < img.size(); ++i) d->x_[i] = img[i] * (1.0f / 255.0f);
  d->y_.assign(lab.begin(), lab.end());
  d->finish();
  return d;
}

void Dataset::finish() {
  int32_t maxl = 0;
  for (int32_t v : y_) maxl = std::max(maxl, v);
  classes_ = static_cast<size_t>(maxl) + 1;
}

uint64_t Dataset::fingerprint() const {
  // FNV-1a over the sizes and labels (the pixels would cost a pass over the data; the labels
  // in order already tell two datasets apart in practice).
  uint64_t h = 1469598103934665603ull;
  auto mix = [&h](uint64_t v) {
    for (int i = 0; i < 8; ++i) {
      h ^= (v >> (8 * i)) & 0xFF;
      h *= 1099511628211ull;
    }
  };
  mix(n_);
  mix(dim_);
  for (int32_t y : y_) mix(static_cast<uint32_t>(y));
  return h & ((uint64_t{1} << 53) - 1);  // exact in a JSON number
}

std::shared_ptr<const Dataset> Dataset::slice(size_t first, size_t count) const {
  if (first > n_ || count > n_ - first)
    fail(BNN_STATUS_OUT_OF_RANGE, "samples [" + std::to_string(first) + ", " +
                                      std::to_string(first + count) + ") are not in [0, " +
                                      std::to_string(n_) + ")");
  if (count == 0) fail(BNN_STATUS_INVALID_ARGUMENT, "a dataset needs at least one sample (count is 0)");
  std::shared_ptr<Dataset> d(new Dataset());
  d->n_ = count;
  d->dim_ = dim_;
  d->x_.assign(x_.begin() + first * dim_, x_.begin() + (first + count) * dim_);
  d->y_.assign(y_.begin() + first, y_.begin() + first + count);
  d->finish();
  return d;
}

}  // namespace bnn
