// Losses on logits: softmax cross-entropy and the squared hinge of BinaryConnect/BinaryNet
// (targets +1 for the true class, -1 otherwise; mean over batch and classes).
#pragma once
#include <cstddef>
#include <cstdint>

namespace bnn {

enum class LossType { cross_entropy, square_hinge };

// Mean loss over the batch; when grad is non-null writes dLoss/dlogits (batch x classes).
double compute_loss(LossType type, const float* logits, const int32_t* labels, size_t batch,
                    size_t classes, float* grad);
// Number of samples whose arg-max logit equals the label (first maximum wins).
size_t count_correct(const float* logits, const int32_t* labels, size_t batch, size_t classes);

}  // namespace bnn
