// Fuzz target: bnn_model_configure patches on small models. The first byte picks the model, the
// rest is the patch. Invariants: an invalid patch fails with a message and changes nothing (the
// checkpoint bytes are identical); a valid patch leaves a model whose own document rebuilds, and
// that trains without crashing (a failing step changes nothing).
#include "fuzz_models.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool once = (bnn_set_num_threads(1), true);
  (void)once;
  if (size == 0) return 0;
  bnn_model* m = nullptr;
  const bnn_status cs =
      bnn_model_create_from_json(bnn_fuzz::kSmallModels[data[0] % bnn_fuzz::kSmallModelCount], &m);
  BNN_FUZZ_CHECK(cs == BNN_STATUS_OK, "seed model rejected: %s", bnn_last_errmsg());
  bnn_fuzz::exercise(m, nullptr);  // some optimiser state to keep or restart
  const std::string patch(reinterpret_cast<const char*>(data + 1), size - 1);
  const std::vector<uint8_t> before = bnn_fuzz::snapshot(m);
  const std::string doc_before = bnn_fuzz::config_json(m);
  const bnn_status s = bnn_model_configure(m, patch.c_str());
  bnn_fuzz::check_status(s, m);
  if (s != BNN_STATUS_OK) {
    BNN_FUZZ_CHECK(bnn_fuzz::snapshot(m) == before && bnn_fuzz::config_json(m) == doc_before,
                   "a rejected patch (%s: %s) changed the model", bnn_status_name(s),
                   bnn_model_errmsg(m));
  } else {
    const std::string doc = bnn_fuzz::config_json(m);
    bnn_model* m2 = nullptr;
    BNN_FUZZ_CHECK(bnn_model_create_from_json(doc.c_str(), &m2) == BNN_STATUS_OK,
                   "the patched model's document is rejected: %s\n%s", bnn_last_errmsg(),
                   doc.c_str());
    bnn_model_free(m2);
    bnn_fuzz::exercise(m, nullptr);
  }
  bnn_model_free(m);
  return 0;
}
