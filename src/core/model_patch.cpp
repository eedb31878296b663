// Recipe patches (bnn_model_configure, training phases) and weight clipping: parsing, and
// applying a validated patch to a model.
#include "core/model.h"
#include "core/param_table.h"

namespace bnn {

namespace {

const char* weight_clip_name(bnn_weight_clip m) {
  return m == BNN_WEIGHT_CLIP_FIXED ? "fixed" : m == BNN_WEIGHT_CLIP_GLOROT ? "glorot" : "none";
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

}  // namespace bnn
