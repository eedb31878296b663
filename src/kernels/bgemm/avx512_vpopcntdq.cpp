// Binary GEMM, AVX-512 with VPOPCNTDQ (Ice Lake, Zen 4): one vpopcntq counts 8 words.
// Tile 6 rows x 32 columns = 24 zmm accumulators; per packed word 4 loads, 6 broadcasts and
// 24 xor + popcount + add.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include <simde/x86/avx512.h>

#include "kernels/registry.h"

namespace bnn::kernels::avx512_vpopcntdq {
namespace {

#include "kernels/bgemm/avx512_ops.inc"

struct Ops : Avx512OpsBase {
  static V xor_popcnt_add(V acc, V a, V b) {
    return simde_mm512_add_epi64(acc, simde_mm512_popcnt_epi64(simde_mm512_xor_si512(a, b)));
  }
};
}  // namespace

constexpr int kMR = 6;
constexpr int kNV = 4;
#include "kernels/bgemm/bgemm_impl.h"

}  // namespace bnn::kernels::avx512_vpopcntdq
