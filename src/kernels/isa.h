// Instruction-set paths and CPU features. Which paths exist is decided at compile time (the
// platform), which one runs at run time (the CPU, bnn_set_isa, BNN_FORCE_ISA): see dispatch.cpp.
#pragma once
#include <cstdint>

// Paths compiled into this build. x86 builds also compile the NEON and wasm SIMD128 sources:
// SIMDe emulates them with baseline SSE2, so that they are tested here for correctness (they are
// never chosen by dispatch on x86). Emscripten builds compile only the scalar and wasm paths.
#if defined(__EMSCRIPTEN__) || defined(__wasm__)
#define BNN_KERNELS_X86 0
#define BNN_KERNELS_NEON 0
#define BNN_KERNELS_WASM 1
#elif defined(__x86_64__) || defined(__i386__) || defined(_M_X64)
#define BNN_KERNELS_X86 1
#define BNN_KERNELS_NEON 1
#define BNN_KERNELS_WASM 1
#else
#define BNN_KERNELS_X86 0
#define BNN_KERNELS_NEON 1
#define BNN_KERNELS_WASM 1
#endif

namespace bnn::kernels {

// Ordered from the portable oracle to the widest path; names as in bnn.h.
enum class Isa : int { scalar = 0, sse41, avx2, avx512, neon, wasm_simd128, count };

// CPU features a kernel variant may require.
enum Feature : uint32_t {
  kFeatSse41 = 1u << 0,
  kFeatAvx2 = 1u << 1,        // AVX2 + FMA3
  kFeatAvx512 = 1u << 2,      // AVX-512 F + BW + VL + DQ
  kFeatVpopcntdq = 1u << 3,   // AVX-512 VPOPCNTDQ
  kFeatNeon = 1u << 4,
  kFeatWasmSimd = 1u << 5,
};

const char* isa_name(Isa isa);
// false for an unknown name ("auto" is not an ISA).
bool isa_from_name(const char* name, Isa* out);
// Features every variant of this ISA needs.
uint32_t isa_features(Isa isa);
// Features this CPU runs natively (detected once).
uint32_t native_features();
// Native features plus the ones emulated by SIMDe in this build (tests run those paths too).
uint32_t runnable_features();
// The best path this CPU and build support natively.
Isa best_isa();
Isa current_isa();

}  // namespace bnn::kernels
