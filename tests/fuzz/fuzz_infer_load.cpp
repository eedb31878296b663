// Fuzz target: the bnn-infer loader (bnn_infer_load_buffer) on arbitrary bytes.
// Invariants: no crash, no leak, no allocation beyond what the data can describe; a failure has a
// message and leaves no handle; a loaded engine predicts (NaN-free inputs give finite or at least
// non-crashing outputs, NaN inputs are refused with NUMERIC).
// Each input is tried as it is and with its header's payload size and CRC-32 recomputed, so that
// mutations reach the op parser behind the checksum.
#include <cmath>
#include <vector>

#include "fuzz_util.h"
#include "infer/engine.h"
#include "infer/format.h"
#include "io/crc32.h"

namespace {

void load(const uint8_t* data, size_t size) {
  bnn_infer* e = nullptr;
  const bnn_status s = bnn_infer_load_buffer(data, size, &e);
  if (s != BNN_STATUS_OK) {
    BNN_FUZZ_CHECK(e == nullptr, "failed load left a handle");
    BNN_FUZZ_CHECK(s == BNN_STATUS_CORRUPT_DATA || s == BNN_STATUS_UNSUPPORTED,
                   "unexpected status %d: %s", static_cast<int>(s), bnn_last_errmsg());
    BNN_FUZZ_CHECK(bnn_last_errmsg()[0] != '\0', "failure without a message");
    return;
  }
  // Run only engines whose scratch stays small (a valid file may describe large activations).
  const auto engine = bnn::infer::Engine::load(data, size);
  const size_t in = bnn_infer_input_size(e), out = bnn_infer_output_size(e);
  if (engine->scratch_values() <= (size_t{1} << 20) && in <= 4096 && out <= 4096) {
    std::vector<float> x(2 * in), y(2 * out);
    for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(static_cast<int>(i % 7) - 3) * 0.37f;
    BNN_FUZZ_CHECK(bnn_infer_predict(e, x.data(), 2, y.data(), y.size()) == BNN_STATUS_OK, "predict: %s",
                   bnn_infer_errmsg(e));
    x[0] = NAN;
    BNN_FUZZ_CHECK(bnn_infer_predict(e, x.data(), 2, y.data(), y.size()) == BNN_STATUS_NUMERIC,
                   "NaN input accepted");
  }
  bnn_infer_free(e);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  load(data, size);
  if (size >= bnn::infer::kHeaderBytes) {
    std::vector<uint8_t> fixed(data, data + size);
    const uint64_t payload = size - bnn::infer::kHeaderBytes;
    std::memcpy(fixed.data() + 16, &payload, 8);
    const uint32_t crc = bnn::crc32(fixed.data() + bnn::infer::kHeaderBytes, payload);
    std::memcpy(fixed.data() + 24, &crc, 4);
    if (std::memcmp(fixed.data(), data, bnn::infer::kHeaderBytes) != 0) load(fixed.data(), size);
  }
  return 0;
}
