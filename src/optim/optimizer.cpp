#include "optim/optimizer.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/kernels.h"

namespace bnn {

static const char* kOptNames[] = {"sgd",      "momentum", "nesterov", "adagrad",
                                  "adadelta", "rmsprop",  "adam",     "bop"};

const char* OptimizerConfig::type_name() const { return kOptNames[static_cast<int>(type)]; }

OptimizerConfig OptimizerConfig::from_json(const JsonReader& r) {
  r.expect_object();
  if (!r.has("type")) r.error(BNN_STATUS_INVALID_ARGUMENT, "type", "required key is missing");
  OptimizerConfig c;
  c.type = static_cast<OptType>(r.choice(
      "type", {"sgd", "momentum", "nesterov", "adagrad", "adadelta", "rmsprop", "adam", "bop"}, 6));
  auto lr = [&](double def) {
    return static_cast<float>(r.number("learning_rate", def, 0.0, 1e3));
  };
  c.weight_decay = static_cast<float>(r.number("weight_decay", 0.0, 0.0, 1e3));
  switch (c.type) {
    case OptType::sgd:
      r.allow_only({"type", "learning_rate", "weight_decay"});
      c.learning_rate = lr(0.01);
      break;
    case OptType::momentum:
    case OptType::nesterov:
      r.allow_only({"type", "learning_rate", "momentum", "weight_decay"});
      c.learning_rate = lr(0.01);
      c.momentum = static_cast<float>(r.number("momentum", 0.9, 0.0, 1.0));
      break;
    case OptType::adagrad:
      r.allow_only({"type", "learning_rate", "epsilon", "initial_accumulator", "weight_decay"});
      c.learning_rate = lr(0.01);
      c.epsilon = static_cast<float>(r.number("epsilon", 1e-10, 0.0, 1.0));
      c.initial_accumulator = static_cast<float>(r.number("initial_accumulator", 0.0, 0.0, 1e6));
      break;
    case OptType::adadelta:
      r.allow_only({"type", "learning_rate", "rho", "epsilon", "weight_decay"});
      c.learning_rate = lr(1.0);
      c.rho = static_cast<float>(r.number("rho", 0.9, 0.0, 1.0));
      c.epsilon = static_cast<float>(r.number("epsilon", 1e-6, 1e-30, 1.0));
      break;
    case OptType::rmsprop:
      r.allow_only({"type", "learning_rate", "rho", "epsilon", "weight_decay"});
      c.learning_rate = lr(0.01);
      c.rho = static_cast<float>(r.number("rho", 0.99, 0.0, 1.0));
      c.epsilon = static_cast<float>(r.number("epsilon", 1e-8, 1e-30, 1.0));
      break;
    case OptType::adam:
      r.allow_only({"type", "learning_rate", "beta1", "beta2", "epsilon", "weight_decay"});
      c.learning_rate = lr(0.001);
      c.beta1 = static_cast<float>(r.number("beta1", 0.9, 0.0, 0.999999));
      c.beta2 = static_cast<float>(r.number("beta2", 0.999, 0.0, 0.9999999));
      c.epsilon = static_cast<float>(r.number("epsilon", 1e-8, 1e-30, 1.0));
      break;
    case OptType::bop: {
      r.allow_only({"type", "threshold", "gamma", "fallback", "weight_decay"});
      c.threshold = static_cast<float>(r.number("threshold", 1e-8, 0.0, 1e3));
      c.gamma = static_cast<float>(r.number("gamma", 1e-4, 0.0, 1.0));
      OptimizerConfig fb;
      if (r.has("fallback")) {
        fb = from_json(r.at("fallback"));
        if (fb.type == OptType::bop)
          r.error(BNN_STATUS_INVALID_ARGUMENT, "fallback.type", "bop cannot be its own fallback");
      }
      c.fallback = std::make_shared<OptimizerConfig>(fb);
      c.learning_rate = fb.learning_rate;
      break;
    }
  }
  return c;
}

json OptimizerConfig::to_json() const {
  json j = {{"type", type_name()}};
  switch (type) {
    case OptType::sgd: j["learning_rate"] = learning_rate; break;
    case OptType::momentum:
    case OptType::nesterov:
      j["learning_rate"] = learning_rate;
      j["momentum"] = momentum;
      break;
    case OptType::adagrad:
      j["learning_rate"] = learning_rate;
      j["epsilon"] = epsilon;
      j["initial_accumulator"] = initial_accumulator;
      break;
    case OptType::adadelta:
    case OptType::rmsprop:
      j["learning_rate"] = learning_rate;
      j["rho"] = rho;
      j["epsilon"] = epsilon;
      break;
    case OptType::adam:
      j["learning_rate"] = learning_rate;
      j["beta1"] = beta1;
      j["beta2"] = beta2;
      j["epsilon"] = epsilon;
      break;
    case OptType::bop:
      j["threshold"] = threshold;
      j["gamma"] = gamma;
      j["fallback"] = fallback->to_json();
      break;
  }
  j["weight_decay"] = weight_decay;
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
  const float* s0 = s.size() > 0 ? s[0].data() : nullptr;
  const float* s1 = s.size() > 1 ? s[1].data() : nullptr;
  float* os0 = s.size() > 0 ? sh[1].data() : nullptr;
  float* os1 = s.size() > 1 ? sh[2].data() : nullptr;
  // Binary kernels: the signs of the new weights for the next forward, in the same pass.
  uint64_t* signs = nullptr;
  if (t.binary) {
    auto& sb = shadow_signs_[t.name];
    sb.resize(t.rows() * kernels::packed_words(t.cols()));
    signs = sb.data();
  }
  bool finite = true;
  const size_t flips = kernels::weight_update(c, t.rows(), t.cols(), t.value.data(), t.grad.data(),
                                              s0, s1, sh[0].data(), os0, os1, signs, &finite);
  *flips_out = t.binary ? flips : 0;
  return finite;
}

}  // namespace bnn
