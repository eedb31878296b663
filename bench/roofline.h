// Machine limits measured by tight register-only loops (no memory traffic), so that each kernel
// can print the fraction of the limit it reaches. Each probe lives in a source compiled with its
// ISA's flags (roofline_<isa>.cpp) and runs only when the CPU has that ISA.
#pragma once
#include <cstddef>
#include <cstdint>

namespace bnn_bench {

struct Roofline {
  const char* isa = "none";
  double popcount_words_per_s = 0;  // 64-bit words of xor + popcount + accumulate per second
  double fma_flops_per_s = 0;       // float flops (2 per multiply-add) per second
};

// Best limits of this CPU (AVX-512 VPOPCNTDQ / FMA when present, else AVX2), measured once.
const Roofline& machine_roofline();

// Probe kernels: run `iters` iterations and return a value that depends on every operation.
uint64_t popcount_probe_avx512(size_t iters, size_t* words);
double fma_probe_avx512(size_t iters, size_t* flops);
uint64_t popcount_probe_avx2(size_t iters, size_t* words);
double fma_probe_avx2(size_t iters, size_t* flops);

}  // namespace bnn_bench
