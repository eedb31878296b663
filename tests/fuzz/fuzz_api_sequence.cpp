// Fuzz target: sequences of C API calls on a small model with fuzzed shapes and values
// (train_step, predict, evaluate, set_tensor, get_tensor, set_param, configure, metadata), with
// NaN/Inf, huge values, wrong sizes, bad indices and labels out of range.
// Invariants: no crash; every failing call has a message and leaves the model exactly as it was
// (identical checkpoint bytes); predict and evaluate never change the model.
#include "fuzz_models.h"
#include "fuzz_util.h"

namespace {

using bnn_fuzz::Bytes;

const char* const kPatches[] = {
    R"({"kernel_ste":"clipped"})",
    R"({"kernel_ste":{"type":"swish_sign","beta":2}})",
    R"({"input_ste":"identity","weight_clip":{"mode":"fixed","value":0.5}})",
    R"({"learning_rate":1000})",
    R"({"batch_norm_momentum":0.0})",
    R"({"lr_scale":"glorot"})",
    R"({"optimizer":{"type":"adagrad","learning_rate":0.5}})",
    R"({"optimizer":{"type":"sgd","learning_rate":1000,"weight_decay":1000}})",
    R"({"quantize":false})",
    R"({"quantize":true,"weight_clip":{"mode":"glorot"}})",
    R"({"learning_rate":-1})",
    R"({"bogus":1})",
};

struct Run {
  bnn_model* m;
  Bytes in;
  size_t d, k;

  std::vector<float> floats(size_t n) {
    std::vector<float> v(n);
    const uint8_t mode = in.u8() % 4;
    for (float& f : v) f = mode == 0 ? in.value() : static_cast<float>(static_cast<int8_t>(in.u8())) / 16.0f;
    return v;
  }
  std::vector<int32_t> labels(size_t n) {
    std::vector<int32_t> v(n);
    const bool wild = in.u8() % 8 == 0;
    for (int32_t& y : v) y = wild ? static_cast<int32_t>(in.u32()) : static_cast<int32_t>(in.u8() % k);
    return v;
  }
  // A batch size and a buffer size that is sometimes too small (the call must then fail, and
  // never read or write past the buffer: ASan sees that).
  size_t batch() { return in.range(0, 5); }

  void step() {
    const std::vector<uint8_t> before = bnn_fuzz::snapshot(m);
    bool may_change = false;
    bnn_status s = BNN_STATUS_OK;
    switch (in.u8() % 10) {
      case 0:
      case 1: {
        const size_t b = batch();
        std::vector<float> x = floats(b * d);
        std::vector<int32_t> y = labels(b);
        float loss = 0;
        s = bnn_model_train_step(m, b ? x.data() : nullptr, b ? y.data() : nullptr, b, &loss);
        may_change = s == BNN_STATUS_OK;
        if (s == BNN_STATUS_OK) BNN_FUZZ_CHECK(loss == loss, "train_step returned a NaN loss");
        break;
      }
      case 2: {
        const size_t b = batch();
        std::vector<float> x = floats(b * d);
        const size_t cap = in.u8() % 4 == 0 ? in.range(0, b * k) : b * k;
        std::vector<float> logits(cap + 1);
        s = bnn_model_predict(m, x.data(), b, logits.data(), cap);
        break;
      }
      case 3: {
        const size_t b = batch();
        std::vector<float> x = floats(b * d);
        std::vector<int32_t> y = labels(b);
        float loss = 0, acc = 0;
        s = bnn_model_evaluate(m, x.data(), y.data(), b, &loss, &acc);
        if (s == BNN_STATUS_OK) BNN_FUZZ_CHECK(acc >= 0 && acc <= 1, "accuracy %g", acc);
        break;
      }
      case 4: {
        const size_t count = bnn_model_tensor_count(m);
        const size_t idx = in.range(0, count);  // count itself is out of range
        size_t numel = 0;
        if (bnn_model_tensor_info(m, idx, nullptr, &numel) != BNN_STATUS_OK) numel = in.range(0, 8);
        if (in.u8() % 8 == 0) numel = in.range(0, numel + 2);  // wrong size
        std::vector<float> v = floats(numel);
        s = bnn_model_set_tensor(m, idx, v.data(), numel);
        may_change = s == BNN_STATUS_OK;
        break;
      }
      case 5: {
        const size_t idx = in.range(0, bnn_model_tensor_count(m));
        size_t numel = 0;
        bnn_model_tensor_info(m, idx, nullptr, &numel);
        const size_t cap = in.u8() % 4 == 0 ? in.range(0, numel) : numel;
        std::vector<float> out(cap + 1);
        s = bnn_model_get_tensor(m, idx, out.data(), cap);
        break;
      }
      case 6: {
        static const int kIds[] = {100, 101, 102, 103, 104, 105, 106, 107, 108, 200, 201,
                                   202, 203, 204, 300, 301, 302, 400, 0, 499};  // 0, 499: unknown
        const bnn_param p = static_cast<bnn_param>(kIds[in.u8() % (sizeof kIds / sizeof kIds[0])]);
        if (in.u8() % 2)
          s = bnn_model_set_param_f32(m, p, in.value());
        else
          s = bnn_model_set_param_i32(m, p, static_cast<int32_t>(in.range(0, 4)) - 1);
        may_change = s == BNN_STATUS_OK;
        break;
      }
      case 7: {
        const uint8_t c = in.u8();
        const std::string patch = c % 4 == 0 ? in.str(64)
                                             : kPatches[c % (sizeof kPatches / sizeof kPatches[0])];
        s = bnn_model_configure(m, patch.c_str());
        may_change = s == BNN_STATUS_OK;
        break;
      }
      case 8: {
        const std::string meta = in.str(32);
        s = bnn_model_set_metadata(m, meta.c_str());
        may_change = s == BNN_STATUS_OK;
        break;
      }
      case 9: {
        float r = 0;
        s = bnn_model_layer_flip_ratio(m, in.range(0, 8), &r);
        if (s == BNN_STATUS_OK) BNN_FUZZ_CHECK(r >= 0 && r <= 1, "flip ratio %g", r);
        break;
      }
    }
    bnn_fuzz::check_status(s, m);
    if (!may_change)
      BNN_FUZZ_CHECK(bnn_fuzz::snapshot(m) == before, "a call that %s changed the model (%s)",
                     s == BNN_STATUS_OK ? "must not change it" : "failed", bnn_model_errmsg(m));
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool once = (bnn_set_num_threads(1), true);
  (void)once;
  Bytes in(data, size);
  bnn_model* m = nullptr;
  const bnn_status cs =
      bnn_model_create_from_json(bnn_fuzz::kSmallModels[in.u8() % bnn_fuzz::kSmallModelCount], &m);
  BNN_FUZZ_CHECK(cs == BNN_STATUS_OK, "seed model rejected: %s", bnn_last_errmsg());
  Run r{m, in, bnn_model_input_size(m), bnn_model_output_size(m)};
  for (int i = 0; i < 64 && !r.in.empty(); ++i) r.step();
  // Whatever happened, the model must still save and load.
  const std::vector<uint8_t> b = bnn_fuzz::snapshot(m);
  bnn_model* m2 = nullptr;
  BNN_FUZZ_CHECK(bnn_model_load_buffer(b.data(), b.size(), &m2) == BNN_STATUS_OK,
                 "the model cannot load its own checkpoint: %s", bnn_last_errmsg());
  bnn_model_free(m2);
  bnn_model_free(m);
  return 0;
}
