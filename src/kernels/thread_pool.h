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

// Total threads including the caller; n <= 0 means all hardware threads. Builds without
// threads (Emscripten without pthreads) always use 1.
void pool_set_threads(int n);
int pool_threads();

}  // namespace bnn::kernels
