// Building a model from its document, the document back, and tensors by index.
#include "core/model.h"

#include <cmath>
#include <optional>

#include "core/memory_budget.h"
#include "core/param_table.h"
#include "core/rng.h"
#include "train/recipe.h"

namespace bnn {

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
      m->tensor_layer_.push_back(i);
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
  m->scattered_.assign(m->tensors_.size(), 0);
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


void Model::set_tensor(size_t index, const float* values, size_t numel) {
  if (index >= tensors_.size())
    fail(BNN_STATUS_OUT_OF_RANGE, "tensor index " + std::to_string(index) + " out of range");
  if (values == nullptr) fail(BNN_STATUS_INVALID_ARGUMENT, "values is NULL");
  Tensor& t = *tensors_[index];
  if (scattered_[index])
    fail(BNN_STATUS_INVALID_STATE, t.name + " is being trained in parts by the ranks of a data-parallel "
                                            "group: set tensors outside bnn_trainer_run_epoch");
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
