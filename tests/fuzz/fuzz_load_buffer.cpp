// Fuzz target: the checkpoint reader (bnn_model_load_buffer) on arbitrary bytes.
// Invariants: no crash, no leak, no allocation beyond what the data can describe; a failure
// always has a message and leaves no handle; a loaded model trains and predicts safely.
// Each input is tried as it is and with its trailing CRC-32 recomputed, so that mutations reach
// the record parser behind the checksum (as zstd's fuzzers do for its checksums).
#include <vector>

#include "fuzz_util.h"
#include "io/crc32.h"

namespace {

void load(const uint8_t* data, size_t size) {
  bnn_model* m = nullptr;
  const bnn_status s = bnn_model_load_buffer(data, size, &m);
  bnn_fuzz::check_status(s, nullptr);
  if (s != BNN_STATUS_OK) {
    BNN_FUZZ_CHECK(m == nullptr, "failed load left a handle");
    return;
  }
  bnn_fuzz::exercise(m, nullptr);
  bnn_model_free(m);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool once = (bnn_set_num_threads(1), true);
  (void)once;
  load(data, size);
  if (size >= 24) {
    std::vector<uint8_t> fixed(data, data + size);
    const uint32_t crc = bnn::crc32(fixed.data(), size - 4);
    std::memcpy(fixed.data() + size - 4, &crc, 4);
    if (std::memcmp(fixed.data() + size - 4, data + size - 4, 4) != 0) load(fixed.data(), size);
  }
  return 0;
}
