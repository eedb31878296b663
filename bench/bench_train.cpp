// End-to-end training step through the C API, samples per second, batch 100, one thread:
//   default   784 -> 3 x [binary dense 1024 -> BN -> ReLU] -> binary dense 10 -> BN
//             (float input activations, binary weights), square hinge, Adam;
//   binary    the same with hard_tanh and sign input quantizers on layers 2..4 (the forward
//             products of layers 2..4 run on the packed xor-popcount kernels);
//   float     the same shape without any quantizer.
// Each on the best ISA of this CPU and forced to scalar.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>
#include <vector>

#include "bnn/bnn.h"
#include "kernels/isa.h"

namespace {

std::string mlp_json(const std::string& variant) {
  const bool binary = variant == "binary", quant = variant != "float";
  const std::string kq = quant ? R"("kernel_quantizer": {"type": "sign", "ste": "clipped"})"
                               : R"("kernel_quantizer": null)";
  const std::string iq = binary ? R"("input_quantizer": {"type": "sign", "ste": "clipped"})"
                                : R"("input_quantizer": null)";
  const std::string act = binary ? "hard_tanh" : "relu";
  std::string layers;
  for (int i = 0; i < 3; ++i) {
    layers += R"({"type": "dense", "units": 1024, "use_bias": false, )" +
              (i == 0 ? std::string(R"("input_quantizer": null)") : iq) + ", " + kq + "},";
    layers += R"({"type": "batch_norm"}, {"type": ")" + act + R"("},)";
  }
  layers += R"({"type": "dense", "units": 10, "use_bias": false, )" + iq + ", " + kq + "},";
  layers += R"({"type": "batch_norm"})";
  return R"({"input_shape": [784], "layers": [)" + layers +
         R"(], "loss": "square_hinge", "optimizer": {"type": "adam", "learning_rate": 0.001},
            "seed": 1})";
}

void bench_train(benchmark::State& st, std::string variant, std::string isa) {
  if (bnn_set_isa(isa.c_str()) != BNN_STATUS_OK || bnn_set_num_threads(1) != BNN_STATUS_OK) {
    st.SkipWithError(bnn_last_errmsg());
    return;
  }
  bnn_model* m = nullptr;
  if (bnn_model_create_from_json(mlp_json(variant).c_str(), &m) != BNN_STATUS_OK) {
    st.SkipWithError(bnn_last_errmsg());
    return;
  }
  const size_t batch = 100, dim = 784;
  std::vector<float> x(batch * dim);
  std::vector<int32_t> y(batch);
  uint32_t s = 12345;
  for (float& v : x) {
    s = s * 1664525u + 1013904223u;
    v = static_cast<float>(s >> 8) / 16777216.0f;  // [0, 1) like pixel intensities
  }
  for (size_t i = 0; i < batch; ++i) y[i] = static_cast<int32_t>(i % 10);
  float loss = 0;
  for (auto _ : st) {
    if (bnn_model_train_step(m, x.data(), y.data(), batch, &loss) != BNN_STATUS_OK) {
      st.SkipWithError(bnn_model_errmsg(m));
      break;
    }
  }
  bnn_model_free(m);
  st.SetItemsProcessed(static_cast<int64_t>(st.iterations() * batch));
  st.SetLabel(isa);
  bnn_set_isa("auto");
}

int register_all() {
  const std::string best = bnn::kernels::isa_name(bnn::kernels::best_isa());
  for (const char* variant : {"default", "binary", "float"}) {
    for (const std::string& isa : {best, std::string("scalar")}) {
      benchmark::RegisterBenchmark(("train_step/" + std::string(variant) + "/" + isa).c_str(),
                                   bench_train, std::string(variant), isa)
          ->Unit(benchmark::kMillisecond)
          ->MinTime(0.5);
      if (best == "scalar") break;
    }
  }
  return 0;
}
const int registered = register_all();

}  // namespace

BENCHMARK_MAIN();
