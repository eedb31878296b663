// The "training" section of a model document as a schedule: epochs, batches, the learning rate
// of each epoch, and the patches (phases, two-stage pretraining) that start at each epoch.
// validate() is the one place that checks the section; from_json() reads a validated one.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "core/json_reader.h"

namespace bnn {

struct Recipe {
  int epochs = 20;
  int batch_size = 100;
  int eval_batch_size = 1000;
  int micro_batch = 0;  // > 0: gradients per micro-batch, summed exactly (scale-out)
  double validation_split = 0.1;
  int pretrain_full_precision_epochs = 0;
  long long checkpoint_every_steps = 0;  // the bnn tool's periodic checkpoint
  long long train_subset = 0;            // > 0: train on the first N samples only
  bool shuffle = true;
  json lr_schedule = {{"type", "constant"}};
  std::vector<std::pair<int, json>> phases;  // (from_epoch, patch without from_epoch), by epoch
  // Where the learning-rate schedule (re)starts: (epoch, initial rate). A phase that sets
  // "learning_rate", or switches "optimizer" (then its own or its type's default rate),
  // restarts it.
  std::vector<std::pair<int, double>> schedule_restarts;

  // Checks a "training" section (throws bnn::Error naming the path).
  static void validate(const JsonReader& r);
  // Reads a validated section (null: every default).
  static Recipe from_json(const json& training);

  // Learning rate of an epoch, given the optimiser's initial rate.
  double learning_rate(int epoch, double initial) const;
  // The configure patch to apply when `epoch` starts (null when nothing changes): the phases
  // that begin there, and the quantizer switch of two-stage training. Never "learning_rate":
  // the schedule sets every epoch's rate.
  json patch_for_epoch(int epoch) const;
  // Index of the last phase active at `epoch` (-1 before the first).
  int phase_at(int epoch) const;
};

}  // namespace bnn
