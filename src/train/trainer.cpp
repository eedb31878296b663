#include "train/trainer.h"

#include <algorithm>
#include <cmath>
#include <chrono>
#include <cstdio>
#include <numeric>

#include "core/model.h"
#include "core/rng.h"

namespace bnn {
namespace {

using Clock = std::chrono::steady_clock;

// The permutation of training samples for an epoch: a function of (seed, epoch) only, so that a
// resumed run sees exactly the batches an uninterrupted one would.
void epoch_order(std::vector<uint32_t>& order, size_t n, uint64_t seed, int epoch, bool shuffle) {
  order.resize(n);
  std::iota(order.begin(), order.end(), 0u);
  if (!shuffle) return;
  Rng rng(seed * 0x9E3779B97F4A7C15ull + static_cast<uint64_t>(epoch) + 1);
  for (size_t i = n; i > 1; --i) std::swap(order[i - 1], order[rng.below(i)]);
}

void check_data(const Model& m, const DataRange& d, const char* what) {
  if (d.empty()) return;
  if (d.data->sample_size() != m.input_size())
    fail(BNN_STATUS_SHAPE_MISMATCH, std::string(what) + " has " +
                                        std::to_string(d.data->sample_size()) +
                                        " values per sample, the model expects " +
                                        std::to_string(m.input_size()));
  for (size_t i = 0; i < d.count; ++i)
    if (static_cast<size_t>(d.labels()[i]) >= m.output_size())
      fail(BNN_STATUS_OUT_OF_RANGE, std::string(what) + ": label " + std::to_string(d.labels()[i]) +
                                        " of sample " + std::to_string(d.first + i) +
                                        " is not below the model's " +
                                        std::to_string(m.output_size()) + " classes");
}

}  // namespace

json TrainerProgress::to_json() const {
  return {{"epoch", epoch},         {"batch", batch},
          {"loss_sum", loss_sum},   {"correct", correct},
          {"flip_sum", flip_sum},   {"layer_flip_sum", layer_flip_sum},
          {"samples", samples},
          {"steps", steps},         {"best_val", best_val},
          {"best_epoch", best_epoch}, {"initial_lr", initial_lr},
          {"train_fingerprint", train_fingerprint}};
}

TrainerProgress TrainerProgress::from_json(const json& j) {
  TrainerProgress p;
  try {
    p.epoch = j.at("epoch");
    p.batch = j.at("batch");
    p.loss_sum = j.at("loss_sum");
    p.correct = j.at("correct");
    p.flip_sum = j.at("flip_sum");
    p.layer_flip_sum = j.at("layer_flip_sum").get<std::vector<double>>();
    p.samples = j.at("samples");
    p.steps = j.at("steps");
    p.best_val = j.at("best_val");
    p.best_epoch = j.at("best_epoch");
    p.initial_lr = j.at("initial_lr");
    p.train_fingerprint = j.at("train_fingerprint");
  } catch (const std::exception& e) {
    fail(BNN_STATUS_CORRUPT_DATA, std::string("the stored trainer progress is invalid: ") + e.what());
  }
  if (p.epoch < 0) fail(BNN_STATUS_CORRUPT_DATA, "the stored trainer progress is invalid: epoch < 0");
  return p;
}

Trainer::Trainer(Model& model, std::shared_ptr<const Dataset> train,
                 std::shared_ptr<const Dataset> validation, std::shared_ptr<const Dataset> test)
    : model_(model) {
  if (!train) fail(BNN_STATUS_INVALID_ARGUMENT, "train is NULL");
  recipe_ = Recipe::from_json(model.training());
  seed_ = model.seed();
  const size_t n = train->count();
  if (validation) {
    train_ = {train, 0, n};
    val_ = {validation, 0, validation->count()};
  } else {
    const size_t n_val = static_cast<size_t>(static_cast<double>(n) * recipe_.validation_split);
    if (n_val >= n)
      fail(BNN_STATUS_OUT_OF_RANGE, "training.validation_split " +
                                        std::to_string(recipe_.validation_split) + " of " +
                                        std::to_string(n) + " samples leaves no training sample");
    train_ = {train, 0, n - n_val};
    val_ = {train, n - n_val, n_val};
  }
  if (recipe_.train_subset > 0)
    train_.count = std::min(train_.count, static_cast<size_t>(recipe_.train_subset));
  if (test) test_ = {test, 0, test->count()};
  check_data(model, train_, "the training set");
  check_data(model, val_, "the validation set");
  check_data(model, test_, "the test set");

  const uint64_t fp = train->fingerprint();
  if (!model.trainer_state().is_null()) {
    prog_ = TrainerProgress::from_json(model.trainer_state());
    if (prog_.train_fingerprint != fp)
      fail(BNN_STATUS_INVALID_ARGUMENT,
           "the model was saved by a trainer on other training data (its fingerprint " +
               std::to_string(prog_.train_fingerprint) + ", this data's " + std::to_string(fp) +
               "): resume with the same data");
    if (prog_.layer_flip_sum.size() != model.layers().size())
      fail(BNN_STATUS_CORRUPT_DATA, "the stored trainer progress does not match the model's layers");
    if (prog_.batch > steps_per_epoch())
      fail(BNN_STATUS_CORRUPT_DATA, "the stored trainer progress is past the end of its epoch");
  } else {
    prog_.initial_lr = model.get_param(BNN_PARAM_LEARNING_RATE);
    prog_.train_fingerprint = fp;
    prog_.layer_flip_sum.assign(model.layers().size(), 0.0);
  }
  // "global" standardisation learns its two numbers from the training samples (never the
  // validation or test samples) the first time a trainer sees the model.
  Standardize st = model.standardize();
  if (st.mode == Standardize::Mode::global && !st.has_stats) {
    st.fit(train_.x(), train_.count, train->sample_size());
    model.set_standardize(st);
  }
  // The progress is consumed: a model saved later on its own must not resume at this point.
  model.set_trainer_state(json());
}

void Trainer::set_group(Group g) {
  if (g.size < 1 || g.rank < 0 || g.rank >= g.size)
    fail(BNN_STATUS_INVALID_ARGUMENT, "rank " + std::to_string(g.rank) + " of " + std::to_string(g.size));
  if (stepped_)
    fail(BNN_STATUS_INVALID_STATE, "the trainer has already taken steps: join a group before the first");
  const size_t n = static_cast<size_t>(g.size), bs = static_cast<size_t>(recipe_.batch_size);
  const size_t last = train_.count % bs, micro = static_cast<size_t>(recipe_.micro_batch);
  if (micro > 0) {
    // Exact mode: every rank needs at least one micro-batch of every batch (the last included).
    for (size_t b : {bs, last}) {
      const size_t k = (b + micro - 1) / micro;
      if (b != 0 && k < n)
        fail(BNN_STATUS_SHAPE_MISMATCH,
             "a batch of " + std::to_string(b) + " samples makes " + std::to_string(k) +
                 " micro-batches of training.micro_batch " + std::to_string(micro) + ", fewer than the " +
                 std::to_string(n) + " ranks: use fewer ranks or a smaller micro_batch");
    }
    if (g.size > 1 && (!g.sum_i64 || !g.max_i64 || !g.broadcast))
      fail(BNN_STATUS_INVALID_ARGUMENT, "a data-parallel group needs its integer sums and broadcast");
    group_ = std::move(g);
    return;
  }
  if (bs % n != 0)
    fail(BNN_STATUS_SHAPE_MISMATCH, "training.batch_size " + std::to_string(bs) +
                                        " does not divide over " + std::to_string(n) +
                                        " ranks: choose a batch size that is a multiple of the rank count");
  if (last != 0 && last < n)
    fail(BNN_STATUS_SHAPE_MISMATCH, "the last batch of an epoch holds " + std::to_string(last) +
                                        " training samples, fewer than the " + std::to_string(n) +
                                        " ranks: change the batch size or the training set");
  if (g.size > 1 && (!g.sum_f64 || !g.sum_f32 || !g.sum_i64 || !g.max_i64 || !g.broadcast))
    fail(BNN_STATUS_INVALID_ARGUMENT, "a data-parallel group needs its sums and broadcast");
  group_ = std::move(g);
}

size_t Trainer::steps_per_epoch() const {
  const size_t bs = static_cast<size_t>(recipe_.batch_size);
  return (train_.count + bs - 1) / bs;
}

void Trainer::evaluate(const DataRange& d, double* loss, double* accuracy) {
  // In chunks of training.eval_batch_size: bounds the activation memory of evaluation.
  const size_t chunk = static_cast<size_t>(recipe_.eval_batch_size);
  double l = 0, correct = 0;
  for (size_t b0 = 0; b0 < d.count; b0 += chunk) {
    const size_t nb = std::min(chunk, d.count - b0);
    float bl = 0, ba = 0;
    model_.evaluate(d.x() + b0 * d.data->sample_size(), d.labels() + b0, nb, &bl, &ba);
    l += static_cast<double>(bl) * nb;
    correct += static_cast<double>(ba) * nb;
  }
  *loss = l / static_cast<double>(d.count);
  *accuracy = correct / static_cast<double>(d.count);
}

json Trainer::settings() const {
  // The recipe settings in force, logged with every epoch so that the records show phase
  // switches: optimiser, kernel STE, weight clipping, batch-norm momentum.
  const json doc = model_.document();
  json a = json::object();
  a["optimizer"] = doc.at("optimizer").value("type", std::string());
  const json& wc = doc.at("weight_clip");
  const std::string mode = wc.value("mode", std::string("none"));
  a["weight_clip"] = mode == "fixed" ? "fixed " + json(wc.value("value", 1.0)).dump() : mode;
  a["kernel_ste"] = nullptr;
  a["batch_norm_momentum"] = nullptr;
  for (const json& l : doc.at("layers")) {
    if (a["kernel_ste"].is_null() && l.contains("kernel_quantizer") && l["kernel_quantizer"].is_object()) {
      const json& q = l["kernel_quantizer"];
      const std::string ste = q.value("ste", std::string());
      a["kernel_ste"] = ste == "clipped" ? "clipped " + json(q.value("clip", 1.0)).dump() : ste;
    }
    if (a["batch_norm_momentum"].is_null() && l.value("type", std::string()) == "batch_norm") {
      char b[32];  // the float as written in the document, not its double expansion
      std::snprintf(b, sizeof b, "%.6g", l.value("momentum", 0.0));
      a["batch_norm_momentum"] = std::stod(b);
    }
  }
  return a;
}

const json& Trainer::run_epoch() {
  if (done())
    fail(BNN_STATUS_INVALID_STATE, "every epoch (" + std::to_string(recipe_.epochs) +
                                       ") has run; the trainer is done");
  const int e = prog_.epoch;
  const size_t layers = model_.layers().size();
  if (prog_.batch == 0) {
    const json patch = recipe_.patch_for_epoch(e);
    if (!patch.is_null()) model_.configure(RecipePatch::parse(JsonReader(patch, "training.phases")));
    prog_.loss_sum = prog_.correct = prog_.flip_sum = prog_.seconds = 0;
    prog_.samples_timed = 0;
    prog_.layer_flip_sum.assign(layers, 0.0);
    prog_.samples = 0;
  }
  const double lr = recipe_.learning_rate(e, prog_.initial_lr);
  model_.set_param(BNN_PARAM_LEARNING_RATE, static_cast<float>(lr));
  if (order_epoch_ != e) {
    epoch_order(order_, train_.count, seed_, e, recipe_.shuffle);
    order_epoch_ = e;
  }
  const size_t bs = static_cast<size_t>(recipe_.batch_size);
  const size_t dim = train_.data->sample_size();
  const size_t batches = steps_per_epoch();
  xb_.resize(bs * dim);
  yb_.resize(bs);
  // Data parallel: the hook turns this rank's gradients and loss (means over its share) into the
  // global batch's means; it lives only while this function runs (the model is borrowed).
  const bool parallel = group_.size > 1;
  // training.micro_batch: the exact step (core/exact_step.cpp) reduces by itself.
  const size_t micro = static_cast<size_t>(recipe_.micro_batch);
  const bool exact = micro > 0;
  Model::ExactReduce exact_reduce;
  if (exact && parallel) {
    exact_reduce.sum = group_.sum_i64;
    exact_reduce.max = group_.max_i64;
    exact_reduce.scatter = group_.reduce_scatter_i64;
  }
  std::vector<size_t> sizes;
  size_t share = 0, global = 0;
  // Data parallel: every rank updates only its rows of the binarised kernels (core/model.h,
  // Model::Partition), in both modes; the kernels are whole again when run_epoch returns, and
  // after a CANCELLED or NUMERIC failure, which every rank reaches at the same step. After any
  // other failure (a broken exchange) the model stays scattered and refuses to be saved.
  struct PartitionReset {
    Model& m;
    bool on;
    ~PartitionReset() {
      if (!on) return;
      m.set_gradient_hook(nullptr);
      m.set_partition({});
      m.set_batch_sync(nullptr);
      m.set_factor_sync(nullptr);
    }
  } partition_reset{model_, parallel};
  if (parallel) {
    Model::Partition part;
    part.rank = group_.rank;
    part.size = group_.size;
    part.sum_i64 = group_.sum_i64;
    part.broadcast = group_.broadcast;
    model_.set_partition(std::move(part));
    // Plain mode: batch norm normalises with the global batch's statistics (the exact mode's
    // micro-batches each use their own, by definition).
    if (!exact) {
      bn_sync_.sum = group_.sum_f64;
      model_.set_batch_sync(&bn_sync_);
      // The binarised dense kernels' gradients: the global batch's, from the exchanged rows of
      // their inputs and output gradients, where that carries fewer bytes than reducing them.
      model_.set_factor_sync(&factor_sync_);
    }
  }
  if (parallel && !exact)
    model_.set_gradient_hook([this, &share, &global](Model& m, double* loss, double* correct) {
      // Each rank's gradients are means over its share: the global mean weights them by
      // share / global. With equal shares that is a sum then a division by the rank count (exact
      // for 2, 4, ... ranks), applied only to the rows this rank updates.
      const bool equal = share * static_cast<size_t>(group_.size) == global;
      const float w = static_cast<float>(static_cast<double>(share) / static_cast<double>(global));
      const float inv = 1.0f / static_cast<float>(group_.size);
      std::vector<size_t> counts;
      // The other gradients (batch-norm parameters, full-precision kernels: small in a binary
      // network) are packed behind each other and summed in one all-reduce.
      small_.clear();
      for (size_t k = 0; k < m.tensors().size(); ++k) {
        Tensor* t = m.tensors()[k];
        if (!t->trainable) continue;
        if (m.partitioned(k) && t->grad_global) continue;  // already the global batch's
        if (!equal)
          for (float& g : t->grad) g *= w;
        if (!m.partitioned(k)) {
          small_.insert(small_.end(), t->grad.begin(), t->grad.end());
          continue;
        }
        // Only this rank's rows are updated here: a reduce-scatter by rows.
        counts.resize(static_cast<size_t>(group_.size));
        for (int r = 0; r < group_.size; ++r) {
          const auto rows = m.owned_rows(*t, r);
          counts[static_cast<size_t>(r)] = (rows.second - rows.first) * t->cols();
        }
        group_.reduce_scatter_f32(t->grad.data(), counts);
        if (!equal) continue;
        const auto [lo, hi] = m.owned_rows(*t, group_.rank);
        float* g = t->grad.data();
        for (size_t i = lo * t->cols(); i < hi * t->cols(); ++i) g[i] *= inv;
      }
      if (!small_.empty()) group_.sum_f32(small_.data(), small_.size());
      size_t at = 0;
      for (size_t k = 0; k < m.tensors().size(); ++k) {
        Tensor* t = m.tensors()[k];
        if (!t->trainable || m.partitioned(k)) continue;
        for (float& g : t->grad) g = equal ? small_[at++] * inv : small_[at++];
      }
      // The loss (the global batch's mean) and the correct count (summed) in one all-reduce; the
      // count is scaled so that the model's last accuracy is the global batch's.
      double v[2] = {*loss * static_cast<double>(share) / static_cast<double>(global), *correct};
      group_.sum_f64(v, 2);
      *loss = v[0];
      *correct = v[1] * static_cast<double>(share) / static_cast<double>(global);
    });
  try {
    for (; prog_.batch < batches;) {
      const auto t0 = Clock::now();
      const size_t b0 = prog_.batch * bs, nb = std::min(bs, train_.count - b0);
      // This rank's contiguous share of the global batch (all of it in one process). Exact mode:
      // micro-batches of `micro` samples (the last may be shorter); this rank takes the
      // contiguous run [k*rank/size, k*(rank+1)/size) of the k micro-batches.
      size_t lo = nb * static_cast<size_t>(group_.rank) / static_cast<size_t>(group_.size);
      size_t hi = nb * static_cast<size_t>(group_.rank + 1) / static_cast<size_t>(group_.size);
      size_t mfirst = 0, mcount = 0;
      if (exact) {
        const size_t k = (nb + micro - 1) / micro;
        sizes.assign(k, micro);
        sizes.back() = nb - (k - 1) * micro;
        // Rank r's samples: [min(nb, first_r * micro), min(nb, end_r * micro)).
        auto bound = [&](size_t r) { return std::min(nb, k * r / static_cast<size_t>(group_.size) * micro); };
        mfirst = k * static_cast<size_t>(group_.rank) / static_cast<size_t>(group_.size);
        mcount = k * static_cast<size_t>(group_.rank + 1) / static_cast<size_t>(group_.size) - mfirst;
        lo = bound(static_cast<size_t>(group_.rank));
        hi = bound(static_cast<size_t>(group_.rank) + 1);
        exact_reduce.samples.resize(static_cast<size_t>(group_.size));
        for (size_t r = 0; r < exact_reduce.samples.size(); ++r) exact_reduce.samples[r] = bound(r + 1) - bound(r);
      }
      for (size_t i = lo; i < hi; ++i) {
        const uint32_t s = order_[b0 + i];
        std::copy_n(train_.x() + size_t{s} * dim, dim, &xb_[(i - lo) * dim]);
        yb_[i - lo] = train_.labels()[s];
      }
      share = hi - lo;
      global = nb;
      bn_sync_.weight = static_cast<double>(share) / static_cast<double>(global);
      factor_sync_.shares.resize(static_cast<size_t>(group_.size));
      for (size_t r = 0; r < factor_sync_.shares.size(); ++r)
        factor_sync_.shares[r] = nb * (r + 1) / factor_sync_.shares.size() - nb * r / factor_sync_.shares.size();
      stepped_ = true;
      const float loss = exact ? model_.train_step_exact(xb_.data(), yb_.data(), sizes, mfirst, mcount,
                                                         parallel ? &exact_reduce : nullptr)
                               : model_.train_step(xb_.data(), yb_.data(), share);
      // The loss and accuracy are the global batch's (data parallel: summed by the gradient hook,
      // or by the exact step); batch norm's running statistics moved with the global batch's
      // statistics, the same on every rank.
      const double correct = std::round(static_cast<double>(model_.last_step_accuracy()) * nb);
      prog_.loss_sum += static_cast<double>(loss) * nb;
      prog_.correct += correct;
      prog_.flip_sum += model_.flip_ratio();
      for (size_t l = 0; l < layers; ++l) prog_.layer_flip_sum[l] += model_.layer_flip_ratio(l);
      prog_.samples += nb;
      prog_.steps += 1;
      prog_.batch += 1;
      prog_.seconds += std::chrono::duration<double>(Clock::now() - t0).count();
      prog_.samples_timed += nb;
      int64_t stop = callback_ && callback_(static_cast<int64_t>(model_.steps()), e, loss) != 0;
      const bool mine = stop != 0;
      // In a group every rank stops at the same step, whichever callback asked.
      if (parallel) group_.sum_i64(&stop, 1);
      if (stop != 0)
        fail(BNN_STATUS_CANCELLED, std::string(mine ? "the step callback" : "the step callback of another rank") +
                                       " asked to stop (epoch " + std::to_string(e) + ", batch " +
                                       std::to_string(prog_.batch) + " of " + std::to_string(batches) +
                                       "); run_epoch continues from there");
    }
  } catch (const Error& e) {
    // Every rank fails these at the same step: gather, so that the model can be saved.
    if (parallel && (e.status() == BNN_STATUS_CANCELLED || e.status() == BNN_STATUS_NUMERIC))
      model_.gather_partitioned();
    throw;
  }
  if (parallel) {
    model_.gather_partitioned();
    check_ranks_agree();
  }
  double val_loss = 0, val_acc = 0, test_loss = 0, test_acc = 0;
  if (!val_.empty()) evaluate(val_, &val_loss, &val_acc);
  if (!test_.empty()) evaluate(test_, &test_loss, &test_acc);
  const bool quantized = model_.quantized();
  const double train_acc = prog_.correct / static_cast<double>(std::max<size_t>(prog_.samples, 1));
  const double score = !val_.empty() ? val_acc : !test_.empty() ? test_acc : train_acc;
  // Only binarised epochs compete for the best model: a full-precision (pretraining) epoch is
  // not the model one deploys.
  const bool is_best = quantized && score > prog_.best_val;
  const json s = settings();
  const double steps = static_cast<double>(std::max<size_t>(prog_.steps, 1));
  json rec = {{"epoch", e},
              {"phase", recipe_.phase_at(e)},
              {"optimizer", s.at("optimizer")},
              {"kernel_ste", s.at("kernel_ste")},
              {"weight_clip", s.at("weight_clip")},
              {"batch_norm_momentum", s.at("batch_norm_momentum")},
              {"lr", lr},
              {"quantized", quantized},
              {"train_loss", prog_.loss_sum / static_cast<double>(std::max<size_t>(prog_.samples, 1))},
              {"train_accuracy", train_acc},
              {"val_loss", val_.empty() ? json() : json(val_loss)},
              {"val_accuracy", val_.empty() ? json() : json(val_acc)},
              {"test_loss", test_.empty() ? json() : json(test_loss)},
              {"test_accuracy", test_.empty() ? json() : json(test_acc)},
              {"flip_ratio", prog_.flip_sum / steps},
              {"seconds", prog_.seconds},
              {"samples_per_second", prog_.samples_timed / std::max(prog_.seconds, 1e-9)},
              {"steps", model_.steps()},
              {"best", is_best}};
  json lf = json::array();
  for (double f : prog_.layer_flip_sum) lf.push_back(f / steps);
  rec["layer_flip_ratio"] = lf;
  // The epoch is complete: move to the next one before taking snapshots, so that a checkpoint
  // of the best model resumes at the next epoch like last.bnn does.
  prog_.epoch = e + 1;
  prog_.batch = 0;
  prog_.steps = 0;
  if (is_best) {
    prog_.best_val = score;
    prog_.best_epoch = e;
    best_bytes_ = checkpoint_bytes();
  }
  record_ = std::move(rec);
  history_.push_back(record_);
  return record_;
}

void Trainer::check_ranks_agree() {
  // Every rank must end the epoch with the same model: a hash of every tensor's bits, compared
  // with a max-reduction of h and -h. A communicator whose float sums differ between ranks would
  // make them part ways silently; this says so instead.
  uint64_t h = 1469598103934665603ull;
  for (const Tensor* t : model_.tensors()) {
    const auto* w = reinterpret_cast<const uint32_t*>(t->value.data());
    for (size_t i = 0; i < t->value.size(); ++i) h = (h ^ w[i]) * 1099511628211ull;
  }
  const int64_t mine = static_cast<int64_t>(h >> 2);
  int64_t v[2] = {mine, -mine};
  group_.max_i64(v, 2);
  if (v[0] != mine || -v[1] != mine)
    fail(BNN_STATUS_INTERNAL, "the ranks of the data-parallel group hold different models at the end of epoch " +
                                  std::to_string(prog_.epoch) + ": the communicator's float sums must give "
                                  "every rank the same bits");
}

json Trainer::state() const {
  json s = prog_.to_json();
  s["epochs"] = recipe_.epochs;
  s["steps_per_epoch"] = steps_per_epoch();
  s["done"] = done();
  s["train_samples"] = train_.count;
  s["validation_samples"] = val_.count;
  s["test_samples"] = test_.count;
  s["history"] = history_;
  return s;
}

std::vector<uint8_t> Trainer::checkpoint_bytes() const {
  // The model carries the progress only inside the bytes: the live model stays as it is.
  json saved = model_.trainer_state();
  Model& m = const_cast<Model&>(model_);
  m.set_trainer_state(prog_.to_json());
  std::vector<uint8_t> bytes;
  try {
    bytes = m.save_bytes();
  } catch (...) {
    m.set_trainer_state(saved);
    throw;
  }
  m.set_trainer_state(saved);
  return bytes;
}

}  // namespace bnn
