// The runtime's inner loops: xnor-popcount products on packed signs and the float-input product
// with packed sign weights. Self-contained (no src/kernels dispatch), so libbnn_infer stays small;
// the hot two have an AVX-512 / POPCNT build chosen once at run time (GCC/Clang target attribute).
#pragma once
#include <cstddef>
#include <cstdint>

namespace bnn::infer {

// Outputs per group of the word-major weight layout below (one AVX-512 register of words).
inline constexpr size_t kXnorGroup = 8;
inline size_t xnor_stride(size_t n) { return (n + kXnorGroup - 1) / kXnorGroup * kXnorGroup; }
// n rows of nw words (row o = output o) -> word-major: word j of output o at [j * stride + o],
// stride = xnor_stride(n), the padding outputs 0. What xnor_popcount reads.
void to_word_major(const uint64_t* rows, size_t n, size_t nw, uint64_t* out);
// s[o] = K - 2 popcount(x xor w[o]) for o < n (padding bits 0 in both), w word-major.
void xnor_popcount(const uint64_t* x, const uint64_t* w, size_t n, size_t nw, int64_t K,
                   int32_t* s);
// The K slice of libbnn's SIMD GEMMs (kKC in src/kernels/sgemm/*.cpp): they sum each slice of
// 256 inputs from zero and add the slices in order. Summing in the same order gives the same
// bits, so a float-input first layer decides exactly as bnn_model_predict
// (tests/unit/export_infer_test.cpp compares with kernels::sgemm_signs on every ISA).
inline constexpr size_t kSumSlice = 256;

// y[o] = sum_k x[k] sign(w[k][o]) in slices of kSumSlice (k ascending within a slice, slices
// added in order), w: K rows of words(N) words, bit 1 = -1. scratch: K integers.
void sign_weights_product(const float* x, size_t K, const uint64_t* w, size_t N, float* y,
                          uint32_t* scratch);
// y[o] = sum_k x[k] w[k][o] (k ascending), w: K x N floats.
void float_product(const float* x, size_t K, const float* w, size_t N, float* y);
// Products of float inputs, M rows at a time: C[M][N] = A[M][K] x B, B given as sign bits
// (K rows of words(N)) or as floats (K x N). By default the loops above, row by row. libbnn
// installs its own (src/api/export_api.cpp): its GEMM for float weights (fused multiply-adds,
// which these portable loops do not reproduce) and for sign weights when its scalar kernels
// are active (they sum without slices), so that float-input layers give predict's bits.
using SignProduct = void (*)(size_t M, size_t N, size_t K, const float* A, const uint64_t* B,
                             float* C, uint32_t* scratch);
using FloatProduct = void (*)(size_t M, size_t N, size_t K, const float* A, const float* B,
                              float* C);
void set_products(SignProduct sign, FloatProduct dense);
// Through the installed products; scratch: K integers (for the default sign product).
void sign_rows(size_t M, size_t N, size_t K, const float* A, const uint64_t* B, float* C,
               uint32_t* scratch);
void float_rows(size_t M, size_t N, size_t K, const float* A, const float* B, float* C);

// ORs the first n bits of src into dst starting at bit offset off.
void or_bits(uint64_t* dst, uint64_t off, const uint64_t* src, uint64_t n);

}  // namespace bnn::infer
