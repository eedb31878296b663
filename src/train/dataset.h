// A dataset owned by the library (bnn_dataset): samples and labels, read-only once made, so that
// several trainers and threads can share one.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace bnn {

class Dataset {
 public:
  // Copies n samples of sample_size floats. Throws bnn::Error (INVALID_ARGUMENT, OUT_OF_RANGE,
  // NUMERIC naming the first bad sample).
  static std::shared_ptr<const Dataset> from_arrays(const float* x, const int32_t* labels, size_t n,
                                                    size_t sample_size);
  // An IDX image file and its label file (pixels / 255).
  static std::shared_ptr<const Dataset> load_idx(const std::string& images, const std::string& labels);

  size_t count() const { return n_; }
  size_t sample_size() const { return dim_; }
  size_t num_classes() const { return classes_; }
  const float* x() const { return x_.data(); }
  const int32_t* labels() const { return y_.data(); }
  const float* sample(size_t i) const { return x_.data() + i * dim_; }
  // A checksum of the labels and sizes: identifies "the same data" when a run resumes.
  uint64_t fingerprint() const;
  std::shared_ptr<const Dataset> slice(size_t first, size_t count) const;

 private:
  Dataset() = default;
  void finish();  // counts classes
  std::vector<float> x_;
  std::vector<int32_t> y_;
  size_t n_ = 0, dim_ = 0, classes_ = 0;
};

}  // namespace bnn
