#include "core/model.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>

#include "core/memory_budget.h"
#include "core/param_table.h"
#include "core/rng.h"
#include "train/recipe.h"

namespace bnn {
namespace {

const char* weight_clip_name(bnn_weight_clip m) {
  return m == BNN_WEIGHT_CLIP_FIXED ? "fixed" : m == BNN_WEIGHT_CLIP_GLOROT ? "glorot" : "none";
}

bool all_finite(const float* v, size_t n) {
  // An integer OR over "exponent all ones" (NaN or Inf): no early exit and no float reduction,
  // so that it vectorises.
  uint32_t bad = 0;
  for (size_t i = 0; i < n; ++i) {
    uint32_t bits;
    std::memcpy(&bits, &v[i], sizeof bits);
    bad |= static_cast<uint32_t>((bits & 0x7F800000u) == 0x7F800000u);
  }
  return bad == 0;
}

std::string layer_label(size_t i, const Layer& l) {
  return "layers[" + std::to_string(i) + "] (" + l.type() + ")";
}

}  // namespace

WeightClip WeightClip::from_json(const JsonReader& r) {
  r.allow_only({"mode", "value"});
  WeightClip w;
  w.mode = static_cast<bnn_weight_clip>(r.choice("mode", {"none", "fixed", "glorot"}, 0));
  w.value = static_cast<float>(r.number("value", 1.0, param_lo(BNN_PARAM_WEIGHT_CLIP_VALUE),
                                             param_hi(BNN_PARAM_WEIGHT_CLIP_VALUE)));
  return w;
}

json WeightClip::to_json() const { return {{"mode", weight_clip_name(mode)}, {"value", value}}; }

const std::vector<const char*>& RecipePatch::keys() {
  static const std::vector<const char*> k = {
      "kernel_ste", "input_ste", "weight_clip", "learning_rate", "batch_norm_momentum",
      "lr_scale", "optimizer", "quantize"};
  return k;
}

RecipePatch RecipePatch::parse(const JsonReader& r, const std::vector<const char*>& extra) {
  r.expect_object();
  for (auto it = r.raw().begin(); it != r.raw().end(); ++it) {
    bool ok = false;
    for (const char* k : keys()) ok = ok || it.key() == k;
    for (const char* k : extra) ok = ok || it.key() == k;
    if (!ok) r.error(BNN_STATUS_INVALID_ARGUMENT, it.key(), "unknown key");
  }
  RecipePatch p;
  for (const char* key : {"kernel_ste", "input_ste"}) {
    if (!r.has(key)) continue;
    Quantizer scratch;
    scratch.patch_ste(r.at(key));  // validates
    (std::string(key) == "kernel_ste" ? p.kernel_ste : p.input_ste) = r.raw().at(key);
  }
  if (r.has("weight_clip")) p.weight_clip = WeightClip::from_json(r.at("weight_clip"));
  if (r.has("learning_rate"))
    p.learning_rate = static_cast<float>(r.number("learning_rate", 0, param_lo(BNN_PARAM_LEARNING_RATE),
                                                     param_hi(BNN_PARAM_LEARNING_RATE)));
  if (r.has("batch_norm_momentum"))
    p.batch_norm_momentum = static_cast<float>(r.number("batch_norm_momentum", 0, param_lo(BNN_PARAM_BATCH_NORM_MOMENTUM),
                                                           param_hi(BNN_PARAM_BATCH_NORM_MOMENTUM)));
  if (r.has("lr_scale")) p.lr_scale = static_cast<bnn_lr_scale>(r.choice("lr_scale", {"none", "glorot"}, 0));
  if (r.has("optimizer")) p.optimizer = OptimizerConfig::from_json(r.at("optimizer"));
  if (r.has("quantize")) p.quantize = r.boolean("quantize", true);
  return p;
}

std::unique_ptr<Model> Model::from_json(const json& doc) {
  const JsonReader r(doc, "");
  r.allow_only({"input_shape", "layers", "loss", "optimizer", "weight_clip", "lr_scale", "seed",
                "training", "quantize", "metadata", "max_memory", "standardize"});
  std::unique_ptr<Model> m(new Model());
  // max_memory (bytes, optional): parameters are charged before they are allocated, the whole
  // estimate (memory_needed) is checked once the layers are known.
  m->max_memory_ = static_cast<uint64_t>(r.integer("max_memory", 0, 1, int64_t{1} << 53));
  std::optional<MemoryBudget> budget;
  if (m->max_memory_) budget.emplace(m->max_memory_, "max_memory");
  if (!r.has("input_shape"))
    r.error(BNN_STATUS_INVALID_ARGUMENT, "input_shape", "required key is missing");
  m->input_.dims = r.int_list("input_shape", 0, 1, 1 << 24);
  if (m->input_.dims.size() > 3)
    r.error(BNN_STATUS_INVALID_ARGUMENT, "input_shape", "expected 1 to 3 dimensions");
  if (m->input_.numel() > (size_t{1} << 26))
    r.error(BNN_STATUS_OUT_OF_RANGE, "input_shape", "input of more than 2^26 values per sample");
  m->seed_ = static_cast<uint64_t>(r.integer("seed", 1, 0, int64_t{1} << 53));
  m->loss_ = static_cast<LossType>(r.choice("loss", {"cross_entropy", "square_hinge"}, 0));
  OptimizerConfig oc;
  if (r.has("optimizer")) oc = OptimizerConfig::from_json(r.at("optimizer"));
  m->optimizer_ = std::make_unique<Optimizer>(oc);
  if (r.has("weight_clip")) m->weight_clip_ = WeightClip::from_json(r.at("weight_clip"));
  m->lr_scale_ = static_cast<bnn_lr_scale>(r.choice("lr_scale", {"none", "glorot"}, 0));
  m->quantize_ = r.boolean("quantize", true);
  if (r.has("training")) {
    Recipe::validate(r.at("training"));
    m->training_ = doc.at("training");
  }
  m->standardize_ = Standardize::from_json(r, "standardize");
  // training.standardize: the deprecated spelling of 0.1 (applied by the CLI only then).
  if (m->training_.is_object() && m->training_.contains("standardize")) {
    const Standardize alias = Standardize::from_json(r.at("training"), "standardize");
    if (!r.has("standardize")) m->standardize_ = alias;
    else if (alias.mode != m->standardize_.mode)
      r.error(BNN_STATUS_INVALID_ARGUMENT, "training.standardize",
              "disagrees with the top-level \"standardize\" (training.standardize is a deprecated "
              "alias of it; remove one)");
  }
  if (r.has("metadata")) m->metadata_ = doc.at("metadata");
  if (!r.has("layers")) r.error(BNN_STATUS_INVALID_ARGUMENT, "layers", "required key is missing");
  const JsonReader lr = r.at("layers");
  if (!lr.raw().is_array() || lr.raw().empty())
    lr.error(BNN_STATUS_INVALID_ARGUMENT, "", "expected a non-empty list of layers");
  if (lr.raw().size() > 4096) lr.error(BNN_STATUS_OUT_OF_RANGE, "", "more than 4096 layers");
  Rng rng(m->seed_);
  Shape shape = m->input_;
  size_t total = 0;
  for (size_t i = 0; i < lr.raw().size(); ++i) {
    const JsonReader lj = lr.index(i);
    LayerArgs args{lj, shape, i, rng};
    m->layers_.push_back(make_layer(args));
    Layer& l = *m->layers_.back();
    shape = l.output_shape();
    for (Tensor* t : l.tensors()) {
      total += t->numel();
      m->tensors_.push_back(t);
    }
    if (total > (size_t{1} << 28))
      lj.error(BNN_STATUS_OUT_OF_RANGE, "", "the model exceeds 2^28 parameters");
    l.set_quantize(m->quantize_);
    l.set_fused_update(true);  // the optimiser applies the kernel STE and keeps the signs
  }
  if (shape.dims.size() != 1)
    lr.error(BNN_STATUS_SHAPE_MISMATCH, "",
             "the last layer must produce a 1-D output (logits), got " + shape.str());
  if (shape.numel() < 2)
    lr.error(BNN_STATUS_SHAPE_MISMATCH, "", "the model needs at least 2 output classes");
  m->layer_flips_.assign(m->layers_.size(), 0);
  m->layer_binary_.assign(m->layers_.size(), 0);
  for (size_t i = 0; i < m->layers_.size(); ++i) m->layer_binary_[i] = m->layers_[i]->binary_params();
  if (m->max_memory_) {
    const size_t batch = m->training_.is_object() ? m->training_.value("batch_size", size_t{100}) : 1;
    try {
      m->check_memory(batch);
    } catch (const Error& e) {
      r.error(e.status(), "max_memory", e.what());
    }
  }
  return m;
}

json Model::document() const {
  json layers = json::array();
  for (auto& l : layers_) layers.push_back(l->to_json());
  json d = {{"input_shape", input_.dims},
            {"layers", layers},
            {"loss", loss_ == LossType::cross_entropy ? "cross_entropy" : "square_hinge"},
            {"optimizer", optimizer_->config().to_json()},
            {"weight_clip", weight_clip_.to_json()},
            {"lr_scale", lr_scale_ == BNN_LR_SCALE_GLOROT ? "glorot" : "none"},
            {"quantize", quantize_},
            {"standardize", standardize_.to_json()},
            {"seed", seed_}};
  if (!training_.is_null()) d["training"] = training_;
  if (!metadata_.is_null()) d["metadata"] = metadata_;
  if (max_memory_) d["max_memory"] = max_memory_;
  return d;
}

std::string Model::summary() const {
  std::string s;
  char line[256];
  std::snprintf(line, sizeof line, "%-4s %-16s %-16s %12s %12s %14s\n", "#", "layer", "output",
                "float params", "binary", "packed bytes");
  s += line;
  size_t tot_f = 0, tot_b = 0, tot_bytes = 0;
  for (size_t i = 0; i < layers_.size(); ++i) {
    const Layer& l = *layers_[i];
    size_t all = 0;
    for (auto* t : const_cast<Layer&>(l).tensors())
      if (t->trainable) all += t->numel();
    const size_t bin = l.binary_params(), flt = all - bin;
    const size_t bytes = flt * 4 + (bin + 7) / 8;
    std::snprintf(line, sizeof line, "%-4zu %-16s %-16s %12zu %12zu %14zu\n", i, l.type(),
                  l.output_shape().str().c_str(), flt, bin, bytes);
    s += line;
    tot_f += flt;
    tot_b += bin;
    tot_bytes += bytes;
  }
  std::snprintf(line, sizeof line,
                "total: %zu float + %zu binary parameters; %zu bytes as float32, %zu bytes with "
                "packed binary weights (%.1fx smaller)\n",
                tot_f, tot_b, (tot_f + tot_b) * 4, tot_bytes,
                tot_bytes ? static_cast<double>((tot_f + tot_b) * 4) / tot_bytes : 0.0);
  s += line;
  return s;
}

uint64_t Model::memory_needed(size_t batch) const {
  // Parameters with their gradients, an upper bound of the optimiser state (two slots per
  // trainable value: Adam, AdaDelta), and per sample the input plus, per layer, its activation,
  // its gradient and a cache of the same size (quantized copies, pooling indices).
  uint64_t fixed = 0, per_sample = input_.numel();
  for (const Tensor* t : tensors_) fixed += uint64_t{t->numel()} * (t->trainable ? 4 : 1);
  for (const auto& l : layers_) per_sample += 3 * uint64_t{l->output_shape().numel()};
  return (fixed + per_sample * batch) * sizeof(float);
}

void Model::check_memory(size_t batch) const {
  if (!max_memory_) return;
  const uint64_t need = memory_needed(batch);
  if (need > max_memory_)
    fail(BNN_STATUS_OUT_OF_MEMORY,
         "the model needs about " + std::to_string(need) + " bytes for a batch of " +
             std::to_string(batch) + " (parameters, optimiser state, activations), more than " +
             "max_memory = " + std::to_string(max_memory_));
}

void Model::check_input(const float* x, size_t batch) const {
  if (x == nullptr) fail(BNN_STATUS_INVALID_ARGUMENT, "x is NULL");
  if (batch == 0) fail(BNN_STATUS_INVALID_ARGUMENT, "batch is 0");
  if (batch > (size_t{1} << 24)) fail(BNN_STATUS_OUT_OF_RANGE, "batch exceeds 2^24 samples");
  const size_t n = batch * input_size();
  if (!all_finite(x, n)) {
    size_t i = 0;
    while (i < n && std::isfinite(x[i])) ++i;
    fail(BNN_STATUS_NUMERIC, "x contains NaN or Inf (sample " + std::to_string(i / input_size()) +
                                 ", feature " + std::to_string(i % input_size()) + ")");
  }
}

void Model::check_labels(const int32_t* labels, size_t batch) const {
  if (labels == nullptr) fail(BNN_STATUS_INVALID_ARGUMENT, "labels is NULL");
  for (size_t i = 0; i < batch; ++i)
    if (labels[i] < 0 || static_cast<size_t>(labels[i]) >= output_size())
      fail(BNN_STATUS_OUT_OF_RANGE, "labels[" + std::to_string(i) + "] = " +
                                        std::to_string(labels[i]) + " is not in [0, " +
                                        std::to_string(output_size()) + ")");
}

const float* Model::prepared_input(const float* x, size_t batch) {
  if (!standardize_.active()) return x;
  if (standardize_.mode == Standardize::Mode::global && !standardize_.has_stats)
    fail(BNN_STATUS_INVALID_STATE,
         "standardize is \"global\" but its mean and sd are not known yet (a trainer computes them "
         "from the training samples; or give {\"mode\": \"global\", \"mean\": .., \"sd\": ..})");
  std_input_.resize(batch * input_size());
  standardize_.apply(x, std_input_.data(), batch, input_size());
  return std_input_.data();
}

void Model::forward(const float* x, size_t batch, bool training) {
  acts_.resize(layers_.size());
  const float* in = x;
  for (size_t i = 0; i < layers_.size(); ++i) {
    Layer& l = *layers_[i];
    acts_[i].resize(batch * l.output_shape().numel());
    l.forward(in, acts_[i].data(), batch, training);
    if (!all_finite(acts_[i].data(), acts_[i].size()))
      fail(BNN_STATUS_NUMERIC, layer_label(i, l) + " produced NaN or Inf in its forward pass");
    in = acts_[i].data();
  }
}

std::vector<Tensor*> Model::trainable() const {
  std::vector<Tensor*> t;
  for (Tensor* p : tensors_)
    if (p->trainable) t.push_back(p);
  return t;
}

float Model::train_step(const float* x, const int32_t* labels, size_t batch) {
  check_input(x, batch);
  check_labels(labels, batch);
  check_memory(batch);
  x = prepared_input(x, batch);
  const double loss = backward_pass(x, labels, batch);
  const size_t correct = count_correct(acts_.back().data(), labels, batch, output_size());
  // Data-parallel training (a trainer with a communicator) reduces the gradients here, before
  // any update is staged: a failing reduction leaves the model as it was.
  double reduced_loss = loss;
  if (gradient_hook_) gradient_hook_(*this, &reduced_loss);
  apply_update();
  last_accuracy_ = static_cast<float>(static_cast<double>(correct) / batch);
  return static_cast<float>(reduced_loss);
}

double Model::backward_pass(const float* x, const int32_t* labels, size_t batch) {
  forward(x, batch, true);
  const size_t classes = output_size();
  grads_.resize(layers_.size());
  grads_.back().resize(batch * classes);
  const double loss = compute_loss(loss_, acts_.back().data(), labels, batch, classes,
                                   grads_.back().data());
  if (!std::isfinite(loss)) fail(BNN_STATUS_NUMERIC, "the loss is NaN or Inf");
  for (size_t i = layers_.size(); i-- > 0;) {
    Layer& l = *layers_[i];
    float* dx = nullptr;
    if (i > 0) {
      grads_[i - 1].resize(batch * l.input_shape().numel());
      dx = grads_[i - 1].data();
    }
    l.backward(i ? acts_[i - 1].data() : x, acts_[i].data(), grads_[i].data(), dx, batch);
    // Parameter gradients are checked by the staged update (a NaN/Inf gradient makes a
    // non-finite new value); the input gradient is checked here to name the layer.
    if (dx && !all_finite(dx, grads_[i - 1].size()))
      fail(BNN_STATUS_NUMERIC, layer_label(i, l) + " produced NaN or Inf gradients");
  }
  return loss;
}

void Model::apply_update() {
  // Stage every update (new weights, clipped, and state in shadow buffers), then swap them in.
  // Nothing visible has changed until the commit loop.
  auto lr_mult = [&](const Tensor* t) {
    return (lr_scale_ == BNN_LR_SCALE_GLOROT && t->binary) ? 1.0f / t->glorot_h : 1.0f;
  };
  optimizer_->begin_step();
  std::vector<size_t> flips(layers_.size(), 0);
  for (size_t i = 0; i < layers_.size(); ++i)
    for (Tensor* t : layers_[i]->tensors()) {
      if (!t->trainable) continue;
      size_t f = 0;
      if (!optimizer_->stage({t, lr_mult(t)}, clip_bound(*t), &f)) {
        optimizer_->cancel_step();
        if (!all_finite(t->grad.data(), t->grad.size()))
          fail(BNN_STATUS_NUMERIC, layer_label(i, *layers_[i]) + " produced NaN or Inf gradients (" +
                                       t->name + ")");
        fail(BNN_STATUS_NUMERIC, "the update of " + t->name + " would produce NaN or Inf");
      }
      flips[i] += f;
    }
  for (size_t i = 0; i < layers_.size(); ++i) {
    for (Tensor* t : layers_[i]->tensors())
      if (t->trainable) optimizer_->commit({t, lr_mult(t)});
    layers_[i]->commit_state();
  }
  layer_flips_ = flips;
  ++steps_;
}

float Model::clip_bound(const Tensor& t) const {
  if (!t.binary || weight_clip_.mode == BNN_WEIGHT_CLIP_NONE)
    return std::numeric_limits<float>::infinity();
  return weight_clip_.mode == BNN_WEIGHT_CLIP_FIXED ? weight_clip_.value : t.glorot_h;
}

void Model::predict(const float* x, size_t batch, float* logits) {
  check_input(x, batch);
  constexpr size_t kChunk = 500;
  check_memory(std::min(kChunk, batch));
  const size_t classes = output_size();
  for (size_t b0 = 0; b0 < batch; b0 += kChunk) {
    const size_t nb = std::min(kChunk, batch - b0);
    forward(prepared_input(x + b0 * input_size(), nb), nb, false);
    std::copy(acts_.back().begin(), acts_.back().end(), logits + b0 * classes);
  }
}

void Model::evaluate(const float* x, const int32_t* labels, size_t n, float* loss_out,
                     float* accuracy_out) {
  check_input(x, n);
  check_labels(labels, n);
  constexpr size_t kChunk = 500;
  check_memory(std::min(kChunk, n));
  const size_t classes = output_size();
  double loss = 0.0;
  size_t correct = 0;
  for (size_t b0 = 0; b0 < n; b0 += kChunk) {
    const size_t nb = std::min(kChunk, n - b0);
    forward(prepared_input(x + b0 * input_size(), nb), nb, false);
    loss += compute_loss(loss_, acts_.back().data(), labels + b0, nb, classes, nullptr) *
            static_cast<double>(nb);
    correct += count_correct(acts_.back().data(), labels + b0, nb, classes);
  }
  if (loss_out) *loss_out = static_cast<float>(loss / static_cast<double>(n));
  if (accuracy_out) *accuracy_out = static_cast<float>(static_cast<double>(correct) / n);
}

void Model::configure(const RecipePatch& p) {
  // Validate combinations first, then apply (applying cannot fail).
  if (p.kernel_ste || p.input_ste) {
    for (auto& l : layers_)
      for (int which = 0; which < 2; ++which) {
        Quantizer* q = which ? l->input_quantizer() : l->kernel_quantizer();
        const auto& patch = which ? p.input_ste : p.kernel_ste;
        if (q && patch) q->patch_ste(JsonReader(*patch, which ? "input_ste" : "kernel_ste"));
      }
  }
  if (p.weight_clip) weight_clip_ = *p.weight_clip;
  if (p.lr_scale) lr_scale_ = *p.lr_scale;
  if (p.optimizer) optimizer_ = std::make_unique<Optimizer>(*p.optimizer);  // state restarts
  if (p.learning_rate) optimizer_->config().learning_rate = *p.learning_rate;
  if (p.batch_norm_momentum) {
    for (auto& l : layers_) l->set_batch_norm_momentum(*p.batch_norm_momentum);
    bn_momentum_ = *p.batch_norm_momentum;
  }
  if (p.quantize) {
    quantize_ = *p.quantize;
    for (auto& l : layers_) l->set_quantize(quantize_);
  }
}

float Model::flip_ratio() const {
  size_t flips = 0, total = 0;
  for (size_t i = 0; i < layers_.size(); ++i) {
    flips += layer_flips_[i];
    total += layer_binary_[i];
  }
  return total ? static_cast<float>(static_cast<double>(flips) / total) : 0.0f;
}

float Model::layer_flip_ratio(size_t layer) const {
  if (layer >= layers_.size())
    fail(BNN_STATUS_OUT_OF_RANGE, "layer " + std::to_string(layer) + " does not exist (the model has " +
                                      std::to_string(layers_.size()) + ")");
  return layer_binary_[layer]
             ? static_cast<float>(static_cast<double>(layer_flips_[layer]) / layer_binary_[layer])
             : 0.0f;
}

void Model::set_tensor(size_t index, const float* values, size_t numel) {
  if (index >= tensors_.size())
    fail(BNN_STATUS_OUT_OF_RANGE, "tensor index " + std::to_string(index) + " out of range");
  if (values == nullptr) fail(BNN_STATUS_INVALID_ARGUMENT, "values is NULL");
  Tensor& t = *tensors_[index];
  if (numel != t.numel())
    fail(BNN_STATUS_SHAPE_MISMATCH, t.name + " has " + std::to_string(t.numel()) +
                                        " values, got " + std::to_string(numel));
  for (size_t i = 0; i < numel; ++i) {
    if (!std::isfinite(values[i]))
      fail(BNN_STATUS_NUMERIC, t.name + ": value " + std::to_string(i) + " is NaN or Inf");
    if (t.non_negative && values[i] < 0.0f)
      fail(BNN_STATUS_OUT_OF_RANGE, t.name + ": value " + std::to_string(i) + " is negative");
  }
  std::copy(values, values + numel, t.value.begin());
  t.signs_stamp = 0;  // the layer repacks the signs of a binary kernel
}

}  // namespace bnn
