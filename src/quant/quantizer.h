// Sign quantizer with straight-through estimators (STE). Forward: sign(x), sign(0) = +1.
// Backward: the STE's pseudo-derivative times the incoming gradient.
#pragma once
#include <cstddef>
#include <string>

#include "bnn/bnn.h"
#include "core/json_reader.h"

namespace bnn {

struct Quantizer {
  bool present = false;  // configured in the document (null/absent = full precision)
  bnn_ste ste = BNN_STE_CLIPPED;
  float clip = 1.0f;     // clipped STE: gradient cancelled where |x| > clip
  float beta = 5.0f;     // swish_sign

  // Parses a quantizer object ({"type":"sign","ste":..,"clip":..,"beta":..}) or null.
  static Quantizer from_json(const JsonReader& r);
  // Applies an STE patch: a name ("clipped") or an object {"type"|"ste", "clip", "beta"}.
  void patch_ste(const JsonReader& r);
  json to_json() const;

  // Pseudo-derivative d sign(x)/dx of the configured STE at x.
  float derivative(float x) const;
  // grad[i] *= derivative(x[i]) for n elements.
  void backward(const float* x, float* grad, size_t n) const;
};

// sign(x) with sign(0) = +1 into out (may alias x).
void sign_forward(const float* x, float* out, size_t n);

const char* ste_name(bnn_ste s);
bnn_ste parse_ste_name(const JsonReader& r, const json& v, const std::string& key);

}  // namespace bnn
