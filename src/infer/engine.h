// The bnn-infer runtime: a loaded deployment file and its forward pass on packed bits. Free of
// the training core (no Model, no JSON), so that it also builds alone as libbnn_infer.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "infer/format.h"

namespace bnn::infer {

struct Dims {
  uint32_t h = 1, w = 1, c = 1;
  uint64_t numel() const { return uint64_t{h} * w * c; }
  uint64_t pixels() const { return uint64_t{h} * w; }
};

// Window geometry of conv and pooling (TF/Keras "same": out = ceil(in / stride), the smaller
// half of the padding before). The writer checks that it gives the model's own output shapes.
struct Window {
  uint32_t kh = 1, kw = 1, sh = 1, sw = 1;
  bool same = false;
  uint32_t pad_top = 0, pad_left = 0, oh = 0, ow = 0;
  // false when the window does not fit ("valid" with a window larger than the input).
  bool compute(const Dims& in);
  long y0(uint32_t oy) const { return static_cast<long>(oy) * sh - static_cast<long>(pad_top); }
  long x0(uint32_t ox) const { return static_cast<long>(ox) * sw - static_cast<long>(pad_left); }
};

struct Step {
  Op kind = Op::flatten;
  Dims in, out;
  bool in_bits = false, out_bits = false;
  // dense / conv2d
  Window win;
  int8_t pad_value = 0;
  uint64_t k = 0;                 // values per output (K)
  bool weight_bits = false;
  Epilogue epilogue = Epilogue::float_out;
  std::vector<uint64_t> wbits;    // see format.h for the layout; binary input: word-major
                                  // (kernels.h to_word_major) once loaded
  std::vector<float> wfloat, bias;
  std::vector<int32_t> threshold;
  std::vector<uint8_t> up;        // threshold direction: 1 -> bit = s >= t
  std::vector<int32_t> tap_sum;   // conv, binary, pad_value 0: sum_c sign(w[tap][c][o])
  // scale_shift
  std::vector<float> scale, shift;
  // max_pool on bits: per channel, 1 = OR of the window's bits, 0 = AND (packed words(C))
  std::vector<uint64_t> or_mask;
};

class Engine {
 public:
  // Parses and validates a file; throws bnn::Error (CORRUPT_DATA, UNSUPPORTED) before any
  // allocation larger than what the file holds.
  static std::unique_ptr<Engine> load(const uint8_t* data, size_t size);
  size_t input_size() const { return static_cast<size_t>(input_.numel()); }
  size_t output_size() const { return classes_; }
  // Floats plus words of scratch that predict() allocates (the largest activation, twice).
  size_t scratch_values() const { return 2 * (max_floats_ + max_words_); }
  // logits: batch * output_size floats. Not reentrant (scratch buffers live here).
  void predict(const float* x, size_t batch, float* logits);

 private:
  void run_sample(const float* x, float* logits);
  void standardize(const float* x, float* y) const;
  Dims input_;
  size_t classes_ = 0;
  uint8_t std_mode_ = 0;
  double std_mean_ = 0.0, std_sd_ = 1.0;
  std::vector<Step> steps_;
  size_t max_floats_ = 0, max_words_ = 0;
  std::vector<float> fa_, fb_, col_;
  std::vector<uint64_t> ba_, bb_, brow_;
  std::vector<int32_t> sums_;
  std::vector<uint32_t> nz_;
};

}  // namespace bnn::infer
