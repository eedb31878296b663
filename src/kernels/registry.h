// The kernel variants compiled into this build, one table per family, fed by the X-macro lists
// bgemm/registry.inc and sgemm/registry.inc. Dispatch, tests and benchmarks all read these
// tables, so every variant is built, tested and benchmarked, including ones not chosen here.
//
// Variant functions are single-threaded; the public functions in kernels.h split the work over
// the thread pool and call the variant of the current ISA on each part.
#pragma once
#include <cstddef>
#include <cstdint>

#include "kernels/isa.h"
#include "kernels/kernels.h"

namespace bnn::kernels {

using PackRowsFn = void (*)(const float* x, size_t rows, size_t cols, size_t ld, uint64_t* out);
using PackColsFn = void (*)(const float* w, size_t K, size_t N, size_t ld, uint64_t* out);
using BgemmFn = void (*)(size_t M, size_t N, size_t K, const uint64_t* A, const uint64_t* B,
                         float* C, size_t ldc);
using SgemmFn = void (*)(bool trans_a, bool trans_b, size_t M, size_t N, size_t K, float alpha,
                         const float* A, size_t lda, const float* B, size_t ldb, float beta,
                         float* C, size_t ldc);
using SgemmSignsFn = void (*)(bool trans_a, bool trans_b, size_t M, size_t N, size_t K,
                              float alpha, const float* A, size_t lda, const uint64_t* B,
                              size_t ldb_words, float beta, float* C, size_t ldc);
// Columns [c0, c1) of a rows x cols row-major matrix -> rows [c0, c1) of its cols x rows
// transpose (out[c * rows + r] = in[r * cols + c]). Exact.
using TransposeFn = void (*)(const float* in, size_t rows, size_t cols, size_t c0, size_t c1,
                             float* out);
// op(B) packed once for several products (kernels.h sgemm_pack_b): its size in floats, the
// packing, and C = alpha op(A) op(B) + beta C from it.
using SgemmPackedBFloatsFn = size_t (*)(size_t K, size_t N);
using SgemmPackBFn = void (*)(bool trans_b, size_t K, size_t N, const float* B, size_t ldb,
                              float* packed);
using SgemmPackedBFn = void (*)(bool trans_a, size_t M, size_t N, size_t K, float alpha,
                                const float* A, size_t lda, const float* packed, float beta,
                                float* C, size_t ldc);
// The element-wise update of values [begin, end) (see weight_update); returns the sign flips.
using UpdateFn = size_t (*)(const UpdateParams& p, const float* w, const float* g,
                            const float* s0, const float* s1, float* out_w, float* out_s0,
                            float* out_s1, size_t begin, size_t end, bool* finite);

// C (M x N, ldc) = S F: S M rows of s_words words of sign bits (bit k of a row set: -1 at (m, k)),
// F K x N floats (ldf). Overwrites C.
using LutFn = void (*)(size_t M, size_t N, size_t K, const uint64_t* S, size_t s_words,
                       const float* F, size_t ldf, float* C, size_t ldc);

struct BgemmVariant {
  const char* name;    // e.g. "avx512_vpopcntdq"
  Isa isa;             // the ISA it belongs to
  uint32_t features;   // CPU features it needs
  PackRowsFn pack_rows;
  PackColsFn pack_cols;
  BgemmFn bgemm;
};

struct SgemmVariant {
  const char* name;
  Isa isa;
  uint32_t features;
  SgemmFn sgemm;
  SgemmSignsFn sgemm_signs;
  TransposeFn transpose;
  SgemmPackedBFloatsFn sgemm_packed_b_floats;
  SgemmPackBFn sgemm_pack_b;
  SgemmPackedBFn sgemm_packed_b;
};

struct UpdateVariant {
  const char* name;
  Isa isa;
  uint32_t features;
  UpdateFn update;
};

struct LutVariant {
  const char* name;
  Isa isa;
  uint32_t features;
  LutFn sign_float_gemm;
};

// Every compiled variant, in registry order (within an ISA, later entries are better).
const BgemmVariant* bgemm_variants(size_t* count);
const SgemmVariant* sgemm_variants(size_t* count);
const UpdateVariant* update_variants(size_t* count);
const LutVariant* lut_variants(size_t* count);
// The variants in use for the current ISA.
const BgemmVariant& active_bgemm();
const SgemmVariant& active_sgemm();
const UpdateVariant& active_update();
const LutVariant& active_lut();

// Per-variant entry points, declared from the registries.
#define BNN_BGEMM_VARIANT(ns, isa, features)                                                   \
  namespace ns {                                                                               \
  void pack_rows(const float* x, size_t rows, size_t cols, size_t ld, uint64_t* out);          \
  void pack_cols(const float* w, size_t K, size_t N, size_t ld, uint64_t* out);                \
  void bgemm(size_t M, size_t N, size_t K, const uint64_t* A, const uint64_t* B, float* C,     \
             size_t ldc);                                                                      \
  }
#include "kernels/bgemm/registry.inc"
#undef BNN_BGEMM_VARIANT

#define BNN_SGEMM_VARIANT(ns, isa, features)                                                   \
  namespace ns {                                                                               \
  void sgemm(bool trans_a, bool trans_b, size_t M, size_t N, size_t K, float alpha,            \
             const float* A, size_t lda, const float* B, size_t ldb, float beta, float* C,     \
             size_t ldc);                                                                      \
  void sgemm_signs(bool trans_a, bool trans_b, size_t M, size_t N, size_t K, float alpha,      \
                   const float* A, size_t lda, const uint64_t* B, size_t ldb_words,            \
                   float beta, float* C, size_t ldc);                                          \
  void transpose(const float* in, size_t rows, size_t cols, size_t c0, size_t c1, float* out); \
  size_t sgemm_packed_b_floats(size_t K, size_t N);                                            \
  void sgemm_pack_b(bool trans_b, size_t K, size_t N, const float* B, size_t ldb,              \
                    float* packed);                                                            \
  void sgemm_packed_b(bool trans_a, size_t M, size_t N, size_t K, float alpha, const float* A, \
                      size_t lda, const float* packed, float beta, float* C, size_t ldc);      \
  }
#include "kernels/sgemm/registry.inc"
#undef BNN_SGEMM_VARIANT

#define BNN_UPDATE_VARIANT(ns, isa, features)                                                  \
  namespace ns {                                                                               \
  size_t weight_update(const UpdateParams& p, const float* w, const float* g, const float* s0, \
                       const float* s1, float* out_w, float* out_s0, float* out_s1,            \
                       size_t begin, size_t end, bool* finite);                                \
  }
#include "kernels/update/registry.inc"
#undef BNN_UPDATE_VARIANT

#define BNN_LUT_VARIANT(ns, isa, features)                                                     \
  namespace ns {                                                                               \
  void sign_float_gemm(size_t M, size_t N, size_t K, const uint64_t* S, size_t s_words,        \
                       const float* F, size_t ldf, float* C, size_t ldc);                      \
  }
#include "kernels/lut/registry.inc"
#undef BNN_LUT_VARIANT

}  // namespace bnn::kernels
