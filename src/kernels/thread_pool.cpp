#include "kernels/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>

#if defined(__EMSCRIPTEN__) && !defined(__EMSCRIPTEN_PTHREADS__)
#define BNN_POOL_THREADS 0
#else
#define BNN_POOL_THREADS 1
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>
#endif

namespace bnn::kernels {
namespace {

void run_inline(size_t n, void (*fn)(void*, size_t), void* ctx) {
  for (size_t i = 0; i < n; ++i) fn(ctx, i);
}

#if BNN_POOL_THREADS
thread_local bool t_in_region = false;  // this thread is running tasks of a region

// Waking a sleeping thread costs a system call and, in a virtual machine, an interrupt to the
// idle virtual CPU: tens of microseconds, against kernels of a few hundred. So a worker spins a
// little after each region for the next one, and the caller spins for the workers to finish,
// before either sleeps on its condition variable (as OpenMP runtimes do; their default waits
// are far longer). A step of training runs dozens of regions with short serial gaps.
constexpr auto kSpin = std::chrono::microseconds(200);

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// Spins until pred() or kSpin has passed; true if pred() became true.
template <class Pred>
bool spin_until(Pred pred) {
  const auto until = std::chrono::steady_clock::now() + kSpin;
  for (unsigned i = 1;; ++i) {
    if (pred()) return true;
    cpu_relax();
    if (i % 64 == 0 && std::chrono::steady_clock::now() >= until) return pred();
  }
}

class Pool {
 public:
  ~Pool() { resize(1); }

  void resize(int total) {
    std::lock_guard<std::mutex> region(region_mu_);
    {
      std::lock_guard<std::mutex> lk(mu_);
      stop_.store(true);
    }
    cv_work_.notify_all();
    for (auto& t : workers_) t.join();
    workers_.clear();
    stop_.store(false);
    // Workers start from the current generation: a region started right after this returns
    // must not be mistaken for one they already ran.
    const uint64_t gen = generation_.load();
    for (int i = 1; i < total; ++i) workers_.emplace_back([this, gen] { worker(gen); });
    threads_.store(total < 1 ? 1 : total);
  }

  int threads() const { return threads_.load(); }

  void run(size_t n, void (*fn)(void*, size_t), void* ctx) {
    // workers_ may only be read under region_mu_ (resize() changes it under that lock).
    if (n <= 1 || t_in_region || !region_mu_.try_lock()) {
      run_inline(n, fn, ctx);
      return;
    }
    if (workers_.empty()) {
      region_mu_.unlock();
      run_inline(n, fn, ctx);
      return;
    }
    {
      std::lock_guard<std::mutex> lk(mu_);
      fn_ = fn;
      ctx_ = ctx;
      n_ = n;
      next_.store(0);
      active_.store(workers_.size());
      generation_.fetch_add(1);  // publishes the fields above to spinning workers
    }
    cv_work_.notify_all();  // no system call when every worker is still spinning
    t_in_region = true;
    run_tasks();
    t_in_region = false;
    if (!spin_until([this] { return active_.load() == 0; })) {
      std::unique_lock<std::mutex> lk(mu_);
      cv_done_.wait(lk, [this] { return active_.load() == 0; });
    }
    region_mu_.unlock();
  }

 private:
  void run_tasks() {
    for (size_t i = next_.fetch_add(1); i < n_; i = next_.fetch_add(1)) fn_(ctx_, i);
  }

  void worker(uint64_t seen) {
    for (;;) {
      auto woken = [&] { return stop_.load() || generation_.load() != seen; };
      if (!spin_until(woken)) {
        std::unique_lock<std::mutex> lk(mu_);
        cv_work_.wait(lk, woken);
      }
      if (stop_.load()) return;
      seen = generation_.load();
      t_in_region = true;
      run_tasks();
      t_in_region = false;
      if (active_.fetch_sub(1) == 1) {
        // The caller checks active_ under mu_ before it sleeps: notifying under mu_ cannot
        // fall between its check and its wait.
        std::lock_guard<std::mutex> lk(mu_);
        cv_done_.notify_one();
      }
    }
  }

  std::mutex region_mu_;  // one region at a time
  std::mutex mu_;
  std::condition_variable cv_work_, cv_done_;
  std::vector<std::thread> workers_;
  std::atomic<int> threads_{1};
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> generation_{0};
  void (*fn_)(void*, size_t) = nullptr;
  void* ctx_ = nullptr;
  size_t n_ = 0;
  std::atomic<size_t> next_{0};
  std::atomic<size_t> active_{0};
};

Pool& pool() {
  static Pool* p = new Pool();  // never destroyed: workers may outlive static destructors
  return *p;
}
#endif

}  // namespace

void parallel_for(size_t n, void (*fn)(void* ctx, size_t i), void* ctx) {
#if BNN_POOL_THREADS
  pool().run(n, fn, ctx);
#else
  run_inline(n, fn, ctx);
#endif
}

void pool_set_threads(int n) {
#if BNN_POOL_THREADS
  if (n <= 0) n = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  pool().resize(n);
#else
  (void)n;
#endif
}

size_t pool_parts(double work, size_t units) {
  const size_t t = static_cast<size_t>(pool_threads());
  if (t <= 1 || work < kMinParallelWork) return 1;
  return units < t ? units : t;
}

int pool_threads() {
#if BNN_POOL_THREADS
  return pool().threads();
#else
  return 1;
#endif
}

}  // namespace bnn::kernels
