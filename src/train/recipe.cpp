#include "train/recipe.h"

#include <algorithm>
#include <cmath>

#include "core/model.h"
#include "optim/optimizer.h"

namespace bnn {

void Recipe::validate(const JsonReader& r) {
  r.allow_only({"epochs", "batch_size", "validation_split", "lr_schedule",
                "pretrain_full_precision_epochs", "phases", "checkpoint_every_steps", "shuffle",
                "standardize", "eval_batch_size", "train_subset", "micro_batch"});
  r.integer("train_subset", 0, 0, int64_t{1} << 40);  // 0: the whole training set
  r.integer("epochs", 20, 1, 100000);
  const int64_t bs = r.integer("batch_size", 100, 1, 1 << 16);
  r.integer("eval_batch_size", 1000, 1, 1 << 16);
  const int64_t mb = r.integer("micro_batch", 0, 0, 1 << 16);
  if (mb > 0 && bs % mb != 0)
    r.error(BNN_STATUS_INVALID_ARGUMENT, "micro_batch",
            "must divide batch_size (" + std::to_string(bs) + "), got " + std::to_string(mb));
  r.number("validation_split", 0.1, 0.0, 0.9);
  r.integer("pretrain_full_precision_epochs", 0, 0, 100000);
  r.integer("checkpoint_every_steps", 0, 0, int64_t{1} << 40);
  r.boolean("shuffle", true);
  Standardize::from_json(r, "standardize");  // the deprecated alias (checked by the model)
  if (r.has("lr_schedule")) {
    const JsonReader s = r.at("lr_schedule");
    s.expect_object();
    const size_t type = s.choice("type", {"constant", "exponential", "step", "cosine"}, 0);
    switch (type) {
      case 0: s.allow_only({"type"}); break;
      case 1:
        s.allow_only({"type", "final_learning_rate"});
        s.required_number("final_learning_rate", 0.0, 1e3);
        break;
      case 2:
        s.allow_only({"type", "step_epochs", "gamma"});
        s.required_integer("step_epochs", 1, 100000);
        s.number("gamma", 0.1, 0.0, 1.0);
        break;
      case 3:
        s.allow_only({"type", "final_learning_rate"});
        s.number("final_learning_rate", 0.0, 0.0, 1e3);
        break;
    }
  }
  if (r.has("phases")) {
    const JsonReader ph = r.at("phases");
    if (!ph.raw().is_array()) ph.error(BNN_STATUS_INVALID_ARGUMENT, "", "expected a list");
    for (size_t i = 0; i < ph.raw().size(); ++i) {
      const JsonReader p = ph.index(i);
      RecipePatch::parse(p, {"from_epoch"});
      p.required_integer("from_epoch", 0, 100000);
    }
  }
}

Recipe Recipe::from_json(const json& t) {
  Recipe r;
  if (!t.is_object()) return r;
  r.epochs = t.value("epochs", r.epochs);
  r.batch_size = t.value("batch_size", r.batch_size);
  r.eval_batch_size = t.value("eval_batch_size", r.eval_batch_size);
  r.micro_batch = t.value("micro_batch", 0);
  r.validation_split = t.value("validation_split", r.validation_split);
  r.pretrain_full_precision_epochs = t.value("pretrain_full_precision_epochs", 0);
  r.checkpoint_every_steps = t.value("checkpoint_every_steps", 0LL);
  r.train_subset = t.value("train_subset", 0LL);
  r.shuffle = t.value("shuffle", true);
  if (t.contains("lr_schedule")) r.lr_schedule = t.at("lr_schedule");
  if (t.contains("phases"))
    for (const json& p : t.at("phases")) {
      json patch = p;
      const int from = patch.at("from_epoch").get<int>();
      patch.erase("from_epoch");
      r.phases.emplace_back(from, patch);
      if (patch.contains("learning_rate"))
        r.schedule_restarts.emplace_back(from, patch.at("learning_rate").get<double>());
      else if (patch.contains("optimizer")) {
        // The new optimiser's own rate as written, else its type's default.
        const json& o = patch.at("optimizer");
        r.schedule_restarts.emplace_back(
            from, o.contains("learning_rate")
                      ? o.at("learning_rate").get<double>()
                      : OptimizerConfig::from_json(JsonReader(o, "optimizer")).learning_rate);
      }
    }
  // Phases apply in epoch order whatever order the document lists them in.
  std::stable_sort(r.phases.begin(), r.phases.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::stable_sort(r.schedule_restarts.begin(), r.schedule_restarts.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  return r;
}

int Recipe::phase_at(int epoch) const {
  int idx = -1;
  for (size_t i = 0; i < phases.size(); ++i)
    if (phases[i].first <= epoch) idx = static_cast<int>(i);
  return idx;
}

double Recipe::learning_rate(int epoch, double initial) const {
  int start = 0;
  double lr0 = initial;
  for (const auto& [from, rate] : schedule_restarts)
    if (from <= epoch) {
      start = from;
      lr0 = rate;
    }
  const std::string type = lr_schedule.value("type", std::string("constant"));
  const int span = epochs - 1 - start;
  const double frac = span > 0 ? static_cast<double>(epoch - start) / span : 0.0;
  if (type == "exponential") {
    const double fin = lr_schedule.at("final_learning_rate").get<double>();
    if (lr0 <= 0.0 || fin <= 0.0) return span > 0 && frac >= 1.0 ? fin : lr0;
    return lr0 * std::pow(fin / lr0, frac);
  }
  if (type == "step") {
    const int every = lr_schedule.at("step_epochs").get<int>();
    const double gamma = lr_schedule.value("gamma", 0.1);
    return lr0 * std::pow(gamma, (epoch - start) / every);
  }
  if (type == "cosine") {
    const double fin = lr_schedule.value("final_learning_rate", 0.0);
    return fin + (lr0 - fin) * 0.5 * (1.0 + std::cos(M_PI * frac));
  }
  return lr0;
}

json Recipe::patch_for_epoch(int epoch) const {
  json patch = json::object();
  if (pretrain_full_precision_epochs > 0) {
    if (epoch == 0) patch["quantize"] = false;
    if (epoch == pretrain_full_precision_epochs) patch["quantize"] = true;
  }
  for (const auto& [from, p] : phases)
    if (from == epoch) patch.update(p);
  patch.erase("learning_rate");  // the schedule sets the rate of every epoch
  return patch.empty() ? json() : patch;
}

}  // namespace bnn
