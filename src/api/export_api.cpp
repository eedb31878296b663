// bnn_model_export*: deployment files (src/export/). The bnn_infer_* entry points live in
// src/infer/infer_api.cpp so that the standalone libbnn_infer has them too.
#include <cstring>
#include <string>

#include "api/handles.h"
#include "export/exporters.h"
#include "infer/infer_api.h"
#include "infer/kernels.h"
#include "kernels/kernels.h"
#include "io/file.h"

using bnn::api::on_model;

// In libbnn, failures of bnn_infer_load* before a handle exists go to bnn_last_errmsg().
void bnn::infer::set_last_error(const std::string& message) { bnn::api::t_last_error = message; }

namespace {

// bnn-infer's float-input products as bnn_model_predict computes them (src/infer/kernels.h says
// why): the library's GEMM for float weights; for sign weights the runtime's own sliced sums,
// which are the SIMD GEMMs' order, unless the scalar kernels are active (one running sum).
void library_sign_product(size_t M, size_t N, size_t K, const float* A, const uint64_t* B, float* C,
                          uint32_t* scratch) {
  if (std::strcmp(bnn::kernels::get_isa(), "scalar") == 0) {
    bnn::kernels::sgemm_signs(false, false, M, N, K, 1.0f, A, K, B, bnn::kernels::packed_words(N),
                              0.0f, C, N);
    return;
  }
  for (size_t i = 0; i < M; ++i) bnn::infer::sign_weights_product(A + i * K, K, B, N, C + i * N, scratch);
}
void library_float_product(size_t M, size_t N, size_t K, const float* A, const float* B, float* C) {
  bnn::kernels::sgemm(false, false, M, N, K, 1.0f, A, K, B, N, 0.0f, C, N);
}
const bool g_products_installed =
    (bnn::infer::set_products(library_sign_product, library_float_product), true);

std::vector<uint8_t> export_bytes(const bnn::Model& m, const char* format) {
  if (!format) bnn::fail(BNN_STATUS_INVALID_ARGUMENT, "format is NULL");
  m.check_whole("export");
  if (std::strcmp(format, "bnn-infer") == 0) return bnn::exporters::write_infer(m);
  if (std::strcmp(format, "onnx") == 0) return bnn::exporters::write_onnx(m);
  bnn::fail(BNN_STATUS_INVALID_ARGUMENT,
            std::string("unknown export format \"") + format + "\" (expected \"onnx\" or \"bnn-infer\")");
}

}  // namespace

extern "C" {

bnn_status bnn_model_export(const bnn_model* m, const char* format, const char* path) {
  return on_model(m, [&](bnn::Model& mm) {
    if (!path) bnn::fail(BNN_STATUS_INVALID_ARGUMENT, "path is NULL");
    // Built in memory first: an unsupported model fails before any file is touched.
    bnn::write_file_atomic(path, export_bytes(mm, format));
  });
}

bnn_status bnn_model_export_buffer(const bnn_model* m, const char* format, uint8_t* buf,
                                   size_t capacity, size_t* size_out) {
  return on_model(m, [&](bnn::Model& mm) {
    const std::vector<uint8_t> bytes = export_bytes(mm, format);
    bnn::api::copy_bytes(bytes, buf, capacity, size_out);
  });
}

}  // extern "C"
