// Internal error type: thrown inside the core, caught at the C ABI and turned into a status
// plus message (no exception ever crosses the ABI).
#pragma once
#include <stdexcept>
#include <string>

#include "bnn/bnn.h"

namespace bnn {

class Error : public std::runtime_error {
 public:
  Error(bnn_status status, const std::string& message)
      : std::runtime_error(message), status_(status) {}
  bnn_status status() const { return status_; }

 private:
  bnn_status status_;
};

[[noreturn]] inline void fail(bnn_status status, const std::string& message) {
  throw Error(status, message);
}

}  // namespace bnn
