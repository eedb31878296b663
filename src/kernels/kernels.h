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

// op(B) packed once for several products with it (a kernel's gradient computed in blocks of its
// rows: the same dy for every block). sgemm_pack_b writes op(B) (K x N, as in sgemm) into
// sgemm_packed_b_floats(K, N) floats in the layout of the variant in use; sgemm_packed_b then
// gives exactly what sgemm(trans_a, trans_b, ...) gives with that B (same variant: do not change
// the ISA in between).
size_t sgemm_packed_b_floats(size_t K, size_t N);
void sgemm_pack_b(bool trans_b, size_t K, size_t N, const float* B, size_t ldb, float* packed);
void sgemm_packed_b(bool trans_a, size_t M, size_t N, size_t K, float alpha, const float* A,
                    size_t lda, const float* packed, float beta, float* C, size_t ldc);

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

// sgemm with op(B) made of signs held as packed bits (bit set = -1, clear = +1), the layout of
// pack_rows: without trans_b, B is K rows of N bits (ldb_words words per row); with trans_b, N
// rows of K bits. Each variant packs its B panels straight from the bits and otherwise runs the
// same operations as sgemm on the +-1 floats, so the result equals sgemm on the expanded matrix
// exactly (same variant). With trans_b == false the split between threads needs B's columns in
// whole words, which the threaded entry guarantees.
void sgemm_signs(bool trans_a, bool trans_b, size_t M, size_t N, size_t K, float alpha,
                 const float* A, size_t lda, const uint64_t* B, size_t ldb_words, float beta,
                 float* C, size_t ldc);

// Row-major sign bits (rows x packed_words(cols), as pack_rows writes them) -> the transposed
// layout (cols x packed_words(rows), as pack_cols writes it), padding bits 0. Exact.
void transpose_signs(const uint64_t* in, size_t rows, size_t cols, uint64_t* out);
// rows x cols floats (row-major) -> cols x rows. Exact.
void transpose(const float* in, size_t rows, size_t cols, float* out);
// The inverse of pack_rows for signs, on columns [c0, c1): rows x packed_words(cols) words ->
// rows x (c1 - c0) floats (ld floats apart), +1.0f where the bit is clear, -1.0f where it is set.
void unpack_rows(const uint64_t* bits, size_t rows, size_t cols, size_t c0, size_t c1, float* out,
                 size_t ld);

// C (M x N, leading dimension ldc) = S F, S an M x K matrix of signs given as bits (row m:
// s_words words, bit k set = -1, clear = +1; bits past K must be 0) and F a K x N float matrix
// (ldf), by lookup tables of the signed sums of F's rows 8 at a time (kernels/lut/lut_impl.h):
// about 8x fewer additions than multiply-adds. The sums are taken in a fixed order, the same on
// every ISA and for every thread count, but not a GEMM's order.
void sign_float_gemm(size_t M, size_t N, size_t K, const uint64_t* S, size_t s_words,
                     const float* F, size_t ldf, float* C, size_t ldc);

// ---- The fused weight update ----------------------------------------------------------------------
// One pass over a parameter tensor: the straight-through estimator's gradient mask (when the layer
// left it to the optimiser), weight decay, the optimiser's update rule (PyTorch's formulas, Bop as
// in Larq), weight clipping, the sign-flip count and, for binary tensors, the sign bits of the new
// weights for the next forward. New values and state go to separate buffers (out_*), so that the
// caller decides whether to make them current: the step is all or nothing.
enum class UpdateRule : int { sgd, momentum, nesterov, adagrad, adadelta, rmsprop, adam, bop };
struct UpdateParams {
  UpdateRule rule = UpdateRule::sgd;
  bool mask_clipped = false;  // gradient zeroed where |w| > mask_clip (clipped STE)
  float mask_clip = 1.0f;
  float lr = 0, wd = 0, mu = 0, rho = 0, eps = 0, b1 = 0, b2 = 0, bc1 = 1, bc2 = 1;
  float gamma = 0, threshold = 0;
  float clip = 0;  // weight clipping bound (infinity: none)
};
// rows x cols values (a kernel [in][out], or [kh][kw][in][out] as rows kh*kw*in). s0/s1 and
// out_s0/out_s1 as many as the rule keeps (null otherwise). signs (may be null): rows x
// packed_words(cols) words of the new weights' signs. Returns the number of sign flips; *finite
// is false when any new value or state is NaN or Inf. Results do not depend on the thread count.
size_t weight_update(const UpdateParams& p, size_t rows, size_t cols, const float* w,
                     const float* g, const float* s0, const float* s1, float* out_w,
                     float* out_s0, float* out_s1, uint64_t* signs, bool* finite);

// Process-wide ISA selection (names as in bnn.h): ok, or why the name was refused.
enum class IsaStatus { ok, unknown, unsupported };
IsaStatus set_isa(const char* name);
const char* get_isa();
bool isa_supported(const char* name);
void set_num_threads(int n);   // 0 = all cores
int get_num_threads();

}  // namespace bnn::kernels
