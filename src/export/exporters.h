// Deployment files of a trained model (bnn_model_export): each writer builds the whole file in
// memory first, so an UNSUPPORTED model never leaves a partial file behind.
#pragma once
#include <cstdint>
#include <vector>

#include "core/model.h"

namespace bnn::exporters {
// "bnn-infer": bit-packed binary weights, batch norm folded into thresholds (src/infer/format.h).
std::vector<uint8_t> write_infer(const Model& m);
// "onnx": a plain ONNX graph (opset 13) that ONNX Runtime runs (docs/DEPLOY.md).
std::vector<uint8_t> write_onnx(const Model& m);
}  // namespace bnn::exporters
