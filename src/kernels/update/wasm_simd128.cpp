// Fused weight update, wasm SIMD128 (auto-vectorised with -msimd128; natively on x86: baseline flags). The loop is update_impl.h.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/registry.h"

namespace bnn::kernels::wasm_simd128 {
namespace {
constexpr size_t kBlock = 64;
constexpr bool kStreams = false;
inline void stream_line(float*, const float*) {}
inline void stream_fence() {}
#include "kernels/update/store_lines.inc"
}  // namespace
#include "kernels/update/update_impl.h"
}  // namespace bnn::kernels::wasm_simd128
