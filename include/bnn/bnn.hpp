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
  void export_to(const std::string& format, const std::string& path) const {
    check(bnn_model_export(m_, format.c_str(), path.c_str()));
  }

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

class DatasetHandle {
 public:
  DatasetHandle() = default;
  explicit DatasetHandle(bnn_dataset* d) : d_(d) {}
  DatasetHandle(const DatasetHandle&) = delete;
  DatasetHandle& operator=(const DatasetHandle&) = delete;
  DatasetHandle(DatasetHandle&& o) noexcept : d_(std::exchange(o.d_, nullptr)) {}
  DatasetHandle& operator=(DatasetHandle&& o) noexcept {
    std::swap(d_, o.d_);
    return *this;
  }
  ~DatasetHandle() { bnn_dataset_free(d_); }

  static DatasetHandle create(const float* x, const int32_t* labels, size_t n, size_t dim) {
    bnn_dataset* d = nullptr;
    const bnn_status s = bnn_dataset_create(x, labels, n, dim, &d);
    if (s != BNN_STATUS_OK) throw LibraryError(s, bnn_last_errmsg());
    return DatasetHandle(d);
  }
  static DatasetHandle load_idx(const std::string& images, const std::string& labels) {
    bnn_dataset* d = nullptr;
    const bnn_status s = bnn_dataset_load_idx(images.c_str(), labels.c_str(), &d);
    if (s != BNN_STATUS_OK) throw LibraryError(s, bnn_last_errmsg());
    return DatasetHandle(d);
  }
  bnn_dataset* get() const { return d_; }
  size_t count() const { return bnn_dataset_count(d_); }
  size_t sample_size() const { return bnn_dataset_sample_size(d_); }
  size_t num_classes() const { return bnn_dataset_num_classes(d_); }
  // Samples [first, first+count) copied out.
  void get(size_t first, size_t count, std::vector<float>* x, std::vector<int32_t>* labels) const {
    if (x) x->resize(count * sample_size());
    if (labels) labels->resize(count);
    const bnn_status s = bnn_dataset_get(d_, first, count, x ? x->data() : nullptr, x ? x->size() : 0,
                                         labels ? labels->data() : nullptr, labels ? labels->size() : 0);
    if (s != BNN_STATUS_OK) throw LibraryError(s, bnn_last_errmsg());
  }

 private:
  bnn_dataset* d_ = nullptr;
};

class TrainerHandle {
 public:
  TrainerHandle() = default;
  TrainerHandle(const TrainerHandle&) = delete;
  TrainerHandle& operator=(const TrainerHandle&) = delete;
  TrainerHandle(TrainerHandle&& o) noexcept : t_(std::exchange(o.t_, nullptr)) {}
  TrainerHandle& operator=(TrainerHandle&& o) noexcept {
    std::swap(t_, o.t_);
    return *this;
  }
  ~TrainerHandle() { bnn_trainer_free(t_); }

  // The datasets (validation and test may be NULL) must outlive the trainer.
  static TrainerHandle create(ModelHandle& m, const DatasetHandle& train,
                              const DatasetHandle* validation, const DatasetHandle* test) {
    TrainerHandle t;
    const bnn_status s = bnn_trainer_create(m.get(), train.get(),
                                            validation ? validation->get() : nullptr,
                                            test ? test->get() : nullptr, &t.t_);
    if (s != BNN_STATUS_OK) throw LibraryError(s, bnn_last_errmsg());
    return t;
  }
  bnn_trainer* get() const { return t_; }
  bool done() const { return bnn_trainer_done(t_) != 0; }
  // The epoch's record as JSON text.
  std::string run_epoch() {
    const char* rec = nullptr;
    check(bnn_trainer_run_epoch(t_, &rec));
    return rec;
  }
  ModelHandle best_model() const {
    bnn_model* m = nullptr;
    check(bnn_trainer_best_model(t_, &m));
    return ModelHandle(m);
  }
  void save(const std::string& path) const { check(bnn_trainer_save(t_, path.c_str())); }
  void position(int32_t* epoch, int64_t* step, int64_t* steps_per_epoch) const {
    check(bnn_trainer_position(t_, epoch, step, steps_per_epoch));
  }
  std::string state_json() const {
    size_t n = 0;
    check(bnn_trainer_state_json(t_, nullptr, 0, &n));
    std::string s(n, '\0');
    check(bnn_trainer_state_json(t_, &s[0], s.size(), &n));
    s.resize(n ? n - 1 : 0);
    return s;
  }
  void check(bnn_status s) const {
    if (s != BNN_STATUS_OK) throw LibraryError(s, bnn_trainer_errmsg(t_));
  }

 private:
  bnn_trainer* t_ = nullptr;
};

}  // namespace bnn

#endif  // BNN_BNN_HPP
