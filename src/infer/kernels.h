// The runtime's inner loops: xnor-popcount products on packed signs and the float-input product
// with packed sign weights. Self-contained (no src/kernels dispatch), so libbnn_infer stays small;
// the hot two have an AVX-512 / POPCNT build chosen once at run time (GCC/Clang target attribute).
#pragma once
#include <cstddef>
#include <cstdint>

namespace bnn::infer {

// s[o] = K - 2 popcount(x xor w[o]) for o < n: w holds n rows of nw words (padding bits 0).
void xnor_popcount(const uint64_t* x, const uint64_t* w, size_t n, size_t nw, int64_t K,
                   int32_t* s);
// y[o] = sum_k x[k] sign(w[k][o]) (k ascending), w: K rows of words(N) words, bit 1 = -1.
// scratch: K integers.
void sign_weights_product(const float* x, size_t K, const uint64_t* w, size_t N, float* y,
                          uint32_t* scratch);
// y[o] = sum_k x[k] w[k][o] (k ascending), w: K x N floats.
void float_product(const float* x, size_t K, const float* w, size_t N, float* y);
// ORs the first n bits of src into dst starting at bit offset off.
void or_bits(uint64_t* dst, uint64_t off, const uint64_t* src, uint64_t n);

}  // namespace bnn::infer
