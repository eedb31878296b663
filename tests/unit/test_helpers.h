// Helpers shared by the tests: building models from JSON through the C API, reading tensors.
#pragma once
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "bnn/bnn.h"

namespace bnn_test {

// Owns a model; fails the test when creation fails.
struct ModelPtr {
  bnn_model* m = nullptr;
  ModelPtr() = default;
  explicit ModelPtr(bnn_model* p) : m(p) {}
  ModelPtr(ModelPtr&& o) noexcept : m(o.m) { o.m = nullptr; }
  ModelPtr& operator=(ModelPtr&& o) noexcept {
    std::swap(m, o.m);
    return *this;
  }
  ~ModelPtr() { bnn_model_free(m); }
  operator bnn_model*() const { return m; }
};

inline ModelPtr make_model(const std::string& json) {
  bnn_model* m = nullptr;
  const bnn_status s = bnn_model_create_from_json(json.c_str(), &m);
  EXPECT_EQ(s, BNN_STATUS_OK) << bnn_last_errmsg() << "\n" << json;
  return ModelPtr(m);
}

inline std::vector<float> get_tensor(bnn_model* m, const std::string& name) {
  size_t idx = 0, n = 0;
  EXPECT_EQ(bnn_model_tensor_index(m, name.c_str(), &idx), BNN_STATUS_OK) << name;
  EXPECT_EQ(bnn_model_tensor_info(m, idx, nullptr, &n), BNN_STATUS_OK);
  std::vector<float> v(n);
  EXPECT_EQ(bnn_model_get_tensor(m, idx, v.data(), v.size()), BNN_STATUS_OK);
  return v;
}

inline void set_tensor(bnn_model* m, const std::string& name, const std::vector<float>& v) {
  size_t idx = 0;
  ASSERT_EQ(bnn_model_tensor_index(m, name.c_str(), &idx), BNN_STATUS_OK) << name;
  ASSERT_EQ(bnn_model_set_tensor(m, idx, v.data(), v.size()), BNN_STATUS_OK) << bnn_model_errmsg(m);
}

// Every tensor of the model, concatenated (for bit-identity checks).
inline std::vector<float> all_tensors(bnn_model* m) {
  std::vector<float> all;
  for (size_t i = 0; i < bnn_model_tensor_count(m); ++i) {
    size_t n = 0;
    bnn_model_tensor_info(m, i, nullptr, &n);
    std::vector<float> v(n);
    bnn_model_get_tensor(m, i, v.data(), n);
    all.insert(all.end(), v.begin(), v.end());
  }
  return all;
}

inline std::vector<uint8_t> save_bytes(bnn_model* m) {
  size_t size = 0;
  EXPECT_EQ(bnn_model_save_buffer(m, nullptr, 0, &size), BNN_STATUS_OK);
  std::vector<uint8_t> b(size);
  EXPECT_EQ(bnn_model_save_buffer(m, b.data(), b.size(), &size), BNN_STATUS_OK);
  return b;
}

// A deterministic synthetic classification task: labels from the sign pattern of a few
// coordinates of a random projection (linearly separable per class).
struct Synthetic {
  std::vector<float> x;
  std::vector<int32_t> y;
  size_t n, dim, classes;
};
Synthetic make_synthetic(size_t n, size_t dim, size_t classes, uint64_t seed);

}  // namespace bnn_test
