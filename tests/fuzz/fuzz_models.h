// Small models that the configure and API-sequence targets (and the seed generator) start from:
// dense and conv, binary and full precision, several optimisers, both losses.
#pragma once
#include <cstddef>

namespace bnn_fuzz {

inline const char* const kSmallModels[] = {
    // binary MLP, Adam, fixed clip
    R"({"input_shape":[6],"layers":[
        {"type":"dense","units":5,"use_bias":false,
         "kernel_quantizer":{"type":"sign","ste":"clipped","clip":1.0}},
        {"type":"batch_norm","momentum":0.9,"epsilon":1e-4},
        {"type":"dense","units":3,"use_bias":false,
         "input_quantizer":{"type":"sign","ste":"clipped"},
         "kernel_quantizer":{"type":"sign","ste":"identity"}},
        {"type":"batch_norm"}],
       "loss":"square_hinge","optimizer":{"type":"adam","learning_rate":0.01},
       "weight_clip":{"mode":"fixed","value":1.0},"seed":3})",
    // full precision, momentum SGD, cross entropy, relu and hard_tanh
    R"({"input_shape":[4],"layers":[
        {"type":"dense","units":4},{"type":"relu"},{"type":"dense","units":4},
        {"type":"hard_tanh"},{"type":"dense","units":2}],
       "optimizer":{"type":"nesterov","learning_rate":0.1,"momentum":0.5},"seed":7})",
    // tiny binary conv net, Bop with an RMSProp fallback, glorot clip and lr scale
    R"({"input_shape":[4,4,1],"layers":[
        {"type":"conv2d","filters":2,"kernel_size":[3,3],"padding":"same","use_bias":false,
         "kernel_quantizer":{"type":"sign","ste":"clipped"}},
        {"type":"batch_norm"},{"type":"max_pool2d","pool_size":[2,2]},
        {"type":"conv2d","filters":2,"kernel_size":2,"padding":"valid","pad_value":1,
         "input_quantizer":{"type":"sign","ste":"approx_sign"},
         "kernel_quantizer":{"type":"sign","ste":"swish_sign","beta":5}},
        {"type":"flatten"},{"type":"dense","units":3}],
       "optimizer":{"type":"bop","threshold":1e-6,"gamma":1e-3,
                    "fallback":{"type":"rmsprop","learning_rate":0.01}},
       "weight_clip":{"mode":"glorot"},"lr_scale":"glorot","seed":11})",
    // average pooling, global average pooling, AdaDelta with weight decay, training recipe
    R"({"input_shape":[4,4,2],"layers":[
        {"type":"average_pool2d","pool_size":2,"strides":1,"padding":"same"},
        {"type":"conv2d","filters":3,"kernel_size":[1,2]},
        {"type":"global_average_pool2d"},{"type":"dense","units":2}],
       "optimizer":{"type":"adadelta","weight_decay":0.01},
       "training":{"epochs":2,"batch_size":4,"phases":[{"from_epoch":1,"learning_rate":0.5}]},
       "seed":5})",
};
constexpr size_t kSmallModelCount = sizeof kSmallModels / sizeof kSmallModels[0];

}  // namespace bnn_fuzz
