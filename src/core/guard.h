// The single place where exceptions become a status and a message (STYLE.md 6): every C entry
// point, of libbnn (api/handles.h) and of the standalone libbnn_infer (infer/infer_api.cpp),
// runs its body through run_guarded. Also the status and version strings both libraries export.
#pragma once
#include <cstdint>
#include <new>
#include <stdexcept>
#include <string>

#include "bnn/bnn.h"
#include "core/error.h"

namespace bnn {

// Runs f; on an exception returns its status and puts its message in msg (untouched on OK).
template <class F>
bnn_status run_guarded(F&& f, std::string& msg) {
  try {
    f();
    return BNN_STATUS_OK;
  } catch (const Error& e) {
    msg = e.what();
    return e.status();
  } catch (const std::bad_alloc&) {
    msg = "out of memory";
    return BNN_STATUS_OUT_OF_MEMORY;
  } catch (const std::length_error&) {
    msg = "out of memory (size too large)";
    return BNN_STATUS_OUT_OF_MEMORY;
  } catch (const std::exception& e) {
    msg = std::string("internal error: ") + e.what();
    return BNN_STATUS_INTERNAL;
  } catch (...) {
    msg = "internal error: unknown exception";
    return BNN_STATUS_INTERNAL;
  }
}

// bnn_status_string: the messages of the X-macro list in bnn_status.h.
inline const char* status_string(bnn_status s) {
  switch (s) {
#define BNN_STATUS_CASE_(name, value, msg) \
  case BNN_STATUS_##name:                  \
    return msg;
    BNN_STATUS_LIST(BNN_STATUS_CASE_)
#undef BNN_STATUS_CASE_
    default: return "unknown status";
  }
}

inline uint32_t version_number() {
  return BNN_VERSION_MAJOR * 10000u + BNN_VERSION_MINOR * 100u + BNN_VERSION_PATCH;
}

}  // namespace bnn
