// Shared by the bnn_infer_* entry points (infer_api.cpp) and the two libraries that contain them:
// where a failure message goes when there is no handle yet. libbnn routes it to bnn_last_errmsg()
// (src/api/export_api.cpp); the standalone libbnn_infer has its own (standalone.cpp).
#pragma once
#include <string>

namespace bnn::infer {
void set_last_error(const std::string& message);
}
