// Element-wise activations: relu and hard_tanh (clip to [-1, 1], the BinaryNet activation).
#include <algorithm>

#include "layers/layers.h"

namespace bnn {
namespace {

class Activation : public Layer {
 public:
  Activation(LayerArgs& a, bool hard_tanh) : hard_tanh_(hard_tanh) {
    a.doc.allow_only({"type"});
    in_ = out_ = a.input;
  }
  const char* type() const override { return hard_tanh_ ? "hard_tanh" : "relu"; }
  json to_json() const override { return {{"type", type()}}; }

  void forward(const float* x, float* y, size_t batch, bool) override {
    const size_t n = batch * in_.numel();
    if (hard_tanh_)
      for (size_t i = 0; i < n; ++i) y[i] = std::min(1.0f, std::max(-1.0f, x[i]));
    else
      for (size_t i = 0; i < n; ++i) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
  }
  void backward(const float* x, const float*, const float* dy, float* dx, size_t batch) override {
    if (!dx) return;
    const size_t n = batch * in_.numel();
    if (hard_tanh_)
      for (size_t i = 0; i < n; ++i) dx[i] = (x[i] >= -1.0f && x[i] <= 1.0f) ? dy[i] : 0.0f;
    else
      for (size_t i = 0; i < n; ++i) dx[i] = x[i] > 0.0f ? dy[i] : 0.0f;
  }

 private:
  bool hard_tanh_;
};

}  // namespace

std::unique_ptr<Layer> make_relu(LayerArgs& a) { return std::make_unique<Activation>(a, false); }
std::unique_ptr<Layer> make_hard_tanh(LayerArgs& a) {
  return std::make_unique<Activation>(a, true);
}

}  // namespace bnn
