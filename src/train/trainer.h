// The trainer (bnn_trainer): runs a model document's "training" recipe over datasets. Owns the
// epoch loop: shuffling from (seed, epoch), batching, the validation split, the learning-rate
// schedule, phases, full-precision pretraining then binarisation, per-epoch evaluation, best
// validation tracking, flip ratios, the metrics record, the step callback and cancellation, and
// the progress that a checkpoint carries so that a killed run resumes bit-exactly.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/json_reader.h"
#include "layers/layer.h"
#include "train/dataset.h"
#include "train/recipe.h"

namespace bnn {

class Model;

// Where a run stands; travels inside checkpoints (Model::trainer_state) as JSON.
struct TrainerProgress {
  int epoch = 0;
  size_t batch = 0;  // next batch index within the epoch
  double loss_sum = 0, correct = 0, flip_sum = 0;
  // Wall-clock time of the epoch's steps in this process and the samples they trained. Not
  // saved: a checkpoint holds only what training computed, so that a resumed run's files have
  // the uninterrupted run's bytes; a resumed epoch times only its steps after the resume.
  double seconds = 0;
  size_t samples_timed = 0;
  std::vector<double> layer_flip_sum;
  size_t samples = 0, steps = 0;
  double best_val = -1;
  int best_epoch = -1;
  double initial_lr = 0;
  uint64_t train_fingerprint = 0;
  json to_json() const;
  static TrainerProgress from_json(const json& j);  // throws CORRUPT_DATA
};

// Samples [first, first + count) of a shared dataset (no copy).
struct DataRange {
  std::shared_ptr<const Dataset> data;
  size_t first = 0, count = 0;
  bool empty() const { return count == 0; }
  const float* x() const { return data->sample(first); }
  const int32_t* labels() const { return data->labels() + first; }
};

class Trainer {
 public:
  // Step callback: (step, epoch, loss) -> non-zero to stop after this step.
  using StepCallback = std::function<int(int64_t, int32_t, float)>;

  // model is borrowed; the datasets are shared. validation null: the last validation_split of
  // train is held out. Resumes when the model carries trainer progress.
  Trainer(Model& model, std::shared_ptr<const Dataset> train, std::shared_ptr<const Dataset> validation,
          std::shared_ptr<const Dataset> test);

  // Runs the rest of the current epoch; returns its record. Throws bnn::Error; CANCELLED when
  // the callback asked to stop.
  const json& run_epoch();
  bool done() const { return prog_.epoch >= recipe_.epochs; }
  void set_step_callback(StepCallback cb) { callback_ = std::move(cb); }
  // The best binarised epoch's model as checkpoint bytes (empty before one).
  const std::vector<uint8_t>& best_bytes() const { return best_bytes_; }
  const TrainerProgress& progress() const { return prog_; }
  size_t steps_per_epoch() const;
  const Recipe& recipe() const { return recipe_; }
  json state() const;
  // The model's checkpoint bytes with the trainer's progress inside.
  std::vector<uint8_t> checkpoint_bytes() const;
  const DataRange& train_range() const { return train_; }
  const DataRange& validation_range() const { return val_; }
  const DataRange& test_range() const { return test_; }

  // Data-parallel training (bnn_trainer_set_communicator): this trainer is rank `rank` of `size`
  // trainers that hold the same model and data. Each step trains on this rank's contiguous share
  // [nb*rank/size, nb*(rank+1)/size) of the global batch of nb samples; the gradient hook sums
  // every trainable gradient and the loss, each weighted by share/nb, so that every rank has
  // the global batch's mean gradient; each rank updates its own rows of the binarised kernels
  // and the ranks exchange the new signs (Model::Partition); the correct counts are summed for
  // the metrics; after the step the non-trainable tensors (batch-norm running statistics) are
  // averaged over the ranks. The callbacks throw bnn::Error (a failed step leaves the model
  // unchanged).
  struct Group {
    int rank = 0, size = 1;
    std::function<void(double*, size_t)> sum_f64;
    std::function<void(float*, size_t)> sum_f32;
    std::function<void(int64_t*, size_t)> sum_i64, max_i64;
    std::function<void(void*, size_t, int)> broadcast;  // bytes from rank `root`
    // In place: blocks of counts[r] elements, one per rank; this rank's block gets the sum.
    std::function<void(float*, const std::vector<size_t>&)> reduce_scatter_f32;
    std::function<void(int64_t*, const std::vector<size_t>&)> reduce_scatter_i64;
  };
  // Before the first step; SHAPE_MISMATCH when a batch would leave a rank without samples.
  void set_group(Group g);
  const Group& group() const { return group_; }

 private:
  void evaluate(const DataRange& d, double* loss, double* accuracy);
  // Throws INTERNAL when the ranks' models differ (end of a data-parallel epoch; collective).
  void check_ranks_agree();
  json settings() const;
  Model& model_;
  DataRange train_, val_, test_;
  Recipe recipe_;
  TrainerProgress prog_;
  uint64_t seed_ = 1;
  StepCallback callback_;
  std::vector<uint8_t> best_bytes_;
  json record_, history_ = json::array();
  std::vector<float> xb_;
  std::vector<int32_t> yb_;
  std::vector<uint32_t> order_;
  int order_epoch_ = -1;
  Group group_;
  BatchSync bn_sync_;          // data parallel, plain mode: synchronised batch norm
  FactorSync factor_sync_;     // data parallel, plain mode: kernel gradients from their factors
  std::vector<float> small_;   // data parallel: the gradients summed in one all-reduce
  bool stepped_ = false;  // a step ran in this trainer (set_group comes before)
};

}  // namespace bnn
