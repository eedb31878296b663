// `bnn train`: trains a model document on a dataset with its recipe, writing metrics.jsonl,
// best.bnn (best validation accuracy), last.bnn (also the resume checkpoint) and a report.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

#include "bnn/bnn.h"

namespace bnn::cli {

struct TrainOptions {
  std::string config_path;       // empty: the built-in default model
  std::string data_dir;          // empty: Fashion-MNIST from the Debian package
  std::string out_dir;           // empty: runs/<config name>-<time>
  std::string resume_dir;        // continue a run from its last checkpoint
  long long epochs = -1;         // override training.epochs
  long long seed = -1;           // override seed
  bool quiet = false;
  int threads = 0;
  long long max_steps = -1;      // stop (as if killed) after this many steps; for tests
  // Data-parallel group (mpirun): every rank trains its share of each batch; rank 0 alone writes
  // files and prints progress. NULL: one process.
  const bnn_communicator_v2* comm = nullptr;
};

// Returns the process exit code; prints errors to stderr.
int run_train(const TrainOptions& opt);

// The built-in default model document (examples/mlp_fashion_mnist.json).
const char* default_model_json();
std::string default_data_dir();

}  // namespace bnn::cli
