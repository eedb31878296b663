#include "infer/kernels.h"

#include <atomic>
#include <cstring>
#include <vector>
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define BNN_INFER_X86 1
#endif

namespace bnn::infer {
namespace {

void xnor_generic(const uint64_t* x, const uint64_t* w, size_t n, size_t nw, int64_t K, int32_t* s) {
  const size_t stride = xnor_stride(n);
  for (size_t o = 0; o < n; ++o) {
    int64_t pop = 0;
    for (size_t j = 0; j < nw; ++j) pop += __builtin_popcountll(x[j] ^ w[j * stride + o]);
    s[o] = static_cast<int32_t>(K - 2 * pop);
  }
}

// Sums in slices of kSumSlice inputs: each slice summed from +0 in k order, the slices then added
// in order (what libbnn's SIMD GEMMs do with their K slice; kernels.h).
void sign_generic(const float* x, size_t K, const uint64_t* w, size_t N, float* y, uint32_t*) {
  const size_t nw = (N + 63) / 64;
  std::vector<float> part(N);
  for (size_t k0 = 0; k0 < K; k0 += kSumSlice) {
    float* acc = k0 == 0 ? y : part.data();
    std::memset(acc, 0, N * sizeof(float));
    for (size_t k = k0; k < K && k < k0 + kSumSlice; ++k) {
      const float v = x[k];
      if (v == 0.0f) continue;  // exact: adding +-0 changes no sum that starts at +0
      const uint64_t* wr = w + k * nw;
      for (size_t o = 0; o < N; ++o) acc[o] += ((wr[o >> 6] >> (o & 63)) & 1) ? -v : v;
    }
    if (k0 > 0)
      for (size_t o = 0; o < N; ++o) y[o] += part[o];
  }
}

#ifdef BNN_INFER_X86
__attribute__((target("popcnt"))) void xnor_popcnt(const uint64_t* x, const uint64_t* w, size_t n,
                                                    size_t nw, int64_t K, int32_t* s) {
  const size_t stride = xnor_stride(n);
  for (size_t o = 0; o < n; ++o) {
    int64_t pop = 0;
    for (size_t j = 0; j < nw; ++j) pop += __builtin_popcountll(x[j] ^ w[j * stride + o]);
    s[o] = static_cast<int32_t>(K - 2 * pop);
  }
}

// 8 outputs per register: each input word broadcast against 8 outputs' words, popcounts summed
// lane by lane (no horizontal sums).
__attribute__((target("avx512f,avx512vpopcntdq"))) void xnor_vpopcnt(
    const uint64_t* x, const uint64_t* w, size_t n, size_t nw, int64_t K, int32_t* s) {
  const size_t stride = xnor_stride(n);
  const __m512i k = _mm512_set1_epi64(K);
  for (size_t o = 0; o < n; o += 16) {
    const bool two = o + 8 < n;
    __m512i a0 = _mm512_setzero_si512(), a1 = _mm512_setzero_si512();
    for (size_t j = 0; j < nw; ++j) {
      const __m512i xj = _mm512_set1_epi64(static_cast<long long>(x[j]));
      const uint64_t* wj = w + j * stride + o;
      a0 = _mm512_add_epi64(a0, _mm512_popcnt_epi64(_mm512_xor_si512(xj, _mm512_loadu_si512(wj))));
      if (two)
        a1 = _mm512_add_epi64(a1, _mm512_popcnt_epi64(_mm512_xor_si512(xj, _mm512_loadu_si512(wj + 8))));
    }
    alignas(32) int32_t out[16];
    _mm256_store_si256(reinterpret_cast<__m256i*>(out),
                       _mm512_maskz_cvtepi64_epi32(0xFF, _mm512_sub_epi64(k, _mm512_add_epi64(a0, a0))));
    _mm256_store_si256(reinterpret_cast<__m256i*>(out + 8),
                       _mm512_maskz_cvtepi64_epi32(0xFF, _mm512_sub_epi64(k, _mm512_add_epi64(a1, a1))));
    std::memcpy(s + o, out, (n - o < 16 ? n - o : 16) * sizeof(int32_t));
  }
}

// 256 outputs (16 registers of 16) per pass over the non-zero inputs: 16 independent addition
// chains; each 16-bit piece of a weight row is the mask that negates x[k] in those lanes. Same k
// order and the same additions as sign_generic, so the same results.
__attribute__((target("avx512f"))) void sign_avx512(const float* x, size_t K, const uint64_t* w,
                                                     size_t N, float* y, uint32_t* nz) {
  const size_t nw = (N + 63) / 64, n16 = nw * 4;
  const auto* m16 = reinterpret_cast<const uint16_t*>(w);  // little-endian: lane order kept
  const __m512 zero = _mm512_setzero_ps();
  // The non-zero inputs, found once (half of an image's pixels are 0; adding +-0 changes no
  // sum that starts at +0, so skipping them is exact).
  size_t count = 0;
  for (size_t k = 0; k < K; ++k) {
    nz[count] = static_cast<uint32_t>(k);
    count += x[k] != 0.0f;
  }
  for (size_t g = 0; g < n16; g += 16) {
    const size_t regs = n16 - g < 16 ? n16 - g : 16;
    alignas(64) float sum[256];
    size_t i = 0;
    for (size_t k0 = 0; k0 < K; k0 += kSumSlice) {
      const size_t end = k0 + kSumSlice;
      __m512 a[16];
      for (__m512& r : a) r = zero;
      if (regs == 16) {
        for (; i < count && nz[i] < end; ++i) {
          const uint32_t k = nz[i];
          const __m512 p = _mm512_set1_ps(x[k]);
          const uint16_t* m = m16 + k * n16 + g;
          for (int q = 0; q < 16; ++q)
            a[q] = _mm512_add_ps(a[q], _mm512_mask_sub_ps(p, static_cast<__mmask16>(m[q]), zero, p));
        }
      } else {
        for (; i < count && nz[i] < end; ++i) {
          const uint32_t k = nz[i];
          const __m512 p = _mm512_set1_ps(x[k]);
          const uint16_t* m = m16 + k * n16 + g;
          for (size_t q = 0; q < regs; ++q)
            a[q] = _mm512_add_ps(a[q], _mm512_mask_sub_ps(p, static_cast<__mmask16>(m[q]), zero, p));
        }
      }
      for (size_t q = 0; q < regs; ++q)
        _mm512_store_ps(sum + 16 * q, k0 == 0 ? a[q] : _mm512_add_ps(_mm512_load_ps(sum + 16 * q), a[q]));
    }
    const size_t n = N - g * 16 < 256 ? N - g * 16 : 256;
    if (K == 0) std::memset(sum, 0, sizeof sum);
    std::memcpy(y + g * 16, sum, n * sizeof(float));
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
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vpopcntdq"))
      xnor = xnor_vpopcnt;
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

void sign_weights_product(const float* x, size_t K, const uint64_t* w, size_t N, float* y,
                          uint32_t* scratch) {
  table().sign(x, K, w, N, y, scratch);
}

void float_product(const float* x, size_t K, const float* w, size_t N, float* y) {
  std::memset(y, 0, N * sizeof(float));
  for (size_t k = 0; k < K; ++k) {
    const float v = x[k];
    const float* wr = w + k * N;
    for (size_t o = 0; o < N; ++o) y[o] += v * wr[o];
  }
}

namespace {
std::atomic<SignProduct> g_sign{nullptr};
std::atomic<FloatProduct> g_dense{nullptr};
}  // namespace

void set_products(SignProduct sign, FloatProduct dense) {
  g_sign.store(sign);
  g_dense.store(dense);
}

void sign_rows(size_t M, size_t N, size_t K, const float* A, const uint64_t* B, float* C,
               uint32_t* scratch) {
  if (const SignProduct f = g_sign.load()) return f(M, N, K, A, B, C, scratch);
  for (size_t i = 0; i < M; ++i) sign_weights_product(A + i * K, K, B, N, C + i * N, scratch);
}

void float_rows(size_t M, size_t N, size_t K, const float* A, const float* B, float* C) {
  if (const FloatProduct f = g_dense.load()) return f(M, N, K, A, B, C);
  for (size_t i = 0; i < M; ++i) float_product(A + i * K, K, B, N, C + i * N);
}

void to_word_major(const uint64_t* rows, size_t n, size_t nw, uint64_t* out) {
  const size_t stride = xnor_stride(n);
  std::memset(out, 0, nw * stride * sizeof(uint64_t));
  for (size_t o = 0; o < n; ++o)
    for (size_t j = 0; j < nw; ++j) out[j * stride + o] = rows[o * nw + j];
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
