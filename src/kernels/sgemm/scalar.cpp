// Float GEMM, portable reference: the oracle for every SIMD variant and the fallback on any CPU.
#include <algorithm>
#include <vector>

#include "kernels/registry.h"

namespace bnn::kernels::scalar {
namespace {

// C[M x N] += alpha * op(A) * B[K x N]; op(A)(i, k) = A[i * lda + k * a_col_stride].
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

// The oracle of the sign variants: expand the bits to +-1 floats, then the float oracle.
void sgemm_signs(bool trans_a, bool trans_b, size_t M, size_t N, size_t K, float alpha,
                 const float* A, size_t lda, const uint64_t* B, size_t ldb_words, float beta,
                 float* C, size_t ldc) {
  const size_t rows = trans_b ? N : K, cols = trans_b ? K : N;
  std::vector<float> b(rows * cols);
  for (size_t r = 0; r < rows; ++r)
    for (size_t c = 0; c < cols; ++c)
      b[r * cols + c] = ((B[r * ldb_words + c / 64] >> (c % 64)) & 1u) ? -1.0f : 1.0f;
  sgemm(trans_a, trans_b, M, N, K, alpha, A, lda, b.data(), cols, beta, C, ldc);
}

// op(B) packed once: here simply op(B), K x N row-major, which sgemm then reads as is.
size_t sgemm_packed_b_floats(size_t K, size_t N) { return K * N; }

void sgemm_pack_b(bool trans_b, size_t K, size_t N, const float* B, size_t ldb, float* packed) {
  for (size_t k = 0; k < K; ++k)
    for (size_t n = 0; n < N; ++n) packed[k * N + n] = trans_b ? B[n * ldb + k] : B[k * ldb + n];
}

void sgemm_packed_b(bool trans_a, size_t M, size_t N, size_t K, float alpha, const float* A,
                    size_t lda, const float* packed, float beta, float* C, size_t ldc) {
  sgemm(trans_a, false, M, N, K, alpha, A, lda, packed, N, beta, C, ldc);
}

// The oracle: one value at a time.
void transpose(const float* in, size_t rows, size_t cols, size_t c0, size_t c1, float* out) {
  for (size_t c = c0; c < c1; ++c)
    for (size_t r = 0; r < rows; ++r) out[c * rows + r] = in[r * cols + c];
}

}  // namespace bnn::kernels::scalar
