// Data-parallel training through bnn_trainer_set_communicator (issue 14), with an in-process fake
// communicator: N "ranks" are N threads that reduce through shared slots and a barrier, summing in
// rank order so that every rank gets the same bits.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/fixed_point.h"
#include "test_helpers.h"

namespace {

using json = nlohmann::json;
using bnn_test::ModelPtr;
using bnn_test::make_model;

constexpr size_t kDim = 16, kClasses = 3;

struct Group {
  int size;
  std::mutex mu;
  std::condition_variable cv;
  int arrived = 0;
  uint64_t gen = 0;
  std::vector<void*> slots;
  explicit Group(int n) : size(n), slots(n) {}
  void barrier() {
    std::unique_lock<std::mutex> l(mu);
    const uint64_t g = gen;
    if (++arrived == size) {
      arrived = 0;
      ++gen;
      cv.notify_all();
    } else {
      cv.wait(l, [&] { return gen != g; });
    }
  }
};

struct Rank {
  Group* g;
  int rank;
  int f32_calls = 0;
  int fail_f32_at = -1;  // this f32 all-reduce (0-based) returns an error, on every rank alike
  size_t f32_values = 0;  // floats this rank passed to f32 all-reduces and reduce-scatters
  size_t i64_scattered = 0;  // int64 values this rank passed to reduce-scatters
};

template <class T>
int reduce(void* user, T* data, size_t n, bool max) {
  auto* r = static_cast<Rank*>(user);
  Group& g = *r->g;
  g.slots[r->rank] = data;
  g.barrier();
  std::vector<T> out(static_cast<T*>(g.slots[0]), static_cast<T*>(g.slots[0]) + n);
  for (int k = 1; k < g.size; ++k) {
    const T* s = static_cast<const T*>(g.slots[k]);
    for (size_t i = 0; i < n; ++i) out[i] = max ? std::max(out[i], s[i]) : out[i] + s[i];
  }
  g.barrier();
  std::copy(out.begin(), out.end(), data);
  return 0;
}

bnn_communicator fake_comm(Rank* r) {
  bnn_communicator c{};
  c.user = r;
  c.rank = r->rank;
  c.size = r->g->size;
  c.allreduce_i64 = [](void* u, int64_t* d, size_t n, int op) { return reduce(u, d, n, op == 1); };
  c.allreduce_f64 = [](void* u, double* d, size_t n) { return reduce(u, d, n, false); };
  c.allreduce_f32 = [](void* u, float* d, size_t n) {
    auto* r = static_cast<Rank*>(u);
    if (r->f32_calls++ == r->fail_f32_at) return 5;
    r->f32_values += n;
    return reduce(u, d, n, false);
  };
  c.broadcast = [](void* u, void* d, size_t bytes, int root) {
    auto* r = static_cast<Rank*>(u);
    r->g->slots[r->rank] = d;
    r->g->barrier();
    if (r->rank != root) std::memcpy(d, r->g->slots[root], bytes);
    r->g->barrier();
    return 0;
  };
  c.barrier = [](void* u) {
    static_cast<Rank*>(u)->g->barrier();
    return 0;
  };
  return c;
}

// The same with a reduce-scatter (bnn_communicator_v2): a sum in rank order of which this rank
// keeps its own block, and garbage (NaN) in the others, which nobody may read.
bnn_communicator_v2 fake_comm_v2(Rank* r) {
  bnn_communicator_v2 c{};
  c.base = fake_comm(r);
  c.reduce_scatter = [](void* u, void* d, const size_t* counts, int type) {
    auto* rk = static_cast<Rank*>(u);
    size_t total = 0, lo = 0;
    for (int k = 0; k < rk->g->size; ++k) {
      if (k < rk->rank) lo += counts[k];
      total += counts[k];
    }
    const size_t hi = lo + counts[rk->rank];
    if (type == 0) {
      rk->f32_values += total;
      auto* f = static_cast<float*>(d);
      const int rc = reduce(u, f, total, false);
      for (size_t i = 0; i < total; ++i)
        if (i < lo || i >= hi) f[i] = std::nanf("");
      return rc;
    }
    rk->i64_scattered += total;
    auto* v = static_cast<int64_t*>(d);
    const int rc = reduce(u, v, total, false);
    for (size_t i = 0; i < total; ++i)
      if (i < lo || i >= hi) v[i] = INT64_MIN;
    return rc;
  };
  return c;
}

// The shared synthetic task (test_helpers.h) as a library dataset; sample `huge` (if any) gets
// 3e38 in every feature: finite, but its first layer's sums overflow.
bnn_dataset* dataset(size_t n, uint32_t seed, size_t huge = SIZE_MAX) {
  bnn_test::Synthetic t = bnn_test::make_synthetic(n, kDim, kClasses, seed);
  if (huge < n) std::fill_n(t.x.begin() + static_cast<std::ptrdiff_t>(huge * kDim), kDim, 3e38f);
  bnn_dataset* d = nullptr;
  EXPECT_EQ(bnn_dataset_create(t.x.data(), t.y.data(), n, kDim, &d), BNN_STATUS_OK) << bnn_last_errmsg();
  return d;
}

json model_doc(int batch, int seed = 7) {
  return {{"input_shape", {kDim}},
          {"layers",
           {{{"type", "dense"}, {"units", 32}, {"use_bias", false},
             {"kernel_quantizer", {{"type", "sign"}, {"ste", "clipped"}}}},
            {{"type", "batch_norm"}},
            {{"type", "dense"}, {"units", kClasses}, {"use_bias", false},
             {"input_quantizer", {{"type", "sign"}}},
             {"kernel_quantizer", {{"type", "sign"}, {"ste", "clipped"}}}},
            {{"type", "batch_norm"}}}},
          {"optimizer", {{"type", "adam"}, {"learning_rate", 0.01}}},
          {"seed", seed},
          {"training", {{"epochs", 5}, {"batch_size", batch}, {"validation_split", 0.2}}}};
}

struct Result {
  bnn_status set = BNN_STATUS_OK, run = BNN_STATUS_OK;
  std::string msg;
  std::vector<float> before, after;  // tensors after joining the group, at the end
  std::vector<json> records;
};

// Runs `size` ranks in threads, each its own model (doc_of(rank)) and its own copy of the data.
std::vector<Result> run_group(int size, const std::function<json(int)>& doc_of, int fail_f32_at = -1,
                              bool v2 = false, size_t n_train = 300, size_t* f32_values = nullptr,
                              size_t* i64_scattered = nullptr, size_t huge = SIZE_MAX) {
  Group g(size);
  std::vector<Rank> ranks;
  for (int r = 0; r < size; ++r) ranks.push_back(Rank{&g, r, 0, fail_f32_at});
  std::vector<Result> res(size);
  std::vector<std::thread> th;
  for (int r = 0; r < size; ++r)
    th.emplace_back([&, r] {
      Result& out = res[r];
      ModelPtr m = make_model(doc_of(r).dump());
      bnn_dataset* train = dataset(n_train, 1, huge);
      bnn_dataset* test = dataset(90, 2);
      bnn_trainer* t = nullptr;
      EXPECT_EQ(bnn_trainer_create(m, train, nullptr, test, &t), BNN_STATUS_OK) << bnn_last_errmsg();
      const bnn_communicator_v2 c = fake_comm_v2(&ranks[r]);
      out.set = v2 ? bnn_trainer_set_communicator_v2(t, &c) : bnn_trainer_set_communicator(t, &c.base);
      out.msg = bnn_trainer_errmsg(t);
      out.before = bnn_test::all_tensors(m);
      while (out.set == BNN_STATUS_OK && !bnn_trainer_done(t)) {
        const char* rec = nullptr;
        out.run = bnn_trainer_run_epoch(t, &rec);
        if (out.run != BNN_STATUS_OK) {
          out.msg = bnn_trainer_errmsg(t);
          break;
        }
        json j = json::parse(rec);
        j.erase("seconds");
        j.erase("samples_per_second");
        out.records.push_back(j);
      }
      out.after = bnn_test::all_tensors(m);
      bnn_trainer_free(t);
      bnn_dataset_free(train);
      bnn_dataset_free(test);
    });
  for (auto& t : th) t.join();
  if (f32_values) *f32_values = ranks[0].f32_values;
  if (i64_scattered) *i64_scattered = ranks[0].i64_scattered;
  return res;
}

TEST(DataParallel, TwoRanksEndIdenticalAndLearnLikeOne) {
  const auto one = run_group(1, [](int) { return model_doc(32); });
  const auto two = run_group(2, [](int) { return model_doc(32); });
  ASSERT_EQ(one[0].set, BNN_STATUS_OK) << one[0].msg;
  for (const Result& r : two) {
    ASSERT_EQ(r.set, BNN_STATUS_OK) << r.msg;
    ASSERT_EQ(r.run, BNN_STATUS_OK) << r.msg;
    ASSERT_EQ(r.records.size(), 5u);
  }
  EXPECT_EQ(two[0].before, two[1].before);
  EXPECT_EQ(two[0].after, two[1].after) << "the ranks must hold the same model, bit for bit";
  EXPECT_EQ(two[0].records, two[1].records);
  // The same number of global steps as one process; close accuracy (it differs only by float
  // rounding of the reduction and by batch norm's per-share batch statistics).
  const json& a = one[0].records.back();
  const json& b = two[0].records.back();
  EXPECT_EQ(a.at("steps"), b.at("steps"));
  EXPECT_GT(a.at("val_accuracy").get<double>(), 0.6);
  EXPECT_NEAR(b.at("val_accuracy").get<double>(), a.at("val_accuracy").get<double>(), 0.1);
  EXPECT_NEAR(b.at("test_accuracy").get<double>(), a.at("test_accuracy").get<double>(), 0.1);
  EXPECT_NEAR(b.at("train_accuracy").get<double>(), a.at("train_accuracy").get<double>(), 0.1);
  // Two runs of the same group are identical.
  const auto again = run_group(2, [](int) { return model_doc(32); });
  EXPECT_EQ(again[0].after, two[0].after);
  // With a reduce-scatter (whose other blocks are NaN here) each rank reads only its own rows of
  // the kernels' gradients: the same sums, the same bits.
  const auto scattered = run_group(2, [](int) { return model_doc(32); }, -1, true);
  for (const Result& r : scattered) {
    ASSERT_EQ(r.run, BNN_STATUS_OK) << r.msg;
    EXPECT_EQ(r.after, two[0].after);
    EXPECT_EQ(r.records, two[0].records);
  }
}

TEST(DataParallel, WrongLaunchesFailBeforeTraining) {
  // 33 does not divide over 2 ranks.
  for (const Result& r : run_group(2, [](int) { return model_doc(33); })) {
    EXPECT_EQ(r.set, BNN_STATUS_SHAPE_MISMATCH);
    EXPECT_NE(r.msg.find("does not divide over 2 ranks"), std::string::npos) << r.msg;
  }
  // Ranks with different documents.
  for (const Result& r : run_group(2, [](int rank) { return model_doc(32, 7 + rank); })) {
    EXPECT_EQ(r.set, BNN_STATUS_INVALID_ARGUMENT);
    EXPECT_NE(r.msg.find("disagree"), std::string::npos) << r.msg;
  }
  // Local argument errors.
  ModelPtr m = make_model(model_doc(32).dump());
  bnn_dataset* train = dataset(300, 1);
  bnn_trainer* t = nullptr;
  ASSERT_EQ(bnn_trainer_create(m, train, nullptr, nullptr, &t), BNN_STATUS_OK);
  EXPECT_EQ(bnn_trainer_set_communicator(t, nullptr), BNN_STATUS_INVALID_ARGUMENT);
  Group g(1);
  Rank r{&g, 0};
  bnn_communicator c = fake_comm(&r);
  c.rank = 1;
  EXPECT_EQ(bnn_trainer_set_communicator(t, &c), BNN_STATUS_INVALID_ARGUMENT);
  c.rank = 0;
  c.barrier = nullptr;
  EXPECT_EQ(bnn_trainer_set_communicator(t, &c), BNN_STATUS_INVALID_ARGUMENT);
  c = fake_comm(&r);
  EXPECT_EQ(bnn_trainer_set_communicator(t, &c), BNN_STATUS_OK) << bnn_trainer_errmsg(t);
  EXPECT_EQ(bnn_trainer_set_communicator(t, &c), BNN_STATUS_INVALID_STATE);
  bnn_trainer_free(t);
  // After a step: too late.
  ASSERT_EQ(bnn_trainer_create(m, train, nullptr, nullptr, &t), BNN_STATUS_OK);
  ASSERT_EQ(bnn_trainer_run_epoch(t, nullptr), BNN_STATUS_OK);
  EXPECT_EQ(bnn_trainer_set_communicator(t, &c), BNN_STATUS_INVALID_STATE);
  bnn_trainer_free(t);
  bnn_dataset_free(train);
}

TEST(DataParallel, AFailingReductionFailsTheStepWithIoAndLeavesTheModel) {
  // The first f32 all-reduce is the first step's gradient reduction: it fails on both ranks.
  for (const Result& r : run_group(2, [](int) { return model_doc(32); }, 0)) {
    ASSERT_EQ(r.set, BNN_STATUS_OK) << r.msg;
    EXPECT_EQ(r.run, BNN_STATUS_IO);
    EXPECT_NE(r.msg.find("allreduce_f32 failed (returned 5)"), std::string::npos) << r.msg;
    EXPECT_EQ(r.after, r.before) << "the failed step changed the model";
  }
}

// The trainer without a communicator (the same datasets as run_group's ranks).
Result train_alone(const json& doc, size_t n_train, size_t huge = SIZE_MAX) {
  Result out;
  ModelPtr m = make_model(doc.dump());
  bnn_dataset* train = dataset(n_train, 1, huge);
  bnn_dataset* test = dataset(90, 2);
  bnn_trainer* t = nullptr;
  EXPECT_EQ(bnn_trainer_create(m, train, nullptr, test, &t), BNN_STATUS_OK) << bnn_last_errmsg();
  while (t && !bnn_trainer_done(t)) {
    const char* rec = nullptr;
    out.run = bnn_trainer_run_epoch(t, &rec);
    if (out.run != BNN_STATUS_OK) {
      out.msg = bnn_trainer_errmsg(t);
      break;
    }
    json j = json::parse(rec);
    j.erase("seconds");
    j.erase("samples_per_second");
    out.records.push_back(j);
  }
  out.after = bnn_test::all_tensors(m);
  bnn_trainer_free(t);
  bnn_dataset_free(train);
  bnn_dataset_free(test);
  return out;
}

// A NaN or Inf that only one rank's share produces (here: one sample whose first-layer sums
// overflow) must not leave the other ranks waiting in the step's collectives (before 0.3.2 that
// rank failed at once and the others hung): every rank fails that step with BNN_STATUS_NUMERIC,
// the one that found it naming what, and they hold the same model afterwards (the one before
// that step), like the one-process trainer, which fails at the same epoch.
TEST(DataParallel, ANaNOnOneRankFailsTheStepOnEveryRank) {
  for (int size : {2, 4}) {
    const auto res = run_group(size, [](int) { return model_doc(32); }, -1, true, 300, nullptr, nullptr, 5);
    int found = 0, told = 0;
    for (const Result& r : res) {
      ASSERT_EQ(r.set, BNN_STATUS_OK) << r.msg;
      ASSERT_EQ(r.run, BNN_STATUS_NUMERIC) << r.msg;
      found += r.msg.find("layers[0] (dense) produced NaN or Inf in its forward pass") != std::string::npos;
      // The others: told by the agreement, or failing their own update first (the sums they
      // received carry the overflowing rank's gradient).
      told += r.msg.find("another rank's step produced NaN or Inf") != std::string::npos ||
              r.msg.find("the update of layers.0.kernel would produce NaN or Inf") != std::string::npos;
      EXPECT_EQ(r.records.size(), res[0].records.size());
      EXPECT_EQ(r.after, res[0].after) << "every rank holds the same model after the failed step";
      EXPECT_EQ(std::count_if(r.after.begin(), r.after.end(), [](float v) { return !std::isfinite(v); }), 0);
    }
    EXPECT_EQ(found, 1) << size << " ranks";
    EXPECT_EQ(told, size - 1) << size << " ranks";
    const Result one = train_alone(model_doc(32), 300, 5);
    EXPECT_EQ(one.run, BNN_STATUS_NUMERIC) << one.msg;
    EXPECT_EQ(one.records.size(), res[0].records.size()) << "the same epoch as one process";
  }
}

// training.micro_batch: the exact reduction gives the same bits for every process count, and the
// same as the plain one-process trainer (no communicator).
TEST(DataParallel, ExactMicroBatchesGiveTheSameBitsForOneTwoAndFourRanks) {
  auto doc = [](int) {
    json d = model_doc(32);
    d["training"]["micro_batch"] = 4;  // 8 micro-batches a batch; the last batch (16) has 4
    return d;
  };
  // The trainer without a communicator.
  const Result solo = train_alone(doc(0), 300);
  ASSERT_EQ(solo.run, BNN_STATUS_OK) << solo.msg;
  const std::vector<float>& want = solo.after;
  const std::vector<json>& solo_records = solo.records;
  EXPECT_GT(solo_records.back().at("val_accuracy").get<double>(), 0.6);
  for (int n : {1, 2, 4}) {
    SCOPED_TRACE(std::to_string(n) + " ranks");
    const auto res = run_group(n, doc);
    for (const Result& r : res) {
      ASSERT_EQ(r.set, BNN_STATUS_OK) << r.msg;
      ASSERT_EQ(r.run, BNN_STATUS_OK) << r.msg;
      EXPECT_EQ(r.after, want) << "not the one-process bits";
      EXPECT_EQ(r.records, solo_records);
    }
  }
  // Too few micro-batches for the ranks: refused before training, on every rank.
  auto coarse = [](int) {
    json d = model_doc(32);
    d["training"]["micro_batch"] = 16;  // 2 micro-batches a batch
    return d;
  };
  for (const Result& r : run_group(4, coarse)) {
    EXPECT_EQ(r.set, BNN_STATUS_SHAPE_MISMATCH);
    EXPECT_NE(r.msg.find("fewer than the 4 ranks"), std::string::npos) << r.msg;
  }
  // micro_batch must divide batch_size.
  json bad = model_doc(32);
  bad["training"]["micro_batch"] = 5;
  bnn_model* m = nullptr;
  EXPECT_EQ(bnn_model_create_from_json(bad.dump().c_str(), &m), BNN_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(std::string(bnn_last_errmsg()).find("training.micro_batch"), std::string::npos);
}


// The partitioned update (each rank updates its rows of the binarised kernels, core/model.h) across
// recipe changes that need the latent weights whole -- a full-precision epoch, an STE that reads
// the weights -- and a stop asked by one rank's step callback: the exact mode still ends with the
// one-process bits, inside the callback the scattered kernels refuse to be read, and after the
// stop they are whole on every rank.
struct StopWatch {
  bnn_model* model;
  int64_t stop_at;         // this rank's callback asks to stop at this step (-1: never)
  bnn_status read = BNN_STATUS_OK;  // bnn_model_get_tensor of the first kernel inside the callback
};

int stop_callback(void* user, int64_t step, int32_t, float) {
  auto* w = static_cast<StopWatch*>(user);
  std::vector<float> buf(kDim * 32);
  const bnn_status s = bnn_model_get_tensor(w->model, 0, buf.data(), buf.size());
  if (s != BNN_STATUS_OK) w->read = s;
  return step == w->stop_at ? 1 : 0;
}

TEST(DataParallel, PartitionedUpdateFollowsPhasesStopsTogetherAndKeepsTheOneProcessBits) {
  json doc = model_doc(32);
  doc["training"]["micro_batch"] = 4;
  doc["training"]["pretrain_full_precision_epochs"] = 1;
  doc["training"]["phases"] = {{{"from_epoch", 2}, {"kernel_ste", "approx_sign"}},
                               {{"from_epoch", 3}, {"kernel_ste", "clipped"}}};
  auto run = [&](int size, int stopper, bool v2) {
    Group g(size);
    std::vector<Rank> ranks;
    for (int r = 0; r < size; ++r) ranks.push_back(Rank{&g, r, 0, -1});
    std::vector<std::vector<float>> after(size), at_stop(size);
    std::vector<bnn_status> stopped(size, BNN_STATUS_OK), read(size, BNN_STATUS_OK);
    std::vector<std::thread> th;
    for (int r = 0; r < size; ++r)
      th.emplace_back([&, r] {
        ModelPtr m = make_model(doc.dump());
        bnn_dataset* train = dataset(300, 1);
        bnn_trainer* t = nullptr;
        EXPECT_EQ(bnn_trainer_create(m, train, nullptr, nullptr, &t), BNN_STATUS_OK) << bnn_last_errmsg();
        const bnn_communicator_v2 c = fake_comm_v2(&ranks[r]);
        if (size > 1) {
          const bnn_status s = v2 ? bnn_trainer_set_communicator_v2(t, &c)
                                  : bnn_trainer_set_communicator(t, &c.base);
          EXPECT_EQ(s, BNN_STATUS_OK) << bnn_trainer_errmsg(t);
        }
        // Step 40 is in epoch 4 (8 steps an epoch on 240 training samples), a clipped-STE epoch.
        StopWatch w{m, r == stopper ? 37 : -1};
        EXPECT_EQ(bnn_trainer_set_step_callback(t, stop_callback, &w), BNN_STATUS_OK);
        while (!bnn_trainer_done(t)) {
          const bnn_status s = bnn_trainer_run_epoch(t, nullptr);
          if (s == BNN_STATUS_CANCELLED) {
            stopped[r] = s;
            at_stop[r] = bnn_test::all_tensors(m);  // whole again: readable
            EXPECT_EQ(bnn_trainer_set_step_callback(t, nullptr, nullptr), BNN_STATUS_OK);
            continue;
          }
          ASSERT_EQ(s, BNN_STATUS_OK) << bnn_trainer_errmsg(t);
        }
        read[r] = w.read;
        after[r] = bnn_test::all_tensors(m);
        bnn_trainer_free(t);
        bnn_dataset_free(train);
      });
    for (auto& t : th) t.join();
    for (int r = 0; r < size; ++r) {
      EXPECT_EQ(stopped[r], BNN_STATUS_CANCELLED) << "rank " << r << " did not stop with rank " << stopper;
      EXPECT_EQ(at_stop[r], at_stop[0]);
      EXPECT_EQ(read[r], size > 1 ? BNN_STATUS_INVALID_STATE : BNN_STATUS_OK) << "rank " << r;
    }
    return after;
  };
  const std::vector<float> solo = run(1, 0, false)[0];
  for (bool v2 : {false, true})
    for (int size : {2, 4})
      for (const auto& a : run(size, size - 1, v2))
        EXPECT_EQ(a, solo) << size << " ranks, " << (v2 ? "reduce-scatter" : "all-reduce");
}


// The exact step's rounding onto its grid equals std::nearbyint (ties to even) for every float
// times a power of two it can meet: halves, ties, the 2^23 and 2^51 boundaries, large and tiny.
TEST(DataParallel, FixedPointRoundingIsNearbyint) {
  std::vector<double> vs = {0.0, -0.0, 0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.49999997, 8388607.5,
                            8388608.0, -8388607.5, 0x1p51, -0x1p51, 0x1.fffffep50, 0x1.fffffep62,
                            -0x1.fffffep62, 1e-30, -1e-30};
  uint32_t state = 12345;
  for (int i = 0; i < 200000; ++i) {
    state = state * 1664525u + 1013904223u;
    float f;
    uint32_t bits = state & 0xBFFFFFFFu;  // exponents below 2^1: finite, |f| < 2
    std::memcpy(&f, &bits, sizeof f);
    vs.push_back(std::ldexp(static_cast<double>(f), static_cast<int>(state % 62)));
  }
  for (double v : vs)
    ASSERT_EQ(bnn::round_to_int64(v), static_cast<int64_t>(std::nearbyint(v))) << std::hexfloat << v;
}


// Every rank of `res` ran, ends with the same tensors, moved the model visibly and ended within
// float rounding of the one-process step `one`.
void expect_one_process_step(const std::vector<Result>& res, const Result& one) {
  for (const Result& r : res) {
    ASSERT_EQ(r.set, BNN_STATUS_OK) << r.msg;
    ASSERT_EQ(r.run, BNN_STATUS_OK) << r.msg;
    ASSERT_EQ(r.after.size(), one.after.size());
    EXPECT_EQ(r.after, res[0].after);
    float worst = 0, moved = 0;
    for (size_t i = 0; i < r.after.size(); ++i) {
      worst = std::max(worst, std::fabs(r.after[i] - one.after[i]));
      moved = std::max(moved, std::fabs(r.after[i] - r.before[i]));
    }
    EXPECT_LT(worst, 2e-5f) << "not the one-process step";
    EXPECT_GT(moved, 0.05f) << "the step did not move the model";
  }
}

// Synchronised batch norm (plain mode): one step over 2 ranks (shares 8 + 8) and over 3 ranks
// (5 + 5 + 6, unequal) is the one-process step up to float rounding -- the batch statistics, and
// so the running mean and variance, and the gradients through batch norm are the global batch's.
TEST(DataParallel, SynchronisedBatchNormGivesTheOneProcessStep) {
  auto doc = [](int batch) {
    json d = model_doc(batch);
    d["optimizer"] = {{"type", "sgd"}, {"learning_rate", 0.5}};
    d["training"]["epochs"] = 1;
    d["training"]["validation_split"] = 0.0;
    d["layers"][1]["momentum"] = 0.5;  // running statistics that move visibly in one step
    d["layers"][3]["momentum"] = 0.5;
    return d;
  };
  // 16 training samples: one (short) batch of 16.
  const auto one = run_group(1, [&](int) { return doc(18); }, -1, false, 16);
  ASSERT_EQ(one[0].run, BNN_STATUS_OK) << one[0].msg;
  ASSERT_EQ(one[0].records.at(0).at("steps"), 1);
  for (int size : {2, 3}) {
    SCOPED_TRACE(std::to_string(size) + " ranks");
    const auto res = run_group(size, [&](int) { return doc(18); }, -1, true, 16);
    expect_one_process_step(res, one[0]);
    for (const Result& r : res) {
      if (!r.records.empty()) {
        EXPECT_NEAR(r.records.at(0).at("train_loss").get<double>(),
                    one[0].records.at(0).at("train_loss").get<double>(), 1e-6);
      }
    }
  }
}

// Plain mode, kernel gradients from their factors (layers/layer.h FactorSync): with a global batch
// small against the layers, the ranks exchange their rows of each dense layer's input (floats for
// the first, bits behind a sign) and output gradient, and compute the global batch's gradient of
// the kernel rows they update (by lookup tables behind a sign of 160 inputs: the second layer,
// BinaryKernel::signs_gradient). One step over 2 ranks (4 + 4), 3 ranks (2 + 3 + 3) and 4 ranks is
// the one-process step up to float rounding, and no kernel gradient goes through a float
// reduction: only batch norm's parameters do.
TEST(DataParallel, KernelGradientsFromExchangedFactorsGiveTheOneProcessStep) {
  auto doc = [](int) {
    const json sign = {{"type", "sign"}, {"ste", "clipped"}};
    json d = model_doc(12);  // 8 training samples: one (short) batch of 8
    d["layers"] = {{{"type", "dense"}, {"units", 160}, {"use_bias", false}, {"kernel_quantizer", sign}},
                   {{"type", "batch_norm"}, {"momentum", 0.5}},
                   {{"type", "dense"}, {"units", 64}, {"use_bias", false}, {"input_quantizer", sign},
                    {"kernel_quantizer", sign}},
                   {{"type", "batch_norm"}, {"momentum", 0.5}},
                   {{"type", "dense"}, {"units", kClasses}, {"use_bias", false},
                    {"input_quantizer", sign}, {"kernel_quantizer", sign}},
                   {{"type", "batch_norm"}, {"momentum", 0.5}}};
    d["optimizer"] = {{"type", "sgd"}, {"learning_rate", 0.5}};
    d["training"]["epochs"] = 1;
    d["training"]["validation_split"] = 0.0;
    return d;
  };
  const auto one = run_group(1, doc, -1, false, 8);
  ASSERT_EQ(one[0].run, BNN_STATUS_OK) << one[0].msg;
  ASSERT_EQ(one[0].records.at(0).at("steps"), 1);
  const size_t kernel_values = kDim * 160 + 160 * 64 + 64 * kClasses;
  const size_t bn_values = 2 * (160 + 64 + kClasses);
  for (int size : {2, 3, 4})
    for (bool v2 : {false, true}) {
      SCOPED_TRACE(std::to_string(size) + " ranks, v" + (v2 ? "2" : "1"));
      size_t f32 = 0;
      const auto res = run_group(size, doc, -1, v2, 8, &f32);
      EXPECT_EQ(f32, bn_values) << "of " << kernel_values << " kernel values";
      expect_one_process_step(res, one[0]);
    }
}

// The exact step with kernel gradients from their factors (a batch small against the layers):
// the ranks exchange their micro-batches' rows of x and dy once, and each computes every
// micro-batch's contribution to its own rows as one process does (by lookup tables behind the sign
// of 160 inputs, BinaryKernel::signs_gradient; by the GEMM otherwise). The same bits as the
// trainer alone for 1, 2 and 4 ranks, through v1 and v2 communicators, and no kernel's integer
// sums go through a reduce-scatter.
TEST(DataParallel, ExactStepWithKernelGradientsFromFactorsKeepsTheOneProcessBits) {
  auto doc = [](int) {
    const json sign = {{"type", "sign"}, {"ste", "clipped"}};
    json d = model_doc(8);
    d["layers"] = {{{"type", "dense"}, {"units", 160}, {"use_bias", false}, {"kernel_quantizer", sign}},
                   {{"type", "batch_norm"}},
                   {{"type", "dense"}, {"units", 64}, {"use_bias", false}, {"input_quantizer", sign},
                    {"kernel_quantizer", sign}},
                   {{"type", "batch_norm"}},
                   {{"type", "dense"}, {"units", kClasses}, {"use_bias", false},
                    {"input_quantizer", sign}, {"kernel_quantizer", sign}},
                   {{"type", "batch_norm"}}};
    d["training"]["epochs"] = 2;
    d["training"]["micro_batch"] = 2;  // 4 micro-batches a batch
    return d;
  };
  const Result solo = train_alone(doc(0), 60);
  ASSERT_EQ(solo.run, BNN_STATUS_OK) << solo.msg;
  for (int n : {1, 2, 4})
    for (bool v2 : {false, true}) {
      SCOPED_TRACE(std::to_string(n) + " ranks, v" + (v2 ? "2" : "1"));
      size_t scattered = 0;
      const auto res = run_group(n, doc, -1, v2, 60, nullptr, &scattered);
      EXPECT_EQ(scattered, 0u);
      for (const Result& r : res) {
        ASSERT_EQ(r.set, BNN_STATUS_OK) << r.msg;
        ASSERT_EQ(r.run, BNN_STATUS_OK) << r.msg;
        EXPECT_EQ(r.after, solo.after) << "not the one-process bits";
        EXPECT_EQ(r.records, solo.records);
      }
    }
}

}  // namespace
