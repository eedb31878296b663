// The checkpoint format (checkpoint.cpp says it byte by byte) over a view of a model's state:
// io/ knows records and counters, not the Model class. core/model_checkpoint.cpp builds the view.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace bnn {

// A named float buffer: written from, or read into (its size is what the model expects).
struct CheckpointRecord {
  std::string name;
  std::vector<float>* values;
  bool non_negative = false;  // refuse negative stored values (running variances)
};

struct CheckpointState {
  std::string document;  // the model document (JSON text)
  uint64_t steps = 0, optimizer_steps = 0;
  std::vector<CheckpointRecord> tensors, optimizer_state;
  std::vector<uint64_t> flips;        // per layer
  std::vector<uint64_t> flip_limits;  // reading: per layer, the largest valid flip count
  std::string progress;               // a trainer's progress (JSON text), empty for none
};

std::vector<uint8_t> encode_checkpoint(const CheckpointState& s);
// Checks the magic, version and checksum; returns the stored document. Throws CORRUPT_DATA.
std::string checkpoint_document(const uint8_t* data, size_t size);
// Reads counters, records (checked against s's names and sizes), flips and progress into s.
void decode_checkpoint(const uint8_t* data, size_t size, CheckpointState& s);

}  // namespace bnn
