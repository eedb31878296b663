// flatten: any input shape -> [numel]. The data are already contiguous (HWC, batch-major), so
// forward and backward are copies; only the shape changes.
#include <algorithm>

#include "layers/layers.h"

namespace bnn {
namespace {

class Flatten : public Layer {
 public:
  explicit Flatten(LayerArgs& a) {
    a.doc.allow_only({"type"});
    in_ = a.input;
    out_.dims = {in_.numel()};
  }
  const char* type() const override { return "flatten"; }
  json to_json() const override { return {{"type", "flatten"}}; }

  void forward(const float* x, float* y, size_t batch, bool) override {
    std::copy(x, x + batch * in_.numel(), y);
  }
  void backward(const float*, const float*, const float* dy, float* dx, size_t batch) override {
    if (dx) std::copy(dy, dy + batch * in_.numel(), dx);
  }
};

}  // namespace

std::unique_ptr<Layer> make_flatten(LayerArgs& a) { return std::make_unique<Flatten>(a); }

}  // namespace bnn
