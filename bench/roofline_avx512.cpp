// AVX-512 roofline probes: 12 independent chains so that latency never limits throughput; an
// empty asm keeps the operand opaque so the xor cannot be hoisted out of the loop.
#include <immintrin.h>

#include "roofline.h"

namespace bnn_bench {

uint64_t popcount_probe_avx512(size_t iters, size_t* words) {
  constexpr int kChains = 12;
  __m512i acc[kChains], x[kChains];
  for (int j = 0; j < kChains; ++j) {
    acc[j] = _mm512_setzero_si512();
    x[j] = _mm512_set1_epi64(0x9E3779B97F4A7C15ll * (j + 1));
  }
  __m512i y = _mm512_set1_epi64(0x0123456789abcdefll);
  for (size_t i = 0; i < iters; ++i) {
    __asm__ volatile("" : "+v"(y));
    for (int j = 0; j < kChains; ++j)
      acc[j] = _mm512_add_epi64(acc[j], _mm512_popcnt_epi64(_mm512_xor_si512(x[j], y)));
  }
  __m512i s = acc[0];
  for (int j = 1; j < kChains; ++j) s = _mm512_add_epi64(s, acc[j]);
  *words = iters * kChains * 8;
  return static_cast<uint64_t>(_mm512_reduce_add_epi64(s));
}

double fma_probe_avx512(size_t iters, size_t* flops) {
  constexpr int kChains = 12;
  __m512 acc[kChains];
  for (int j = 0; j < kChains; ++j) acc[j] = _mm512_set1_ps(0.001f * j);
  __m512 a = _mm512_set1_ps(0.999f), b = _mm512_set1_ps(0.0001f);
  for (size_t i = 0; i < iters; ++i) {
    __asm__ volatile("" : "+v"(a), "+v"(b));
    for (int j = 0; j < kChains; ++j) acc[j] = _mm512_fmadd_ps(acc[j], a, b);
  }
  __m512 s = acc[0];
  for (int j = 1; j < kChains; ++j) s = _mm512_add_ps(s, acc[j]);
  *flops = iters * kChains * 16 * 2;
  return _mm512_reduce_add_ps(s);
}

}  // namespace bnn_bench
