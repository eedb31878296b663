// The float GEMM driver (packed panels, register-blocked micro-kernel), written once against a
// small `Ops` interface each ISA source defines (float vector, broadcast, multiply-add). Include
// it inside the ISA's own namespace after `Ops`, kMR, kNV, kKC, kMC, kNC; everything here has
// internal linkage. No include guard on purpose.
//
// Goto/BLIS loop nest: for each NC-wide column block and KC-deep slice, op(B) is packed into
// kNR-wide panels (k-major), then for each MC-row block op(A) (times alpha) into kMR-high panels;
// the micro-kernel keeps a kMR x kNR tile of C in registers over the slice and adds it to C.
// Every element of C sees the same sequence of operations whatever its position in a tile or
// the block split, so results do not depend on how the work is divided between threads.
namespace {

#include "kernels/scratch.h"

constexpr size_t kNR = static_cast<size_t>(kNV) * Ops::kLanes;
static_assert(kMC % kMR == 0 && kNC % kNR == 0, "blocks must hold whole tiles");

inline size_t min_of(size_t a, size_t b) { return a < b ? a : b; }

template <int R>
void micro_tile(size_t kc, const float* ap, const float* bp, float* c, size_t ldc, size_t nc,
                bool first, float beta) {
  typename Ops::V acc[R][kNV];
  for (int r = 0; r < R; ++r)
    for (int j = 0; j < kNV; ++j) acc[r][j] = Ops::zero();
  // The tile of C is read or written after the loop: ask for its lines now, so that their
  // misses (C rows are far apart: no hardware prefetcher follows them) overlap the loop.
  for (int r = 0; r < R; ++r)
    for (size_t j = 0; j < nc; j += 16) __builtin_prefetch(c + r * ldc + j, 1, 3);
  // Unrolled by 4 natively: rolled, this loop ran at 35-40% of the FMA peak even with its
  // panels in L1 (AVX-512, Ice Lake), unrolled at 80-90% (a copy of the loop timed alone). Not in
  // WebAssembly, where the engine's code from the unrolled loop trained ~15% slower (Node 20,
  // the threaded build, interleaved runs). The same operations in the same order either way.
#if defined(__EMSCRIPTEN__)
#elif defined(__clang__)
#pragma unroll 4
#else
#pragma GCC unroll 4
#endif
  for (size_t k = 0; k < kc; ++k) {
    typename Ops::V b[kNV];
    for (int j = 0; j < kNV; ++j) b[j] = Ops::load(bp + k * kNR + j * Ops::kLanes);
    for (int r = 0; r < R; ++r) {
      const typename Ops::V a = Ops::bcast(ap[k * kMR + r]);
      for (int j = 0; j < kNV; ++j) acc[r][j] = Ops::madd(acc[r][j], a, b[j]);
    }
  }
  // The first K slice applies beta (C = acc, C = C + acc or C = beta C + acc); later slices
  // add. Vector and tail paths do the same operations in the same order.
  const bool scale = first && beta != 1.0f, overwrite = first && beta == 0.0f;
  const typename Ops::V vbeta = Ops::bcast(beta);
  for (int r = 0; r < R; ++r) {
    float* cr = c + r * ldc;
    if (nc == kNR) {
      for (int j = 0; j < kNV; ++j) {
        float* p = cr + j * Ops::kLanes;
        if (overwrite)
          Ops::store(p, acc[r][j]);
        else if (scale)
          Ops::store(p, Ops::add(Ops::mul(vbeta, Ops::load(p)), acc[r][j]));
        else
          Ops::store(p, Ops::add(Ops::load(p), acc[r][j]));
      }
    } else {
      float tmp[kNR];
      for (int j = 0; j < kNV; ++j) Ops::store(tmp + j * Ops::kLanes, acc[r][j]);
      for (size_t j = 0; j < nc; ++j) {
        if (overwrite) {
          cr[j] = tmp[j];
        } else if (scale) {
          const float scaled = beta * cr[j];
          cr[j] = scaled + tmp[j];
        } else {
          cr[j] += tmp[j];
        }
      }
    }
  }
}

template <int R>
void micro_rows(size_t mr, size_t kc, const float* ap, const float* bp, float* c, size_t ldc,
                size_t nc, bool first, float beta) {
  if constexpr (R > 1) {
    if (mr < static_cast<size_t>(R))
      return micro_rows<R - 1>(mr, kc, ap, bp, c, ldc, nc, first, beta);
  }
  micro_tile<R>(kc, ap, bp, c, ldc, nc, first, beta);
}

// op(B)[pc.., jc..] (kc x nc) -> panels of kNR columns, k-major, zero-padded.
void pack_b(bool trans_b, const float* B, size_t ldb, size_t pc, size_t kc, size_t jc, size_t nc,
            float* out) {
  for (size_t j0 = 0; j0 < nc; j0 += kNR) {
    float* dst = out + j0 * kc;
    const size_t nr = min_of(kNR, nc - j0);
    if (!trans_b) {
      const float* src = B + pc * ldb + jc + j0;
      if (nr == kNR) {
        for (size_t k = 0; k < kc; ++k)
          for (size_t j = 0; j < kNR; ++j) dst[k * kNR + j] = src[k * ldb + j];
      } else {
        for (size_t k = 0; k < kc; ++k) {
          for (size_t j = 0; j < nr; ++j) dst[k * kNR + j] = src[k * ldb + j];
          for (size_t j = nr; j < kNR; ++j) dst[k * kNR + j] = 0.0f;
        }
      }
    } else {  // op(B)(k, n) = B[n * ldb + k]: read along k, write strided.
      const float* src = B + (jc + j0) * ldb + pc;
      if constexpr (Ops::kTranspose8) {
        if (nr == kNR) {  // 8 x 8 register transposes, then the k tail
          const size_t k8 = kc & ~size_t{7};
          for (size_t k0 = 0; k0 < k8; k0 += 8)
            for (size_t jj = 0; jj < kNR; jj += 8)
              Ops::transpose8(src + jj * ldb + k0, ldb, dst + k0 * kNR + jj, kNR);
          for (size_t j = 0; j < kNR; ++j)
            for (size_t k = k8; k < kc; ++k) dst[k * kNR + j] = src[j * ldb + k];
          continue;
        }
      }
      for (size_t j = 0; j < nr; ++j)
        for (size_t k = 0; k < kc; ++k) dst[k * kNR + j] = src[j * ldb + k];
      for (size_t j = nr; j < kNR; ++j)
        for (size_t k = 0; k < kc; ++k) dst[k * kNR + j] = 0.0f;
    }
  }
}

// alpha * op(A)[ic.., pc..] (mc x kc) -> panels of kMR rows, k-major, zero-padded.
void pack_a(bool trans_a, const float* A, size_t lda, size_t ic, size_t mc, size_t pc, size_t kc,
            float alpha, float* out) {
  for (size_t i0 = 0; i0 < mc; i0 += kMR) {
    float* dst = out + i0 * kc;
    const size_t mr = min_of(kMR, mc - i0);
    if (trans_a) {  // op(A)(i, k) = A[k * lda + i]: rows of the panel are contiguous.
      const float* src = A + pc * lda + ic + i0;
      for (size_t k = 0; k < kc; ++k) {
        for (size_t i = 0; i < mr; ++i) dst[k * kMR + i] = alpha * src[k * lda + i];
        for (size_t i = mr; i < static_cast<size_t>(kMR); ++i) dst[k * kMR + i] = 0.0f;
      }
    } else {
      const float* src = A + (ic + i0) * lda + pc;
      if constexpr (Ops::kTranspose8 && kMR % 8 == 0) {
        if (mr == static_cast<size_t>(kMR) && alpha == 1.0f) {
          const size_t k8 = kc & ~size_t{7};
          for (size_t k0 = 0; k0 < k8; k0 += 8)
            for (size_t ii = 0; ii < static_cast<size_t>(kMR); ii += 8)
              Ops::transpose8(src + ii * lda + k0, lda, dst + k0 * kMR + ii, kMR);
          for (size_t i = 0; i < mr; ++i)
            for (size_t k = k8; k < kc; ++k) dst[k * kMR + i] = src[i * lda + k];
          continue;
        }
      }
      for (size_t i = 0; i < mr; ++i)
        for (size_t k = 0; k < kc; ++k) dst[k * kMR + i] = alpha * src[i * lda + k];
      for (size_t i = mr; i < static_cast<size_t>(kMR); ++i)
        for (size_t k = 0; k < kc; ++k) dst[k * kMR + i] = 0.0f;
    }
  }
}

// op(B) given as sign bits (kernels.h sgemm_signs) -> the same panels pack_b writes for the +-1
// floats. Without trans_b a panel row is kNR consecutive bits of one word (kNR divides 64 and
// panels start at multiples of kNR).
void pack_b_signs(bool trans_b, const uint64_t* B, size_t ldw, size_t pc, size_t kc, size_t jc,
                  size_t nc, float* out) {
  static_assert(64 % kNR == 0, "a panel row must lie in one word of bits");
  for (size_t j0 = 0; j0 < nc; j0 += kNR) {
    float* dst = out + j0 * kc;
    const size_t nr = min_of(kNR, nc - j0);
    if (!trans_b) {
      const size_t n0 = jc + j0;
      const uint64_t* src = B + pc * ldw + n0 / 64;
      const unsigned shift = static_cast<unsigned>(n0 % 64);
      for (size_t k = 0; k < kc; ++k) {
        const uint64_t bits = src[k * ldw] >> shift;
        float* d = dst + k * kNR;
        for (size_t j = 0; j < kNR; ++j)
          d[j] = j < nr ? (((bits >> j) & 1u) ? -1.0f : 1.0f) : 0.0f;
      }
    } else {  // op(B)(k, n) = bit k of row n
      for (size_t j = 0; j < kNR; ++j) {
        if (j >= nr) {
          for (size_t k = 0; k < kc; ++k) dst[k * kNR + j] = 0.0f;
          continue;
        }
        const uint64_t* row = B + (jc + j0 + j) * ldw;
        for (size_t k = 0; k < kc; ++k) {
          const size_t kk = pc + k;
          dst[k * kNR + j] = ((row[kk / 64] >> (kk % 64)) & 1u) ? -1.0f : 1.0f;
        }
      }
    }
  }
}

// pack_bp(pc, kc, jc, nc, out) packs op(B)'s panels (floats or signs) into out, or finds them
// packed already, and returns where they are.
template <class PackB>
void sgemm_driver(bool trans_a, size_t M, size_t N, size_t K, float alpha, const float* A,
                  size_t lda, const PackB& pack_bp, float beta, float* C, size_t ldc) {
  if (M == 0 || N == 0) return;
  if (K == 0) {  // C = beta C; otherwise beta is applied with the first K slice
    for (size_t i = 0; i < M; ++i) {
      float* c = C + i * ldc;
      for (size_t j = 0; j < N; ++j) c[j] = beta == 0.0f ? 0.0f : beta * c[j];
    }
    return;
  }
  static thread_local Scratch a_scratch, b_scratch;
  float* ap = static_cast<float*>(a_scratch.get(kMC * kKC * sizeof(float)));
  float* bp = static_cast<float*>(b_scratch.get(kNC * kKC * sizeof(float)));
  if (!ap || !bp) return;  // unreachable in practice (a few hundred KiB)
  for (size_t jc = 0; jc < N; jc += kNC) {
    const size_t nc = min_of(kNC, N - jc);
    for (size_t pc = 0; pc < K; pc += kKC) {
      const size_t kc = min_of(kKC, K - pc);
      const float* bpp = pack_bp(pc, kc, jc, nc, bp);
      for (size_t ic = 0; ic < M; ic += kMC) {
        const size_t mc = min_of(kMC, M - ic);
        pack_a(trans_a, A, lda, ic, mc, pc, kc, alpha, ap);
        for (size_t jr = 0; jr < nc; jr += kNR) {
          const size_t nr = min_of(kNR, nc - jr);
          for (size_t ir = 0; ir < mc; ir += kMR) {
            micro_rows<kMR>(min_of(kMR, mc - ir), kc, ap + ir * kc, bpp + jr * kc,
                            C + (ic + ir) * ldc + jc + jr, ldc, nr, pc == 0, beta);
          }
        }
      }
    }
  }
}

}  // namespace

