// A small persistent thread pool for the kernels (bnn_set_num_threads). The calling thread takes
// part; tasks must write disjoint data, so that results never depend on which thread ran what.
// One parallel region runs at a time: a second caller (another thread, or a task that calls a
// kernel) runs its tasks inline instead of waiting.
#pragma once
#include <cstddef>
#include <type_traits>

namespace bnn::kernels {

void parallel_for(size_t n, void (*fn)(void* ctx, size_t i), void* ctx);

template <class F>
void parallel_for(size_t n, F&& f) {
  using Fn = std::remove_reference_t<F>;
  parallel_for(n, [](void* c, size_t i) { (*static_cast<Fn*>(c))(i); },
               const_cast<void*>(static_cast<const void*>(&f)));
}

// fn(begin, end) over fixed chunks of 16K elements of [0, n), on the pool when there are
// several: an element-wise pass whose chunks do not depend on the thread count.
template <class F>
void parallel_chunks(size_t n, F&& fn) {
  constexpr size_t kChunk = size_t{1} << 14;
  const size_t chunks = (n + kChunk - 1) / kChunk;
  if (chunks <= 1) return fn(size_t{0}, n);
  parallel_for(chunks, [&](size_t k) { fn(k * kChunk, (k + 1) * kChunk < n ? (k + 1) * kChunk : n); });
}

// Work (multiply-adds, or their equivalent) below which waking threads costs more than it saves.
constexpr double kMinParallelWork = 1 << 18;
// The parts worth splitting `work` into: 1 with one thread or below kMinParallelWork, otherwise
// the thread count, at most `units`.
size_t pool_parts(double work, size_t units);

// Total threads including the caller; n <= 0 means all hardware threads. Builds without
// threads (Emscripten without pthreads) always use 1.
void pool_set_threads(int n);
int pool_threads();

}  // namespace bnn::kernels
