// Binary GEMM family: every variant of the registry that runs on this CPU, over real shapes.
// Counters: GMAC/s (binary multiply-accumulates), and `roof`, the fraction of the machine's
// measured xor+popcount limit (roofline.h) reached by the kernel (one 64-bit word = 64 MACs).
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "kernels/kernels.h"
#include "kernels/registry.h"
#include "roofline.h"
#include "shapes.h"

namespace bnn_bench {
namespace {

std::vector<float> pattern(size_t n, uint32_t seed) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) {
    seed = seed * 1664525u + 1013904223u;
    v[i] = static_cast<float>(static_cast<int32_t>(seed)) / 2147483648.0f;
  }
  return v;
}

bool emulated(const bnn::kernels::BgemmVariant& v) {
  return (v.features & ~bnn::kernels::native_features()) != 0;
}

void bench_bgemm(benchmark::State& st, const bnn::kernels::BgemmVariant* v, GemmShape s) {
  const size_t words = bnn::kernels::packed_words(s.K);
  const auto x = pattern(s.M * s.K, 1), w = pattern(s.K * s.N, 2);
  std::vector<uint64_t> a(s.M * words), b(s.N * words);
  bnn::kernels::scalar::pack_rows(x.data(), s.M, s.K, s.K, a.data());
  bnn::kernels::scalar::pack_cols(w.data(), s.K, s.N, s.N, b.data());
  std::vector<float> c(s.M * s.N);
  for (auto _ : st) {
    v->bgemm(s.M, s.N, s.K, a.data(), b.data(), c.data(), s.N);
    benchmark::DoNotOptimize(c.data());
    benchmark::ClobberMemory();
  }
  const double iters = static_cast<double>(st.iterations());
  st.counters["GMAC/s"] = benchmark::Counter(iters * s.M * s.N * s.K * 1e-9, benchmark::Counter::kIsRate);
  const double roof = machine_roofline().popcount_words_per_s;
  if (roof > 0)
    st.counters["roof"] = benchmark::Counter(iters * s.M * s.N * words / roof, benchmark::Counter::kIsRate);
}

void bench_pack(benchmark::State& st, const bnn::kernels::BgemmVariant* v, bool cols) {
  const size_t K = 2048, N = 2048, words = bnn::kernels::packed_words(K);
  const auto w = pattern(K * N, 3);
  std::vector<uint64_t> out(N * words);
  for (auto _ : st) {
    if (cols)
      v->pack_cols(w.data(), K, N, N, out.data());
    else
      v->pack_rows(w.data(), K, N, N, out.data());
    benchmark::DoNotOptimize(out.data());
  }
  st.counters["Gfloat/s"] = benchmark::Counter(static_cast<double>(st.iterations()) * K * N * 1e-9,
                                               benchmark::Counter::kIsRate);
}

void bench_popcount_roofline(benchmark::State& st) {
  const Roofline& r = machine_roofline();
  for (auto _ : st) benchmark::DoNotOptimize(r.popcount_words_per_s);
  st.counters["GMAC/s"] = r.popcount_words_per_s * 64e-9;
  st.counters["roof"] = 1.0;
  st.SetLabel(r.isa);
}

int register_all() {
  benchmark::RegisterBenchmark("roofline/xor_popcount", bench_popcount_roofline)->Iterations(1);
  size_t n = 0;
  const bnn::kernels::BgemmVariant* vs = bnn::kernels::bgemm_variants(&n);
  const uint32_t runnable = bnn::kernels::runnable_features();
  for (size_t i = 0; i < n; ++i) {
    const auto* v = vs + i;
    if (v->features & ~runnable) continue;
    for (const GemmShape& s : kBinaryShapes) {
      if (emulated(*v) && !s.mlp) continue;  // emulated paths: correctness, not speed
      benchmark::RegisterBenchmark((std::string("bgemm/") + v->name + "/" + s.name).c_str(),
                                   bench_bgemm, v, s)
          ->Unit(benchmark::kMicrosecond);
    }
    benchmark::RegisterBenchmark((std::string("pack_cols/") + v->name + "/2048x2048").c_str(),
                                 bench_pack, v, true)
        ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark((std::string("pack_rows/") + v->name + "/2048x2048").c_str(),
                                 bench_pack, v, false)
        ->Unit(benchmark::kMicrosecond);
  }
  return 0;
}
const int registered = register_all();

}  // namespace
}  // namespace bnn_bench
