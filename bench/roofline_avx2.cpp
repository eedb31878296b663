// AVX2 roofline probes: popcount by nibble lookup + psadbw (the best AVX2 can do), and FMA.
#include <immintrin.h>

#include "roofline.h"

namespace bnn_bench {

uint64_t popcount_probe_avx2(size_t iters, size_t* words) {
  constexpr int kChains = 6;
  const __m256i lut = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2,
                                       1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
  const __m256i low = _mm256_set1_epi8(0x0f);
  __m256i acc[kChains], x[kChains];
  for (int j = 0; j < kChains; ++j) {
    acc[j] = _mm256_setzero_si256();
    x[j] = _mm256_set1_epi64x(0x9E3779B97F4A7C15ll * (j + 1));
  }
  __m256i y = _mm256_set1_epi64x(0x0123456789abcdefll);
  for (size_t i = 0; i < iters; ++i) {
    __asm__ volatile("" : "+x"(y));
    for (int j = 0; j < kChains; ++j) {
      const __m256i v = _mm256_xor_si256(x[j], y);
      const __m256i c = _mm256_add_epi8(
          _mm256_shuffle_epi8(lut, _mm256_and_si256(v, low)),
          _mm256_shuffle_epi8(lut, _mm256_and_si256(_mm256_srli_epi16(v, 4), low)));
      acc[j] = _mm256_add_epi64(acc[j], _mm256_sad_epu8(c, _mm256_setzero_si256()));
    }
  }
  __m256i s = acc[0];
  for (int j = 1; j < kChains; ++j) s = _mm256_add_epi64(s, acc[j]);
  alignas(32) uint64_t out[4];
  _mm256_store_si256(reinterpret_cast<__m256i*>(out), s);
  *words = iters * kChains * 4;
  return out[0] + out[1] + out[2] + out[3];
}

double fma_probe_avx2(size_t iters, size_t* flops) {
  constexpr int kChains = 12;
  __m256 acc[kChains];
  for (int j = 0; j < kChains; ++j) acc[j] = _mm256_set1_ps(0.001f * j);
  __m256 a = _mm256_set1_ps(0.999f), b = _mm256_set1_ps(0.0001f);
  for (size_t i = 0; i < iters; ++i) {
    __asm__ volatile("" : "+x"(a), "+x"(b));
    for (int j = 0; j < kChains; ++j) acc[j] = _mm256_fmadd_ps(acc[j], a, b);
  }
  __m256 s = acc[0];
  for (int j = 1; j < kChains; ++j) s = _mm256_add_ps(s, acc[j]);
  alignas(32) float out[8];
  _mm256_store_ps(out, s);
  *flops = iters * kChains * 8 * 2;
  return out[0] + out[7];
}

}  // namespace bnn_bench
