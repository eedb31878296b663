// Float GEMM family: every variant of the registry that runs on this CPU, plus OpenBLAS
// cblas_sgemm (single thread, benchmark-only peer) on the same shapes. Counters: GFLOP/s and
// `roof`, the fraction of the machine's measured FMA limit (roofline.h).
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "kernels/kernels.h"
#include "kernels/registry.h"
#include "roofline.h"
#include "shapes.h"

#if BNN_BENCH_OPENBLAS
#include <cblas.h>
#endif

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

struct Operands {
  std::vector<float> a, b, c;
  size_t lda, ldb;
  explicit Operands(const GemmShape& s)
      : a(pattern(s.M * s.K, 1)), b(pattern(s.K * s.N, 2)), c(s.M * s.N),
        lda(s.trans_a ? s.M : s.K), ldb(s.trans_b ? s.K : s.N) {}
};

void set_counters(benchmark::State& st, const GemmShape& s) {
  const double flops = 2.0 * s.M * s.N * s.K * static_cast<double>(st.iterations());
  st.counters["GFLOP/s"] = benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsRate);
  const double roof = machine_roofline().fma_flops_per_s;
  if (roof > 0) st.counters["roof"] = benchmark::Counter(flops / roof, benchmark::Counter::kIsRate);
}

void bench_sgemm(benchmark::State& st, const bnn::kernels::SgemmVariant* v, GemmShape s) {
  Operands o(s);
  for (auto _ : st) {
    v->sgemm(s.trans_a, s.trans_b, s.M, s.N, s.K, 1.0f, o.a.data(), o.lda, o.b.data(), o.ldb,
             0.0f, o.c.data(), s.N);
    benchmark::DoNotOptimize(o.c.data());
    benchmark::ClobberMemory();
  }
  set_counters(st, s);
}

#if BNN_BENCH_OPENBLAS
void bench_openblas(benchmark::State& st, GemmShape s) {
  openblas_set_num_threads(1);
  Operands o(s);
  for (auto _ : st) {
    cblas_sgemm(CblasRowMajor, s.trans_a ? CblasTrans : CblasNoTrans,
                s.trans_b ? CblasTrans : CblasNoTrans, static_cast<int>(s.M),
                static_cast<int>(s.N), static_cast<int>(s.K), 1.0f, o.a.data(),
                static_cast<int>(o.lda), o.b.data(), static_cast<int>(o.ldb), 0.0f, o.c.data(),
                static_cast<int>(s.N));
    benchmark::DoNotOptimize(o.c.data());
    benchmark::ClobberMemory();
  }
  set_counters(st, s);
  st.SetLabel(openblas_get_corename());  // the kernel set OpenBLAS picked for this CPU
}
#endif

// The same products with one operand of signs, as training computes them by lookup tables
// (kernels.h sign_float_gemm: C = S F, S as bits): dW = x^T dy behind a sign (S = x^T), and the
// forward and dx products through a binarised kernel, computed transposed (S = sign(W)^T or
// sign(W): C^T = S F^T). GFLOP/s counts the float GEMM's 2 M N K, so the rows compare directly.
void bench_lut(benchmark::State& st, const bnn::kernels::LutVariant* v, GemmShape s) {
  const size_t m = s.trans_a ? s.M : s.N, n = s.trans_a ? s.N : s.M;
  const size_t words = bnn::kernels::packed_words(s.K);
  std::vector<uint64_t> bits(m * words);
  uint64_t seed = 7;
  for (uint64_t& w : bits) w = seed = seed * 6364136223846793005ull + 1442695040888963407ull;
  if (s.K % 64)  // bits past K are 0
    for (size_t r = 0; r < m; ++r) bits[r * words + words - 1] &= (uint64_t{1} << (s.K % 64)) - 1;
  const std::vector<float> f = pattern(s.K * n, 3);
  std::vector<float> c(m * n);
  for (auto _ : st) {
    v->sign_float_gemm(m, n, s.K, bits.data(), words, f.data(), n, c.data(), n);
    benchmark::DoNotOptimize(c.data());
    benchmark::ClobberMemory();
  }
  set_counters(st, s);
}

void bench_fma_roofline(benchmark::State& st) {
  const Roofline& r = machine_roofline();
  for (auto _ : st) benchmark::DoNotOptimize(r.fma_flops_per_s);
  st.counters["GFLOP/s"] = r.fma_flops_per_s * 1e-9;
  st.counters["roof"] = 1.0;
  st.SetLabel(r.isa);
}

int register_all() {
  benchmark::RegisterBenchmark("roofline/fma", bench_fma_roofline)->Iterations(1);
  size_t n = 0;
  const bnn::kernels::SgemmVariant* vs = bnn::kernels::sgemm_variants(&n);
  const uint32_t runnable = bnn::kernels::runnable_features();
  const uint32_t native = bnn::kernels::native_features();
  for (size_t i = 0; i < n; ++i) {
    const auto* v = vs + i;
    if (v->features & ~runnable) continue;
    for (const GemmShape& s : kFloatShapes) {
      if ((v->features & ~native) && !s.mlp) continue;  // emulated: correctness, not speed
      benchmark::RegisterBenchmark((std::string("sgemm/") + v->name + "/" + s.name).c_str(),
                                   bench_sgemm, v, s)
          ->Unit(benchmark::kMicrosecond);
    }
  }
  const bnn::kernels::LutVariant* ls = bnn::kernels::lut_variants(&n);
  for (size_t i = 0; i < n; ++i) {
    if (ls[i].features & ~native) continue;
    for (const GemmShape& s : kFloatShapes)
      if (s.mlp)
        benchmark::RegisterBenchmark((std::string("lut/") + ls[i].name + "/" + s.name).c_str(),
                                     bench_lut, ls + i, s)
            ->Unit(benchmark::kMicrosecond);
  }
#if BNN_BENCH_OPENBLAS
  for (const GemmShape& s : kFloatShapes)
    benchmark::RegisterBenchmark((std::string("sgemm/openblas/") + s.name).c_str(), bench_openblas, s)
        ->Unit(benchmark::kMicrosecond);
#endif
  return 0;
}
const int registered = register_all();

}  // namespace
}  // namespace bnn_bench
