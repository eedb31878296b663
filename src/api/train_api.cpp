// The C ABI of datasets and the trainer (since 0.2.0).
#include <cstring>

#include "api/handles.h"
#include "core/model.h"
#include "io/file.h"
#include "io/idx.h"
#include "train/dataset.h"
#include "train/trainer.h"

struct bnn_dataset {
  static constexpr uint32_t kLive = 0xDA7A5E7u;
  uint32_t magic = kLive;
  std::shared_ptr<const bnn::Dataset> impl;
};

struct bnn_trainer {
  static constexpr uint32_t kLive = 0x7EA1AE4u;
  uint32_t magic = kLive;
  std::unique_ptr<bnn::Trainer> impl;
  const bnn_model* model = nullptr;
  std::string errmsg;
  std::string record;  // the last record, for run_epoch's out pointer
  bnn_step_callback cb = nullptr;
  void* cb_user = nullptr;
  bnn_communicator_v2 comm{};  // a copy (bnn_trainer_set_communicator*); size 0 until set
};

using namespace bnn::api;

namespace {

bool live(const bnn_dataset* d) { return d && d->magic == bnn_dataset::kLive && d->impl; }
bool live(const bnn_trainer* t) { return t && t->magic == bnn_trainer::kLive && t->impl; }

bnn_status bad_dataset(const bnn_dataset* d, const char* what) {
  t_last_error = d ? std::string(what) + ": the dataset handle is not valid (already freed?)"
                   : std::string(what) + " is NULL";
  return d ? BNN_STATUS_INVALID_STATE : BNN_STATUS_INVALID_ARGUMENT;
}

// Runs f on a live trainer (whose model must still be live) with messages on the trainer.
template <class F>
bnn_status on_trainer(const bnn_trainer* t, F&& f) {
  if (!live(t)) {
    t_last_error = t ? "the trainer handle is not valid (already freed?)" : "trainer is NULL";
    return t ? BNN_STATUS_INVALID_STATE : BNN_STATUS_INVALID_ARGUMENT;
  }
  auto* tt = const_cast<bnn_trainer*>(t);
  tt->errmsg.clear();
  if (!bnn::api::live(t->model)) {
    tt->errmsg = "the trainer's model was freed before the trainer";
    return BNN_STATUS_INVALID_STATE;
  }
  return guard(&tt->errmsg, [&] { f(*tt); });
}

bnn_status new_dataset(std::shared_ptr<const bnn::Dataset> impl, bnn_dataset** out) {
  auto* h = new bnn_dataset();
  h->impl = std::move(impl);
  *out = h;
  return BNN_STATUS_OK;
}

void join_group(bnn_trainer& tt, const bnn_communicator_v2* comm2) {
  if (!comm2) bnn::fail(BNN_STATUS_INVALID_ARGUMENT, "comm is NULL");
  const bnn_communicator* comm = &comm2->base;
  if (comm->size < 1 || comm->rank < 0 || comm->rank >= comm->size)
    bnn::fail(BNN_STATUS_INVALID_ARGUMENT, "communicator rank " + std::to_string(comm->rank) +
                                               " of size " + std::to_string(comm->size) +
                                               ": expected size >= 1 and 0 <= rank < size");
  if (!comm->allreduce_i64 || !comm->allreduce_f64 || !comm->allreduce_f32 || !comm->broadcast ||
      !comm->barrier)
    bnn::fail(BNN_STATUS_INVALID_ARGUMENT, "a callback of the communicator is NULL");
  if (tt.comm.base.size != 0)
    bnn::fail(BNN_STATUS_INVALID_STATE, "the trainer already has a communicator");
  bnn::Model& model = *const_cast<bnn_model*>(tt.model)->impl;
  bnn::Trainer& tr = *tt.impl;
  const bnn_communicator c = *comm;
  auto check = [](int rc, const char* what) {
    if (rc != 0)
      bnn::fail(BNN_STATUS_IO, std::string("the communicator's ") + what + " failed (returned " +
                                   std::to_string(rc) + "); the step did not happen");
  };
  // Every rank must hold the same document, data, position and group size: an all-reduce of
  // max(h) and max(-h) of a hash tells whether any rank differs (collective on every rank).
  if (c.size > 1) {
    const auto& p = tr.progress();
    std::string id = model.document().dump();
    id += "|" + std::to_string(c.size) + "|" + std::to_string(p.epoch) + "|" + std::to_string(p.batch);
    for (const bnn::DataRange* d : {&tr.train_range(), &tr.validation_range(), &tr.test_range()})
      id += "|" + std::to_string(d->count) + "|" + std::to_string(d->first) + "|" +
            std::to_string(d->data ? d->data->fingerprint() : 0);
    uint64_t h = 1469598103934665603ull;
    for (unsigned char ch : id) h = (h ^ ch) * 1099511628211ull;
    const int64_t mine = static_cast<int64_t>(h >> 2);
    int64_t v[2] = {mine, -mine};
    check(c.allreduce_i64(c.user, v, 2, 1), "allreduce_i64");
    if (v[0] != mine || -v[1] != mine)
      bnn::fail(BNN_STATUS_INVALID_ARGUMENT,
                "the ranks disagree on the model document, the data, the resume position or the "
                "group size: every rank must train the same document on the same data");
  }
  bnn::Trainer::Group g;
  g.rank = c.rank;
  g.size = c.size;
  tt.comm = *comm2;
  bnn_communicator* cp = &tt.comm.base;
  g.sum_f64 = [cp, check](double* d, size_t n) { check(cp->allreduce_f64(cp->user, d, n), "allreduce_f64"); };
  g.sum_f32 = [cp, check](float* d, size_t n) { check(cp->allreduce_f32(cp->user, d, n), "allreduce_f32"); };
  g.sum_i64 = [cp, check](int64_t* d, size_t n) { check(cp->allreduce_i64(cp->user, d, n, 0), "allreduce_i64"); };
  g.max_i64 = [cp, check](int64_t* d, size_t n) { check(cp->allreduce_i64(cp->user, d, n, 1), "allreduce_i64"); };
  g.broadcast = [cp, check](void* d, size_t bytes, int root) {
    check(cp->broadcast(cp->user, d, bytes, root), "broadcast");
  };
  // Without a reduce-scatter, an all-reduce gives every block (this rank's among them).
  auto rs = tt.comm.reduce_scatter;
  auto total = [](const std::vector<size_t>& counts) {
    size_t n = 0;
    for (size_t k : counts) n += k;
    return n;
  };
  g.reduce_scatter_f32 = [cp, rs, check, total](float* d, const std::vector<size_t>& counts) {
    if (rs) check(rs(cp->user, d, counts.data(), 0), "reduce_scatter");
    else check(cp->allreduce_f32(cp->user, d, total(counts)), "allreduce_f32");
  };
  g.reduce_scatter_i64 = [cp, rs, check, total](int64_t* d, const std::vector<size_t>& counts) {
    if (rs) check(rs(cp->user, d, counts.data(), 1), "reduce_scatter");
    else check(cp->allreduce_i64(cp->user, d, total(counts), 0), "allreduce_i64");
  };
  try {
    tr.set_group(std::move(g));  // SHAPE_MISMATCH: the same verdict on every rank
    // The initial state from rank 0 (every tensor: parameters and batch-norm statistics).
    if (c.size > 1) {
      std::vector<float> buf;
      for (size_t i = 0; i < model.tensors().size(); ++i) {
        const bnn::Tensor* ts = model.tensors()[i];
        buf.assign(ts->value.begin(), ts->value.end());
        check(c.broadcast(c.user, buf.data(), buf.size() * sizeof(float), 0), "broadcast");
        if (c.rank != 0) model.set_tensor(i, buf.data(), buf.size());
      }
      check(c.barrier(c.user), "barrier");
    }
  } catch (...) {
    tt.comm = bnn_communicator_v2{};
    tr.set_group(bnn::Trainer::Group{});
    throw;
  }
}

}  // namespace

