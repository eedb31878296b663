// Constructors of the concrete layers (one file each), used by make_layer().
#pragma once
#include "layers/layer.h"

namespace bnn {
std::unique_ptr<Layer> make_dense(LayerArgs& a);
std::unique_ptr<Layer> make_batch_norm(LayerArgs& a);
std::unique_ptr<Layer> make_relu(LayerArgs& a);
std::unique_ptr<Layer> make_hard_tanh(LayerArgs& a);
}  // namespace bnn
