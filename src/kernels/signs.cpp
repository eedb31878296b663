// Transposing packed signs (pack_rows layout -> pack_cols layout) in 64 x 64 bit blocks, so that a
// binary kernel's signs, kept row-major by the fused weight update, also feed the binary GEMM and
// the backward product without a pass over the float weights. Portable: the data is 1/32 of the
// float weights and the transpose is a few hundred word operations per block.
#include <array>
#include <cstring>

#include "kernels/kernels.h"
#include "kernels/thread_pool.h"

namespace bnn::kernels {
namespace {

// In place: bit j of word i <-> bit i of word j (the swap network of Hacker's Delight 7-3 with
// bit 0 as the first column: off-diagonal 32 x 32 blocks, then 16 x 16 ones, ...).
void transpose64(uint64_t a[64]) {
  uint64_t m = 0x00000000FFFFFFFFull;
  for (unsigned j = 32; j != 0; j >>= 1, m ^= m << j) {
    // Runs of j consecutive words against the next j: contiguous, so the compiler vectorises
    // the inner loop (j >= 2) with whatever vector width the build has.
    for (unsigned base = 0; base < 64; base += 2 * j) {
      uint64_t* lo = a + base;
      uint64_t* hi = a + base + j;
      for (unsigned k = 0; k < j; ++k) {
        const uint64_t t = ((lo[k] >> j) ^ hi[k]) & m;
        lo[k] ^= t << j;
        hi[k] ^= t;
      }
    }
  }
}

}  // namespace

void transpose_signs(const uint64_t* in, size_t rows, size_t cols, uint64_t* out) {
  // Parts of whole 64-column blocks: each writes its own output rows (pure data movement, so the
  // split cannot change a bit); a bit weighs like a multiply-add (the swap network computes).
  const size_t in_words = packed_words(cols), out_words = packed_words(rows);
  auto blocks = [&](size_t cb0, size_t cb1) {
    uint64_t block[64];
    for (size_t cb = cb0; cb < cb1; ++cb) {       // 64 input columns = 64 output rows
      for (size_t rb = 0; rb < out_words; ++rb) {  // 64 input rows = one output word
        for (size_t i = 0; i < 64; ++i) {
          const size_t r = rb * 64 + i;
          block[i] = r < rows ? in[r * in_words + cb] : 0;
        }
        transpose64(block);
        // Now block[j] bit i = input (rb*64 + i, cb*64 + j).
        for (size_t j = 0; j < 64; ++j) {
          const size_t c = cb * 64 + j;
          if (c < cols) out[c * out_words + rb] = block[j];
        }
      }
    }
  };
  const size_t parts = pool_parts(static_cast<double>(rows) * cols, in_words);
  if (parts <= 1) return blocks(0, in_words);
  parallel_for(parts, [&](size_t i) { blocks(in_words * i / parts, in_words * (i + 1) / parts); });
}

void unpack_rows(const uint64_t* bits, size_t rows, size_t cols, size_t c0, size_t c1, float* out,
                 size_t ld) {
  // A byte of bits at a time from a table of its 8 floats (little-endian words: byte b of the
  // row holds columns 8b..8b+7); single bits before the first whole byte and after the last.
  static const auto table = [] {
    std::array<std::array<float, 8>, 256> t{};
    for (size_t v = 0; v < 256; ++v)
      for (size_t b = 0; b < 8; ++b) t[v][b] = (v >> b) & 1u ? -1.0f : 1.0f;
    return t;
  }();
  const size_t words = packed_words(cols);
  for (size_t i = 0; i < rows; ++i) {
    const auto* row = reinterpret_cast<const uint8_t*>(bits + i * words);
    float* o = out + i * ld - c0;
    size_t c = c0;
    for (; c < c1 && c % 8 != 0; ++c) o[c] = (row[c / 8] >> (c % 8)) & 1u ? -1.0f : 1.0f;
    for (; c + 8 <= c1; c += 8) std::memcpy(o + c, table[row[c / 8]].data(), 8 * sizeof(float));
    for (; c < c1; ++c) o[c] = (row[c / 8] >> (c % 8)) & 1u ? -1.0f : 1.0f;
  }
}

}  // namespace bnn::kernels
