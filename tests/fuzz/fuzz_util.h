// Shared by the libFuzzer targets and their corpus replay driver: a byte consumer for structured
// inputs, invariant checks that abort (libFuzzer and ctest both report an abort), and helpers
// that snapshot a model through the public C API.
#pragma once
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bnn/bnn.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace bnn_fuzz {

// An invariant of the library failed: report and abort so that the fuzzer keeps the input.
#define BNN_FUZZ_CHECK(cond, ...)                                            \
  do {                                                                       \
    if (!(cond)) {                                                           \
      std::fprintf(stderr, "%s:%d: invariant failed: %s\n  ", __FILE__,      \
                   __LINE__, #cond);                                         \
      std::fprintf(stderr, __VA_ARGS__);                                     \
      std::fprintf(stderr, "\n");                                            \
      std::abort();                                                          \
    }                                                                        \
  } while (0)

// Memory cap put into every fuzzed document, so that a document describing a huge model fails
// cleanly with OUT_OF_MEMORY instead of tripping the fuzzer's allocation limit.
constexpr uint64_t kFuzzMaxMemory = uint64_t{64} << 20;

// Reads typed values from the front of the input; past the end every read yields zeros.
class Bytes {
 public:
  Bytes(const uint8_t* d, size_t n) : d_(d), n_(n) {}
  bool empty() const { return o_ >= n_; }
  size_t left() const { return n_ - o_; }
  uint8_t u8() { return o_ < n_ ? d_[o_++] : 0; }
  uint32_t u32() {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(u8()) << (8 * i);
    return v;
  }
  // An integer in [lo, hi].
  size_t range(size_t lo, size_t hi) { return lo + (hi > lo ? u32() % (hi - lo + 1) : 0); }
  // A float that is often ordinary, sometimes huge, tiny, NaN or Inf.
  float value() {
    switch (u8() % 8) {
      case 0: {
        float f;
        const uint32_t b = u32();
        std::memcpy(&f, &b, 4);
        return f;  // any bit pattern: NaN, Inf, subnormal
      }
      case 1: return static_cast<float>(static_cast<int8_t>(u8())) * 1e30f;
      default: return static_cast<float>(static_cast<int8_t>(u8())) / 32.0f;
    }
  }
  std::string text() { return std::string(reinterpret_cast<const char*>(d_ + o_), left()); }
  // A length-prefixed string (at most max bytes).
  std::string str(size_t max) {
    const size_t n = std::min(range(0, max), left());
    std::string s(reinterpret_cast<const char*>(d_ + o_), n);
    o_ += n;
    return s;
  }

 private:
  const uint8_t* d_;
  size_t n_, o_ = 0;
};

// The model's full training state as bytes (its checkpoint).
inline std::vector<uint8_t> snapshot(const bnn_model* m) {
  size_t size = 0;
  const bnn_status s = bnn_model_save_buffer(m, nullptr, 0, &size);
  BNN_FUZZ_CHECK(s == BNN_STATUS_OK, "save_buffer size query failed: %s", bnn_model_errmsg(m));
  std::vector<uint8_t> b(size);
  const bnn_status s2 = bnn_model_save_buffer(m, b.data(), b.size(), &size);
  BNN_FUZZ_CHECK(s2 == BNN_STATUS_OK && size == b.size(), "save_buffer failed: %s",
                 bnn_model_errmsg(m));
  return b;
}

inline std::string config_json(const bnn_model* m) {
  size_t size = 0;
  BNN_FUZZ_CHECK(bnn_model_config_json(m, nullptr, 0, &size) == BNN_STATUS_OK, "config size");
  std::string s(size, '\0');
  BNN_FUZZ_CHECK(bnn_model_config_json(m, &s[0], s.size(), &size) == BNN_STATUS_OK, "config");
  s.resize(size - 1);
  return s;
}

// Every status a call returns must be a known one with a message when it is not OK.
inline void check_status(bnn_status s, const bnn_model* m) {
  BNN_FUZZ_CHECK(static_cast<int>(s) >= 0 && s < BNN_STATUS_COUNT_, "unknown status %d",
                 static_cast<int>(s));
  if (s != BNN_STATUS_OK) {
    const char* msg = m ? bnn_model_errmsg(m) : bnn_last_errmsg();
    BNN_FUZZ_CHECK(msg && *msg, "status %s without a message", bnn_status_name(s));
  }
}

// Trains and predicts a little on a model when it is small enough to be quick; any failure must
// leave the model unchanged.
inline void exercise(bnn_model* m, Bytes* in) {
  const size_t d = bnn_model_input_size(m), k = bnn_model_output_size(m);
  if (d == 0 || d > 4096 || k > 4096) return;
  const size_t batch = in ? in->range(1, 3) : 2;
  std::vector<float> x(batch * d);
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = in && !in->empty() ? in->value() : static_cast<float>((i * 7919) % 17) / 8.0f - 1.0f;
  std::vector<int32_t> y(batch);
  for (size_t i = 0; i < batch; ++i) y[i] = static_cast<int32_t>(i % k);
  const std::vector<uint8_t> before = snapshot(m);
  float loss = 0;
  const bnn_status s = bnn_model_train_step(m, x.data(), y.data(), batch, &loss);
  check_status(s, m);
  if (s != BNN_STATUS_OK)
    BNN_FUZZ_CHECK(snapshot(m) == before, "failed train_step (%s: %s) changed the model",
                   bnn_status_name(s), bnn_model_errmsg(m));
  std::vector<float> logits(batch * k);
  const std::vector<uint8_t> mid = snapshot(m);
  check_status(bnn_model_predict(m, x.data(), batch, logits.data(), logits.size()), m);
  BNN_FUZZ_CHECK(snapshot(m) == mid, "predict changed the model");
}

}  // namespace bnn_fuzz
