// Fuzz target: the checkpoint reader (bnn_model_load_buffer) on arbitrary bytes.
// Invariants: no crash, no leak, no allocation beyond what the data can describe; a failure
// always has a message and leaves no handle; a loaded model trains and predicts safely.
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool once = (bnn_set_num_threads(1), true);
  (void)once;
  bnn_model* m = nullptr;
  const bnn_status s = bnn_model_load_buffer(data, size, &m);
  bnn_fuzz::check_status(s, nullptr);
  if (s != BNN_STATUS_OK) {
    BNN_FUZZ_CHECK(m == nullptr, "failed load left a handle");
    return 0;
  }
  bnn_fuzz::exercise(m, nullptr);
  bnn_model_free(m);
  return 0;
}
