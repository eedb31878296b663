// A cap on what building a model may allocate. While a MemoryBudget is in scope on a thread, every
// parameter tensor a layer creates (Layer::add_tensor) is charged to it *before* the allocation,
// and a charge beyond the limit fails with OUT_OF_MEMORY. Budgets nest (a checkpoint's size
// bounds what its document may describe, and the document's own max_memory applies inside that):
// a charge counts against every budget in scope. Thread-local, so concurrent builds are
// independent.
#pragma once
#include <cstdint>
#include <string>

#include "core/error.h"

namespace bnn {

class MemoryBudget {
 public:
  // limit in bytes; `what` explains the limit in messages ("max_memory", "the checkpoint size");
  // `status` is what an excess fails with (CORRUPT_DATA for a checkpoint whose document
  // describes more than its data holds).
  MemoryBudget(uint64_t limit, std::string what, bnn_status status = BNN_STATUS_OUT_OF_MEMORY)
      : limit_(limit), what_(std::move(what)), status_(status), parent_(current()) {
    current() = this;
  }
  ~MemoryBudget() { current() = parent_; }
  MemoryBudget(const MemoryBudget&) = delete;
  MemoryBudget& operator=(const MemoryBudget&) = delete;

  uint64_t used() const { return used_; }

  // Charges `bytes` for `name` to every budget in scope; throws before anything is charged when
  // one of them would be exceeded.
  static void charge(uint64_t bytes, const std::string& name) {
    for (MemoryBudget* b = current(); b; b = b->parent_)
      if (bytes > b->limit_ || b->used_ > b->limit_ - bytes)
        fail(b->status_,
             name + ": allocating " + std::to_string(bytes) + " more bytes would exceed " +
                 b->what_ + " (" + std::to_string(b->limit_) + " bytes, " +
                 std::to_string(b->used_) + " already used)");
    for (MemoryBudget* b = current(); b; b = b->parent_) b->used_ += bytes;
  }

 private:
  static MemoryBudget*& current() {
    static thread_local MemoryBudget* c = nullptr;
    return c;
  }
  uint64_t limit_, used_ = 0;
  std::string what_;
  bnn_status status_;
  MemoryBudget* parent_;
};

}  // namespace bnn
