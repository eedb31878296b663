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
#include <cmath>
#include <cstring>
#include <limits>

#include "core/model.h"

namespace bnn {
namespace {

// frexp exponent of the largest magnitude (INT64_MIN for all zeros); sets *bad on NaN/Inf.
int64_t max_exponent(const float* v, size_t n, bool* bad) {
  float m = 0.0f;
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(v[i])) *bad = true;
    m = std::max(m, std::fabs(v[i]));
  }
  if (m == 0.0f || *bad) return std::numeric_limits<int64_t>::min();
  int e = 0;
  std::frexp(m, &e);
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
  const float* in = prepared_input(x, local);  // standardised once for all micro-batches

  // The segments that are summed: each trainable tensor's gradient, each layer's batch
  // statistics, and the loss. A gradient may still await the clipped STE's 0/1 mask (applied by
  // the fused update, Tensor::grad_mask_clipped): the mask depends on the weights alone, the
  // same for every micro-batch, so masking the sum equals summing the masked gradients.
  std::vector<Tensor*> params = trainable();
  std::vector<std::vector<float>*> stats;
  for (auto& l : layers_)
    for (auto* s : l->batch_statistics()) stats.push_back(s);
  const size_t n_seg = params.size() + stats.size() + 1;
  // Per local micro-batch, every segment's values (weighted by the sample count), concatenated.
  std::vector<size_t> seg_off(n_seg + 1, 0);
  std::vector<std::vector<float>> contrib(count);
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
      bad = true;
      exps[n_seg] = 1;
      reduce->max(exps.data(), exps.size());
      throw;
    }
    correct += static_cast<int64_t>(count_correct(acts_.back().data(), yj, nj, output_size()));
    std::vector<float>& c = contrib[j];
    size_t k = 0;
    const float w = static_cast<float>(nj);
    for (size_t s = 0; s < n_seg; ++s) {
      seg_off[s] = k;
      const float* v = nullptr;
      size_t n = 1;
      float lossf = 0.0f;
      if (s < params.size()) {
        v = params[s]->grad.data();
        n = params[s]->grad.size();
      } else if (s < params.size() + stats.size()) {
        v = stats[s - params.size()]->data();
        n = stats[s - params.size()]->size();
      } else {
        lossf = static_cast<float>(loss);
        v = &lossf;
      }
      c.resize(k + n);
      for (size_t i = 0; i < n; ++i) c[k + i] = v[i] * w;
      exps[s] = std::max(exps[s], max_exponent(&c[k], n, &bad));
      k += n;
    }
    seg_off[n_seg] = k;
  }
  exps[n_seg] = bad ? 1 : 0;
  if (reduce) reduce->max(exps.data(), exps.size());
  if (exps[n_seg] != 0)
    fail(BNN_STATUS_NUMERIC, std::string("a micro-batch produced NaN or Inf gradients or statistics") +
                                 (bad ? "" : " in another process"));

  // The grid of each segment, and the sums on it.
  int log2k = 0;
  while ((size_t{1} << log2k) < sizes.size()) ++log2k;
  std::vector<int> lsb(n_seg);
  for (size_t s = 0; s < n_seg; ++s)
    lsb[s] = exps[s] == std::numeric_limits<int64_t>::min() ? 0 : static_cast<int>(exps[s]) + log2k - 62;
  std::vector<int64_t> acc(seg_off[n_seg] + 1, 0);
  for (size_t j = 0; j < count; ++j)
    for (size_t s = 0; s < n_seg; ++s)
      for (size_t i = seg_off[s]; i < seg_off[s + 1]; ++i)
        acc[i] += static_cast<int64_t>(std::llround(std::ldexp(static_cast<double>(contrib[j][i]), -lsb[s])));
  acc.back() = correct;
  if (reduce) reduce->sum(acc.data(), acc.size());

  // Back to floats: the sample-weighted means over the global batch.
  const double inv = 1.0 / static_cast<double>(global);
  auto value = [&](size_t s, size_t i) {
    return static_cast<float>(std::ldexp(static_cast<double>(acc[i]), lsb[s]) * inv);
  };
  for (size_t s = 0; s < params.size(); ++s)
    for (size_t i = seg_off[s]; i < seg_off[s + 1]; ++i) params[s]->grad[i - seg_off[s]] = value(s, i);
  for (size_t s = params.size(); s < params.size() + stats.size(); ++s) {
    std::vector<float>& st = *stats[s - params.size()];
    for (size_t i = seg_off[s]; i < seg_off[s + 1]; ++i) st[i - seg_off[s]] = value(s, i);
  }
  const float loss = value(n_seg - 1, seg_off[n_seg - 1]);
  apply_update();
  last_accuracy_ = static_cast<float>(static_cast<double>(acc.back()) * inv);
  return loss;
}

}  // namespace bnn
