// Binary vs float convolution on the shapes of the paper's VGG-style CIFAR-10 net (conv2..conv6,
// 3x3 "same"; the first layer has a float input and is benched as float only), at a scaled
// batch, on the best ISA and on the scalar path. After the run a table prints the ratios side by
// side: float/binary forward time per ISA, and scalar/best per mode.
//
//   bench_conv [--batch=N] [google benchmark flags, e.g. --benchmark_min_time=0.2s]
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "bnn/bnn.h"
#include "core/rng.h"
#include "layers/layers.h"

namespace {

struct ConvShape {
  const char* name;
  size_t hw, in, out;
};
const ConvShape kShapes[] = {
    {"conv1", 32, 3, 128},  {"conv2", 32, 128, 128}, {"conv3", 16, 128, 256},
    {"conv4", 16, 256, 256}, {"conv5", 8, 256, 512},  {"conv6", 8, 512, 512},
};
size_t g_batch = 8;

std::unique_ptr<bnn::Layer> make_conv(const ConvShape& s, bool binary) {
  const std::string q = binary ? R"({"type":"sign","ste":"clipped"})" : "null";
  const bnn::json j = bnn::json::parse(
      R"({"type":"conv2d","filters":)" + std::to_string(s.out) +
      R"(,"kernel_size":[3,3],"padding":"same","use_bias":false,"input_quantizer":)" + q +
      R"(,"kernel_quantizer":)" + q + "}");
  bnn::JsonReader r(j, "layers[0]");
  bnn::Rng rng(1);
  bnn::LayerArgs a{r, bnn::Shape{{s.hw, s.hw, s.in}}, 0, rng};
  return bnn::make_layer(a);
}

void BM_conv(benchmark::State& st, size_t shape, bool binary, bool scalar, bool backward) {
  const ConvShape& s = kShapes[shape];
  const char* isa = scalar ? "scalar" : "auto";
  if (bnn_set_isa(isa) != BNN_STATUS_OK) {
    st.SkipWithError("ISA not available");
    return;
  }
  auto layer = make_conv(s, binary);
  const size_t n_in = g_batch * layer->input_shape().numel();
  const size_t n_out = g_batch * layer->output_shape().numel();
  std::vector<float> x(n_in), y(n_out), dy(n_out, 0.01f), dx(n_in);
  std::mt19937 g(7);
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
  for (float& v : x) v = d(g);
  layer->forward(x.data(), y.data(), g_batch, true);
  for (auto _ : st) {
    if (backward)
      layer->backward(x.data(), y.data(), dy.data(), dx.data(), g_batch);
    else
      layer->forward(x.data(), y.data(), g_batch, true);
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  const double macs = static_cast<double>(g_batch) * s.hw * s.hw * 9.0 * s.in * s.out;
  st.counters["MAC/s"] = benchmark::Counter(macs, benchmark::Counter::kIsIterationInvariantRate);
  st.SetLabel(std::string(s.name) + (binary ? " binary " : " float ") + bnn_get_isa() +
              (backward ? " backward" : " forward"));
  bnn_set_isa("auto");
}

void register_all() {
  for (size_t i = 0; i < sizeof kShapes / sizeof kShapes[0]; ++i)
    for (int binary = 0; binary < 2; ++binary) {
      if (binary && i == 0) continue;  // float input
      for (int isa = 0; isa < 2; ++isa)
        for (int pass = 0; pass < 2; ++pass) {
          if (pass == 1 && binary && isa) continue;  // the binary backward on the best ISA only
          const std::string name = std::string("conv/") + kShapes[i].name +
                                   (binary ? "/binary" : "/float") + (isa ? "/scalar" : "/best") +
                                   (pass ? "/backward" : "/forward");
          benchmark::RegisterBenchmark(name.c_str(), BM_conv, i, binary != 0, isa != 0, pass != 0)
              ->Unit(benchmark::kMillisecond)
              ->UseRealTime();
        }
    }
}

// Keeps each run's time per iteration for the ratio table.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& r : runs)
      if (!r.error_occurred && r.run_type == Run::RT_Iteration)
        times_[r.run_name.function_name] = r.GetAdjustedRealTime();
    ConsoleReporter::ReportRuns(runs);
  }
  void print_ratios() const {
    auto t = [&](const std::string& n) {
      auto it = times_.find(n);
      return it == times_.end() ? 0.0 : it->second;
    };
    auto ratio = [](double a, double b) { return b > 0 && a > 0 ? a / b : 0.0; };
    std::printf("\nbatch %zu, best ISA %s. Ratios (time of A / time of B; > 1: B is faster)\n",
                g_batch, bnn_get_isa());
    std::printf("%-6s %14s %14s %14s %14s %14s %14s\n", "layer", "float/binary", "float/binary",
                "scalar/best", "scalar/best", "bwd f/b", "fwd+bwd f/b");
    std::printf("%-6s %14s %14s %14s %14s %14s %14s\n", "", "best", "scalar", "float", "binary", "best",
                "best");
    for (const ConvShape& s : kShapes) {
      const std::string p = std::string("conv/") + s.name;
      const double fb = t(p + "/float/best/forward"), bb = t(p + "/binary/best/forward");
      const double fs = t(p + "/float/scalar/forward"), bs = t(p + "/binary/scalar/forward");
      const double fbw = t(p + "/float/best/backward"), bbw = t(p + "/binary/best/backward");
      std::printf("%-6s %14.2f %14.2f %14.2f %14.2f %14.2f %14.2f\n", s.name, ratio(fb, bb),
                  ratio(fs, bs), ratio(fs, fb), ratio(bs, bb), ratio(fbw, bbw),
                  ratio(fb + fbw, bb + bbw));
    }
    std::printf("(0.00: not run)\n");
  }

 private:
  std::map<std::string, double> times_;
};

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i)
    if (std::strncmp(argv[i], "--batch=", 8) == 0) {
      g_batch = static_cast<size_t>(std::stoul(argv[i] + 8));
      for (int j = i; j + 1 < argc; ++j) argv[j] = argv[j + 1];
      --argc;
      --i;
    }
  register_all();
  benchmark::Initialize(&argc, argv);
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.print_ratios();
  benchmark::Shutdown();
  return 0;
}
