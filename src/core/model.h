// The model: a chain of layers, a loss, an optimiser and the training recipe settings that
// bnn_model_configure() changes between steps. All public entry points end here.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/json_reader.h"
#include "core/standardize.h"
#include "layers/layer.h"
#include "optim/optimizer.h"
#include "train/loss.h"

namespace bnn {

struct WeightClip {
  bnn_weight_clip mode = BNN_WEIGHT_CLIP_NONE;
  float value = 1.0f;
  static WeightClip from_json(const JsonReader& r);
  json to_json() const;
};

// A validated partial recipe (bnn_model_configure, training phases). Applying it cannot fail.
struct RecipePatch {
  std::optional<json> kernel_ste, input_ste;
  std::optional<WeightClip> weight_clip;
  std::optional<float> learning_rate, batch_norm_momentum;
  std::optional<bnn_lr_scale> lr_scale;
  std::optional<OptimizerConfig> optimizer;
  std::optional<bool> quantize;
  // Keys allowed in a patch (and so in a training phase, together with "from_epoch").
  static const std::vector<const char*>& keys();
  static RecipePatch parse(const JsonReader& r, const std::vector<const char*>& extra_keys = {});
};

class Model {
 public:
  // Builds and initialises (seeded) a model from its document. Throws bnn::Error.
  static std::unique_ptr<Model> from_json(const json& doc);

  size_t input_size() const { return input_.numel(); }
  size_t output_size() const { return layers_.back()->output_shape().numel(); }
  json document() const;
  std::string summary() const;

  // One optimisation step; returns the mean loss. Throws and leaves the model unchanged on error.
  float train_step(const float* x, const int32_t* labels, size_t batch);

  // Exact micro-batched step (training.micro_batch, src/core/exact_step.cpp): `micro_count`
  // micro-batches of the global batch (`sizes` samples each, in order) of which this process
  // holds [first, first + count) (x, labels: their samples, consecutively). Each runs forward and
  // backward on its own (batch norm with its own statistics: "ghost batch norm"); gradients,
  // loss and batch statistics, weighted by their sample counts, are summed in fixed point on a
  // grid agreed by a max-reduction, so the result has the same bits however the micro-batches
  // are spread over processes. reduce null: one process. Returns the global batch's mean loss.
  struct ExactReduce {
    std::function<void(int64_t*, size_t)> sum;  // in place, over every process
    std::function<void(int64_t*, size_t)> max;
    // Optional: blocks of counts[r] values, one per process; this process's block gets the sum.
    std::function<void(int64_t*, const std::vector<size_t>&)> scatter;
    // The samples each process holds in this step (its micro-batches'), in rank order.
    std::vector<size_t> samples;
  };
  float train_step_exact(const float* x, const int32_t* labels, const std::vector<size_t>& sizes,
                         size_t first, size_t count, const ExactReduce* reduce);
  void predict(const float* x, size_t batch, float* logits);
  void evaluate(const float* x, const int32_t* labels, size_t n, float* loss, float* accuracy);
  void configure(const RecipePatch& p);

  // Read-only views for exporters and the trainer (the layer chain in document order, the input
  // standardisation the model applies itself).
  const std::vector<std::unique_ptr<Layer>>& layers() const { return layers_; }
  const Shape& input_shape() const { return input_; }
  const Standardize& standardize() const { return standardize_; }
  void set_standardize(const Standardize& s) { standardize_ = s; }
  LossType loss_type() const { return loss_; }
  bool quantized() const { return quantize_; }

  const json& metadata() const { return metadata_; }
  void set_metadata(json j) { metadata_ = std::move(j); }
  const json& training() const { return training_; }
  uint64_t seed() const { return seed_; }
  // A trainer's progress (train/trainer.h), carried by checkpoints so that a run resumes;
  // null when the model holds none.
  const json& trainer_state() const { return trainer_state_; }
  // Called inside train_step after the backward pass and before the update: the gradients of
  // every trainable tensor (tensors()[i]->grad) and the batch's mean loss may be replaced (e.g.
  // by an all-reduce over data-parallel ranks). Throwing aborts the step with the model
  // unchanged. Empty: none.
  // correct: the batch's count of correct predictions, summed alike.
  using GradientHook = std::function<void(Model&, double* loss, double* correct)>;
  void set_gradient_hook(GradientHook h) { gradient_hook_ = std::move(h); }

