#include "infer/kernels.h"

#include <cstring>
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define BNN_INFER_X86 1
#endif

namespace bnn::infer {
namespace {

void xnor_generic(const uint64_t* x, const uint64_t* w, size_t n, size_t nw, int64_t K, int32_t* s) {
  for (size_t o = 0; o < n; ++o) {
    const uint64_t* wr = w + o * nw;
    int64_t pop = 0;
    for (size_t j = 0; j < nw; ++j) pop += __builtin_popcountll(x[j] ^ wr[j]);
    s[o] = static_cast<int32_t>(K - 2 * pop);
  }
}

void sign_generic(const float* x, size_t K, const uint64_t* w, size_t N, float* y) {
  const size_t nw = (N + 63) / 64;
  std::memset(y, 0, N * sizeof(float));
  for (size_t k = 0; k < K; ++k) {
    const float v = x[k];
    if (v == 0.0f) continue;  // exact: adding +-0 changes no sum that starts at +0
    const uint64_t* wr = w + k * nw;
    for (size_t o = 0; o < N; ++o) y[o] += ((wr[o >> 6] >> (o & 63)) & 1) ? -v : v;
  }
}

#ifdef BNN_INFER_X86
__attribute__((target("popcnt"))) void xnor_popcnt(const uint64_t* x, const uint64_t* w, size_t n,
                                                    size_t nw, int64_t K, int32_t* s) {
  for (size_t o = 0; o < n; ++o) {
    const uint64_t* wr = w + o * nw;
    int64_t pop = 0;
    for (size_t j = 0; j < nw; ++j) pop += __builtin_popcountll(x[j] ^ wr[j]);
    s[o] = static_cast<int32_t>(K - 2 * pop);
  }
}

// 64 outputs (4 registers of 16) per pass over the inputs; a weight word's bits are the masks
// that negate x[k] lane by lane. Same k order and the same additions as sign_generic.
__attribute__((target("avx512f"))) void sign_avx512(const float* x, size_t K, const uint64_t* w,
                                                     size_t N, float* y) {
  const size_t nw = (N + 63) / 64;
  const __m512 zero = _mm512_setzero_ps();
  for (size_t j = 0; j < nw; ++j) {
    __m512 a0 = zero, a1 = zero, a2 = zero, a3 = zero;
    for (size_t k = 0; k < K; ++k) {
      const float v = x[k];
      if (v == 0.0f) continue;
      const uint64_t bits = w[k * nw + j];
      const __m512 p = _mm512_set1_ps(v);
      a0 = _mm512_add_ps(a0, _mm512_mask_sub_ps(p, static_cast<__mmask16>(bits), zero, p));
      a1 = _mm512_add_ps(a1, _mm512_mask_sub_ps(p, static_cast<__mmask16>(bits >> 16), zero, p));
      a2 = _mm512_add_ps(a2, _mm512_mask_sub_ps(p, static_cast<__mmask16>(bits >> 32), zero, p));
      a3 = _mm512_add_ps(a3, _mm512_mask_sub_ps(p, static_cast<__mmask16>(bits >> 48), zero, p));
    }
    alignas(64) float tmp[64];
    _mm512_store_ps(tmp, a0);
    _mm512_store_ps(tmp + 16, a1);
    _mm512_store_ps(tmp + 32, a2);
    _mm512_store_ps(tmp + 48, a3);
    const size_t n = N - j * 64 < 64 ? N - j * 64 : 64;
    std::memcpy(y + j * 64, tmp, n * sizeof(float));
  }
}
#endif

struct Table {
  decltype(&xnor_generic) xnor = xnor_generic;
  decltype(&sign_generic) sign = sign_generic;
  Table() {
#ifdef BNN_INFER_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("popcnt")) xnor = xnor_popcnt;
    if (__builtin_cpu_supports("avx512f")) sign = sign_avx512;
#endif
  }
};
const Table& table() {
  static const Table t;
  return t;
}

}  // namespace

void xnor_popcount(const uint64_t* x, const uint64_t* w, size_t n, size_t nw, int64_t K,
                   int32_t* s) {
  table().xnor(x, w, n, nw, K, s);
}

void sign_weights_product(const float* x, size_t K, const uint64_t* w, size_t N, float* y) {
  table().sign(x, K, w, N, y);
}

void float_product(const float* x, size_t K, const float* w, size_t N, float* y) {
  std::memset(y, 0, N * sizeof(float));
  for (size_t k = 0; k < K; ++k) {
    const float v = x[k];
    const float* wr = w + k * N;
    for (size_t o = 0; o < N; ++o) y[o] += v * wr[o];
  }
}

void or_bits(uint64_t* dst, uint64_t off, const uint64_t* src, uint64_t n) {
  const uint64_t first = off >> 6, shift = off & 63, nw = (n + 63) / 64;
  for (uint64_t i = 0; i < nw; ++i) {
    uint64_t v = src[i];
    if (i + 1 == nw && (n & 63)) v &= (uint64_t{1} << (n & 63)) - 1;
    dst[first + i] |= v << shift;
    // Spilled bits exist only when they lie below off + n, so the next word is in range.
    if (shift && (v >> (64 - shift))) dst[first + i + 1] |= v >> (64 - shift);
  }
}

}  // namespace bnn::infer
