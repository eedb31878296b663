// The kernel interface: every hot loop of the core goes through these functions, so that SIMD
// variants and threading can be swapped in behind them (runtime dispatch, see dispatch.cpp).
// All matrices are row-major. Results must not depend on the thread count.
#pragma once
#include <cstddef>
#include <cstdint>

namespace bnn::kernels {

// C[M x N] = alpha * op(A) * op(B) + beta * C.
// op(A) is M x K: A is M x K (lda >= K) or, with trans_a, K x M (lda >= M).
// op(B) is K x N: B is K x N (ldb >= N) or, with trans_b, N x K (ldb >= K).
// beta == 0 means C is written without being read (it may hold NaN).
void sgemm(bool trans_a, bool trans_b, size_t M, size_t N, size_t K, float alpha, const float* A,
           size_t lda, const float* B, size_t ldb, float beta, float* C, size_t ldc);

// Bit-packing of signs: bit j of a row is 1 when value j < 0 (sign(0) = +1 -> bit 0).
// A row of K values takes packed_words(K) 64-bit words; padding bits are 0.
inline size_t packed_words(size_t k) { return (k + 63) / 64; }
// rows x cols matrix (leading dimension ld) -> rows x packed_words(cols) words.
void pack_rows(const float* x, size_t rows, size_t cols, size_t ld, uint64_t* out);
// The columns of a K x N matrix (leading dimension ld) -> N rows of packed_words(K) words
// (the transposed layout that a binary GEMM wants for its right operand).
void pack_cols(const float* w, size_t K, size_t N, size_t ld, uint64_t* out);

// Binary GEMM on packed signs: C[m][n] = sum_k sign(a[m][k]) * sign(b[k][n])
//   = K - 2 * popcount(A[m] xor B[n]), with A: M rows and B: N rows of packed_words(K) words
// (padding bits must be equal in both, e.g. 0). C is float, leading dimension ldc.
void bgemm(size_t M, size_t N, size_t K, const uint64_t* A, const uint64_t* B, float* C,
           size_t ldc);

// Process-wide ISA selection (names as in bnn.h). Returns false if unknown/unsupported.
enum class IsaStatus { ok, unknown, unsupported };
IsaStatus set_isa(const char* name);
const char* get_isa();
bool isa_supported(const char* name);
void set_num_threads(int n);   // 0 = all cores
int get_num_threads();

}  // namespace bnn::kernels
