// Constructors of the concrete layers (one file each), used by make_layer().
#pragma once
#include "layers/layer.h"

namespace bnn {
std::unique_ptr<Layer> make_dense(LayerArgs& a);
std::unique_ptr<Layer> make_batch_norm(LayerArgs& a);
std::unique_ptr<Layer> make_relu(LayerArgs& a);
std::unique_ptr<Layer> make_hard_tanh(LayerArgs& a);
std::unique_ptr<Layer> make_conv2d(LayerArgs& a);
std::unique_ptr<Layer> make_max_pool2d(LayerArgs& a);
std::unique_ptr<Layer> make_average_pool2d(LayerArgs& a);
std::unique_ptr<Layer> make_global_average_pool2d(LayerArgs& a);
std::unique_ptr<Layer> make_flatten(LayerArgs& a);
}  // namespace bnn
