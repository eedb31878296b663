// `bnn bench-train [CONFIG.json] [--steps N] [--batch B] [--threads N] [--isa NAME]`: training
// throughput (samples/s) of a model document on random data, as one JSON line, so that it can
// be compared side by side with other frameworks (bench/peers/) and across ISAs.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bnn/bnn.hpp"
#include "cli/files.h"
#include "cli/commands.h"
#include "cli/train.h"

namespace bnn::cli {

int run_bench_train(const BenchTrainOptions& o) {
  const std::string& config = o.config;
  const long steps = o.steps, batch = o.batch;
  const int threads = o.threads;
  try {
    bnn_set_num_threads(threads);
    std::string doc = default_model_json();
    if (!config.empty()) doc = read_text(config);
    ModelHandle m = ModelHandle::from_json(doc);
    const size_t in = m.input_size(), classes = m.output_size();
    std::vector<float> x(static_cast<size_t>(batch) * in);
    std::vector<int32_t> y(static_cast<size_t>(batch));
    std::mt19937 rng(7);  // the tool uses the public API only: no library internals here
    std::uniform_real_distribution<float> pixel(0.0f, 1.0f);
    for (float& v : x) v = pixel(rng);
    for (int32_t& v : y) v = static_cast<int32_t>(rng() % classes);
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