  // The partitioned update of data-parallel training (set by a trainer in a group of `size`
  // ranks; size 1: off). The update of a binarised kernel is element-wise and its forward and
  // backward passes read only its signs, so each rank updates just its own rows (owned_rows) of
  // every kernel that is partitioned this step (partitioned()), and the ranks exchange the new
  // signs of their rows: the update costs 1/size of the one-process pass, and only the owner's
  // rows of the latent weights and optimiser state are current (the others are "scattered").
  // The ranks agree (sum_i64) on the finiteness of the update before anyone commits, so a NaN
  // rolls back every rank. gather_partitioned() brings every rank's tensors up to date again
  // (collective); a step gathers a scattered kernel itself before it needs the latent weights
  // (a full-precision epoch, an STE other than identity or clipped). Both callbacks throw
  // bnn::Error; an exchange that failed leaves the model scattered, which save, export and
  // tensor reads then refuse (check_whole).
  struct Partition {
    int rank = 0, size = 1;
    std::function<void(int64_t*, size_t)> sum_i64;          // in place, over every rank
    std::function<void(void*, size_t, int)> broadcast;      // bytes from rank `root`
  };
  void set_partition(Partition p);
  // Synchronised batch norm for every layer (layers/layer.h); null: off.
  void set_batch_sync(const BatchSync* s) {
    for (auto& l : layers_) l->set_batch_sync(s);
  }
  // Kernel gradients by the exchange of factors (layers/layer.h); null: off. The model fills in
  // s->owned and s->collect (its partition, its stash) and the object must outlive its use.
  void set_factor_sync(FactorSync* s);
  bool partitioned(size_t tensor_index) const;
  // Nothing but the optimiser's update reads tensors_[k]'s latent weights (a binarised kernel
  // with the identity or clipped STE): its update may be split by rows (over ranks, or into
  // blocks staged as their gradients are computed).
  bool update_alone_reads(size_t tensor_index) const;
  // Rows [first, second) of tensor t that rank `rank` updates when t is partitioned.
  std::pair<size_t, size_t> owned_rows(const Tensor& t, int rank) const;
  void gather_partitioned();
  bool scattered() const;
  // Throws INVALID_STATE naming `what` when some rows live only on other ranks.
  void check_whole(const char* what) const;
  // The same, only for the scattered kernels a forward pass would read as latent weights.
  void check_forward_readable(const char* what) const;
  void set_trainer_state(json s) { trainer_state_ = std::move(s); }

  float flip_ratio() const;
  float layer_flip_ratio(size_t layer) const;
  uint64_t steps() const { return steps_; }
  float last_step_accuracy() const { return last_accuracy_; }

  // Every tensor (parameters and state) in document order.
  const std::vector<Tensor*>& tensors() const { return tensors_; }
  void set_tensor(size_t index, const float* values, size_t numel);

  void set_param(bnn_param p, double value);
  double get_param(bnn_param p) const;
  // The bounds set_param enforces now (the current optimiser's for its keys).
  void param_bounds(bnn_param p, double* lo, double* hi) const;

  // Checkpoints (core/model_checkpoint.cpp over io/checkpoint.h).
  std::vector<uint8_t> save_bytes() const;
  static std::unique_ptr<Model> load_bytes(const uint8_t* data, size_t size);

