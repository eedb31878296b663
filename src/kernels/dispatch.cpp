// Runtime dispatch (libsodium-style): the CPU is examined once, the best path's variants are put
// in a table of function pointers, and bnn_set_isa / BNN_FORCE_ISA can force another path that
// the CPU supports. Emscripten builds choose at compile time: wasm SIMD128 when built with
// -msimd128, scalar otherwise. The public kernel functions split work over the thread pool.
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <vector>
#include <algorithm>

#include "kernels/isa.h"
#include "kernels/kernels.h"
#include "kernels/registry.h"
#include "kernels/thread_pool.h"

namespace bnn::kernels {
namespace {

const BgemmVariant kBgemmVariants[] = {
#define BNN_BGEMM_VARIANT(ns, isa, features) \
  {#ns, Isa::isa, (features), &ns::pack_rows, &ns::pack_cols, &ns::bgemm},
#include "kernels/bgemm/registry.inc"
#undef BNN_BGEMM_VARIANT
};
const SgemmVariant kSgemmVariants[] = {
#define BNN_SGEMM_VARIANT(ns, isa, features) \
  {#ns, Isa::isa, (features), &ns::sgemm, &ns::sgemm_signs, &ns::transpose,         \
   &ns::sgemm_packed_b_floats, &ns::sgemm_pack_b, &ns::sgemm_packed_b},
#include "kernels/sgemm/registry.inc"
#undef BNN_SGEMM_VARIANT
};
const UpdateVariant kUpdateVariants[] = {
#define BNN_UPDATE_VARIANT(ns, isa, features) {#ns, Isa::isa, (features), &ns::weight_update},
#include "kernels/update/registry.inc"
#undef BNN_UPDATE_VARIANT
};
const LutVariant kLutVariants[] = {
#define BNN_LUT_VARIANT(ns, isa, features) {#ns, Isa::isa, (features), &ns::sign_float_gemm},
#include "kernels/lut/registry.inc"
#undef BNN_LUT_VARIANT
};

constexpr const char* kIsaNames[] = {"scalar", "sse4.1", "avx2", "avx512", "neon", "wasm_simd128"};

uint32_t detect_features() {
  uint32_t f = 0;
#if BNN_KERNELS_X86 && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
  if (__builtin_cpu_supports("sse4.1")) f |= kFeatSse41;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) f |= kFeatAvx2;
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq"))
    f |= kFeatAvx512;
  if ((f & kFeatAvx512) && __builtin_cpu_supports("avx512vpopcntdq")) f |= kFeatVpopcntdq;
#endif
#if defined(__aarch64__) || (defined(__ARM_NEON) && !defined(__EMSCRIPTEN__))
  f |= kFeatNeon;
#endif
#if defined(__wasm_simd128__)
  f |= kFeatWasmSimd;
#endif
  return f;
}

uint32_t g_native = 0;
std::atomic<Isa> g_isa{Isa::scalar};
std::atomic<const BgemmVariant*> g_bgemm{&kBgemmVariants[0]};
std::atomic<const SgemmVariant*> g_sgemm{&kSgemmVariants[0]};
std::atomic<const UpdateVariant*> g_update{&kUpdateVariants[0]};
std::atomic<const LutVariant*> g_lut{&kLutVariants[0]};
std::once_flag g_once;

bool compiled(Isa isa) {
  for (const auto& v : kBgemmVariants)
    if (v.isa == isa) return true;
  return false;
}

bool native(Isa isa) {
  return compiled(isa) && (isa_features(isa) & ~g_native) == 0;
}

template <class V, size_t N>
const V* pick(const V (&table)[N], Isa isa) {
  const V* best = &table[0];  // scalar: every family has it first
  for (const V& v : table)
    if (v.isa == isa && (v.features & ~g_native) == 0) best = &v;
  return best;
}

void select(Isa isa) {
  g_bgemm.store(pick(kBgemmVariants, isa));
  g_sgemm.store(pick(kSgemmVariants, isa));
  g_update.store(pick(kUpdateVariants, isa));
  g_lut.store(pick(kLutVariants, isa));
  g_isa.store(isa);
}

Isa detect_best() {
  for (Isa isa : {Isa::avx512, Isa::avx2, Isa::sse41, Isa::neon, Isa::wasm_simd128})
    if (native(isa)) return isa;
  return Isa::scalar;
}

void init_once() {
  std::call_once(g_once, [] {
    g_native = detect_features();
    Isa isa = detect_best();
    if (const char* env = std::getenv("BNN_FORCE_ISA"); env && *env && std::strcmp(env, "auto") != 0) {
      Isa forced;
      if (!isa_from_name(env, &forced))
        std::fprintf(stderr, "libbnn: BNN_FORCE_ISA=%s is not an ISA name; using %s\n", env,
                     isa_name(isa));
      else if (!native(forced))
        std::fprintf(stderr, "libbnn: BNN_FORCE_ISA=%s is not supported here; using %s\n", env,
                     isa_name(isa));
      else
        isa = forced;
    }
    select(isa);
  });
}

}  // namespace

const char* isa_name(Isa isa) {
  const int i = static_cast<int>(isa);
  return i >= 0 && i < static_cast<int>(Isa::count) ? kIsaNames[i] : "unknown";
}

bool isa_from_name(const char* name, Isa* out) {
  if (!name) return false;
  for (int i = 0; i < static_cast<int>(Isa::count); ++i) {
    if (std::strcmp(name, kIsaNames[i]) == 0) {
      *out = static_cast<Isa>(i);
      return true;
    }
  }
  return false;
}

uint32_t isa_features(Isa isa) {
  switch (isa) {
    case Isa::scalar: return 0;
    case Isa::sse41: return kFeatSse41;
    case Isa::avx2: return kFeatSse41 | kFeatAvx2;
    case Isa::avx512: return kFeatSse41 | kFeatAvx2 | kFeatAvx512;
    case Isa::neon: return kFeatNeon;
    case Isa::wasm_simd128: return kFeatWasmSimd;
    default: return ~0u;
  }
}

uint32_t native_features() {
  init_once();
  return g_native;
}

uint32_t runnable_features() {
  uint32_t f = native_features();
  // SIMDe emulates these with portable code when the hardware lacks them.
  if (BNN_KERNELS_NEON) f |= kFeatNeon;
  if (BNN_KERNELS_WASM) f |= kFeatWasmSimd;
  return f;
}

Isa best_isa() {
  init_once();
  return detect_best();
}

Isa current_isa() {
  init_once();
  return g_isa.load();
}

const BgemmVariant* bgemm_variants(size_t* count) {
  *count = sizeof(kBgemmVariants) / sizeof(kBgemmVariants[0]);
  return kBgemmVariants;
}
const SgemmVariant* sgemm_variants(size_t* count) {
  *count = sizeof(kSgemmVariants) / sizeof(kSgemmVariants[0]);
  return kSgemmVariants;
}
const UpdateVariant* update_variants(size_t* count) {
  *count = sizeof(kUpdateVariants) / sizeof(kUpdateVariants[0]);
  return kUpdateVariants;
}
const LutVariant* lut_variants(size_t* count) {
  *count = sizeof(kLutVariants) / sizeof(kLutVariants[0]);
  return kLutVariants;
}
const LutVariant& active_lut() {
  init_once();
  return *g_lut.load();
}
const UpdateVariant& active_update() {
  init_once();
  return *g_update.load();
}
const BgemmVariant& active_bgemm() {
  init_once();
  return *g_bgemm.load();
}
const SgemmVariant& active_sgemm() {
  init_once();
  return *g_sgemm.load();
}

IsaStatus set_isa(const char* name) {
  init_once();
  if (!name) return IsaStatus::unknown;
  Isa isa;
  if (std::strcmp(name, "auto") == 0) {
    isa = detect_best();
  } else if (!isa_from_name(name, &isa)) {
    return IsaStatus::unknown;
  } else if (!native(isa)) {
    return IsaStatus::unsupported;
  }
  select(isa);
  return IsaStatus::ok;
}

const char* get_isa() { return isa_name(current_isa()); }

bool isa_supported(const char* name) {
  init_once();
  Isa isa;
  if (name && std::strcmp(name, "auto") == 0) return true;
  return isa_from_name(name, &isa) && native(isa);
}

void set_num_threads(int n) { pool_set_threads(n); }
int get_num_threads() { return pool_threads(); }

// ---- threaded entry points ----------------------------------------------------------------------
namespace {

// Boundaries of part i of n split into `parts` pieces, rounded to multiples of `align`.
size_t split_at(size_t n, size_t parts, size_t i, size_t align) {
  if (i >= parts) return n;
  const size_t units = (n + align - 1) / align;
  const size_t b = (units * i / parts) * align;
  return b < n ? b : n;
}

size_t parts_for(double work, size_t n, size_t align) { return pool_parts(work, (n + align - 1) / align); }

}  // namespace

void sgemm(bool trans_a, bool trans_b, size_t M, size_t N, size_t K, float alpha, const float* A,
           size_t lda, const float* B, size_t ldb, float beta, float* C, size_t ldc) {
  const SgemmFn f = active_sgemm().sgemm;
  const double work = static_cast<double>(M) * N * (K + 1);
  if (N >= M) {
    const size_t parts = parts_for(work, N, 64);
    if (parts <= 1) return f(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    parallel_for(parts, [&](size_t i) {
      const size_t n0 = split_at(N, parts, i, 64), n1 = split_at(N, parts, i + 1, 64);
      if (n0 < n1)
        f(trans_a, trans_b, M, n1 - n0, K, alpha, A, lda, trans_b ? B + n0 * ldb : B + n0, ldb,
          beta, C + n0, ldc);
    });
  } else {
    const size_t parts = parts_for(work, M, 16);
    if (parts <= 1) return f(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    parallel_for(parts, [&](size_t i) {
      const size_t m0 = split_at(M, parts, i, 16), m1 = split_at(M, parts, i + 1, 16);
      if (m0 < m1)
        f(trans_a, trans_b, m1 - m0, N, K, alpha, trans_a ? A + m0 : A + m0 * lda, lda, B, ldb,
          beta, C + m0 * ldc, ldc);
    });
  }
}

size_t sgemm_packed_b_floats(size_t K, size_t N) {
  return active_sgemm().sgemm_packed_b_floats(K, N);
}

void sgemm_pack_b(bool trans_b, size_t K, size_t N, const float* B, size_t ldb, float* packed) {
  active_sgemm().sgemm_pack_b(trans_b, K, N, B, ldb, packed);
}

void sgemm_packed_b(bool trans_a, size_t M, size_t N, size_t K, float alpha, const float* A,
                    size_t lda, const float* packed, float beta, float* C, size_t ldc) {
  // Split on M only: every part reads all of the packed op(B).
  const SgemmPackedBFn f = active_sgemm().sgemm_packed_b;
  const size_t parts = parts_for(static_cast<double>(M) * N * (K + 1), M, 16);
  if (parts <= 1) return f(trans_a, M, N, K, alpha, A, lda, packed, beta, C, ldc);
  parallel_for(parts, [&](size_t i) {
    const size_t m0 = split_at(M, parts, i, 16), m1 = split_at(M, parts, i + 1, 16);
    if (m0 < m1)
      f(trans_a, m1 - m0, N, K, alpha, trans_a ? A + m0 : A + m0 * lda, lda, packed, beta,
        C + m0 * ldc, ldc);
  });
}

void transpose(const float* in, size_t rows, size_t cols, float* out) {
  // Parts of whole 16-column blocks (each writes its own output rows); a value moved weighs like
  // 8 multiply-adds (32K values are split). Pure data movement: the split cannot change a bit.
  const TransposeFn f = active_sgemm().transpose;
  const size_t parts = parts_for(static_cast<double>(rows) * cols * 8, cols, 16);
  if (parts <= 1) return f(in, rows, cols, 0, cols, out);
  parallel_for(parts, [&](size_t i) {
    const size_t c0 = split_at(cols, parts, i, 16), c1 = split_at(cols, parts, i + 1, 16);
    if (c0 < c1) f(in, rows, cols, c0, c1, out);
  });
}

void pack_rows(const float* x, size_t rows, size_t cols, size_t ld, uint64_t* out) {
  const PackRowsFn f = active_bgemm().pack_rows;
  const size_t words = packed_words(cols);
  // A value costs a load, a compare and a bit of a store: weigh it like ~4 multiply-adds (a
  // batch of 100 activations of 1024 is split).
  const size_t parts = parts_for(static_cast<double>(rows) * cols * 4, rows, 8);
  if (parts <= 1) return f(x, rows, cols, ld, out);
  parallel_for(parts, [&](size_t i) {
    const size_t r0 = split_at(rows, parts, i, 8), r1 = split_at(rows, parts, i + 1, 8);
    if (r0 < r1) f(x + r0 * ld, r1 - r0, cols, ld, out + r0 * words);
  });
}

void pack_cols(const float* w, size_t K, size_t N, size_t ld, uint64_t* out) {
  const PackColsFn f = active_bgemm().pack_cols;
  const size_t words = packed_words(K);
  const size_t parts = parts_for(static_cast<double>(K) * N, N, 64);
  if (parts <= 1) return f(w, K, N, ld, out);
  parallel_for(parts, [&](size_t i) {
    const size_t n0 = split_at(N, parts, i, 64), n1 = split_at(N, parts, i + 1, 64);
    if (n0 < n1) f(w + n0, K, n1 - n0, ld, out + n0 * words);
  });
}

void bgemm(size_t M, size_t N, size_t K, const uint64_t* A, const uint64_t* B, float* C,
           size_t ldc) {
  const BgemmFn f = active_bgemm().bgemm;
  const size_t words = packed_words(K);
  // A word of xor+popcount does 64 multiply-accumulates; weigh it like ~4 float ones.
  const double work = static_cast<double>(M) * N * (words + 1) * 4;
  if (N >= M) {
    const size_t parts = parts_for(work, N, 64);
    if (parts <= 1) return f(M, N, K, A, B, C, ldc);
    parallel_for(parts, [&](size_t i) {
      const size_t n0 = split_at(N, parts, i, 64), n1 = split_at(N, parts, i + 1, 64);
      if (n0 < n1) f(M, n1 - n0, K, A, B + n0 * words, C + n0, ldc);
    });
  } else {
    const size_t parts = parts_for(work, M, 16);
    if (parts <= 1) return f(M, N, K, A, B, C, ldc);
    parallel_for(parts, [&](size_t i) {
      const size_t m0 = split_at(M, parts, i, 16), m1 = split_at(M, parts, i + 1, 16);
      if (m0 < m1) f(m1 - m0, N, K, A + m0 * words, B, C + m0 * ldc, ldc);
    });
  }
}

void sgemm_signs(bool trans_a, bool trans_b, size_t M, size_t N, size_t K, float alpha,
                 const float* A, size_t lda, const uint64_t* B, size_t ldb_words, float beta,
                 float* C, size_t ldc) {
  const SgemmSignsFn f = active_sgemm().sgemm_signs;
  const double work = static_cast<double>(M) * N * (K + 1);
  if (N >= M) {  // column parts start at multiples of 64: whole words of B's bits
    const size_t parts = parts_for(work, N, 64);
    if (parts <= 1) return f(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb_words, beta, C, ldc);
    parallel_for(parts, [&](size_t i) {
      const size_t n0 = split_at(N, parts, i, 64), n1 = split_at(N, parts, i + 1, 64);
      if (n0 < n1)
        f(trans_a, trans_b, M, n1 - n0, K, alpha, A, lda,
          trans_b ? B + n0 * ldb_words : B + n0 / 64, ldb_words, beta, C + n0, ldc);
    });
  } else {
    const size_t parts = parts_for(work, M, 16);
    if (parts <= 1) return f(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb_words, beta, C, ldc);
    parallel_for(parts, [&](size_t i) {
      const size_t m0 = split_at(M, parts, i, 16), m1 = split_at(M, parts, i + 1, 16);
      if (m0 < m1)
        f(trans_a, trans_b, m1 - m0, N, K, alpha, trans_a ? A + m0 : A + m0 * lda, lda, B,
          ldb_words, beta, C + m0 * ldc, ldc);
    });
  }
}

void sign_float_gemm(size_t M, size_t N, size_t K, const uint64_t* S, size_t s_words,
                     const float* F, size_t ldf, float* C, size_t ldc) {
  const LutFn f = active_lut().sign_float_gemm;
  // Tables cost 256 x K/8 x N/16 subtractions, lookups M x K/8 x N/16 additions: weigh like
  // a float product of a twentieth of the multiply-adds (M >= 256 where it is used).
  const double work = static_cast<double>(M) * N * (K + 1) / 20;
  // Column parts (whole 16-column panels) when there are enough: each part tabulates only its
  // panels; otherwise row parts (each tabulates every panel).
  const size_t panels = (N + 15) / 16;
  const int threads = get_num_threads();
  if (threads <= 1 || work < kMinParallelWork) return f(M, N, K, S, s_words, F, ldf, C, ldc);
  if (panels >= static_cast<size_t>(threads)) {
    const size_t parts = static_cast<size_t>(threads);
    parallel_for(parts, [&](size_t i) {
      const size_t n0 = split_at(N, parts, i, 16), n1 = split_at(N, parts, i + 1, 16);
      if (n0 < n1) f(M, n1 - n0, K, S, s_words, F + n0, ldf, C + n0, ldc);
    });
  } else {
    const size_t parts = parts_for(work, M, 16);
    parallel_for(parts, [&](size_t i) {
      const size_t m0 = split_at(M, parts, i, 16), m1 = split_at(M, parts, i + 1, 16);
      if (m0 < m1) f(m1 - m0, N, K, S + m0 * s_words, s_words, F, ldf, C + m0 * ldc, ldc);
    });
  }
}

size_t weight_update(const UpdateParams& p, size_t rows, size_t cols, const float* w,
                     const float* g, const float* s0, const float* s1, float* out_w,
                     float* out_s0, float* out_s1, uint64_t* signs, bool* finite) {
  const UpdateFn f = active_update().update;
  const PackRowsFn pack = active_bgemm().pack_rows;
  const size_t words = packed_words(cols);
  // Fixed chunks of whole rows (a word of signs is written by one task), each updated and then
  // packed while it is in cache; the counts are summed in chunk order: nothing depends on the
  // thread count.
  constexpr size_t kChunkValues = size_t{1} << 14;
  const size_t rows_per = cols >= kChunkValues ? 1 : kChunkValues / cols;
  const size_t chunks = (rows + rows_per - 1) / rows_per;
  constexpr size_t kInline = 16;
  size_t flips_inline[kInline];
  char ok_inline[kInline];
  std::vector<size_t> flips_heap;
  std::vector<char> ok_heap;
  size_t* flips = flips_inline;
  char* ok = ok_inline;
  if (chunks > kInline) {
    flips_heap.assign(chunks, 0);
    ok_heap.assign(chunks, 1);
    flips = flips_heap.data();
    ok = ok_heap.data();
  }
  auto run = [&](size_t k) {
    const size_t r0 = k * rows_per, r1 = std::min(rows, r0 + rows_per);
    bool fin = true;
    flips[k] = f(p, w, g, s0, s1, out_w, out_s0, out_s1, r0 * cols, r1 * cols, &fin);
    ok[k] = fin;
    if (signs) pack(out_w + r0 * cols, r1 - r0, cols, cols, signs + r0 * words);
  };
  if (chunks == 1 || static_cast<double>(rows) * cols < kMinParallelWork / 8) {
    for (size_t k = 0; k < chunks; ++k) run(k);
  } else {
    parallel_for(chunks, run);
  }
  size_t total = 0;
  bool all = true;
  for (size_t k = 0; k < chunks; ++k) {
    total += flips[k];
    all = all && ok[k];
  }
  *finite = all;
  return total;
}

}  // namespace bnn::kernels
