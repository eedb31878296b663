// Non-x86 builds: no probe yet; the benchmarks then print no `roof` counter.
#include "roofline.h"

namespace bnn_bench {
uint64_t popcount_probe_avx512(size_t, size_t* w) { return *w = 0; }
double fma_probe_avx512(size_t, size_t* f) { return static_cast<double>(*f = 0); }
uint64_t popcount_probe_avx2(size_t, size_t* w) { return *w = 0; }
double fma_probe_avx2(size_t, size_t* f) { return static_cast<double>(*f = 0); }
}  // namespace bnn_bench
