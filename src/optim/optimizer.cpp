#include "optim/optimizer.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/kernels.h"

namespace bnn {

const char* OptimizerConfig::type_name() const { return kOptimizerNames[static_cast<int>(type)]; }

float* OptimizerConfig::slot(const char* key) {
  struct Slot {
    const char* key;
    float OptimizerConfig::*member;
  };
  static constexpr Slot kSlots[] = {
      {"learning_rate", &OptimizerConfig::learning_rate}, {"momentum", &OptimizerConfig::momentum},
      {"beta1", &OptimizerConfig::beta1},                 {"beta2", &OptimizerConfig::beta2},
      {"epsilon", &OptimizerConfig::epsilon},             {"rho", &OptimizerConfig::rho},
      {"initial_accumulator", &OptimizerConfig::initial_accumulator},
      {"weight_decay", &OptimizerConfig::weight_decay},   {"threshold", &OptimizerConfig::threshold},
      {"gamma", &OptimizerConfig::gamma}};
  for (const Slot& s : kSlots)
    if (std::strcmp(s.key, key) == 0) return &(this->*s.member);
  fail(BNN_STATUS_INTERNAL, std::string("optimiser key without a field: ") + key);
}

OptimizerConfig OptimizerConfig::from_json(const JsonReader& r) {
  r.expect_object();
  if (!r.has("type")) r.error(BNN_STATUS_INVALID_ARGUMENT, "type", "required key is missing");
  OptimizerConfig c;
  c.type = static_cast<OptType>(r.choice(
      "type", {"sgd", "momentum", "nesterov", "adagrad", "adadelta", "rmsprop", "adam", "bop"}, 6));
  static_assert(kOptimizerCount == 8, "the type names above are kOptimizerNames");
  // Every key of this type comes from the parameter table (core/param_table.cpp): the allowed
  // keys, their defaults and their bounds.
  size_t n = 0;
  const OptimizerKey* keys = optimizer_keys(&n);
  for (auto it = r.raw().begin(); it != r.raw().end(); ++it) {
    if (it.key() == "type" || (c.type == OptType::bop && it.key() == "fallback")) continue;
    const OptimizerKey* k = find_optimizer_key(c.type, it.key().c_str());
    if (!k || !k->in_json)
      r.error(BNN_STATUS_INVALID_ARGUMENT, it.key(),
              std::string("unknown key (not a parameter of the ") + c.type_name() + " optimiser)");
  }
  for (size_t i = 0; i < n; ++i)
    if (keys[i].type == c.type && keys[i].in_json)
      *c.slot(keys[i].key) = static_cast<float>(r.number(keys[i].key, keys[i].def, keys[i].lo, keys[i].hi));
  if (c.type == OptType::bop) {
    OptimizerConfig fb;
    if (r.has("fallback")) {
      fb = from_json(r.at("fallback"));
      if (fb.type == OptType::bop)
        r.error(BNN_STATUS_INVALID_ARGUMENT, "fallback.type", "bop cannot be its own fallback");
    }
    c.fallback = std::make_shared<OptimizerConfig>(fb);
    c.learning_rate = fb.learning_rate;
  }
  return c;
}

json OptimizerConfig::to_json() const {
  json j = {{"type", type_name()}};
  size_t n = 0;
  const OptimizerKey* keys = optimizer_keys(&n);
  auto& self = const_cast<OptimizerConfig&>(*this);
  for (size_t i = 0; i < n; ++i)
    if (keys[i].type == type && keys[i].in_json) j[keys[i].key] = *self.slot(keys[i].key);
  if (type == OptType::bop) j["fallback"] = fallback->to_json();
  return j;
}

Optimizer::Optimizer(const OptimizerConfig& c) : cfg_(c) {
  if (cfg_.type == OptType::bop) fallback_ = std::make_unique<Optimizer>(*cfg_.fallback);
}

void Optimizer::begin_step() {
  ++t_;
  if (fallback_) fallback_->begin_step();
  if (fallback_) {  // the fallback follows the outer learning rate (schedules set it here)
    fallback_->cfg_.learning_rate = cfg_.learning_rate;
    fallback_->cfg_.weight_decay = cfg_.weight_decay;
  }
}
void Optimizer::cancel_step() {
  if (t_) --t_;
  if (fallback_) fallback_->cancel_step();
}
void Optimizer::set_steps(uint64_t t) {
  t_ = t;
  if (fallback_) fallback_->set_steps(t);
}

size_t Optimizer::slot_count(bool binary) const {
  switch (cfg_.type) {
    case OptType::sgd: return 0;
    case OptType::adadelta:
    case OptType::adam: return 2;
    case OptType::bop: return binary ? 1 : 0;
    default: return 1;
  }
}

std::vector<std::vector<float>>& Optimizer::slots(const Tensor* t, size_t n) {
  auto& s = state_[t->name];
  if (s.size() != n) {
    s.assign(n, std::vector<float>(t->numel(), 0.0f));
    if (cfg_.type == OptType::adagrad && n)
      std::fill(s[0].begin(), s[0].end(), cfg_.initial_accumulator);
  }
  return s;
}

std::vector<Optimizer::StateBuffer> Optimizer::state_buffers(const std::vector<Tensor*>& trainable) {
  std::vector<StateBuffer> out;
  for (Tensor* t : trainable) {
    if (cfg_.type == OptType::bop && !t->binary) continue;
    auto& s = slots(t, slot_count(t->binary));
    for (size_t i = 0; i < s.size(); ++i)
      out.push_back({"optimizer." + t->name + "." + std::to_string(i), &s[i]});
  }
  if (fallback_) {
    std::vector<Tensor*> rest;
    for (Tensor* t : trainable)
      if (!t->binary) rest.push_back(t);
    for (auto& b : fallback_->state_buffers(rest)) {
      b.name = "fallback." + b.name;
      out.push_back(b);
    }
  }
  return out;
}

std::vector<std::vector<float>*> Optimizer::state_of(const Tensor* t) {
  if (cfg_.type == OptType::bop && !t->binary) return fallback_->state_of(t);
  std::vector<std::vector<float>*> out;
  for (auto& s : slots(t, slot_count(t->binary))) out.push_back(&s);
  return out;
}

bool Optimizer::stage(const ParamSlot& p, float clip, size_t* flips) {
  if (cfg_.type == OptType::bop && !p.tensor->binary) return fallback_->stage(p, clip, flips);
  return run(p, clip, flips);
}

void Optimizer::commit(const ParamSlot& p) {
  if (cfg_.type == OptType::bop && !p.tensor->binary) return fallback_->commit(p);
  Tensor& t = *p.tensor;
  auto& s = slots(&t, slot_count(t.binary));
  auto& sh = shadow(&t, s.size());
  t.value.swap(sh[0]);
  for (size_t k = 0; k < s.size(); ++k) s[k].swap(sh[k + 1]);
  if (t.binary) {
    t.signs.swap(shadow_signs_[t.name]);
    t.signs_stamp = Tensor::next_stamp();
  }
}

std::vector<std::vector<float>>& Optimizer::shadow(const Tensor* t, size_t n) {
  auto& sh = shadow_[t->name];
  if (sh.size() != n + 1) sh.assign(n + 1, std::vector<float>(t->numel(), 0.0f));
  return sh;
}

static_assert(static_cast<int>(OptType::sgd) == static_cast<int>(kernels::UpdateRule::sgd) &&
                  static_cast<int>(OptType::adam) == static_cast<int>(kernels::UpdateRule::adam) &&
                  static_cast<int>(OptType::bop) == static_cast<int>(kernels::UpdateRule::bop),
              "the optimiser types and the kernels' update rules are listed in the same order");

bool Optimizer::run(const ParamSlot& p, float clip, size_t* flips_out) {
  Tensor& t = *p.tensor;
  auto& s = slots(&t, slot_count(t.binary));
  auto& sh = shadow(&t, s.size());
  kernels::UpdateParams c;
  c.rule = static_cast<kernels::UpdateRule>(static_cast<int>(cfg_.type));
  c.lr = cfg_.learning_rate * p.lr_mult;
  c.wd = cfg_.weight_decay;
  c.mu = cfg_.momentum;
  c.rho = cfg_.rho;
  c.eps = cfg_.epsilon;
  c.b1 = cfg_.beta1;
  c.b2 = cfg_.beta2;
  const double tt = static_cast<double>(t_ ? t_ : 1);
  c.bc1 = static_cast<float>(1.0 - std::pow(static_cast<double>(cfg_.beta1), tt));
  c.bc2 = static_cast<float>(1.0 - std::pow(static_cast<double>(cfg_.beta2), tt));
  c.gamma = cfg_.gamma;
  c.threshold = cfg_.threshold;
  c.clip = clip;
  c.mask_clipped = t.grad_mask_clipped;
  c.mask_clip = t.grad_mask_clip;
  // Rows [r0, r1) only: the update is element-wise, a row range is a contiguous range.
  const size_t r1 = std::min(p.row_end, t.rows()), r0 = std::min(p.row_begin, r1);
  const size_t off = r0 * t.cols();
  const float* s0 = s.size() > 0 ? s[0].data() + off : nullptr;
  const float* s1 = s.size() > 1 ? s[1].data() + off : nullptr;
  float* os0 = s.size() > 0 ? sh[1].data() + off : nullptr;
  float* os1 = s.size() > 1 ? sh[2].data() + off : nullptr;
  // Binary kernels: the signs of the new weights for the next forward, in the same pass.
  uint64_t* signs = nullptr;
  if (t.binary) {
    auto& sb = shadow_signs_[t.name];
    sb.resize(t.rows() * kernels::packed_words(t.cols()));
    signs = sb.data() + r0 * kernels::packed_words(t.cols());
  }
  bool finite = true;
  const size_t flips =
      r1 > r0 ? kernels::weight_update(c, r1 - r0, t.cols(), t.value.data() + off,
                                       p.grad ? p.grad : t.grad.data() + off, s0, s1,
                                       sh[0].data() + off, os0, os1, signs, &finite)
              : 0;
  *flips_out = t.binary ? flips : 0;
  return finite;
}

}  // namespace bnn
