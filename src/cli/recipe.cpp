#include "cli/recipe.h"

#include <algorithm>
#include <cmath>

#include "bnn/bnn.hpp"

namespace bnn::cli {

namespace {

// The learning rate an optimiser object starts with: its own, or the library's default for its
// type (asked of the library, so that the defaults have one home).
double optimizer_learning_rate(const json& opt) {
  if (opt.contains("learning_rate")) return opt.at("learning_rate").get<double>();
  const json probe = {{"input_shape", {1}},
                      {"layers", {{{"type", "dense"}, {"units", 2}}}},
                      {"optimizer", opt}};
  return ModelHandle::from_json(probe.dump()).get_param(BNN_PARAM_LEARNING_RATE);
}

}  // namespace

Recipe Recipe::from_document(const json& doc) {
  Recipe r;
  if (!doc.contains("training")) return r;
  const json& t = doc.at("training");
  r.epochs = t.value("epochs", r.epochs);
  r.batch_size = t.value("batch_size", r.batch_size);
  r.eval_batch_size = t.value("eval_batch_size", r.eval_batch_size);
  r.validation_split = t.value("validation_split", r.validation_split);
  r.pretrain_full_precision_epochs = t.value("pretrain_full_precision_epochs", 0);
  r.checkpoint_every_steps = t.value("checkpoint_every_steps", 0LL);
  r.train_subset = t.value("train_subset", 0LL);
  r.shuffle = t.value("shuffle", true);
  r.standardize = t.value("standardize", std::string("none"));
  if (t.contains("lr_schedule")) r.lr_schedule = t.at("lr_schedule");
  if (t.contains("phases"))
    for (const json& p : t.at("phases")) {
      json patch = p;
      const int from = patch.at("from_epoch").get<int>();
      patch.erase("from_epoch");
      r.phases.emplace_back(from, patch);
      if (patch.contains("learning_rate"))
        r.schedule_restarts.emplace_back(from, patch.at("learning_rate").get<double>());
      else if (patch.contains("optimizer"))
        r.schedule_restarts.emplace_back(from, optimizer_learning_rate(patch.at("optimizer")));
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

}  // namespace bnn::cli
