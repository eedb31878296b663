// Fuzz target: save -> load -> save gives identical bytes, for any loadable input. The input is
// tried as a checkpoint first, then as a JSON model document (with a memory cap).
#include <nlohmann/json.hpp>

#include "fuzz_util.h"
#include "io/crc32.h"

namespace {

void round_trip(bnn_model* m) {
  const std::vector<uint8_t> b1 = bnn_fuzz::snapshot(m);
  bnn_model* m2 = nullptr;
  const bnn_status s = bnn_model_load_buffer(b1.data(), b1.size(), &m2);
  BNN_FUZZ_CHECK(s == BNN_STATUS_OK, "the library cannot load its own checkpoint: %s",
                 bnn_last_errmsg());
  const std::vector<uint8_t> b2 = bnn_fuzz::snapshot(m2);
  BNN_FUZZ_CHECK(b1 == b2, "save -> load -> save changed the bytes (%zu vs %zu bytes)", b1.size(),
                 b2.size());
  BNN_FUZZ_CHECK(bnn_fuzz::config_json(m) == bnn_fuzz::config_json(m2),
                 "the loaded document differs");
  bnn_model_free(m2);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool once = (bnn_set_num_threads(1), true);
  (void)once;
  bnn_model* m = nullptr;
  // Checkpoint-like inputs get their trailing CRC-32 recomputed so that mutations get past it.
  std::vector<uint8_t> fixed(data, data + size);
  if (size >= 24 && std::memcmp(data, "BNNCKPT", 8) == 0) {
    const uint32_t crc = bnn::crc32(fixed.data(), size - 4);
    std::memcpy(fixed.data() + size - 4, &crc, 4);
  }
  if (bnn_model_load_buffer(fixed.data(), size, &m) == BNN_STATUS_OK) {
    round_trip(m);
    // Once more after a training step (optimiser state, flip counts, batch-norm statistics).
    bnn_fuzz::exercise(m, nullptr);
    round_trip(m);
    bnn_model_free(m);
    return 0;
  }
  nlohmann::json doc =
      nlohmann::json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return 0;
  doc["max_memory"] = bnn_fuzz::kFuzzMaxMemory;
  if (bnn_model_create_from_json(doc.dump().c_str(), &m) != BNN_STATUS_OK) return 0;
  round_trip(m);
  bnn_fuzz::exercise(m, nullptr);
  round_trip(m);
  bnn_model_free(m);
  return 0;
}
