// Writes the seed corpora (tests/fuzz/corpus/<target>/) from the small models: their documents,
// checkpoints after a few training steps, configure patches and API call sequences.
// Run once by hand after changing the formats: fuzz_make_seeds tests/fuzz/corpus
#include <fstream>
#include <string>
#include <vector>

#include "fuzz_models.h"
#include "fuzz_util.h"

namespace {

void write(const std::string& path, const void* p, size_t n) {
  std::ofstream f(path, std::ios::binary);
  f.write(static_cast<const char*>(p), static_cast<std::streamsize>(n));
}
void write(const std::string& path, const std::string& s) { write(path, s.data(), s.size()); }

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: fuzz_make_seeds CORPUS_DIR\n");
    return 2;
  }
  const std::string dir = argv[1];
  bnn_set_num_threads(1);
  for (size_t i = 0; i < bnn_fuzz::kSmallModelCount; ++i) {
    const std::string id = std::to_string(i);
    write(dir + "/json/small_model_" + id + ".json", bnn_fuzz::kSmallModels[i]);
    bnn_model* m = nullptr;
    if (bnn_model_create_from_json(bnn_fuzz::kSmallModels[i], &m) != BNN_STATUS_OK) {
      std::fprintf(stderr, "model %zu: %s\n", i, bnn_last_errmsg());
      return 1;
    }
    bnn_model_set_metadata(m, R"({"progress":{"epoch":0,"batch":2}})");
    for (int s = 0; s < 2; ++s) bnn_fuzz::exercise(m, nullptr);
    const std::vector<uint8_t> b = bnn_fuzz::snapshot(m);
    write(dir + "/load_buffer/small_model_" + id + ".bnn", b.data(), b.size());
    write(dir + "/roundtrip/small_model_" + id + ".bnn", b.data(), b.size());
    write(dir + "/roundtrip/small_model_" + id + ".json", bnn_fuzz::kSmallModels[i]);
    bnn_model_free(m);
  }
  const char* patches[] = {
      R"({"kernel_ste":"clipped","weight_clip":{"mode":"fixed","value":1.0},"learning_rate":1e-4,"batch_norm_momentum":0.85})",
      R"({"kernel_ste":{"type":"swish_sign","beta":5},"input_ste":{"type":"clipped","clip":2}})",
      R"({"optimizer":{"type":"bop","fallback":{"type":"adam"}},"lr_scale":"glorot"})",
      R"({"optimizer":{"type":"rmsprop","rho":0.9,"epsilon":1e-7},"quantize":false})",
      R"({"weight_clip":{"mode":"glorot"},"input_ste":"approx_sign"})",
      R"({"learning_rate":2000})",
      R"({"kernel_ste":"bogus"})",
      R"({"from_epoch":3})",
  };
  for (size_t i = 0; i < sizeof patches / sizeof patches[0]; ++i)
    write(dir + "/configure/patch_" + std::to_string(i) + ".json",
          std::string(1, static_cast<char>('0' + i)) + patches[i]);
  // API sequences: a model byte, then operations with their operands; byte patterns chosen to
  // reach each operation (train, predict, evaluate, set/get tensor, params, configure, metadata).
  for (size_t i = 0; i < 12; ++i) {
    std::vector<uint8_t> seq;
    uint32_t x = static_cast<uint32_t>(i) * 2654435761u + 1;
    seq.push_back(static_cast<uint8_t>(i % bnn_fuzz::kSmallModelCount));
    for (int k = 0; k < 400; ++k) {
      x = x * 1664525u + 1013904223u;
      seq.push_back(static_cast<uint8_t>(k % 37 == 0 ? (k / 37 + i) % 10 : x >> 24));
    }
    write(dir + "/api_sequence/seq_" + std::to_string(i) + ".bin", seq.data(), seq.size());
  }
  return 0;
}
