// The "training" section of a model document as a schedule: epochs, batches, learning rate per
// epoch, and the patches (phases, two-stage pretraining) to apply at the start of each epoch.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace bnn::cli {

using json = nlohmann::json;

struct Recipe {
  int epochs = 20;
  int batch_size = 100;
  int eval_batch_size = 1000;
  double validation_split = 0.1;
  int pretrain_full_precision_epochs = 0;
  long long checkpoint_every_steps = 0;
  long long train_subset = 0;  // > 0: train on the first N samples only (validation unchanged)
  bool shuffle = true;
  std::string standardize = "none";
  json lr_schedule = {{"type", "constant"}};
  std::vector<std::pair<int, json>> phases;  // (from_epoch, patch without from_epoch)
  // Where the learning-rate schedule (re)starts: (epoch, initial rate). A phase that sets
  // "learning_rate", or switches "optimizer" (then its own or its type's default rate), restarts it.
  std::vector<std::pair<int, double>> schedule_restarts;

  // Reads doc["training"] (the library has validated it already); defaults where absent.
  static Recipe from_document(const json& doc);
  // Learning rate of an epoch, given the optimiser's initial rate. A phase that sets
  // "learning_rate" restarts the schedule from its epoch with that rate.
  double learning_rate(int epoch, double initial) const;
  // The bnn_model_configure patch to apply when `epoch` starts (null when nothing changes):
  // the phases that begin there, and the quantizer switch of two-stage training.
  json patch_for_epoch(int epoch) const;
  // Index of the last phase active at `epoch` (-1 before the first).
  int phase_at(int epoch) const;
};

}  // namespace bnn::cli