void sgemm(bool trans_a, bool trans_b, size_t M, size_t N, size_t K, float alpha, const float* A,
           size_t lda, const float* B, size_t ldb, float beta, float* C, size_t ldc) {
  sgemm_driver(trans_a, M, N, K, alpha, A, lda,
               [&](size_t pc, size_t kc, size_t jc, size_t nc, float* out) {
                 pack_b(trans_b, B, ldb, pc, kc, jc, nc, out);
                 return static_cast<const float*>(out);
               },
               beta, C, ldc);
}

void sgemm_signs(bool trans_a, bool trans_b, size_t M, size_t N, size_t K, float alpha,
                 const float* A, size_t lda, const uint64_t* B, size_t ldb_words, float beta,
                 float* C, size_t ldc) {
  sgemm_driver(trans_a, M, N, K, alpha, A, lda,
               [&](size_t pc, size_t kc, size_t jc, size_t nc, float* out) {
                 pack_b_signs(trans_b, B, ldb_words, pc, kc, jc, nc, out);
                 return static_cast<const float*>(out);
               },
               beta, C, ldc);
}

// op(B) packed once, every (NC-wide, KC-deep) block as the driver packs it, one after another:
// the block at column jc and depth pc starts at jc * K + pc * (its width rounded up to kNR).
namespace packed_b {
inline size_t round_nr(size_t n) { return (n + kNR - 1) / kNR * kNR; }
inline size_t at(size_t K, size_t N, size_t pc, size_t jc) {
  return jc * K + pc * round_nr(min_of(kNC, N - jc));
}
}  // namespace packed_b

