// The exact micro-batched step (training.micro_batch). A sum of floats depends on the order of
// its terms; a sum of integers does not. So every micro-batch's contribution (gradient, loss,
// batch statistics, each weighted by the micro-batch's sample count) is rounded onto a fixed-point
// grid, summed as int64, and turned back into floats once. The grid of each tensor is agreed
// before rounding: its least significant bit is 2^(E + ceil(log2 K) - 62), E the exponent of the
// largest magnitude over every micro-batch (a max-reduction over the processes), K the number of
// micro-batches, so no sum can overflow. Rounding a value onto that grid depends on the value
// alone, and the integer sum on nothing: the step has the same bits whichever process computed
// which micro-batch, in whatever order. The price: each process keeps its micro-batches'
// gradients until the grid is known (count x parameters floats).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "core/fixed_point.h"
#include "core/model.h"
#include "kernels/kernels.h"
#include "layers/binary_kernel.h"

namespace bnn {
namespace {

// out[i] = v[i] * w (out may be v), and the largest magnitude, from m on, as the largest bit
// pattern without the sign (the same order for non-negative floats; NaN and Inf lie above every
// finite value): an integer max, which vectorises where a float max does not.
uint32_t scale_max_bits(const float* v, size_t n, float w, float* out, uint32_t m) {
  for (size_t i = 0; i < n; ++i) {
    const float x = v[i] * w;
    out[i] = x;
    uint32_t bits;
    std::memcpy(&bits, &x, sizeof bits);
    m = std::max(m, bits & 0x7FFFFFFFu);
  }
  return m;
}

bool non_finite(uint32_t max_bits) { return max_bits >= 0x7F800000u; }

// acc[i] (first: =, otherwise +=) the fixed-point value of c[i] on the grid 2^-lsb. The first
// micro-batch writes, the others add: no pass to clear the sums.
void add_fixed(int64_t* acc, const float* c, size_t n, double scale, bool first) {
  if (first)
    for (size_t i = 0; i < n; ++i) acc[i] = round_to_int64(static_cast<double>(c[i]) * scale);
  else
    for (size_t i = 0; i < n; ++i) acc[i] += round_to_int64(static_cast<double>(c[i]) * scale);
}

// E with |v| < 2^E for the largest magnitude given as its bits; INT64_MIN when it is 0.
int64_t grid_exponent(uint32_t max_bits) {
  float v;
  std::memcpy(&v, &max_bits, sizeof v);
  if (!(v > 0.0f)) return std::numeric_limits<int64_t>::min();
  int e = 0;
  std::frexp(v, &e);
  return e;
}

}  // namespace

float Model::train_step_exact(const float* x, const int32_t* labels, const std::vector<size_t>& sizes,
                              size_t first, size_t count, const ExactReduce* reduce) {
  // Every process holds at least one micro-batch (the trainer checks it when it joins a group):
  // a process without one would have no batch statistics to commit.
  if (sizes.empty() || count == 0 || first > sizes.size() || count > sizes.size() - first)
    fail(BNN_STATUS_INVALID_ARGUMENT, "micro-batches [" + std::to_string(first) + ", " +
                                          std::to_string(first + count) + ") of " +
                                          std::to_string(sizes.size()));
  size_t local = 0, global = 0;
  for (size_t j = 0; j < sizes.size(); ++j) {
    global += sizes[j];
    if (j >= first && j < first + count) local += sizes[j];
  }
  check_input(x, local);
  check_labels(labels, local);
  size_t biggest = 0;
  for (size_t j = first; j < first + count; ++j) biggest = std::max(biggest, sizes[j]);
  check_memory(std::max<size_t>(biggest, 1));
  prepare_partitioned_step();
  const float* in = prepared_input(x, local);  // standardised once for all micro-batches

  // Data parallel: a partitioned dense kernel's gradient from its factors (layers/layer.h
  // FactorSync), when they carry fewer bytes than the kernel: each layer hands over its
  // micro-batches' rows of x and dy, the ranks exchange them once, and every rank computes each
  // micro-batch's contribution to its own rows -- the same GEMM per micro-batch as one process
  // runs, so the same bits -- which then need no reduction at all.
  const bool group = reduce && partition_.size > 1;
  if (group && (reduce->samples.size() != static_cast<size_t>(partition_.size) ||
                reduce->samples[static_cast<size_t>(partition_.rank)] != local))
    fail(BNN_STATUS_INTERNAL, "exact step: the ranks' sample counts do not match this rank's micro-batches");
  const std::vector<size_t> counts = group ? reduce->samples : std::vector<size_t>{};  // per rank
  struct Restore {
    Model& m;
    bool on;
    ~Restore() {
      if (on)
        for (auto& l : m.layers_) l->set_factor_sync(m.factor_sync_);
    }
  } restore{*this, group};
  if (group) {
    exact_factors_.shares = counts;
    wire_factor_sync(exact_factors_, true);
    clear_factor_stash();
    for (auto& l : layers_) l->set_factor_sync(&exact_factors_);
  }

  // The segments that are summed: each trainable tensor's gradient, each layer's batch
  // statistics, and the loss. A gradient may still await the clipped STE's 0/1 mask (applied by
  // the fused update, Tensor::grad_mask_clipped): the mask depends on the weights alone, the
  // same for every micro-batch, so masking the sum equals summing the masked gradients.
  std::vector<Tensor*> params;
  std::vector<char> part;  // params[s] is partitioned over the ranks (core/model_partition.cpp)
  for (size_t k = 0; k < tensors_.size(); ++k)
    if (tensors_[k]->trainable) {
      params.push_back(tensors_[k]);
      part.push_back(partitioned(k) ? 1 : 0);
    }
  // params[s]'s gradient comes from its factors (set by the layer in every backward pass).
  auto deferred = [&](size_t s) { return group && part[s] && params[s]->grad_global; };
  std::vector<std::vector<float>*> stats;
  for (auto& l : layers_)
    for (auto* s : l->batch_statistics()) stats.push_back(s);
  const size_t n_seg = params.size() + stats.size() + 1;
  // Segment s's values sit at [seg_off[s], seg_off[s + 1]) of each micro-batch's slice of
  // exact_contrib_ (kept between steps: no allocation, no page faults per step).
  // Laid out after the first micro-batch's forward pass: batch statistics have their size only
  // once a forward pass has run.
  std::vector<size_t> seg_off(n_seg + 1, 0);
  size_t total = 0;
  std::vector<uint32_t> maxbits(n_seg, 0);  // the largest magnitudes (scale_max_bits)
  int64_t correct = 0;
  std::vector<int64_t> exps(n_seg + 1, std::numeric_limits<int64_t>::min());  // + the bad flag
  bool bad = false;
  size_t offset = 0;
  for (size_t j = 0; j < count; ++j) {
    const size_t nj = sizes[first + j];
    const float* xj = in + offset * input_size();
    const int32_t* yj = labels + offset;
    offset += nj;
    double loss = 0.0;
    try {
      loss = backward_pass(xj, yj, nj);
    } catch (...) {
      // Tell the other processes before failing, so that nobody waits for this one.
      if (!reduce) throw;
      exps[n_seg] = 1;
      reduce->max(exps.data(), exps.size());
      throw;
    }
    if (j == 0) {
      for (size_t s = 0; s < n_seg; ++s)
        seg_off[s + 1] = seg_off[s] + (s < params.size()                ? params[s]->grad.size()
                                       : s < params.size() + stats.size() ? stats[s - params.size()]->size()
                                                                          : 1);
      total = seg_off[n_seg];
      exact_contrib_.resize(count * total);
    }
    correct += static_cast<int64_t>(count_correct(acts_.back().data(), yj, nj, output_size()));
    float* c = exact_contrib_.data() + j * total;
    const float w = static_cast<float>(nj);
    const float lossf = static_cast<float>(loss);
    for (size_t s = 0; s < n_seg; ++s) {
      if (s < params.size() && deferred(s)) continue;  // computed after the exchange
      const float* v = s < params.size()                ? params[s]->grad.data()
                       : s < params.size() + stats.size() ? stats[s - params.size()]->data()
                                                          : &lossf;
      maxbits[s] = scale_max_bits(v, seg_off[s + 1] - seg_off[s], w, c + seg_off[s], maxbits[s]);
      bad = bad || non_finite(maxbits[s]);
    }
  }
  for (size_t s = 0; s < n_seg; ++s) exps[s] = grid_exponent(maxbits[s]);
  exps[n_seg] = bad ? 1 : 0;
  if (reduce) reduce->max(exps.data(), exps.size());
  if (exps[n_seg] != 0)
    fail(BNN_STATUS_NUMERIC, std::string("a micro-batch produced NaN or Inf gradients or statistics") +
                                 (bad ? "" : " in another process"));
  // The kernels from their factors: exchanged now that every rank's micro-batches succeeded,
  // then every micro-batch's contribution to this rank's rows (in micro-batch order, each
  // (rows x cols) at dcontrib_at[s]), and a second max-reduction for their grids.
  std::vector<size_t> late, dcontrib_at(params.size(), 0);
  for (size_t s = 0; s < params.size(); ++s)
    if (deferred(s)) late.push_back(s);
  if (!late.empty()) {
    std::vector<size_t> kernels_late;
    for (size_t s : late) kernels_late.push_back(tensor_index(*params[s]));
    exchange_factors(kernels_late, counts);
    size_t at = 0;
    for (size_t s : late) {
      const auto [lo, hi] = owned_rows(*params[s], partition_.rank);
      dcontrib_at[s] = at;
      at += sizes.size() * (hi - lo) * params[s]->cols();
    }
    exact_dcontrib_.resize(at);
    std::vector<int64_t> exps2(n_seg + 1, std::numeric_limits<int64_t>::min());
    bool bad2 = false;
    for (size_t s : late) {
      const Tensor& t = *params[s];
      const size_t n_out = t.cols();
      const auto [lo, hi] = owned_rows(t, partition_.rank);
      const size_t block = (hi - lo) * n_out;
      const FactorAt& fa = factor_at_[tensor_index(t)];
      size_t off = 0;
      uint32_t m = 0;
      for (size_t j = 0; j < sizes.size(); ++j) {
        float* c = exact_dcontrib_.data() + dcontrib_at[s] + j * block;
        const float* dy = factor_gdy_.data() + fa.gdy + off * n_out;
        if (fa.gbits != kNone)  // as the layer's backward would
          BinaryKernel::signs_gradient(
              t, sizes[j], factor_gbits_.data() + fa.gbits + off * kernels::packed_words(t.rows()),
              dy, lo, hi, c, factor_xt_);
        else if (hi > lo)
          kernels::sgemm(true, false, hi - lo, n_out, sizes[j], 1.0f,
                         factor_gx_.data() + fa.gx + off * (hi - lo), hi - lo, dy, n_out, 0.0f, c,
                         n_out);
        m = scale_max_bits(c, block, static_cast<float>(sizes[j]), c, m);
        off += sizes[j];
      }
      bad2 = bad2 || non_finite(m);
      exps2[s] = grid_exponent(m);
    }
    exps2[n_seg] = bad2 ? 1 : 0;
    reduce->max(exps2.data(), exps2.size());
    if (exps2[n_seg] != 0)
      fail(BNN_STATUS_NUMERIC, std::string("a micro-batch produced NaN or Inf gradients") +
                                   (bad2 ? "" : " in another process"));
    for (size_t s : late) exps[s] = exps2[s];
  }

  // The grid of each segment, and the sums on it. Scaling by a power of two is exact, and
  // rounding goes to the nearest integer (ties to even) whatever the value's micro-batch.
  int log2k = 0;
  while ((size_t{1} << log2k) < sizes.size()) ++log2k;
  std::vector<int> lsb(n_seg);
  for (size_t s = 0; s < n_seg; ++s)
    lsb[s] = exps[s] == std::numeric_limits<int64_t>::min() ? 0 : static_cast<int>(exps[s]) + log2k - 62;
  // (round_to_int64: nearbyint without the library call, core/fixed_point.h.)
  exact_acc_.resize(total + 1);
  int64_t* acc = exact_acc_.data();
  for (size_t j = 0; j < count; ++j) {
    const float* c = exact_contrib_.data() + j * total;
    for (size_t s = 0; s < n_seg; ++s) {
      if (s < params.size() && deferred(s)) continue;
      add_fixed(acc + seg_off[s], c + seg_off[s], seg_off[s + 1] - seg_off[s], std::ldexp(1.0, -lsb[s]), j == 0);
    }
  }
  for (size_t s : late) {  // every micro-batch's contribution to this rank's rows
    const auto [lo, hi] = owned_rows(*params[s], partition_.rank);
    const size_t block = (hi - lo) * params[s]->cols();
    for (size_t j = 0; j < sizes.size(); ++j)
      add_fixed(acc + seg_off[s] + lo * params[s]->cols(), exact_dcontrib_.data() + dcontrib_at[s] + j * block,
                block, std::ldexp(1.0, -lsb[s]), j == 0);
  }
  acc[total] = correct;
  if (reduce) {
    // A partitioned kernel is needed only on this rank's rows: a reduce-scatter by rows (about
    // half the bytes); every other run of segments (and the correct count) is summed whole.
    size_t run = 0;
    for (size_t s = 0; s < params.size(); ++s) {
      if (deferred(s)) {  // already the sum over every micro-batch, on this rank's rows
        if (seg_off[s] > run) reduce->sum(acc + run, seg_off[s] - run);
        run = seg_off[s + 1];
        continue;
      }
      if (!part[s] || !reduce->scatter) continue;
      if (seg_off[s] > run) reduce->sum(acc + run, seg_off[s] - run);
      std::vector<size_t> counts(static_cast<size_t>(partition_.size));
      for (int r = 0; r < partition_.size; ++r) {
        const auto rows = owned_rows(*params[s], r);
        counts[static_cast<size_t>(r)] = (rows.second - rows.first) * params[s]->cols();
      }
      reduce->scatter(acc + seg_off[s], counts);
      run = seg_off[s + 1];
    }
    reduce->sum(acc + run, total + 1 - run);
  }

  // Back to floats: the sample-weighted means over the global batch (2^lsb * (1 / samples) is
  // one exact product, so each value is rounded once).
  const double inv = 1.0 / static_cast<double>(global);
  std::vector<double> factor(n_seg);
  for (size_t s = 0; s < n_seg; ++s) factor[s] = std::ldexp(inv, lsb[s]);
  auto value = [&](size_t s, size_t i) {
    return static_cast<float>(static_cast<double>(acc[i]) * factor[s]);
  };
  for (size_t s = 0; s < params.size(); ++s) {
    float* g = params[s]->grad.data();
    // A kernel partitioned over the ranks (core/model_partition.cpp) is updated, and so read,
    // only on this rank's rows.
    size_t lo = seg_off[s], hi = seg_off[s + 1];
    if (part[s]) {
      const auto rows = owned_rows(*params[s], partition_.rank);
      lo = seg_off[s] + rows.first * params[s]->cols();
      hi = seg_off[s] + rows.second * params[s]->cols();
    }
    for (size_t i = lo; i < hi; ++i) g[i - seg_off[s]] = value(s, i);
  }
  for (size_t s = params.size(); s < params.size() + stats.size(); ++s) {
    std::vector<float>& st = *stats[s - params.size()];
    for (size_t i = seg_off[s]; i < seg_off[s + 1]; ++i) st[i - seg_off[s]] = value(s, i);
  }
  const float loss = value(n_seg - 1, seg_off[n_seg - 1]);
  apply_update();
  last_accuracy_ = static_cast<float>(static_cast<double>(acc[total]) * inv);
  return loss;
}

}  // namespace bnn
