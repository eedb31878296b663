// Only in the standalone libbnn_infer (CMake target bnn_infer): the few general entry points a
// deployment needs without the training library. libbnn defines these in src/api/.
#include <string>

#include "bnn/bnn.h"
#include "core/guard.h"
#include "infer/infer_api.h"

namespace {
thread_local std::string t_last_error;
}

void bnn::infer::set_last_error(const std::string& message) { t_last_error = message; }

extern "C" {
const char* bnn_last_errmsg(void) { return t_last_error.c_str(); }
const char* bnn_status_string(bnn_status s) { return bnn::status_string(s); }
const char* bnn_version_string(void) { return BNN_VERSION_STRING; }
uint32_t bnn_version_number(void) { return bnn::version_number(); }
}
