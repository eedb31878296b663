#include "quant/quantizer.h"
#include "core/param_table.h"

#include <algorithm>
#include <cmath>

#include "kernels/thread_pool.h"

namespace bnn {

const char* ste_name(bnn_ste s) {
  switch (s) {
    case BNN_STE_IDENTITY: return "identity";
    case BNN_STE_CLIPPED: return "clipped";
    case BNN_STE_APPROX_SIGN: return "approx_sign";
    case BNN_STE_SWISH_SIGN: return "swish_sign";
  }
  return "unknown";
}

bnn_ste parse_ste_name(const JsonReader& r, const json& v, const std::string& key) {
  return static_cast<bnn_ste>(
      r.choice_value(v, key, {"identity", "clipped", "approx_sign", "swish_sign"}));
}

Quantizer Quantizer::from_json(const JsonReader& r) {
  Quantizer q;
  if (r.raw().is_null()) return q;
  r.allow_only({"type", "ste", "clip", "beta"});
  q.present = true;
  if (!r.has("type")) r.error(BNN_STATUS_INVALID_ARGUMENT, "type", "required key is missing");
  r.choice("type", {"sign"}, 0);
  if (r.has("ste")) q.ste = parse_ste_name(r, r.raw().at("ste"), "ste");
  q.clip = static_cast<float>(r.number("clip", 1.0, param_lo(BNN_PARAM_STE_CLIP), param_hi(BNN_PARAM_STE_CLIP)));
  q.beta = static_cast<float>(r.number("beta", 5.0, param_lo(BNN_PARAM_STE_BETA), param_hi(BNN_PARAM_STE_BETA)));
  return q;
}

void Quantizer::patch_ste(const JsonReader& r) {
  if (r.raw().is_string()) {
    ste = parse_ste_name(r, r.raw(), "");
    return;
  }
  r.allow_only({"type", "ste", "clip", "beta"});
  if (r.has("type") && r.has("ste")) r.error(BNN_STATUS_INVALID_ARGUMENT, "ste", "give either type or ste");
  if (r.has("type")) ste = parse_ste_name(r, r.raw().at("type"), "type");
  if (r.has("ste")) ste = parse_ste_name(r, r.raw().at("ste"), "ste");
  clip = static_cast<float>(r.number("clip", clip, param_lo(BNN_PARAM_STE_CLIP), param_hi(BNN_PARAM_STE_CLIP)));
  beta = static_cast<float>(r.number("beta", beta, param_lo(BNN_PARAM_STE_BETA), param_hi(BNN_PARAM_STE_BETA)));
}

json Quantizer::to_json() const {
  if (!present) return nullptr;
  json j = {{"type", "sign"}, {"ste", ste_name(ste)}, {"clip", clip}};
  if (ste == BNN_STE_SWISH_SIGN) j["beta"] = beta;
  return j;
}

float Quantizer::derivative(float x) const {
  switch (ste) {
    case BNN_STE_IDENTITY: return 1.0f;
    case BNN_STE_CLIPPED: return std::fabs(x) <= clip ? 1.0f : 0.0f;
    case BNN_STE_APPROX_SIGN: {
      // Bi-Real Net: d/dx of the piecewise polynomial = 2 - 2|x| on [-1, 1], 0 elsewhere.
      const float a = std::fabs(x);
      return a <= 1.0f ? 2.0f - 2.0f * a : 0.0f;
    }
    case BNN_STE_SWISH_SIGN: {
      // Larq's SwishSign: beta * (2 - beta x tanh(beta x / 2)) / (1 + cosh(beta x)).
      const float bx = beta * x;
      if (std::fabs(bx) > 80.0f) return 0.0f;  // cosh overflows; the derivative is ~0 there
      return beta * (2.0f - bx * std::tanh(bx * 0.5f)) / (1.0f + std::cosh(bx));
    }
  }
  return 1.0f;
}

void Quantizer::backward(const float* x, float* grad, size_t n) const {
  switch (ste) {
    case BNN_STE_IDENTITY: return;
    case BNN_STE_CLIPPED:
      kernels::parallel_chunks(n, [&](size_t b, size_t e) {
        for (size_t i = b; i < e; ++i) grad[i] = std::fabs(x[i]) <= clip ? grad[i] : 0.0f;
      });
      return;
    default:
      kernels::parallel_chunks(n, [&](size_t b, size_t e) {
        for (size_t i = b; i < e; ++i) grad[i] *= derivative(x[i]);
      });
  }
}

void sign_forward(const float* x, float* out, size_t n) {
  kernels::parallel_chunks(n, [&](size_t b, size_t e) {
    for (size_t i = b; i < e; ++i) out[i] = x[i] < 0.0f ? -1.0f : 1.0f;
  });
}

}  // namespace bnn