size_t sgemm_packed_b_floats(size_t K, size_t N) { return K * packed_b::round_nr(N); }

void sgemm_pack_b(bool trans_b, size_t K, size_t N, const float* B, size_t ldb, float* packed) {
  for (size_t jc = 0; jc < N; jc += kNC)
    for (size_t pc = 0; pc < K; pc += kKC)
      pack_b(trans_b, B, ldb, pc, min_of(kKC, K - pc), jc, min_of(kNC, N - jc),
             packed + packed_b::at(K, N, pc, jc));
}

void sgemm_packed_b(bool trans_a, size_t M, size_t N, size_t K, float alpha, const float* A,
                    size_t lda, const float* packed, float beta, float* C, size_t ldc) {
  sgemm_driver(trans_a, M, N, K, alpha, A, lda,
               [&](size_t pc, size_t, size_t jc, size_t, float*) {
                 return packed + packed_b::at(K, N, pc, jc);
               },
               beta, C, ldc);
}

void transpose(const float* in, size_t rows, size_t cols, size_t c0, size_t c1, float* out) {
  // Output rows in groups of 8 (input columns), each written along r: with Ops::transpose8,
  // 8 x 8 register transposes and single values at the edges; otherwise values one by one.
  size_t c = c0;
  if constexpr (Ops::kTranspose8) {
    const size_t r8 = rows & ~size_t{7};
    for (; c + 8 <= c1; c += 8) {
      for (size_t r = 0; r < r8; r += 8)
        Ops::transpose8(in + r * cols + c, cols, out + c * rows + r, rows);
      for (size_t j = c; j < c + 8; ++j)
        for (size_t r = r8; r < rows; ++r) out[j * rows + r] = in[r * cols + j];
    }
  }
  // 16 x 16 blocks: each block's source lines and destination lines stay in L1.
  constexpr size_t kB = 16;
  for (size_t b0 = c; b0 < c1; b0 += kB) {
    const size_t b1 = min_of(b0 + kB, c1);
    for (size_t r0 = 0; r0 < rows; r0 += kB) {
      const size_t r1 = min_of(r0 + kB, rows);
      for (size_t j = b0; j < b1; ++j)
        for (size_t r = r0; r < r1; ++r) out[j * rows + r] = in[r * cols + j];
    }
  }
}
