// Model <-> checkpoint bytes: the model's state as the view io/checkpoint.h encodes, and a model
// rebuilt from its stored document with every record checked against it.
#include "core/memory_budget.h"
#include "core/model.h"
#include "io/checkpoint.h"

namespace bnn {

std::vector<uint8_t> Model::save_bytes() const {
  check_whole("saving");
  CheckpointState s;
  s.document = document().dump();
  s.steps = steps_;
  s.optimizer_steps = optimizer_->steps();
  for (Tensor* t : tensors_) s.tensors.push_back({t->name, &t->value});
  for (const auto& b : optimizer_->state_buffers(trainable())) s.optimizer_state.push_back({b.name, b.data});
  for (size_t f : layer_flips_) s.flips.push_back(f);
  if (!trainer_state_.is_null()) s.progress = trainer_state_.dump();
  return encode_checkpoint(s);
}

std::unique_ptr<Model> Model::load_bytes(const uint8_t* data, size_t size) {
  const std::string doc_text = checkpoint_document(data, size);
  json doc;
  try {
    doc = json::parse(doc_text);
  } catch (const std::exception& e) {
    fail(BNN_STATUS_CORRUPT_DATA, std::string("stored model document is not valid JSON: ") + e.what());
  }
  std::unique_ptr<Model> m;
  // Every stored value takes 4 bytes of the data, so the document may not describe more
  // parameters (with their gradients) than the data can hold: a forged document that describes
  // a huge model fails before allocating it.
  MemoryBudget budget(2 * uint64_t{size} + 4096,
                      "what a checkpoint of " + std::to_string(size) + " bytes can hold",
                      BNN_STATUS_CORRUPT_DATA);
  try {
    m = from_json(doc);
  } catch (const Error& e) {
    if (e.status() == BNN_STATUS_OUT_OF_MEMORY) throw;
    fail(BNN_STATUS_CORRUPT_DATA, std::string("stored model document is invalid: ") + e.what());
  }
  CheckpointState s;
  for (Tensor* t : m->tensors_) s.tensors.push_back({t->name, &t->value, t->non_negative});
  for (const auto& b : m->optimizer_->state_buffers(m->trainable()))
    s.optimizer_state.push_back({b.name, b.data});
  for (size_t b : m->layer_binary_) s.flip_limits.push_back(b);
  decode_checkpoint(data, size, s);
  m->steps_ = s.steps;
  m->optimizer_->set_steps(s.optimizer_steps);
  for (size_t i = 0; i < s.flips.size(); ++i) m->layer_flips_[i] = static_cast<size_t>(s.flips[i]);
  if (!s.progress.empty()) {
    try {
      m->trainer_state_ = json::parse(s.progress);
    } catch (const std::exception& e) {
      fail(BNN_STATUS_CORRUPT_DATA, std::string("stored trainer progress is not valid JSON: ") + e.what());
    }
    if (!m->trainer_state_.is_object())
      fail(BNN_STATUS_CORRUPT_DATA, "stored trainer progress is not a JSON object");
  }
  return m;
}

}  // namespace bnn