 private:
  Model() = default;
  void check_input(const float* x, size_t batch) const;
  void check_labels(const int32_t* labels, size_t batch) const;
  // max_memory: the bytes a step on `batch` samples needs (an estimate), and the check that
  // refuses with OUT_OF_MEMORY before allocating when it exceeds max_memory_ (0 = no cap).
  uint64_t memory_needed(size_t batch) const;
  void check_memory(size_t batch) const;
  // x, standardised into std_input_ when the model standardises its inputs.
  const float* prepared_input(const float* x, size_t batch);
  void forward(const float* x, size_t batch, bool training);
  // Forward (training mode), loss and backward on prepared inputs: parameter gradients in
  // t->grad, batch-norm statistics pending. Returns the batch's mean loss. Changes nothing
  // visible.
  double backward_pass(const float* x, const int32_t* labels, size_t batch);
  // A NaN or Inf that this step found in `what` (v: n values, may be null). Fails with
  // BNN_STATUS_NUMERIC, except inside a data-parallel plain step (train_step with a partition):
  // the other ranks are in the step's collectives and would wait for this one, so it zeroes v,
  // keeps the first message and carries on; apply_update's agreement then fails every rank alike.
  void numeric_failure(const std::string& what, float* v, size_t n);
  // The staged, all-or-nothing optimiser update from the gradients in t->grad, then the
  // layers' pending state; counts flips and the step.
  void apply_update();
  std::vector<Tensor*> trainable() const;
  // Weight clipping bound of a tensor after each update (infinity: none).
  float clip_bound(const Tensor& t) const;
  Optimizer& optimizer() const { return *optimizer_; }

