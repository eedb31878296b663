// Binary GEMM, AVX-512 F/BW without VPOPCNTDQ (Skylake-X, Cascade Lake): popcount by nibble
// lookup (vpshufb) summed per 64-bit lane with vpsadbw.
// Tile 4 rows x 32 columns = 16 zmm accumulators; per packed word 4 loads, 4 broadcasts and
// 16 xor + popcount + add.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include <simde/x86/avx512.h>

#include "kernels/registry.h"

namespace bnn::kernels::avx512 {
namespace {

#include "kernels/bgemm/avx512_ops.inc"

struct Ops : Avx512OpsBase {
  static V xor_popcnt_add(V acc, V a, V b) {
    // Popcount of each nibble from a 16-entry table replicated in every 128-bit lane.
    const V lut = simde_mm512_set4_epi32(0x04030302, 0x03020201, 0x03020201, 0x02010100);
    const V low = simde_mm512_set1_epi8(0x0f);
    const V x = simde_mm512_xor_si512(a, b);
    const V lo = simde_mm512_and_si512(x, low);
    const V hi = simde_mm512_and_si512(simde_mm512_srli_epi16(x, 4), low);
    const V bytes = simde_mm512_add_epi8(simde_mm512_shuffle_epi8(lut, lo), simde_mm512_shuffle_epi8(lut, hi));
    return simde_mm512_add_epi64(acc, simde_mm512_sad_epu8(bytes, simde_mm512_setzero_si512()));
  }
};
}  // namespace

constexpr int kMR = 4;
constexpr int kNV = 4;
#include "kernels/bgemm/bgemm_impl.h"

}  // namespace bnn::kernels::avx512
