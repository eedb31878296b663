// Fuzz target: the JSON model document and its training recipe (bnn_model_create_from_json).
// Invariants: no crash, no leak, a failure always has a message; a model that builds trains and
// predicts without crashing; its own document (bnn_model_config_json) builds an equal model.
#include <nlohmann/json.hpp>

#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool once = (bnn_set_num_threads(1), true);
  (void)once;
  std::string text(reinterpret_cast<const char*>(data), size);
  // A document that parses gets a memory cap unless it sets a smaller one itself; text that does
  // not parse goes to the library as it is (syntax errors are part of the surface).
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
  if (!doc.is_discarded() && doc.is_object()) {
    const auto it = doc.find("max_memory");
    if (it == doc.end() || !it->is_number_unsigned() ||
        it->get<uint64_t>() > bnn_fuzz::kFuzzMaxMemory)
      doc["max_memory"] = bnn_fuzz::kFuzzMaxMemory;
    text = doc.dump();
  }
  bnn_model* m = nullptr;
  const bnn_status s = bnn_model_create_from_json(text.c_str(), &m);
  bnn_fuzz::check_status(s, nullptr);
  if (s != BNN_STATUS_OK) {
    BNN_FUZZ_CHECK(m == nullptr, "failed create left a handle");
    return 0;
  }
  // The model's own document must build again, and describe the same model.
  const std::string c1 = bnn_fuzz::config_json(m);
  bnn_model* m2 = nullptr;
  const bnn_status s2 = bnn_model_create_from_json(c1.c_str(), &m2);
  BNN_FUZZ_CHECK(s2 == BNN_STATUS_OK, "the model's own document is rejected: %s\n%s",
                 bnn_last_errmsg(), c1.c_str());
  const std::string c2 = bnn_fuzz::config_json(m2);
  BNN_FUZZ_CHECK(c1 == c2, "document changed on rebuild:\n%s\n---\n%s", c1.c_str(), c2.c_str());
  BNN_FUZZ_CHECK(bnn_fuzz::snapshot(m) == bnn_fuzz::snapshot(m2),
                 "rebuilding from the document gives different tensors");
  bnn_model_free(m2);
  size_t n = 0;
  bnn_fuzz::check_status(bnn_model_summary(m, nullptr, 0, &n), m);
  bnn_fuzz::exercise(m, nullptr);
  bnn_model_free(m);
  return 0;
}
