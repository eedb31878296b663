// C = S F for a sign matrix S (+1 / -1, bits) and a float matrix F, with lookup tables (the
// "method of the four Russians"): F's rows are taken 8 at a time, and for each panel of kCols
// columns the 256 signed sums of those 8 rows are tabulated once (one subtraction each: the sum
// for pattern p is the sum for p without its highest set bit b, minus 2 F[b]). A row of C is then
// one table row per 8 rows of F: about 8 times fewer additions than multiply-adds, for every
// matrix product of training with a binary operand and M large (weight gradients of binary-input
// layers, input gradients through binary kernels). Written once and compiled per ISA (include it
// inside the ISA's namespace); every loop over a panel has kCols iterations and vectorises, and
// the files are compiled without contraction, so every ISA rounds like the scalar oracle. No
// include guard on purpose.
namespace {

constexpr size_t kCols = 16;    // columns per panel
constexpr size_t kGroups = 16;  // tables per block (16 x 16 KiB: stays in L2)

// A panel row of W columns as one value of GCC's vector extension: the compiler keeps it in the
// ISA's registers (for W = 16: one AVX-512 register, two AVX2 ones, four SSE / NEON / wasm ones,
// or scalars for the oracle), and its element-wise + and - round like the scalar ones. The last
// panel of a matrix whose width is not a multiple of 16 is 8 or 4 columns wide when that is
// enough (a batch of 50 or 100 columns: 3 or 6 whole panels and one of 4, instead of a fourth or
// seventh panel of 16 that is mostly padding). Every column is computed by the same operations
// in the same order whatever its panel's width.
template <size_t W>
struct Panel {
  typedef float Row __attribute__((vector_size(W * sizeof(float))));
};

template <class Row>
inline void load_row(Row* r, const float* p) { std::memcpy(r, p, sizeof *r); }

// c[0, nc) = acc (add: c + acc, the later blocks of tables).
template <size_t W, class Row>
inline void store_row(float* c, size_t nc, bool add, const Row& sum) {
  Row acc = sum;
  if (nc == W) {  // a whole panel row: one vector load and store
    if (add) {
      Row prev;
      load_row(&prev, c);
      acc = prev + acc;
    }
    std::memcpy(c, &acc, sizeof acc);
    return;
  }
  float out[W];
  std::memcpy(out, &acc, sizeof out);
  for (size_t n = 0; n < nc; ++n) c[n] = add ? c[n] + out[n] : out[n];
}
template <size_t W, class Row>
inline void store_rows(float* c, size_t ldc, size_t nc, bool add, const Row& a0, const Row& a1,
                       const Row& a2, const Row& a3) {
  store_row<W>(c, nc, add, a0);
  store_row<W>(c + ldc, nc, add, a1);
  store_row<W>(c + 2 * ldc, nc, add, a2);
  store_row<W>(c + 3 * ldc, nc, add, a3);
}

// Columns [n0, n0 + nc) of C, nc <= W, with the tables in `tables` (aligned for Row).
template <size_t W>
void lut_panel(size_t M, size_t K, const uint64_t* S, size_t s_words, const float* F, size_t ldf,
               float* C, size_t ldc, size_t n0, size_t nc, float* tables) {
  typedef typename Panel<W>::Row Row;
  Row* tab = reinterpret_cast<Row*>(tables);
  const size_t groups = (K + 7) / 8;
  for (size_t g0 = 0; g0 < groups; g0 += kGroups) {
    const size_t g1 = std::min(groups, g0 + kGroups);
    for (size_t g = g0; g < g1; ++g) {
      Row* T = tab + (g - g0) * 256;
      // Pattern 0 (all +): the 8 rows summed in order; rows past K and columns past N are 0.
      Row two[8];
      Row sum = {};
      for (size_t b = 0; b < 8; ++b) {
        const size_t k = 8 * g + b;
        Row f = {};
        if (k < K) {
          if (nc == W) {
            load_row(&f, F + k * ldf + n0);
          } else {
            float pad[W] = {};
            std::memcpy(pad, F + k * ldf + n0, nc * sizeof(float));
            load_row(&f, pad);
          }
        }
        sum += f;
        two[b] = f + f;
      }
      // Doubling: the patterns with highest set bit b are those below 2^b minus 2 F[b], all
      // independent of each other (a chain through memory, one entry after another, would wait
      // on store forwarding at every step).
      T[0] = sum;
      for (size_t b = 0; b < 8; ++b) {
        const size_t half = size_t{1} << b;
        for (size_t p = 0; p < half; ++p) T[half + p] = T[p] - two[b];
      }
    }
    // Four rows at a time: four independent chains of additions (each row's order unchanged).
    size_t m = 0;
    for (; m + 4 <= M; m += 4) {
      const auto* b0 = reinterpret_cast<const uint8_t*>(S + m * s_words);
      const auto* b1 = b0 + s_words * 8;
      const auto* b2 = b1 + s_words * 8;
      const auto* b3 = b2 + s_words * 8;
      Row a0 = {}, a1 = {}, a2 = {}, a3 = {};
      for (size_t g = g0; g < g1; ++g) {
        const Row* t = tab + (g - g0) * 256;
        a0 += t[b0[g]];
        a1 += t[b1[g]];
        a2 += t[b2[g]];
        a3 += t[b3[g]];
      }
      store_rows<W>(C + m * ldc + n0, ldc, nc, g0 != 0, a0, a1, a2, a3);
    }
    for (; m < M; ++m) {
      // Byte g of a row's words holds the signs of F's rows 8g..8g+7 (little-endian words;
      // padding bits are 0, i.e. +, times rows of zeros).
      const auto* bytes = reinterpret_cast<const uint8_t*>(S + m * s_words);
      Row acc = {};
      for (size_t g = g0; g < g1; ++g) acc += tab[(g - g0) * 256 + bytes[g]];
      store_row<W>(C + m * ldc + n0, nc, g0 != 0, acc);
    }
  }
}

}  // namespace

void sign_float_gemm(size_t M, size_t N, size_t K, const uint64_t* S, size_t s_words,
                     const float* F, size_t ldf, float* C, size_t ldc) {
  if (K == 0) {  // an empty sum (no tables to look up)
    for (size_t m = 0; m < M; ++m) std::fill(C + m * ldc, C + m * ldc + N, 0.0f);
    return;
  }
  const size_t groups = (K + 7) / 8;
  // (A vector of floats aligned by hand: std::vector<Row> would drop Row's alignment.)
  constexpr size_t kAlign = kCols * sizeof(float);
  static thread_local std::vector<float> tables;
  tables.resize(std::min(groups, kGroups) * 256 * kCols + kCols);
  const auto addr = reinterpret_cast<uintptr_t>(tables.data());
  float* tab = tables.data() + ((kAlign - addr % kAlign) % kAlign) / sizeof(float);
  for (size_t n0 = 0; n0 < N; n0 += kCols) {
    const size_t nc = std::min(kCols, N - n0);
    if (nc > 8)
      lut_panel<16>(M, K, S, s_words, F, ldf, C, ldc, n0, nc, tab);
    else if (nc > 4)
      lut_panel<8>(M, K, S, s_words, F, ldf, C, ldc, n0, nc, tab);
    else
      lut_panel<4>(M, K, S, s_words, F, ldf, C, ldc, n0, nc, tab);
  }
}
