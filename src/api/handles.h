// Internal to src/api/: the handle structs behind the opaque C types, and guard(), the single
// place where exceptions become a status and a message. Every api/*.cpp file uses these.
#pragma once
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "bnn/bnn.h"
#include "core/guard.h"
#include "core/model.h"

struct bnn_model {
  static constexpr uint32_t kLive = 0xB17B17u;
  uint32_t magic = kLive;
  std::unique_ptr<bnn::Model> impl;
  std::string errmsg;
};

namespace bnn::api {

inline thread_local std::string t_last_error;

// Runs f, mapping exceptions to statuses. The message goes to the handle when there is one,
// else to the thread-local last error.
template <class F>
bnn_status guard(std::string* errmsg, F&& f) {
  return run_guarded(std::forward<F>(f), errmsg ? *errmsg : t_last_error);
}

inline bnn_status bad_handle(const bnn_model* m) {
  t_last_error = m ? "the model handle is not valid (already freed?)" : "model is NULL";
  return m ? BNN_STATUS_INVALID_STATE : BNN_STATUS_INVALID_ARGUMENT;
}
inline bool live(const bnn_model* m) { return m && m->magic == bnn_model::kLive && m->impl; }

// Runs f on a live model with messages on the handle.
template <class F>
bnn_status on_model(const bnn_model* m, F&& f) {
  if (!live(m)) return bad_handle(m);
  auto* mm = const_cast<bnn_model*>(m);
  mm->errmsg.clear();
  return guard(&mm->errmsg, [&] { f(*mm->impl); });
}

inline bnn_status wrap_new_model(std::unique_ptr<bnn::Model> impl, bnn_model** out) {
  auto* h = new bnn_model();
  h->impl = std::move(impl);
  *out = h;
  return BNN_STATUS_OK;
}

// The buffer convention of save_buffer/export_buffer: size in *size_out; buf NULL only asks.
inline void copy_bytes(const std::vector<uint8_t>& bytes, uint8_t* buf, size_t capacity,
                       size_t* size_out) {
  if (size_out) *size_out = bytes.size();
  if (!buf) {
    if (!size_out) bnn::fail(BNN_STATUS_INVALID_ARGUMENT, "buf and size_out are both NULL");
    return;
  }
  if (capacity < bytes.size())
    bnn::fail(BNN_STATUS_BUFFER_TOO_SMALL, "buffer of " + std::to_string(capacity) +
                                               " bytes, need " + std::to_string(bytes.size()));
  std::memcpy(buf, bytes.data(), bytes.size());
}

inline bnn_status copy_string(const std::string& s, char* buf, size_t capacity, size_t* size_out) {
  if (size_out) *size_out = s.size() + 1;
  if (buf == nullptr) {
    if (!size_out) bnn::fail(BNN_STATUS_INVALID_ARGUMENT, "buf and size_out are both NULL");
    return BNN_STATUS_OK;
  }
  if (capacity < s.size() + 1)
    bnn::fail(BNN_STATUS_BUFFER_TOO_SMALL, "buffer of " + std::to_string(capacity) +
                                               " bytes, need " + std::to_string(s.size() + 1));
  std::memcpy(buf, s.c_str(), s.size() + 1);
  return BNN_STATUS_OK;
}

}  // namespace bnn::api
