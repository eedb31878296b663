// The bnn_infer_* C entry points. They live beside the runtime, not in src/api/, because the
// standalone libbnn_infer exports them too and cannot include the training model's handles.h;
// guard_infer() stores the message of bnn::run_guarded (core/guard.h) on the engine or in
// libbnn_infer's own thread-local last error.
#include <cstring>
#include <memory>
#include <new>
#include <string>

#include "bnn/bnn.h"
#include "core/error.h"
#include "core/guard.h"
#include "infer/engine.h"
#include "infer/infer_api.h"
#include "io/file.h"

struct bnn_infer {
  static constexpr uint32_t kLive = 0xB17E4Fu;
  uint32_t magic = kLive;
  std::unique_ptr<bnn::infer::Engine> engine;
  std::string errmsg;
};

namespace {

template <class F>
bnn_status guard_infer(std::string* errmsg, F&& f) {
  std::string msg;
  const bnn_status s = bnn::run_guarded(std::forward<F>(f), msg);
  if (s == BNN_STATUS_OK) return s;
  try {
    if (errmsg)
      *errmsg = msg;
    else
      bnn::infer::set_last_error(msg);
  } catch (...) {
  }
  return s;
}

bool live(const bnn_infer* e) { return e && e->magic == bnn_infer::kLive && e->engine; }

bnn_status wrap(std::unique_ptr<bnn::infer::Engine> engine, bnn_infer** out) {
  auto* h = new bnn_infer();
  h->engine = std::move(engine);
  *out = h;
  return BNN_STATUS_OK;
}

}  // namespace

extern "C" {

bnn_status bnn_infer_load(const char* path, bnn_infer** out) {
  if (out) *out = nullptr;
  return guard_infer(nullptr, [&] {
    if (!out || !path) bnn::fail(BNN_STATUS_INVALID_ARGUMENT, "path or out is NULL");
    const std::vector<uint8_t> bytes = bnn::read_file(path);
    try {
      wrap(bnn::infer::Engine::load(bytes.data(), bytes.size()), out);
    } catch (const bnn::Error& e) {
      throw bnn::Error(e.status(), std::string(path) + ": " + e.what());
    }
  });
}

bnn_status bnn_infer_load_buffer(const uint8_t* buf, size_t size, bnn_infer** out) {
  if (out) *out = nullptr;
  return guard_infer(nullptr, [&] {
    if (!out || (!buf && size)) bnn::fail(BNN_STATUS_INVALID_ARGUMENT, "buf or out is NULL");
    wrap(bnn::infer::Engine::load(buf, size), out);
  });
}

size_t bnn_infer_input_size(const bnn_infer* e) { return live(e) ? e->engine->input_size() : 0; }
size_t bnn_infer_output_size(const bnn_infer* e) { return live(e) ? e->engine->output_size() : 0; }

bnn_status bnn_infer_predict(bnn_infer* e, const float* x, size_t batch, float* logits,
                             size_t logits_capacity) {
  if (!live(e)) {
    bnn::infer::set_last_error(e ? "the bnn_infer handle is not valid (already freed?)"
                                 : "bnn_infer handle is NULL");
    return e ? BNN_STATUS_INVALID_STATE : BNN_STATUS_INVALID_ARGUMENT;
  }
  e->errmsg.clear();
  return guard_infer(&e->errmsg, [&] {
    if (batch == 0) return;
    if (!x || !logits) bnn::fail(BNN_STATUS_INVALID_ARGUMENT, "x or logits is NULL");
    const size_t classes = e->engine->output_size();
    if (batch > SIZE_MAX / classes || logits_capacity < batch * classes)
      bnn::fail(BNN_STATUS_BUFFER_TOO_SMALL, "logits capacity " + std::to_string(logits_capacity) +
                                                 ", need " + std::to_string(batch * classes));
    e->engine->predict(x, batch, logits);
  });
}

const char* bnn_infer_errmsg(const bnn_infer* e) {
  if (!e) return "bnn_infer handle is NULL";
  if (e->magic != bnn_infer::kLive) return "the bnn_infer handle is not valid (already freed?)";
  return e->errmsg.c_str();
}

void bnn_infer_free(bnn_infer* e) {
  if (!e || e->magic != bnn_infer::kLive) return;
  e->magic = 0;
  delete e;
}

}  // extern "C"
