// The C ABI: every entry point validates its arguments, runs the core inside a guard that turns
// every exception into a status and message, and never lets one cross the boundary.
#include <cstdio>
#include <cstring>
#include <fstream>
#include <new>
#include <string>

#include "bnn/bnn.h"
#include "api/handles.h"
#include "core/model.h"
#include "core/param_table.h"
#include "io/file.h"
#include "kernels/kernels.h"

using namespace bnn::api;

extern "C" {

const char* bnn_version_string(void) { return BNN_VERSION_STRING; }
uint32_t bnn_version_number(void) { return bnn::version_number(); }

const char* bnn_status_string(bnn_status s) { return bnn::status_string(s); }

const char* bnn_status_name(bnn_status s) {
  switch (s) {
#define BNN_STATUS_CASE_(name, value, msg) \
  case BNN_STATUS_##name:                  \
    return #name;
    BNN_STATUS_LIST(BNN_STATUS_CASE_)
#undef BNN_STATUS_CASE_
    default: return "UNKNOWN";
  }
}

const char* bnn_last_errmsg(void) { return t_last_error.c_str(); }

bnn_status bnn_model_create_from_json(const char* json, bnn_model** out) {
  if (out) *out = nullptr;
  return guard(nullptr, [&] {
    if (!out) bnn::fail(BNN_STATUS_INVALID_ARGUMENT, "out is NULL");
    auto doc = bnn::parse_json_text(json, "model document");
    wrap_new_model(bnn::Model::from_json(doc), out);
  });
}

void bnn_model_free(bnn_model* m) {
  if (!live(m)) return;
  m->magic = 0;
  m->impl.reset();
  delete m;
}

const char* bnn_model_errmsg(const bnn_model* m) {
  if (!live(m)) return m ? "the model handle is not valid" : "model is NULL";
  return m->errmsg.c_str();
}

size_t bnn_model_input_size(const bnn_model* m) { return live(m) ? m->impl->input_size() : 0; }
size_t bnn_model_output_size(const bnn_model* m) { return live(m) ? m->impl->output_size() : 0; }

bnn_status bnn_model_config_json(const bnn_model* m, char* buf, size_t capacity, size_t* size_out) {
  bnn_status st = BNN_STATUS_OK;
  const bnn_status g = on_model(m, [&](bnn::Model& mm) {
    st = copy_string(mm.document().dump(2), buf, capacity, size_out);
  });
  return g != BNN_STATUS_OK ? g : st;
}

bnn_status bnn_model_summary(const bnn_model* m, char* buf, size_t capacity, size_t* size_out) {
  return on_model(m, [&](bnn::Model& mm) { copy_string(mm.summary(), buf, capacity, size_out); });
}

bnn_status bnn_model_set_metadata(bnn_model* m, const char* json) {
  return on_model(m, [&](bnn::Model& mm) {
    if (json && std::strlen(json) > (size_t{1} << 20))
      bnn::fail(BNN_STATUS_OUT_OF_RANGE, "metadata larger than 1 MiB");
    mm.set_metadata(bnn::parse_json_text(json, "metadata"));
  });
}

bnn_status bnn_model_metadata(const bnn_model* m, char* buf, size_t capacity, size_t* size_out) {
  return on_model(m, [&](bnn::Model& mm) { copy_string(mm.metadata().dump(), buf, capacity, size_out); });
}

bnn_status bnn_model_train_step(bnn_model* m, const float* x, const int32_t* labels, size_t batch,
                                float* loss_out) {
  return on_model(m, [&](bnn::Model& mm) {
    const float loss = mm.train_step(x, labels, batch);
    if (loss_out) *loss_out = loss;
  });
}

bnn_status bnn_model_last_step_accuracy(const bnn_model* m, float* accuracy_out) {
  return on_model(m, [&](bnn::Model& mm) {
    if (!accuracy_out) bnn::fail(BNN_STATUS_INVALID_ARGUMENT, "accuracy_out is NULL");
    *accuracy_out = mm.last_step_accuracy();
  });
}

bnn_status bnn_model_predict(bnn_model* m, const float* x, size_t batch, float* logits,
                             size_t logits_capacity) {
  return on_model(m, [&](bnn::Model& mm) {
    if (!logits) bnn::fail(BNN_STATUS_INVALID_ARGUMENT, "logits is NULL");
    if (batch && logits_capacity / batch < mm.output_size())
      bnn::fail(BNN_STATUS_BUFFER_TOO_SMALL,
                "logits capacity " + std::to_string(logits_capacity) + " < batch * classes = " +
                    std::to_string(batch * mm.output_size()));
    mm.predict(x, batch, logits);
  });
}

bnn_status bnn_model_evaluate(bnn_model* m, const float* x, const int32_t* labels, size_t n,
                              float* loss_out, float* accuracy_out) {
  return on_model(m, [&](bnn::Model& mm) { mm.evaluate(x, labels, n, loss_out, accuracy_out); });
}

bnn_status bnn_model_configure(bnn_model* m, const char* json_patch) {
  return on_model(m, [&](bnn::Model& mm) {
    const auto doc = bnn::parse_json_text(json_patch, "patch");
    mm.configure(bnn::RecipePatch::parse(bnn::JsonReader(doc, "")));
  });
}

bnn_status bnn_model_flip_ratio(const bnn_model* m, float* ratio_out) {
  return on_model(m, [&](bnn::Model& mm) {
    if (!ratio_out) bnn::fail(BNN_STATUS_INVALID_ARGUMENT, "ratio_out is NULL");
    *ratio_out = mm.flip_ratio();
  });
}

bnn_status bnn_model_layer_flip_ratio(const bnn_model* m, size_t layer, float* ratio_out) {
  return on_model(m, [&](bnn::Model& mm) {
    if (!ratio_out) bnn::fail(BNN_STATUS_INVALID_ARGUMENT, "ratio_out is NULL");
    *ratio_out = mm.layer_flip_ratio(layer);
  });
}

bnn_status bnn_model_step_count(const bnn_model* m, uint64_t* steps_out) {
  return on_model(m, [&](bnn::Model& mm) {
    if (!steps_out) bnn::fail(BNN_STATUS_INVALID_ARGUMENT, "steps_out is NULL");
    *steps_out = mm.steps();
  });
}

size_t bnn_model_tensor_count(const bnn_model* m) { return live(m) ? m->impl->tensors().size() : 0; }

static const bnn::Tensor& tensor_at(const bnn::Model& mm, size_t index) {
  if (index >= mm.tensors().size())
    bnn::fail(BNN_STATUS_OUT_OF_RANGE, "tensor index " + std::to_string(index) +
                                           " out of range (the model has " +
                                           std::to_string(mm.tensors().size()) + ")");
  return *mm.tensors()[index];
}

bnn_status bnn_model_tensor_info(const bnn_model* m, size_t index, const char** name, size_t* numel) {
  return on_model(m, [&](bnn::Model& mm) {
    const bnn::Tensor& t = tensor_at(mm, index);
    if (name) *name = t.name.c_str();
    if (numel) *numel = t.numel();
  });
}

bnn_status bnn_model_tensor_index(const bnn_model* m, const char* name, size_t* index_out) {
  return on_model(m, [&](bnn::Model& mm) {
    if (!name || !index_out) bnn::fail(BNN_STATUS_INVALID_ARGUMENT, "name or index_out is NULL");
    for (size_t i = 0; i < mm.tensors().size(); ++i)
      if (mm.tensors()[i]->name == name) {
        *index_out = i;
        return;
      }
    bnn::fail(BNN_STATUS_OUT_OF_RANGE, std::string("no tensor named \"") + name + "\"");
  });
}

bnn_status bnn_model_get_tensor(const bnn_model* m, size_t index, float* out, size_t capacity) {
  return on_model(m, [&](bnn::Model& mm) {
    const bnn::Tensor& t = tensor_at(mm, index);
    if (!out) bnn::fail(BNN_STATUS_INVALID_ARGUMENT, "out is NULL");
    mm.check_whole("bnn_model_get_tensor");
    if (capacity < t.numel())
      bnn::fail(BNN_STATUS_BUFFER_TOO_SMALL, t.name + " has " + std::to_string(t.numel()) +
                                                  " values, capacity is " + std::to_string(capacity));
    std::memcpy(out, t.value.data(), t.numel() * sizeof(float));
  });
}

bnn_status bnn_model_set_tensor(bnn_model* m, size_t index, const float* values, size_t numel) {
  return on_model(m, [&](bnn::Model& mm) { mm.set_tensor(index, values, numel); });
}

bnn_status bnn_param_bounds(bnn_param p, double* lo, double* hi) {
  return guard(nullptr, [&] {
    if (!lo || !hi) bnn::fail(BNN_STATUS_INVALID_ARGUMENT, "lo or hi is NULL");
    bnn::param_bounds(p, lo, hi);
  });
}
const char* bnn_param_name(bnn_param p) { return bnn::param_name(p); }

bnn_status bnn_model_param_bounds(const bnn_model* m, bnn_param p, double* lo, double* hi) {
  return on_model(m, [&](bnn::Model& mm) {
    if (!lo || !hi) bnn::fail(BNN_STATUS_INVALID_ARGUMENT, "lo or hi is NULL");
    mm.param_bounds(p, lo, hi);
  });
}

bnn_status bnn_model_set_param_f32(bnn_model* m, bnn_param p, float value) {
  return on_model(m, [&](bnn::Model& mm) { mm.set_param(p, value); });
}
// Typed getters read only their own type: an integer parameter read as a float (or the
// reverse) is a caller's mistake, not a silent conversion.
static void check_type(bnn_param p, bool integer) {
  const bnn::ParamInfo& pi = bnn::param_info(p);
  if (pi.integer != integer)
    bnn::fail(BNN_STATUS_INVALID_ARGUMENT,
              std::string(pi.name) + " is " + (pi.integer ? "an integer" : "a float") +
                  " parameter: read it with bnn_model_get_param_" + (pi.integer ? "i32" : "f32"));
}

bnn_status bnn_model_get_param_f32(const bnn_model* m, bnn_param p, float* value_out) {
  return on_model(m, [&](bnn::Model& mm) {
    if (!value_out) bnn::fail(BNN_STATUS_INVALID_ARGUMENT, "value_out is NULL");
    check_type(p, false);
    *value_out = static_cast<float>(mm.get_param(p));
  });
}
bnn_status bnn_model_set_param_i32(bnn_model* m, bnn_param p, int32_t value) {
  return on_model(m, [&](bnn::Model& mm) { mm.set_param(p, value); });
}
bnn_status bnn_model_get_param_i32(const bnn_model* m, bnn_param p, int32_t* value_out) {
  return on_model(m, [&](bnn::Model& mm) {
    if (!value_out) bnn::fail(BNN_STATUS_INVALID_ARGUMENT, "value_out is NULL");
    check_type(p, true);
    *value_out = static_cast<int32_t>(mm.get_param(p));
  });
}

bnn_status bnn_model_save(const bnn_model* m, const char* path) {
  return on_model(m, [&](bnn::Model& mm) {
    if (!path) bnn::fail(BNN_STATUS_INVALID_ARGUMENT, "path is NULL");
    bnn::write_file_atomic(path, mm.save_bytes());
  });
}

bnn_status bnn_model_load(const char* path, bnn_model** out) {
  if (out) *out = nullptr;
  return guard(nullptr, [&] {
    if (!out || !path) bnn::fail(BNN_STATUS_INVALID_ARGUMENT, "path or out is NULL");
    const std::vector<uint8_t> bytes = bnn::read_file(path);
    try {
      wrap_new_model(bnn::Model::load_bytes(bytes.data(), bytes.size()), out);
    } catch (const bnn::Error& e) {
      throw bnn::Error(e.status(), std::string(path) + ": " + e.what());
    }
  });
}

bnn_status bnn_model_save_buffer(const bnn_model* m, uint8_t* buf, size_t capacity, size_t* size_out) {
  return on_model(m, [&](bnn::Model& mm) {
    const std::vector<uint8_t> bytes = mm.save_bytes();
    copy_bytes(bytes, buf, capacity, size_out);
  });
}

bnn_status bnn_model_load_buffer(const uint8_t* buf, size_t size, bnn_model** out) {
  if (out) *out = nullptr;
  return guard(nullptr, [&] {
    if (!out) bnn::fail(BNN_STATUS_INVALID_ARGUMENT, "out is NULL");
    wrap_new_model(bnn::Model::load_bytes(buf, size), out);
  });
}

const char* bnn_get_isa(void) { return bnn::kernels::get_isa(); }

bnn_status bnn_set_isa(const char* name) {
  return guard(nullptr, [&] {
    if (!name) bnn::fail(BNN_STATUS_INVALID_ARGUMENT, "name is NULL");
    switch (bnn::kernels::set_isa(name)) {
      case bnn::kernels::IsaStatus::ok: return;
      case bnn::kernels::IsaStatus::unknown:
        bnn::fail(BNN_STATUS_INVALID_ARGUMENT, std::string("unknown ISA \"") + name +
                                                   "\" (scalar, sse4.1, avx2, avx512, neon, "
                                                   "wasm_simd128, auto)");
      case bnn::kernels::IsaStatus::unsupported:
        bnn::fail(BNN_STATUS_UNSUPPORTED_HARDWARE,
                  std::string("this CPU or build cannot run the ") + name + " kernels");
    }
  });
}

int bnn_isa_supported(const char* name) { return name && bnn::kernels::isa_supported(name) ? 1 : 0; }

bnn_status bnn_set_num_threads(int n) {
  return guard(nullptr, [&] {
    if (n < 0 || n > 256)
      bnn::fail(BNN_STATUS_OUT_OF_RANGE, "thread count " + std::to_string(n) + " not in [0, 256]");
    bnn::kernels::set_num_threads(n);
  });
}
int bnn_get_num_threads(void) { return bnn::kernels::get_num_threads(); }

}  // extern "C"
