// The partitioned update of data-parallel training (Model::Partition in core/model.h): which
// kernels are split over the ranks, whose rows each rank owns, and the exchanges that make every
// rank's copy whole again.
#include <algorithm>

#include "core/model.h"
#include "kernels/kernels.h"

namespace bnn {

void Model::set_partition(Partition p) {
  if (p.size < 1 || p.rank < 0 || p.rank >= p.size)
    fail(BNN_STATUS_INVALID_ARGUMENT, "partition rank " + std::to_string(p.rank) + " of " + std::to_string(p.size));
  if (p.size > 1 && (!p.sum_i64 || !p.broadcast))
    fail(BNN_STATUS_INVALID_ARGUMENT, "a partition needs its sum and broadcast");
  partition_ = std::move(p);
}

bool Model::update_alone_reads(size_t k) const {
  if (k >= tensors_.size()) return false;
  const Tensor& t = *tensors_[k];
  // A binarised kernel (forward and backward use its signs) whose STE is the identity or the
  // clipped one (whose mask the fused update applies, on any rows).
  if (!t.trainable || !t.binary || !quantize_) return false;
  Quantizer* q = layers_[tensor_layer_[k]]->kernel_quantizer();
  return q && (q->ste == BNN_STE_IDENTITY || q->ste == BNN_STE_CLIPPED);
}

bool Model::partitioned(size_t k) const {
  return partition_.size > 1 && update_alone_reads(k) &&
         tensors_[k]->rows() >= static_cast<size_t>(partition_.size);
}

std::pair<size_t, size_t> Model::owned_rows(const Tensor& t, int rank) const {
  const size_t rows = t.rows(), n = static_cast<size_t>(std::max(partition_.size, 1));
  const size_t r = static_cast<size_t>(rank);
  return {rows * r / n, rows * (r + 1) / n};
}

template <class T>
void Model::exchange_rows(const Tensor& t, T* v, size_t width) {
  for (int r = 0; r < partition_.size; ++r) {
    const auto [lo, hi] = owned_rows(t, r);
    if (hi > lo) partition_.broadcast(v + lo * width, (hi - lo) * width * sizeof(T), r);
  }
}
template void Model::exchange_rows<uint64_t>(const Tensor&, uint64_t*, size_t);
template void Model::exchange_rows<float>(const Tensor&, float*, size_t);

void Model::exchange_staged_signs() {
  for (int r = 0; r < partition_.size; ++r) {
    size_t total = 0;
    for (size_t k = 0; k < tensors_.size(); ++k)
      if (partitioned(k)) {
        const auto [lo, hi] = owned_rows(*tensors_[k], r);
        total += (hi - lo) * kernels::packed_words(tensors_[k]->cols());
      }
    if (total == 0) continue;
    signs_buf_.resize(total);
    // Packed in tensor order on the root, unpacked in the same order elsewhere.
    auto each = [&](auto&& copy) {
      size_t at = 0;
      for (size_t k = 0; k < tensors_.size(); ++k) {
        if (!partitioned(k)) continue;
        const size_t words = kernels::packed_words(tensors_[k]->cols());
        const auto [lo, hi] = owned_rows(*tensors_[k], r);
        uint64_t* rows = optimizer_->staged_signs(tensors_[k]).data() + lo * words;
        copy(rows, signs_buf_.data() + at, (hi - lo) * words);
        at += (hi - lo) * words;
      }
    };
    if (r == partition_.rank)
      each([](const uint64_t* rows, uint64_t* buf, size_t n) { std::copy(rows, rows + n, buf); });
    partition_.broadcast(signs_buf_.data(), total * sizeof(uint64_t), r);
    if (r != partition_.rank)
      each([](uint64_t* rows, const uint64_t* buf, size_t n) { std::copy(buf, buf + n, rows); });
  }
}

void Model::gather_tensor(size_t k) {
  if (partition_.size <= 1) check_whole("gathering the parts of a data-parallel group");
  Tensor& t = *tensors_[k];
  exchange_rows(t, t.value.data(), t.cols());
  for (std::vector<float>* s : optimizer_->state_of(&t)) exchange_rows(t, s->data(), t.cols());
  scattered_[k] = 0;
}

void Model::gather_partitioned() {
  for (size_t k = 0; k < tensors_.size(); ++k)
    if (scattered_[k]) gather_tensor(k);
}

bool Model::scattered() const {
  for (char s : scattered_)
    if (s) return true;
  return false;
}

void Model::check_whole(const char* what) const {
  for (size_t k = 0; k < tensors_.size(); ++k)
    if (scattered_[k])
      fail(BNN_STATUS_INVALID_STATE,
           std::string(what) + ": " + tensors_[k]->name +
               " is spread over the ranks of a data-parallel group (inside bnn_trainer_run_epoch, "
               "or after an exchange between the ranks failed)");
}

void Model::check_forward_readable(const char* what) const {
  // A scattered kernel that is not partitioned now (its recipe changed inside the step callback)
  // would be read through its stale latent weights.
  for (size_t k = 0; k < tensors_.size(); ++k)
    if (scattered_[k] && !partitioned(k)) check_whole(what);
}

void Model::prepare_partitioned_step() {
  // A kernel that is no longer partitioned (a full-precision epoch, another STE) needs its latent
  // weights whole before the forward pass: gather it (every rank decides alike).
  for (size_t k = 0; k < tensors_.size(); ++k)
    if (scattered_[k] && !partitioned(k)) gather_tensor(k);
}

}  // namespace bnn
