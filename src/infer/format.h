// The "bnn-infer" deployment file: the one description of its layout, shared by the writer
// (src/export/infer_writer.cpp) and the loader (src/infer/engine.cpp). docs/DEPLOY.md explains it.
//
// All integers little-endian. A file is
//   header  "BNNINFER" | u32 version | u32 flags (0) | u64 payload bytes | u32 CRC-32 of payload
//   payload u32 rank (1 or 3) | u32 dims[3] (H, W, C; [1, 1, N] for rank 1) | u32 classes
//           u8 standardize mode (0 none, 1 per_image, 2 global) | f64 mean | f64 sd
//           u32 op count | ops...
// Each op starts with u32 kind (Op below) and its fields (engine.cpp reads them in order; the
// writer writes them in the same order). Arrays are preceded by nothing: their lengths follow
// from the shapes already read, so a file cannot claim an array larger than its geometry.
#pragma once
#include <cstdint>

namespace bnn::infer {

inline constexpr char kMagic[8] = {'B', 'N', 'N', 'I', 'N', 'F', 'E', 'R'};
inline constexpr uint32_t kVersion = 1;
inline constexpr size_t kHeaderBytes = 8 + 4 + 4 + 8 + 4;

// Limits a loader enforces before allocating (the training layers' own limits, so every model
// libbnn can build fits): values per sample and weights per layer.
inline constexpr uint64_t kMaxValues = uint64_t{1} << 26;
inline constexpr uint64_t kMaxWeights = uint64_t{1} << 28;
inline constexpr uint32_t kMaxOps = 4096;

enum class Op : uint32_t {
  sign = 1,         // float -> bits (sign(0) = +1: bit 1 means negative)
  dense = 2,        // u32 units | u8 input_bits | u8 weight_bits | u8 epilogue | weights | epilogue data
  conv2d = 3,       // u32 filters, kh, kw, sh, sw, pad_top, pad_left, oh, ow | i8 pad_value | as dense
  scale_shift = 4,  // f32 scale[C] | f32 shift[C]   (batch norm in inference mode, folded)
  relu = 5,
  hard_tanh = 6,
  max_pool = 7,     // u32 kh, kw, sh, sw, pad_top, pad_left, oh, ow | u8 on_bits | bits: u8 or_mask[C]
  avg_pool = 8,     // u32 kh, kw, sh, sw, pad_top, pad_left, oh, ow
  global_avg_pool = 9,
  flatten = 10,
};

// How a dense/conv op finishes.
enum class Epilogue : uint8_t {
  float_out = 0,    // y = sum (+ f32 bias[N] if u8 has_bias)
  threshold = 1,    // binary input and weights only: bit = dir ? s >= t : s < t, i32 t[N] | u8 dir[N]
};

// Weights: binary -> N rows of words(K) u64 words when the input is binary (xnor-popcount);
// K rows of words(N) words when the input is float (one row of output signs per input value).
// Float -> f32 [K][N].
inline uint64_t words(uint64_t bits) { return (bits + 63) / 64; }

}  // namespace bnn::infer
