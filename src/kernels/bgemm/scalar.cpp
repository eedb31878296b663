// Binary GEMM family, portable reference: the oracle for every SIMD variant and the fallback on
// any CPU. Kept deliberately plain.
#include <cstring>

#include "kernels/registry.h"

namespace bnn::kernels::scalar {
namespace {
size_t words_of(size_t k) { return (k + 63) / 64; }
}  // namespace

void pack_rows(const float* x, size_t rows, size_t cols, size_t ld, uint64_t* out) {
  const size_t words = words_of(cols);
  for (size_t r = 0; r < rows; ++r) {
    uint64_t* o = out + r * words;
    std::memset(o, 0, words * sizeof(uint64_t));
    const float* xr = x + r * ld;
    for (size_t c = 0; c < cols; ++c)
      if (xr[c] < 0.0f) o[c / 64] |= uint64_t{1} << (c % 64);
  }
}

void pack_cols(const float* w, size_t K, size_t N, size_t ld, uint64_t* out) {
  const size_t words = words_of(K);
  std::memset(out, 0, N * words * sizeof(uint64_t));
  for (size_t k = 0; k < K; ++k) {
    const float* wr = w + k * ld;
    for (size_t n = 0; n < N; ++n)
      if (wr[n] < 0.0f) out[n * words + k / 64] |= uint64_t{1} << (k % 64);
  }
}

void bgemm(size_t M, size_t N, size_t K, const uint64_t* A, const uint64_t* B, float* C,
           size_t ldc) {
  const size_t words = words_of(K);
  for (size_t m = 0; m < M; ++m) {
    const uint64_t* a = A + m * words;
    for (size_t n = 0; n < N; ++n) {
      const uint64_t* b = B + n * words;
      int64_t pop = 0;
      for (size_t w = 0; w < words; ++w) pop += __builtin_popcountll(a[w] ^ b[w]);
      C[m * ldc + n] = static_cast<float>(static_cast<int64_t>(K) - 2 * pop);
    }
  }
}

}  // namespace bnn::kernels::scalar
