// `bnn bench-train [CONFIG.json] [--steps N] [--batch B] [--threads N] [--isa NAME]`: training
// throughput (samples/s) of a model document on random data, as one JSON line, so that it can
// be compared side by side with other frameworks (bench/peers/) and across ISAs.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bnn/bnn.hpp"
#include "cli/files.h"
#include "cli/train.h"
#include "core/rng.h"

namespace bnn::cli {

int cmd_bench_train(int argc, char** argv) {
  std::string config;
  long steps = 50, batch = 100;
  int threads = 0;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](long lo, long hi) -> long {
      if (i + 1 >= argc) throw std::runtime_error(a + " needs a value");
      char* end = nullptr;
      const long v = std::strtol(argv[++i], &end, 10);
      if (!end || *end || v < lo || v > hi)
        throw std::runtime_error(a + " takes an integer in [" + std::to_string(lo) + ", " +
                                 std::to_string(hi) + "]");
      return v;
    };
    try {
      if (a == "--steps") steps = value(1, 1000000);
      else if (a == "--batch") batch = value(1, 65536);
      else if (a == "--threads") threads = static_cast<int>(value(0, 256));
      else if (a == "--isa") {
        if (i + 1 >= argc || bnn_set_isa(argv[++i]) != BNN_STATUS_OK)
          throw std::runtime_error(std::string("--isa: ") + bnn_last_errmsg());
      } else if (a.rfind("--", 0) == 0) throw std::runtime_error("unknown option " + a);
      else if (config.empty()) config = a;
      else throw std::runtime_error("expected at most one CONFIG.json");
    } catch (const std::exception& e) {
      std::fprintf(stderr, "bnn bench-train: %s\n", e.what());
      return 2;
    }
  }
  try {
    bnn_set_num_threads(threads);
    std::string doc = default_model_json();
    if (!config.empty()) doc = read_text(config);
    ModelHandle m = ModelHandle::from_json(doc);
    const size_t in = m.input_size(), classes = m.output_size();
    std::vector<float> x(static_cast<size_t>(batch) * in);
    std::vector<int32_t> y(static_cast<size_t>(batch));
    Rng rng(7);
    for (float& v : x) v = rng.uniform();
    for (int32_t& v : y) v = static_cast<int32_t>(rng.below(classes));
    for (int i = 0; i < 3; ++i) m.train_step(x.data(), y.data(), static_cast<size_t>(batch));
    const auto t0 = std::chrono::steady_clock::now();
    for (long s = 0; s < steps; ++s) m.train_step(x.data(), y.data(), static_cast<size_t>(batch));
    const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const nlohmann::json out = {{"framework", "libbnn"},      {"version", bnn_version_string()},
                                {"isa", bnn_get_isa()},       {"threads", bnn_get_num_threads()},
                                {"batch", batch},             {"steps", steps},
                                {"config", config.empty() ? "default" : config},
                                {"samples_per_second", batch * steps / dt}};
    std::printf("%s\n", out.dump().c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bnn bench-train: %s\n", e.what());
    return 1;
  }
}

}  // namespace bnn::cli
