// Optional C++ convenience wrapper over the C ABI (header-only, not part of the ABI): RAII
// ownership of bnn_model and exceptions carrying the library's status and message.
#ifndef BNN_BNN_HPP
#define BNN_BNN_HPP

#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "bnn.h"

namespace bnn {

class LibraryError : public std::runtime_error {
 public:
  LibraryError(bnn_status s, const std::string& msg) : std::runtime_error(msg), status(s) {}
  bnn_status status;
};

class ModelHandle {
 public:
  ModelHandle() = default;
  explicit ModelHandle(bnn_model* m) : m_(m) {}
  ModelHandle(const ModelHandle&) = delete;
  ModelHandle& operator=(const ModelHandle&) = delete;
  ModelHandle(ModelHandle&& o) noexcept : m_(std::exchange(o.m_, nullptr)) {}
  ModelHandle& operator=(ModelHandle&& o) noexcept {
    std::swap(m_, o.m_);
    return *this;
  }
  ~ModelHandle() { bnn_model_free(m_); }

  static ModelHandle from_json(const std::string& doc) {
    bnn_model* m = nullptr;
    const bnn_status s = bnn_model_create_from_json(doc.c_str(), &m);
    if (s != BNN_STATUS_OK) throw LibraryError(s, bnn_last_errmsg());
    return ModelHandle(m);
  }
  static ModelHandle load(const std::string& path) {
    bnn_model* m = nullptr;
    const bnn_status s = bnn_model_load(path.c_str(), &m);
    if (s != BNN_STATUS_OK) throw LibraryError(s, bnn_last_errmsg());
    return ModelHandle(m);
  }

  bnn_model* get() const { return m_; }
  size_t input_size() const { return bnn_model_input_size(m_); }
  size_t output_size() const { return bnn_model_output_size(m_); }

  float train_step(const float* x, const int32_t* labels, size_t batch) {
    float loss = 0;
    check(bnn_model_train_step(m_, x, labels, batch, &loss));
    return loss;
  }
  std::pair<float, float> evaluate(const float* x, const int32_t* labels, size_t n) {
    float loss = 0, acc = 0;
    check(bnn_model_evaluate(m_, x, labels, n, &loss, &acc));
    return {loss, acc};
  }
  std::vector<float> predict(const float* x, size_t batch) {
    std::vector<float> out(batch * output_size());
    check(bnn_model_predict(m_, x, batch, out.data(), out.size()));
    return out;
  }
  void configure(const std::string& patch) { check(bnn_model_configure(m_, patch.c_str())); }
  void set_param(bnn_param p, float v) { check(bnn_model_set_param_f32(m_, p, v)); }
  float get_param(bnn_param p) const {
    float v = 0;
    check(bnn_model_get_param_f32(m_, p, &v));
    return v;
  }
  float flip_ratio() const {
    float r = 0;
    check(bnn_model_flip_ratio(m_, &r));
    return r;
  }
  float layer_flip_ratio(size_t layer) const {
    float r = 0;
    check(bnn_model_layer_flip_ratio(m_, layer, &r));
    return r;
  }
  float last_step_accuracy() const {
    float r = 0;
    check(bnn_model_last_step_accuracy(m_, &r));
    return r;
  }
  uint64_t steps() const {
    uint64_t s = 0;
    check(bnn_model_step_count(m_, &s));
    return s;
  }
  std::string config_json() const { return string_of(bnn_model_config_json); }
  std::string summary() const { return string_of(bnn_model_summary); }
  std::string metadata() const { return string_of(bnn_model_metadata); }
  void set_metadata(const std::string& json) { check(bnn_model_set_metadata(m_, json.c_str())); }
  void save(const std::string& path) const { check(bnn_model_save(m_, path.c_str())); }

  void check(bnn_status s) const {
    if (s != BNN_STATUS_OK) throw LibraryError(s, bnn_model_errmsg(m_));
  }

 private:
  template <class F>
  std::string string_of(F f) const {
    size_t n = 0;
    check(f(m_, nullptr, 0, &n));
    std::string s(n, '\0');
    check(f(m_, &s[0], s.size(), &n));
    s.resize(n ? n - 1 : 0);
    return s;
  }
  bnn_model* m_ = nullptr;
};

}  // namespace bnn

#endif  // BNN_BNN_HPP