  Shape input_;
  std::vector<std::unique_ptr<Layer>> layers_;
  std::vector<Tensor*> tensors_;
  LossType loss_ = LossType::cross_entropy;
  std::unique_ptr<Optimizer> optimizer_;
  WeightClip weight_clip_;
  bnn_lr_scale lr_scale_ = BNN_LR_SCALE_NONE;
  bool quantize_ = true;
  uint64_t seed_ = 1;
  Standardize standardize_;
  json training_;  // the recipe section, validated, kept for the CLI
  json metadata_;  // free-form, travels with the model
  json trainer_state_;
  GradientHook gradient_hook_;
  Partition partition_;
  std::vector<size_t> tensor_layer_;   // tensors_[i] belongs to layers_[tensor_layer_[i]]
  std::vector<char> scattered_;        // per tensors_ index: rows of other ranks are stale
  // Broadcasts rows [lo_r, hi_r) of v (rows x cols floats or words) from every rank r.
  template <class T>
  void exchange_rows(const Tensor& t, T* v, size_t width);
  // Makes tensors_[k] whole (latent weights and optimiser state) on every rank: collective.
  void gather_tensor(size_t k);
  // Before a step's forward pass: gathers the scattered kernels that this step does not partition.
  void prepare_partitioned_step();
  // The staged signs of every partitioned kernel: each rank's rows of all of them in one
  // broadcast from that rank.
  void exchange_staged_signs();
  std::vector<uint64_t> signs_buf_;
  float bn_momentum_ = -1.0f;  // set for every batch-norm layer at once (-1: never set so)
  uint64_t steps_ = 0;
  uint64_t max_memory_ = 0;
  float last_accuracy_ = 0.0f;
  std::vector<size_t> layer_flips_, layer_binary_;
  std::vector<std::vector<float>> acts_, grads_;
  std::vector<float> std_input_;
  std::vector<float> exact_contrib_;  // exact step: the micro-batches' contributions
  std::vector<int64_t> exact_acc_;    // exact step: the fixed-point sums
  // Exact step, data parallel: kernels whose gradients come from their factors (FactorSync with
  // collect): this rank's micro-batches' rows of x and dy per kernel, then every rank's.
  struct FactorStash {
    bool bits = false;
    size_t rows = 0;
    // The plain step: the layer's own buffers of its one backward pass (valid until the step's
    // gradients are computed). The exact step: copies of every micro-batch's rows.
    const void* x_ref = nullptr;
    const float* dy_ref = nullptr;
    std::vector<uint64_t> xbits;
    std::vector<float> x, dy;
    const void* x_data() const {
      return x_ref ? x_ref : bits ? static_cast<const void*>(xbits.data()) : x.data();
    }
    const float* dy_data() const { return dy_ref ? dy_ref : dy.data(); }
  };
  // Kernel gradients from their factors (core/model_factors.cpp).
  FactorSync exact_factors_;              // the exact step's
  FactorSync* factor_sync_ = nullptr;     // the plain step's (set_factor_sync)
  bool defer_numeric_ = false;            // numeric_failure: inside a data-parallel plain step
  std::string deferred_failure_;          // the first failure numeric_failure deferred
  std::vector<FactorStash> factor_stash_;  // per tensors_ index: this rank's rows
  std::vector<uint64_t> factor_buf_;
  std::vector<float> factor_gx_, factor_gdy_;  // every rank's rows, per kernel in turn
  // The global batch's x as bits (every rank's rows in rank order, pack_rows layout) for the
  // kernels whose gradient comes by lookup tables (BinaryKernel::signs_gradient).
  std::vector<uint64_t> factor_gbits_;
  // Where exchange_factors put kernel k's factors (per tensors_ index): dy in factor_gdy_, and x
  // either as floats in factor_gx_ (this rank's columns) or as bits in factor_gbits_ (the other
  // offset kNone).
  static constexpr size_t kNone = static_cast<size_t>(-1);
  struct FactorAt {
    size_t gx = kNone, gbits = kNone, gdy = kNone;
  };
  std::vector<FactorAt> factor_at_;
  std::vector<uint64_t> factor_xt_;  // x^T's bits: signs_gradient's scratch
  std::vector<float> exact_dcontrib_;
  // Fills in s.owned and s.collect (this model's partition and factor stash; copy: keep copies
  // of the factors, for several backward passes in one step).
  // whole: every kernel whose update_alone_reads(), all of its rows (one process: fused_factors_).
  void wire_factor_sync(FactorSync& s, bool copy, bool whole = false);
  // One process, plain step: the kernels whose gradients are computed in blocks of rows, each
  // staged by the optimiser right after (while in cache), instead of the whole gradient being
  // written out and read back by the update.
  FactorSync fused_factors_;
  bool fused_step_ = false;
  // A kernel gradient left to the update (one process: fused_factors_; data parallel: the plain
  // step's gradients from factors): alpha x^T dy over n samples, computed by stage_pending.
  struct PendingGrad {
    size_t n = 0;                       // samples; 0: nothing pending
    const float* x = nullptr;           // kernel row r is column r - col0, rows ldx apart
    size_t ldx = 0, col0 = 0;
    const float* dy = nullptr;          // n x cols
    float alpha = 1.0f;
    // x's n rows as sign bits (pack_rows layout) instead: the gradient by lookup tables
    // (BinaryKernel::signs_gradient; alpha 1, the ranks' weights are in dy).
    const uint64_t* xbits = nullptr;
  };
  std::vector<PendingGrad> pending_grad_;  // per tensors_ index
  std::vector<float> fused_grad_, fused_dy_;  // a block's gradient; dy packed (both grow only)
  // Stages the update of ps's rows of tensors_[k] from its pending gradient, computed in blocks
  // of rows, each staged right after (while in cache); false (and *bad_grad: whether the
  // gradient itself was not finite) when the update would not be finite.
  bool stage_pending(size_t k, const ParamSlot& ps, float clip, size_t* flips, bool* bad_grad);
  size_t tensor_index(const Tensor& t) const;  // tensors_.size() when not the model's
  void clear_factor_stash();
  // Kernels (tensors_ indices) whose factors this step collected.
  std::vector<size_t> collected_kernels() const;
  // One broadcast per rank (counts[r] samples each): every rank's stashed rows of x and dy for
  // the kernels in `kernels`, into factor_gx_ (per kernel in turn: the global batch's x on the
  // columns of this rank's kernel rows, as floats) or factor_gbits_ (the global batch's x as
  // bits, for the gradients by lookup tables) and factor_gdy_ (the global batch's dy).
  void exchange_factors(const std::vector<size_t>& kernels, const std::vector<size_t>& counts);
  // The plain step: exchanges the collected kernels' factors and leaves the global batch's
  // gradients on this rank's rows to the update (pending_grad_, stage_pending).
  void gradients_from_factors();
};



}  // namespace bnn
