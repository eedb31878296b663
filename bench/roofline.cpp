#include "roofline.h"

#include <benchmark/benchmark.h>

#include <ctime>

#include "kernels/isa.h"

namespace bnn_bench {
namespace {

double thread_seconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

template <class F>
double best_rate(F probe) {
  // Best of 5 runs of ~10 ms each, timed in thread CPU time like the benchmarks' rates: the
  // limit, not an average disturbed by other processes on the machine.
  double best = 0;
  for (int rep = 0; rep < 5; ++rep) {
    const double t0 = thread_seconds();
    size_t units = 0;
    benchmark::DoNotOptimize(probe(size_t{2} << 20, &units));
    const double s = thread_seconds() - t0;
    if (units / s > best) best = units / s;
  }
  return best;
}

Roofline measure() {
  using namespace bnn::kernels;
  Roofline r;
  const uint32_t f = native_features();
  if ((f & kFeatAvx512) && (f & kFeatVpopcntdq)) {
    r.isa = "avx512";
    r.popcount_words_per_s = best_rate(popcount_probe_avx512);
    r.fma_flops_per_s = best_rate(fma_probe_avx512);
  } else if (f & kFeatAvx2) {
    r.isa = "avx2";
    r.popcount_words_per_s = best_rate(popcount_probe_avx2);
    r.fma_flops_per_s = best_rate(fma_probe_avx2);
  }
  return r;
}

}  // namespace

const Roofline& machine_roofline() {
  static const Roofline r = measure();
  return r;
}

}  // namespace bnn_bench
