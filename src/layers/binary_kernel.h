// The signs of a binarised kernel as the products need them, without passes over the float
// weights: row-major bits (Tensor::signs, kept by the optimiser's fused update) for the float
// input x sign(W) product and the transposed bits (for the binary GEMM and dy x sign(W)^T),
// rebuilt from the row bits only when they changed. Shared by dense and conv2d.
#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>

#include "kernels/kernels.h"
#include "layers/layer.h"
#include "quant/quantizer.h"

namespace bnn {

class BinaryKernel {
 public:
  // Makes k.signs current: trusted when `fused` (the model's optimiser keeps them) and stamped,
  // otherwise packed from the values.
  static const uint64_t* row_signs(Tensor& k, bool fused) {
    if (!fused || k.signs_stamp == 0) {
      k.signs.resize(k.rows() * kernels::packed_words(k.cols()));
      kernels::pack_rows(k.value.data(), k.rows(), k.cols(), k.cols(), k.signs.data());
      k.signs_stamp = Tensor::next_stamp();
    }
    return k.signs.data();
  }
  // cols x packed_words(rows): the pack_cols layout. Call after row_signs().
  const uint64_t* col_signs(const Tensor& k) {
    if (stamp_ != k.signs_stamp) {
      col_.resize(k.cols() * kernels::packed_words(k.rows()));
      kernels::transpose_signs(k.signs.data(), k.rows(), k.cols(), col_.data());
      stamp_ = k.signs_stamp;
    }
    return col_.data();
  }
  // dx = dy sign(W)^T by lookup tables (kernels.h sign_float_gemm), for rows x cols(W) dy and
  // rows x rows(W) dx: dx^T = sign(W) dy^T, whose sign operand is W's row-major signs
  // (row_signs). dyt (rows x cols(W)) and dxt (rows x rows(W)) are scratch.
  static void dy_signs_t(const Tensor& k, const uint64_t* row_signs, const float* dy, size_t rows,
                         float* dyt, float* dxt, float* dx) {
    kernels::transpose(dy, rows, k.cols(), dyt);
    kernels::sign_float_gemm(k.rows(), rows, k.cols(), row_signs, kernels::packed_words(k.cols()),
                             dyt, rows, dxt, rows);
    kernels::transpose(dxt, k.rows(), rows, dx);
  }
  // The kernel gradient of a layer whose inputs are signs, x^T dy on the kernel's rows [r0, r1),
  // by lookup tables (kernels.h sign_float_gemm: x^T's rows are bits) when the kernel has enough
  // rows for them to pay (signs_gradient_pays). x: n rows of rows(W) signs as bits (pack_rows
  // layout), dy: n x cols(W) (data parallel: already weighted by each rank's share); into c
  // (r1 - r0 rows of cols(W)); xt: scratch for x^T's bits. Each row of c is the same whatever the
  // range and the thread count (a fixed order of sums, not a GEMM's).
  static bool signs_gradient_pays(size_t rows) { return rows >= kLutMinRows; }
  static void signs_gradient(const Tensor& k, size_t n, const uint64_t* xbits, const float* dy,
                             size_t r0, size_t r1, float* c, std::vector<uint64_t>& xt) {
    const size_t words = kernels::packed_words(n), cols = k.cols();
    xt.resize(std::max(xt.size(), k.rows() * words));
    kernels::transpose_signs(xbits, n, k.rows(), xt.data());
    if (r1 > r0)
      kernels::sign_float_gemm(r1 - r0, cols, n, xt.data() + r0 * words, words, dy, cols, c, cols);
  }
  // Below this many rows (kernel rows, or dy's columns for dx) the tables cost more than they
  // save: a table of 256 sums per 8 rows of the other operand and 16 of its columns.
  static constexpr size_t kLutMinRows = 128;

  // The kernel STE on k.grad (the gradient with respect to sign(W)): identity does nothing, the
  // clipped mask is left to the fused update when `fused`, anything else is applied here.
  static void ste_backward(const Quantizer& q, Tensor& k, bool fused) {
    k.grad_mask_clipped = false;
    if (q.ste == BNN_STE_IDENTITY) return;
    if (fused && q.ste == BNN_STE_CLIPPED) {
      k.grad_mask_clipped = true;
      k.grad_mask_clip = q.clip;
      return;
    }
    q.backward(k.value.data(), k.grad.data(), k.numel());
  }

 private:
  std::vector<uint64_t> col_;
  uint64_t stamp_ = 0;
};

}  // namespace bnn