extern "C" {

bnn_status bnn_dataset_create(const float* x, const int32_t* labels, size_t n, size_t sample_size,
                              bnn_dataset** out) {
  if (!out) {
    t_last_error = "out is NULL";
    return BNN_STATUS_INVALID_ARGUMENT;
  }
  *out = nullptr;
  std::shared_ptr<const bnn::Dataset> d;
  const bnn_status s = guard(nullptr, [&] { d = bnn::Dataset::from_arrays(x, labels, n, sample_size); });
  return s == BNN_STATUS_OK ? guard(nullptr, [&] { new_dataset(std::move(d), out); }) : s;
}

bnn_status bnn_dataset_load_idx(const char* images_path, const char* labels_path, bnn_dataset** out) {
  if (!out) {
    t_last_error = "out is NULL";
    return BNN_STATUS_INVALID_ARGUMENT;
  }
  *out = nullptr;
  if (!images_path || !labels_path) {
    t_last_error = images_path ? "labels_path is NULL" : "images_path is NULL";
    return BNN_STATUS_INVALID_ARGUMENT;
  }
  std::shared_ptr<const bnn::Dataset> d;
  const bnn_status s = guard(nullptr, [&] { d = bnn::Dataset::load_idx(images_path, labels_path); });
  return s == BNN_STATUS_OK ? guard(nullptr, [&] { new_dataset(std::move(d), out); }) : s;
}

int bnn_dataset_gzip_supported(void) { return bnn::idx_gzip_supported() ? 1 : 0; }

size_t bnn_dataset_count(const bnn_dataset* d) { return live(d) ? d->impl->count() : 0; }
size_t bnn_dataset_sample_size(const bnn_dataset* d) { return live(d) ? d->impl->sample_size() : 0; }
size_t bnn_dataset_num_classes(const bnn_dataset* d) { return live(d) ? d->impl->num_classes() : 0; }

bnn_status bnn_dataset_get(const bnn_dataset* d, size_t first, size_t count, float* x,
                           size_t x_capacity, int32_t* labels, size_t labels_capacity) {
  if (!live(d)) return bad_dataset(d, "d");
  return guard(nullptr, [&] {
    const bnn::Dataset& ds = *d->impl;
    if (first > ds.count() || count > ds.count() - first)
      bnn::fail(BNN_STATUS_OUT_OF_RANGE, "samples [" + std::to_string(first) + ", " +
                                             std::to_string(first + count) + ") are not in [0, " +
                                             std::to_string(ds.count()) + ")");
    if (x && x_capacity < count * ds.sample_size())
      bnn::fail(BNN_STATUS_BUFFER_TOO_SMALL, "x has room for " + std::to_string(x_capacity) +
                                                 " floats, need " + std::to_string(count * ds.sample_size()));
    if (labels && labels_capacity < count)
      bnn::fail(BNN_STATUS_BUFFER_TOO_SMALL, "labels has room for " + std::to_string(labels_capacity) +
                                                 " ids, need " + std::to_string(count));
    if (x && count) std::memcpy(x, ds.sample(first), count * ds.sample_size() * sizeof(float));
    if (labels && count) std::memcpy(labels, ds.labels() + first, count * sizeof(int32_t));
  });
}

bnn_status bnn_dataset_slice(const bnn_dataset* d, size_t first, size_t count, bnn_dataset** out) {
  if (!out) {
    t_last_error = "out is NULL";
    return BNN_STATUS_INVALID_ARGUMENT;
  }
  *out = nullptr;
  if (!live(d)) return bad_dataset(d, "d");
  std::shared_ptr<const bnn::Dataset> s;
  const bnn_status st = guard(nullptr, [&] { s = d->impl->slice(first, count); });
  return st == BNN_STATUS_OK ? guard(nullptr, [&] { new_dataset(std::move(s), out); }) : st;
}

void bnn_dataset_free(bnn_dataset* d) {
  if (!live(d)) return;
  d->magic = 0;
  delete d;
}

bnn_status bnn_model_evaluate_dataset(bnn_model* m, const bnn_dataset* d, float* loss_out,
                                      float* accuracy_out) {
  if (!live(d)) {
    if (bnn::api::live(m)) {
      m->errmsg = d ? "the dataset handle is not valid (already freed?)" : "dataset is NULL";
      return d ? BNN_STATUS_INVALID_STATE : BNN_STATUS_INVALID_ARGUMENT;
    }
    return bad_handle(m);
  }
  return on_model(m, [&](bnn::Model& model) {
    const bnn::Dataset& ds = *d->impl;
    if (ds.sample_size() != model.input_size())
      bnn::fail(BNN_STATUS_SHAPE_MISMATCH, "the dataset has " + std::to_string(ds.sample_size()) +
                                               " values per sample, the model expects " +
                                               std::to_string(model.input_size()));
    model.evaluate(ds.x(), ds.labels(), ds.count(), loss_out, accuracy_out);
  });
}

bnn_status bnn_trainer_create(bnn_model* m, const bnn_dataset* train, const bnn_dataset* validation,
                              const bnn_dataset* test, bnn_trainer** out) {
  if (!out) {
    t_last_error = "out is NULL";
    return BNN_STATUS_INVALID_ARGUMENT;
  }
  *out = nullptr;
  if (!bnn::api::live(m)) return bad_handle(m);
  if (!live(train)) return bad_dataset(train, "train");
  if (validation && !live(validation)) return bad_dataset(validation, "validation");
  if (test && !live(test)) return bad_dataset(test, "test");
  std::unique_ptr<bnn::Trainer> impl;
  const bnn_status s = guard(nullptr, [&] {
    impl = std::make_unique<bnn::Trainer>(*m->impl, train->impl,
                                          validation ? validation->impl : nullptr,
                                          test ? test->impl : nullptr);
  });
  if (s != BNN_STATUS_OK) return s;
  return guard(nullptr, [&] {
    auto* h = new bnn_trainer();
    h->impl = std::move(impl);
    h->model = m;
    *out = h;
  });
}

void bnn_trainer_free(bnn_trainer* t) {
  if (!live(t)) return;
  t->magic = 0;
  delete t;
}

const char* bnn_trainer_errmsg(const bnn_trainer* t) {
  if (!live(t)) return t ? "the trainer handle is not valid (already freed?)" : "trainer is NULL";
  return t->errmsg.c_str();
}

bnn_status bnn_trainer_run_epoch(bnn_trainer* t, const char** record) {
  if (record) *record = nullptr;
  return on_trainer(t, [&](bnn_trainer& tt) {
    tt.record = tt.impl->run_epoch().dump();
    if (record) *record = tt.record.c_str();
  });
}

int bnn_trainer_done(const bnn_trainer* t) { return live(t) && t->impl->done() ? 1 : 0; }

bnn_status bnn_trainer_set_step_callback(bnn_trainer* t, bnn_step_callback cb, void* user) {
  return on_trainer(t, [&](bnn_trainer& tt) {
    tt.cb = cb;
    tt.cb_user = user;
    if (!cb) {
      tt.impl->set_step_callback(nullptr);
      return;
    }
    tt.impl->set_step_callback([&tt](int64_t step, int32_t epoch, float loss) {
      return tt.cb(tt.cb_user, step, epoch, loss);
    });
  });
}

bnn_status bnn_trainer_best_model(const bnn_trainer* t, bnn_model** out) {
  if (out) *out = nullptr;
  return on_trainer(t, [&](bnn_trainer& tt) {
    if (!out) bnn::fail(BNN_STATUS_INVALID_ARGUMENT, "out is NULL");
    const auto& bytes = tt.impl->best_bytes();
    if (bytes.empty())
      bnn::fail(BNN_STATUS_INVALID_STATE, "no binarised epoch has finished yet in this trainer");
    auto model = bnn::Model::load_bytes(bytes.data(), bytes.size());
    model->set_trainer_state(bnn::json());  // a best model is a model, not a resume point
    wrap_new_model(std::move(model), out);
  });
}

bnn_status bnn_trainer_position(const bnn_trainer* t, int32_t* epoch_out, int64_t* step_in_epoch_out,
                                int64_t* steps_per_epoch_out) {
  return on_trainer(t, [&](bnn_trainer& tt) {
    const auto& p = tt.impl->progress();
    if (epoch_out) *epoch_out = p.epoch;
    if (step_in_epoch_out) *step_in_epoch_out = static_cast<int64_t>(p.batch);
    if (steps_per_epoch_out) *steps_per_epoch_out = static_cast<int64_t>(tt.impl->steps_per_epoch());
  });
}

bnn_status bnn_trainer_state_json(const bnn_trainer* t, char* buf, size_t capacity, size_t* size_out) {
  return on_trainer(t, [&](bnn_trainer& tt) {
    copy_string(tt.impl->state().dump(), buf, capacity, size_out);
  });
}

bnn_status bnn_trainer_save(const bnn_trainer* t, const char* path) {
  return on_trainer(t, [&](bnn_trainer& tt) {
    if (!path) bnn::fail(BNN_STATUS_INVALID_ARGUMENT, "path is NULL");
    const auto bytes = tt.impl->checkpoint_bytes();
    bnn::write_file_atomic(path, bytes);
  });
}


bnn_status bnn_trainer_set_communicator(bnn_trainer* t, const bnn_communicator* comm) {
  return on_trainer(t, [&](bnn_trainer& tt) {
    if (!comm) bnn::fail(BNN_STATUS_INVALID_ARGUMENT, "comm is NULL");
    bnn_communicator_v2 c2{};
    c2.base = *comm;
    join_group(tt, &c2);
  });
}

bnn_status bnn_trainer_set_communicator_v2(bnn_trainer* t, const bnn_communicator_v2* comm) {
  return on_trainer(t, [&](bnn_trainer& tt) { join_group(tt, comm); });
}

}  // extern "C"
