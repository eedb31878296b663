// The element-wise update of every optimiser, written once and compiled per ISA: include it
// inside the ISA's namespace after defining kBlock and, through store_lines.inc, store_block(dst,
// src, n) (n <= kBlock values from a block in L1; streaming stores where the ISA has them) and
// store_fence(). Files that include it are compiled with -ffp-contract=off: an FMA
// would round differently from the scalar oracle. One instantiation per (rule, mask) keeps the
// loops free of branches so that they vectorise. No include guard on purpose.
namespace {

inline uint32_t non_finite(float x) {
  uint32_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  return static_cast<uint32_t>((bits & 0x7F800000u) == 0x7F800000u);
}

template <UpdateRule T, bool kMask>
size_t update_range(const UpdateParams& c, const float* __restrict w,
                    const float* __restrict grad, const float* __restrict s0,
                    const float* __restrict s1, float* __restrict out_w,
                    float* __restrict out_s0, float* __restrict out_s1, size_t begin,
                    size_t end, bool* finite) {
  uint32_t bad = 0;  // OR of "exponent all ones" (NaN/Inf) over every new value: vectorises
  const float clip = c.clip, mask_clip = c.mask_clip;
  size_t flips = 0;
  constexpr int kSlots = T == UpdateRule::sgd                                   ? 0
                         : (T == UpdateRule::adadelta || T == UpdateRule::adam) ? 2
                                                                                : 1;
  // The new state is computed by blocks of kBlock values into L1 and then written out with the
  // ISA's streaming stores (store_block): it is not read again before the next step, and a
  // streaming store does not first read the destination line, which saves two of the pass's ten
  // streams of memory traffic. (The new weights are stored normally: the caller packs their
  // signs right after, from cache.)
  alignas(64) float ta[kBlock], tb[kBlock];
  for (size_t i0 = begin; i0 < end;) {
    const size_t i1 = end - i0 < kBlock ? end : i0 + kBlock;
  for (size_t i = i0; i < i1; ++i) {
    const float wi = w[i];
    float gi = grad[i];
    // The clipped STE's mask, as Quantizer::backward applies it (a select, so that a NaN
    // gradient where the mask is 0 is dropped, as before).
    if constexpr (kMask) gi = std::fabs(wi) <= mask_clip ? gi : 0.0f;
    const float g = gi + (T == UpdateRule::bop ? 0.0f : c.wd * wi);
    float nw = wi, a = 0.0f, b = 0.0f;
    if constexpr (T == UpdateRule::sgd) {
      nw = wi - c.lr * g;
    } else if constexpr (T == UpdateRule::momentum) {
      a = c.mu * s0[i] + g;
      nw = wi - c.lr * a;
    } else if constexpr (T == UpdateRule::nesterov) {
      a = c.mu * s0[i] + g;
      nw = wi - c.lr * (g + c.mu * a);
    } else if constexpr (T == UpdateRule::adagrad) {
      a = s0[i] + g * g;
      nw = wi - c.lr * g / (std::sqrt(a) + c.eps);
    } else if constexpr (T == UpdateRule::adadelta) {
      a = c.rho * s0[i] + (1.0f - c.rho) * g * g;
      const float delta = std::sqrt(s1[i] + c.eps) / std::sqrt(a + c.eps) * g;
      b = c.rho * s1[i] + (1.0f - c.rho) * delta * delta;
      nw = wi - c.lr * delta;
    } else if constexpr (T == UpdateRule::rmsprop) {
      a = c.rho * s0[i] + (1.0f - c.rho) * g * g;
      nw = wi - c.lr * g / (std::sqrt(a) + c.eps);
    } else if constexpr (T == UpdateRule::adam) {
      a = c.b1 * s0[i] + (1.0f - c.b1) * g;
      b = c.b2 * s1[i] + (1.0f - c.b2) * g * g;
      nw = wi - c.lr * (a / c.bc1) / (std::sqrt(b / c.bc2) + c.eps);
    } else {  // bop: flip when the gradient's moving average agrees in sign and exceeds threshold
      a = (1.0f - c.gamma) * s0[i] + c.gamma * g;
      const bool same_sign = (a > 0.0f && wi > 0.0f) || (a < 0.0f && wi < 0.0f);
      nw = (std::fabs(a) > c.threshold && same_sign) ? -wi : wi;
    }
    nw = nw > clip ? clip : (nw < -clip ? -clip : nw);  // weight clipping (inf when off)
    bad |= non_finite(nw) | non_finite(a) | non_finite(b);
    flips += (nw < 0.0f) != (wi < 0.0f);
    out_w[i] = nw;
    if constexpr (kSlots >= 1) ta[i - i0] = a;
    if constexpr (kSlots >= 2) tb[i - i0] = b;
  }
    if constexpr (kSlots >= 1) store_block(out_s0 + i0, ta, i1 - i0);
    if constexpr (kSlots >= 2) store_block(out_s1 + i0, tb, i1 - i0);
    i0 = i1;
  }
  store_fence();
  *finite = bad == 0;
  return flips;
}

template <UpdateRule T>
size_t update_masked(const UpdateParams& c, const float* w, const float* g, const float* s0,
                     const float* s1, float* ow, float* os0, float* os1, size_t b, size_t e,
                     bool* finite) {
  return c.mask_clipped ? update_range<T, true>(c, w, g, s0, s1, ow, os0, os1, b, e, finite)
                        : update_range<T, false>(c, w, g, s0, s1, ow, os0, os1, b, e, finite);
}

}  // namespace

size_t weight_update(const UpdateParams& c, const float* w, const float* g, const float* s0,
                     const float* s1, float* ow, float* os0, float* os1, size_t b, size_t e,
                     bool* finite) {
  switch (c.rule) {
#define BNN_UPDATE_CASE_(T) \
  case T: return update_masked<T>(c, w, g, s0, s1, ow, os0, os1, b, e, finite);
    BNN_UPDATE_CASE_(UpdateRule::sgd)
    BNN_UPDATE_CASE_(UpdateRule::momentum)
    BNN_UPDATE_CASE_(UpdateRule::nesterov)
    BNN_UPDATE_CASE_(UpdateRule::adagrad)
    BNN_UPDATE_CASE_(UpdateRule::adadelta)
    BNN_UPDATE_CASE_(UpdateRule::rmsprop)
    BNN_UPDATE_CASE_(UpdateRule::adam)
    BNN_UPDATE_CASE_(UpdateRule::bop)
#undef BNN_UPDATE_CASE_
  }
  *finite = true;
  return 0;
}
