// Real layer shapes for the kernel benchmarks: C[M x N] = A[M x K] * B[K x N].
#pragma once
#include <cstddef>

namespace bnn_bench {

struct GemmShape {
  const char* name;
  size_t M, N, K;
  bool trans_a = false, trans_b = false;  // float GEMM only (the backward pass shapes)
  bool mlp = false;                       // part of the small set run on emulated paths
};

// The paper's MLP 784-2048-2048-2048-10 at batch 100. Binary products exist for layers 2..4
// (binary inputs); layer 1 has float inputs. 1024^3 as the reference square shape. Conv layers
// of a VGG-style CNN as GEMMs (im2col: M = batch*H*W, K = 9*C_in, N = C_out), batch 4.
inline const GemmShape kBinaryShapes[] = {
    {"mlp_2048x2048_b100", 100, 2048, 2048, false, false, true},
    {"mlp_2048x10_b100", 100, 10, 2048, false, false, true},
    {"square_1024", 1024, 1024, 1024},
    {"conv_32x32_c128", 4 * 32 * 32, 128, 9 * 128},
    {"conv_16x16_c256", 4 * 16 * 16, 256, 9 * 256},
    {"conv_8x8_c512", 4 * 8 * 8, 512, 9 * 512},
};

inline const GemmShape kFloatShapes[] = {
    {"mlp_fwd_784x2048_b100", 100, 2048, 784, false, false, true},
    {"mlp_fwd_2048x2048_b100", 100, 2048, 2048, false, false, true},
    {"mlp_dW_2048x2048_b100", 2048, 2048, 100, true, false, true},   // x^T dy
    {"mlp_dW_1024x1024_b100", 1024, 1024, 100, true, false, true},   // (the peers' MLP)
    {"mlp_dx_2048x2048_b100", 100, 2048, 2048, false, true, true},   // dy W^T
    {"square_1024", 1024, 1024, 1024},
    {"conv_32x32_c128", 4 * 32 * 32, 128, 9 * 128},
    {"conv_16x16_c256", 4 * 16 * 16, 256, 9 * 256},
    {"conv_8x8_c512", 4 * 8 * 8, 512, 9 * 512},
};

}  // namespace bnn_bench
