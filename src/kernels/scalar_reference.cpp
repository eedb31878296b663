// Portable kernels: the oracle for every SIMD path and the fallback on any CPU.
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "kernels/kernels.h"

namespace bnn::kernels {
namespace {

// C[M x N] (+)= alpha * A[M x K] * B[K x N], plain row-major with leading dimensions.
// i-k-j order keeps the inner loop contiguous on B and C so compilers vectorise it.
void sgemm_nn(size_t M, size_t N, size_t K, float alpha, const float* A, size_t lda,
              size_t a_col_stride, const float* B, size_t ldb, float* C, size_t ldc) {
  constexpr size_t kBlockK = 256;
  for (size_t k0 = 0; k0 < K; k0 += kBlockK) {
    const size_t k1 = std::min(K, k0 + kBlockK);
    for (size_t i = 0; i < M; ++i) {
      float* c = C + i * ldc;
      for (size_t k = k0; k < k1; ++k) {
        const float a = alpha * A[i * lda + k * a_col_stride];
        if (a == 0.0f) continue;
        const float* b = B + k * ldb;
        for (size_t j = 0; j < N; ++j) c[j] += a * b[j];
      }
    }
  }
}

}  // namespace

void sgemm(bool trans_a, bool trans_b, size_t M, size_t N, size_t K, float alpha, const float* A,
           size_t lda, const float* B, size_t ldb, float beta, float* C, size_t ldc) {
  for (size_t i = 0; i < M; ++i) {
    float* c = C + i * ldc;
    if (beta == 0.0f) {
      std::fill(c, c + N, 0.0f);
    } else if (beta != 1.0f) {
      for (size_t j = 0; j < N; ++j) c[j] *= beta;
    }
  }
  if (M == 0 || N == 0 || K == 0) return;
  std::vector<float> bt;
  if (trans_b) {  // B is N x K: transpose to K x N so the inner loop stays contiguous.
    bt.resize(K * N);
    for (size_t n = 0; n < N; ++n)
      for (size_t k = 0; k < K; ++k) bt[k * N + n] = B[n * ldb + k];
    B = bt.data();
    ldb = N;
  }
  if (trans_a) {  // A is K x M: element (i, k) at A[k * lda + i].
    sgemm_nn(M, N, K, alpha, A, 1, lda, B, ldb, C, ldc);
  } else {
    sgemm_nn(M, N, K, alpha, A, lda, 1, B, ldb, C, ldc);
  }
}

void pack_rows(const float* x, size_t rows, size_t cols, size_t ld, uint64_t* out) {
  const size_t words = packed_words(cols);
  for (size_t r = 0; r < rows; ++r) {
    uint64_t* o = out + r * words;
    std::memset(o, 0, words * sizeof(uint64_t));
    const float* xr = x + r * ld;
    for (size_t c = 0; c < cols; ++c)
      if (xr[c] < 0.0f) o[c / 64] |= uint64_t{1} << (c % 64);
  }
}

void pack_cols(const float* w, size_t K, size_t N, size_t ld, uint64_t* out) {
  const size_t words = packed_words(K);
  std::memset(out, 0, N * words * sizeof(uint64_t));
  for (size_t k = 0; k < K; ++k) {
    const float* wr = w + k * ld;
    for (size_t n = 0; n < N; ++n)
      if (wr[n] < 0.0f) out[n * words + k / 64] |= uint64_t{1} << (k % 64);
  }
}

void bgemm(size_t M, size_t N, size_t K, const uint64_t* A, const uint64_t* B, float* C,
           size_t ldc) {
  const size_t words = packed_words(K);
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

// Until the SIMD dispatch lands, the scalar path is the only one.
IsaStatus set_isa(const char* name) {
  if (name == nullptr) return IsaStatus::unknown;
  const std::string n(name);
  if (n == "scalar" || n == "auto") return IsaStatus::ok;
  if (n == "sse4.1" || n == "avx2" || n == "avx512" || n == "neon" || n == "wasm_simd128")
    return IsaStatus::unsupported;
  return IsaStatus::unknown;
}
const char* get_isa() { return "scalar"; }
bool isa_supported(const char* name) { return name && std::string(name) == "scalar"; }
static int g_threads = 1;
void set_num_threads(int n) { g_threads = n; }
int get_num_threads() { return g_threads; }

}  // namespace bnn::kernels
