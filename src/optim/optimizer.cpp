#include "optim/optimizer.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/thread_pool.h"

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
}

std::vector<std::vector<float>>& Optimizer::shadow(const Tensor* t, size_t n) {
  auto& sh = shadow_[t->name];
  if (sh.size() != n + 1) sh.assign(n + 1, std::vector<float>(t->numel(), 0.0f));
  return sh;
}

namespace {

inline uint32_t non_finite(float x) {
  uint32_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  return static_cast<uint32_t>((bits & 0x7F800000u) == 0x7F800000u);
}

// Constants of one update, shared by every element.
struct UpdateConsts {
  float lr, wd, mu, rho, eps, b1, b2, bc1, bc2, gamma, threshold, clip;
};

// The element-wise update of one optimiser type on [begin, end). In the dry run (kCommit false)
// nothing is written and the return value is 0 when every new value and state is finite; in the
// commit it writes and returns the number of binary sign flips. One template per type keeps the
// loops free of branches so that they vectorise.
template <OptType T>
size_t update_range(const float* __restrict w, const float* __restrict grad,
                    const float* __restrict s0, const float* __restrict s1,
                    float* __restrict out_w, float* __restrict out_s0, float* __restrict out_s1,
                    const UpdateConsts& c, size_t begin, size_t end, bool count_flips,
                    bool* finite) {
  uint32_t bad = 0;  // OR of "exponent all ones" (NaN/Inf) over every new value: vectorises
  const float clip = c.clip;
  size_t flips = 0;
  for (size_t i = begin; i < end; ++i) {
    const float wi = w[i];
    const float g = grad[i] + (T == OptType::bop ? 0.0f : c.wd * wi);
    float nw = wi, a = 0.0f, b = 0.0f;
    if constexpr (T == OptType::sgd) {
      nw = wi - c.lr * g;
    } else if constexpr (T == OptType::momentum) {
      a = c.mu * s0[i] + g;
      nw = wi - c.lr * a;
    } else if constexpr (T == OptType::nesterov) {
      a = c.mu * s0[i] + g;
      nw = wi - c.lr * (g + c.mu * a);
    } else if constexpr (T == OptType::adagrad) {
      a = s0[i] + g * g;
      nw = wi - c.lr * g / (std::sqrt(a) + c.eps);
    } else if constexpr (T == OptType::adadelta) {
      a = c.rho * s0[i] + (1.0f - c.rho) * g * g;
      const float delta = std::sqrt(s1[i] + c.eps) / std::sqrt(a + c.eps) * g;
      b = c.rho * s1[i] + (1.0f - c.rho) * delta * delta;
      nw = wi - c.lr * delta;
    } else if constexpr (T == OptType::rmsprop) {
      a = c.rho * s0[i] + (1.0f - c.rho) * g * g;
      nw = wi - c.lr * g / (std::sqrt(a) + c.eps);
    } else if constexpr (T == OptType::adam) {
      a = c.b1 * s0[i] + (1.0f - c.b1) * g;
      b = c.b2 * s1[i] + (1.0f - c.b2) * g * g;
      nw = wi - c.lr * (a / c.bc1) / (std::sqrt(b / c.bc2) + c.eps);
    } else {  // bop: flip when the gradient's moving average agrees in sign and exceeds threshold
      a = (1.0f - c.gamma) * s0[i] + c.gamma * g;
      const bool same_sign = (a > 0.0f && wi > 0.0f) || (a < 0.0f && wi < 0.0f);
      nw = (std::fabs(a) > c.threshold && same_sign) ? -wi : wi;
    }
    constexpr int kSlots = T == OptType::sgd                                ? 0
                           : (T == OptType::adadelta || T == OptType::adam) ? 2
                                                                           : 1;
    nw = nw > clip ? clip : (nw < -clip ? -clip : nw);  // weight clipping (inf when off)
    bad |= non_finite(nw) | non_finite(a) | non_finite(b);
    flips += (nw < 0.0f) != (wi < 0.0f);
    out_w[i] = nw;
    if constexpr (kSlots >= 1) out_s0[i] = a;
    if constexpr (kSlots >= 2) out_s1[i] = b;
  }
  *finite = bad == 0;
  return count_flips ? flips : 0;
}

size_t update_dispatch(OptType t, const float* w, const float* g, const float* s0,
                       const float* s1, float* ow, float* os0, float* os1, const UpdateConsts& c,
                       size_t b, size_t e, bool flips, bool* finite) {
  switch (t) {
#define BNN_OPT_CASE_(T) \
  case T: return update_range<T>(w, g, s0, s1, ow, os0, os1, c, b, e, flips, finite);
    BNN_OPT_CASE_(OptType::sgd)
    BNN_OPT_CASE_(OptType::momentum)
    BNN_OPT_CASE_(OptType::nesterov)
    BNN_OPT_CASE_(OptType::adagrad)
    BNN_OPT_CASE_(OptType::adadelta)
    BNN_OPT_CASE_(OptType::rmsprop)
    BNN_OPT_CASE_(OptType::adam)
    BNN_OPT_CASE_(OptType::bop)
#undef BNN_OPT_CASE_
  }
  return 0;
}

}  // namespace

bool Optimizer::run(const ParamSlot& p, float clip, size_t* flips_out) {
  Tensor& t = *p.tensor;
  auto& s = slots(&t, slot_count(t.binary));
  auto& sh = shadow(&t, s.size());
  const size_t n = t.numel();
  UpdateConsts c;
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
  const float* w = t.value.data();
  const float* g = t.grad.data();
  const float* s0 = s.size() > 0 ? s[0].data() : nullptr;
  const float* s1 = s.size() > 1 ? s[1].data() : nullptr;
  float* ow = sh[0].data();
  float* os0 = s.size() > 0 ? sh[1].data() : nullptr;
  float* os1 = s.size() > 1 ? sh[2].data() : nullptr;
  // Fixed chunks, each written by one task: the result never depends on the thread count.
  constexpr size_t kChunk = 1 << 14;
  const size_t chunks = (n + kChunk - 1) / kChunk;
  std::vector<size_t> flips(chunks, 0);
  std::vector<char> ok(chunks, 1);
  kernels::parallel_for(chunks, [&](size_t k) {
    bool f = true;
    flips[k] = update_dispatch(cfg_.type, w, g, s0, s1, ow, os0, os1, c, k * kChunk,
                               std::min(n, (k + 1) * kChunk), t.binary, &f);
    ok[k] = f;
  });
  size_t total = 0;
  bool all_ok = true;
  for (size_t k = 0; k < chunks; ++k) {
    total += flips[k];
    all_ok = all_ok && ok[k];
  }
  *flips_out = total;
  return all_ok;
}

}  // namespace bnn
