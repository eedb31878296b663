// Element-wise activations: relu and hard_tanh (clip to [-1, 1], the BinaryNet activation).
#include <algorithm>

#include "kernels/thread_pool.h"
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

  // Both passes on the kernel threads in fixed chunks, branch-free: every load is unconditional
  // so that the selects vectorise (a ReLU's mask is a coin flip for a branch predictor).
  void forward(const float* x, float* y, size_t batch, bool) override {
    const bool ht = hard_tanh_;
    kernels::parallel_chunks(batch * in_.numel(), [&](size_t b, size_t e) {
      if (ht)
        for (size_t i = b; i < e; ++i) y[i] = std::min(1.0f, std::max(-1.0f, x[i]));
      else
        for (size_t i = b; i < e; ++i) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
    });
  }
  void backward(const float* x, const float*, const float* dy, float* dx, size_t batch) override {
    if (!dx) return;
    const bool ht = hard_tanh_;
    kernels::parallel_chunks(batch * in_.numel(), [&](size_t b, size_t e) {
      for (size_t i = b; i < e; ++i) {
        const float v = x[i], g = dy[i];
        dx[i] = (ht ? (v >= -1.0f && v <= 1.0f) : v > 0.0f) ? g : 0.0f;
      }
    });
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
