// The binary GEMM driver and packing loops, written once against a small `Ops` interface that
// each ISA source defines (vector type, xor+popcount+accumulate, result store, sign masks).
// Include it inside the ISA's own namespace after `Ops`, kMR and kNV; everything here has
// internal linkage. No include guard on purpose.
//
// Layout: C[m][n] = K - 2 popcount(A[m] xor B[n]). B's packed rows are interleaved into a panel
// of kNR columns (word w of column j at panel[w * kNR + j]) so that one vector load brings
// the same word of kLanes columns, a broadcast brings A's word, and every lane accumulates its
// own (row, column) pair: no horizontal reduction inside the loop.
// Standard headers (<cstdint>, <cstdlib>, <cstddef>) are included by the ISA source first.
namespace {

#include "kernels/scratch.h"

constexpr size_t kNR = static_cast<size_t>(kNV) * Ops::kLanes;

inline size_t words_of(size_t k) { return (k + 63) / 64; }
inline size_t min_of(size_t a, size_t b) { return a < b ? a : b; }

template <int R>
void bgemm_tile(const uint64_t* a, size_t words, const uint64_t* panel, int64_t K, float* c,
                size_t ldc, size_t nc) {
  typename Ops::V acc[R][kNV];
  for (int r = 0; r < R; ++r)
    for (int j = 0; j < kNV; ++j) acc[r][j] = Ops::zero();
  for (size_t w = 0; w < words; ++w) {
    typename Ops::V b[kNV];
    for (int j = 0; j < kNV; ++j) b[j] = Ops::load(panel + w * kNR + j * Ops::kLanes);
    for (int r = 0; r < R; ++r) {
      const typename Ops::V av = Ops::bcast(a[r * words + w]);
      for (int j = 0; j < kNV; ++j) acc[r][j] = Ops::xor_popcnt_add(acc[r][j], av, b[j]);
    }
  }
  for (int r = 0; r < R; ++r) {
    if (nc == kNR) {
      for (int j = 0; j < kNV; ++j) Ops::store_result(acc[r][j], K, c + r * ldc + j * Ops::kLanes);
    } else {
      float tmp[kNR];
      for (int j = 0; j < kNV; ++j) Ops::store_result(acc[r][j], K, tmp + j * Ops::kLanes);
      for (size_t j = 0; j < nc; ++j) c[r * ldc + j] = tmp[j];
    }
  }
}

template <int R>
void bgemm_rows(size_t mr, const uint64_t* a, size_t words, const uint64_t* panel, int64_t K,
                float* c, size_t ldc, size_t nc) {
  if constexpr (R > 1) {
    if (mr < static_cast<size_t>(R)) return bgemm_rows<R - 1>(mr, a, words, panel, K, c, ldc, nc);
  }
  bgemm_tile<R>(a, words, panel, K, c, ldc, nc);
}

void bgemm_driver(size_t M, size_t N, size_t K, const uint64_t* A, const uint64_t* B, float* C,
                  size_t ldc) {
  if (M == 0 || N == 0) return;
  const size_t words = words_of(K);
  static thread_local Scratch scratch;
  uint64_t* panel = static_cast<uint64_t*>(scratch.get((words + 1) * kNR * sizeof(uint64_t)));
  if (!panel) return;  // unreachable in practice; callers size their buffers first
  for (size_t n0 = 0; n0 < N; n0 += kNR) {
    const size_t nc = min_of(kNR, N - n0);
    for (size_t w = 0; w < words; ++w) {
      uint64_t* p = panel + w * kNR;
      for (size_t j = 0; j < nc; ++j) p[j] = B[(n0 + j) * words + w];
      for (size_t j = nc; j < kNR; ++j) p[j] = 0;
    }
    for (size_t m0 = 0; m0 < M; m0 += kMR) {
      bgemm_rows<kMR>(min_of(kMR, M - m0), A + m0 * words, words, panel,
                      static_cast<int64_t>(K), C + m0 * ldc + n0, ldc, nc);
    }
  }
}

// Sign bits of x[0..n) (n < 64) for a row tail.
uint64_t sign_bits_tail(const float* x, size_t n) {
  uint64_t bits = 0;
  for (size_t i = 0; i < n; ++i)
    if (x[i] < 0.0f) bits |= uint64_t{1} << i;
  return bits;
}

void pack_rows_driver(const float* x, size_t rows, size_t cols, size_t ld, uint64_t* out) {
  const size_t words = words_of(cols), full = cols / 64;
  for (size_t r = 0; r < rows; ++r) {
    const float* xr = x + r * ld;
    uint64_t* o = out + r * words;
    for (size_t w = 0; w < full; ++w) o[w] = Ops::sign_bits64(xr + w * 64);
    if (full < words) o[full] = sign_bits_tail(xr + full * 64, cols - full * 64);
  }
}

// Columns of a K x N matrix into N rows of packed bits. Rows are read in memory order (4 at a
// time); each lane of an Ops::ColAcc collects the bits of one column word by OR-ing
// (w[k][n] < 0) << (k % 64) into a per-thread buffer of N words that stays in L1, which is
// written out (transposed to the N-rows layout) after every 64 rows.
void pack_cols_driver(const float* w, size_t K, size_t N, size_t ld, uint64_t* out) {
  const size_t words = words_of(K);
  const size_t nfull = N - N % Ops::kColLanes;
  static thread_local Scratch scratch;
  uint64_t* acc = static_cast<uint64_t*>(scratch.get((nfull + 1) * sizeof(uint64_t)));
  if (!acc) return;  // unreachable in practice
  for (size_t wi = 0; wi < words; ++wi) {
    const size_t kn = min_of(64, K - wi * 64);
    for (size_t n = 0; n < nfull; ++n) acc[n] = 0;
    for (size_t kk = 0; kk < kn; kk += 4) {
      const size_t kr = min_of(4, kn - kk);
      const float* rows = w + (wi * 64 + kk) * ld;
      for (size_t n0 = 0; n0 < nfull; n0 += Ops::kColLanes) {
        typename Ops::ColAcc a;
        Ops::col_load(a, acc + n0);
        for (size_t r = 0; r < kr; ++r) Ops::col_or(a, rows + r * ld + n0, static_cast<int>(kk + r));
        Ops::col_store(a, acc + n0);
      }
    }
    for (size_t n = 0; n < nfull; ++n) out[n * words + wi] = acc[n];
  }
  for (size_t n0 = nfull; n0 < N; ++n0) {
    uint64_t* o = out + n0 * words;
    for (size_t wi = 0; wi < words; ++wi) o[wi] = 0;
    for (size_t k = 0; k < K; ++k)
      if (w[k * ld + n0] < 0.0f) o[k / 64] |= uint64_t{1} << (k % 64);
  }
}

}  // namespace

void pack_rows(const float* x, size_t rows, size_t cols, size_t ld, uint64_t* out) {
  pack_rows_driver(x, rows, cols, ld, out);
}
void pack_cols(const float* w, size_t K, size_t N, size_t ld, uint64_t* out) {
  pack_cols_driver(w, K, N, ld, out);
}
void bgemm(size_t M, size_t N, size_t K, const uint64_t* A, const uint64_t* B, float* C,
           size_t ldc) {
  bgemm_driver(M, N, K, A, B, C, ldc);
}
