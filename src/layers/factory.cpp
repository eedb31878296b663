#include "layers/layers.h"

namespace bnn {

std::unique_ptr<Layer> make_layer(LayerArgs& a) {
  const JsonReader& r = a.doc;
  r.expect_object();
  if (!r.has("type")) r.error(BNN_STATUS_INVALID_ARGUMENT, "type", "required key is missing");
  // One line per layer type; conv2d, pooling and flatten slot in here.
  static const struct {
    const char* name;
    std::unique_ptr<Layer> (*make)(LayerArgs&);
  } kTypes[] = {
      {"dense", make_dense},
      {"batch_norm", make_batch_norm},
      {"relu", make_relu},
      {"hard_tanh", make_hard_tanh},
      {"conv2d", make_conv2d},
      {"max_pool2d", make_max_pool2d},
      {"average_pool2d", make_average_pool2d},
      {"global_average_pool2d", make_global_average_pool2d},
      {"flatten", make_flatten},
  };
  const json& t = r.raw().at("type");
  if (!t.is_string()) r.error(BNN_STATUS_INVALID_ARGUMENT, "type", "expected a string");
  std::string known;
  for (const auto& k : kTypes) {
    if (t.get<std::string>() == k.name) return k.make(a);
    known += (known.empty() ? "" : ", ") + std::string("\"") + k.name + "\"";
  }
  r.error(BNN_STATUS_INVALID_ARGUMENT, "type",
          "unknown layer type \"" + t.get<std::string>() + "\" (expected one of " + known + ")");
}

}  // namespace bnn
