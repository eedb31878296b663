// The dataset and trainer API (0.2) through the public C ABI: recipes with phases, schedules and
// two-stage training; determinism; cancellation; checkpoint/resume; bad input.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "test_helpers.h"

namespace {

using json = nlohmann::json;
using bnn_test::ModelPtr;
using bnn_test::make_model;

struct DatasetPtr {
  bnn_dataset* d = nullptr;
  ~DatasetPtr() { bnn_dataset_free(d); }
  operator bnn_dataset*() const { return d; }
};
struct TrainerPtr {
  bnn_trainer* t = nullptr;
  ~TrainerPtr() { bnn_trainer_free(t); }
  operator bnn_trainer*() const { return t; }
};

constexpr size_t kDim = 16, kClasses = 3;

// The shared synthetic task (test_helpers.h) as a library dataset.
DatasetPtr dataset(size_t n, uint32_t seed) {
  const bnn_test::Synthetic t = bnn_test::make_synthetic(n, kDim, kClasses, seed);
  DatasetPtr d;
  EXPECT_EQ(bnn_dataset_create(t.x.data(), t.y.data(), n, kDim, &d.d), BNN_STATUS_OK) << bnn_last_errmsg();
  return d;
}

json model_doc(const json& training) {
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
          {"seed", 7},
          {"training", training}};
}

const json kRecipe = {
    {"epochs", 6},
    {"batch_size", 32},
    {"validation_split", 0.2},
    {"lr_schedule", {{"type", "exponential"}, {"final_learning_rate", 1e-4}}},
    {"pretrain_full_precision_epochs", 2},
    {"phases",
     {{{"from_epoch", 0}, {"kernel_ste", "identity"}, {"weight_clip", {{"mode", "none"}}}},
      {{"from_epoch", 4}, {"kernel_ste", "clipped"}, {"weight_clip", {{"mode", "fixed"}, {"value", 1.0}}},
       {"batch_norm_momentum", 0.85}}}}};

std::vector<json> train_all(bnn_model* m, bnn_dataset* train, bnn_dataset* test) {
  TrainerPtr t;
  EXPECT_EQ(bnn_trainer_create(m, train, nullptr, test, &t.t), BNN_STATUS_OK) << bnn_last_errmsg();
  std::vector<json> recs;
  while (t.t && !bnn_trainer_done(t)) {
    const char* r = nullptr;
    EXPECT_EQ(bnn_trainer_run_epoch(t, &r), BNN_STATUS_OK) << bnn_trainer_errmsg(t);
    if (!r) break;
    recs.push_back(json::parse(r));
  }
  return recs;
}

json without_times(json r) {
  r.erase("seconds");
  r.erase("samples_per_second");
  return r;
}

TEST(Trainer, RecipeSwitchesAtTheRightEpochs) {
  DatasetPtr train = dataset(300, 1), test = dataset(90, 2);
  ModelPtr m = make_model(model_doc(kRecipe).dump());
  const auto recs = train_all(m, train, test);
  ASSERT_EQ(recs.size(), 6u);
  for (int e = 0; e < 6; ++e) {
    const json& r = recs[e];
    EXPECT_EQ(r.at("epoch"), e);
    // Two-stage: full precision for 2 epochs, then binarised.
    EXPECT_EQ(r.at("quantized").get<bool>(), e >= 2) << e;
    // Phases: vanilla STE, no clipping until epoch 4; then clipped STE, fixed clipping, BN momentum.
    EXPECT_EQ(r.at("kernel_ste"), e < 4 ? "identity" : "clipped 1.0") << e;
    EXPECT_EQ(r.at("weight_clip"), e < 4 ? "none" : "fixed 1.0") << e;
    EXPECT_NEAR(r.at("batch_norm_momentum").get<double>(), e < 4 ? 0.99 : 0.85, 1e-9) << e;
    EXPECT_EQ(r.at("phase"), e < 4 ? 0 : 1);
    // Exponential schedule from 0.01 to 1e-4 over the 6 epochs (as float, the optimiser's type).
    const double lr = 0.01 * std::pow(1e-4 / 0.01, e / 5.0);
    EXPECT_NEAR(r.at("lr").get<double>(), lr, lr * 1e-6) << e;
    // 240 training samples (20% held out) in batches of 32: 8 steps an epoch.
    EXPECT_EQ(r.at("steps"), 8 * (e + 1));
    for (const char* k : {"train_loss", "train_accuracy", "val_accuracy", "test_accuracy", "flip_ratio"})
      EXPECT_TRUE(r.at(k).is_number()) << k;
    // Only binarised epochs compete for the best model.
    if (e < 2) {
      EXPECT_FALSE(r.at("best").get<bool>());
    }
  }
  EXPECT_EQ(recs[2].at("best").get<bool>(), true);  // the first binarised epoch is the first best
  EXPECT_GT(recs.back().at("val_accuracy").get<double>(), 0.6);  // it learns
}

TEST(Trainer, SameSeedSameRecordsAndTensors) {
  DatasetPtr train = dataset(200, 3), test = dataset(60, 4);
  ModelPtr a = make_model(model_doc(kRecipe).dump()), b = make_model(model_doc(kRecipe).dump());
  auto ra = train_all(a, train, test), rb = train_all(b, train, test);
  ASSERT_EQ(ra.size(), rb.size());
  for (size_t i = 0; i < ra.size(); ++i) EXPECT_EQ(without_times(ra[i]), without_times(rb[i]));
  EXPECT_EQ(bnn_test::all_tensors(a), bnn_test::all_tensors(b));
}

struct CancelAt {
  int64_t at;
  int calls = 0;
};
int cancel_cb(void* user, int64_t step, int32_t, float loss) {
  auto* c = static_cast<CancelAt*>(user);
  ++c->calls;
  EXPECT_TRUE(std::isfinite(loss));
  return step == c->at ? 1 : 0;
}

TEST(Trainer, CancelMidEpochAndContinueEqualsUninterrupted) {
  DatasetPtr train = dataset(200, 5);
  ModelPtr ref = make_model(model_doc(kRecipe).dump());
  train_all(ref, train, nullptr);

  ModelPtr m = make_model(model_doc(kRecipe).dump());
  TrainerPtr t;
  ASSERT_EQ(bnn_trainer_create(m, train, nullptr, nullptr, &t.t), BNN_STATUS_OK);
  CancelAt c{8};  // 160 training samples / 32: 5 steps an epoch; step 8 is epoch 1's third
  ASSERT_EQ(bnn_trainer_set_step_callback(t, cancel_cb, &c), BNN_STATUS_OK);
  const char* rec = nullptr;
  ASSERT_EQ(bnn_trainer_run_epoch(t, &rec), BNN_STATUS_OK);
  EXPECT_EQ(bnn_trainer_run_epoch(t, &rec), BNN_STATUS_CANCELLED);
  EXPECT_EQ(rec, nullptr);
  EXPECT_NE(std::string(bnn_trainer_errmsg(t)).find("callback"), std::string::npos);
  int32_t epoch = -1;
  int64_t step = -1, per = -1;
  ASSERT_EQ(bnn_trainer_position(t, &epoch, &step, &per), BNN_STATUS_OK);
  EXPECT_EQ(epoch, 1);
  EXPECT_EQ(step, 3);
  EXPECT_EQ(per, 5);
  uint64_t steps = 0;
  bnn_model_step_count(m, &steps);
  EXPECT_EQ(steps, 8u);
  // Continue, and also cross a checkpoint: save mid-epoch, load, resume in a new trainer.
  const std::string path = (std::filesystem::temp_directory_path() / "bnn_trainer_resume.bnn").string();
  ASSERT_EQ(bnn_trainer_save(t, path.c_str()), BNN_STATUS_OK) << bnn_trainer_errmsg(t);
  ASSERT_EQ(bnn_trainer_set_step_callback(t, nullptr, nullptr), BNN_STATUS_OK);
  while (!bnn_trainer_done(t)) ASSERT_EQ(bnn_trainer_run_epoch(t, &rec), BNN_STATUS_OK);
  EXPECT_EQ(bnn_test::all_tensors(m), bnn_test::all_tensors(ref));
  EXPECT_EQ(bnn_trainer_run_epoch(t, &rec), BNN_STATUS_INVALID_STATE);

  bnn_model* loaded = nullptr;
  ASSERT_EQ(bnn_model_load(path.c_str(), &loaded), BNN_STATUS_OK) << bnn_last_errmsg();
  ModelPtr lm(loaded);
  TrainerPtr t2;
  ASSERT_EQ(bnn_trainer_create(lm, train, nullptr, nullptr, &t2.t), BNN_STATUS_OK) << bnn_last_errmsg();
  ASSERT_EQ(bnn_trainer_position(t2, &epoch, &step, nullptr), BNN_STATUS_OK);
  EXPECT_EQ(epoch, 1);
  EXPECT_EQ(step, 3);
  while (!bnn_trainer_done(t2)) ASSERT_EQ(bnn_trainer_run_epoch(t2, &rec), BNN_STATUS_OK);
  EXPECT_EQ(bnn_test::all_tensors(lm), bnn_test::all_tensors(ref));
  std::remove(path.c_str());

}

TEST(Trainer, ResumeOnOtherDataIsRefused) {
  DatasetPtr train = dataset(100, 7), other = dataset(100, 8);
  ModelPtr m = make_model(model_doc({{"epochs", 2}, {"batch_size", 20}}).dump());
  TrainerPtr t;
  ASSERT_EQ(bnn_trainer_create(m, train, nullptr, nullptr, &t.t), BNN_STATUS_OK);
  const char* rec = nullptr;
  ASSERT_EQ(bnn_trainer_run_epoch(t, &rec), BNN_STATUS_OK);
  size_t size = 0;
  const std::string path = (std::filesystem::temp_directory_path() / "bnn_trainer_other.bnn").string();
  ASSERT_EQ(bnn_trainer_save(t, path.c_str()), BNN_STATUS_OK);
  bnn_model* loaded = nullptr;
  ASSERT_EQ(bnn_model_load(path.c_str(), &loaded), BNN_STATUS_OK);
  ModelPtr lm(loaded);
  TrainerPtr t2;
  // Different samples with the same labels in the same order would pass the label checksum;
  // here the labels differ (dataset seed changes the noise only, so use another count).
  DatasetPtr shorter = dataset(99, 7);
  EXPECT_EQ(bnn_trainer_create(lm, shorter, nullptr, nullptr, &t2.t), BNN_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(std::string(bnn_last_errmsg()).find("other training data"), std::string::npos);
  (void)size;
  (void)other;
  std::remove(path.c_str());
}

TEST(Trainer, BestModelIsTheBestValidationEpoch) {
  DatasetPtr train = dataset(200, 9);
  ModelPtr m = make_model(model_doc({{"epochs", 4}, {"batch_size", 25}}).dump());
  TrainerPtr t;
  ASSERT_EQ(bnn_trainer_create(m, train, nullptr, nullptr, &t.t), BNN_STATUS_OK);
  bnn_model* best = nullptr;
  EXPECT_EQ(bnn_trainer_best_model(t, &best), BNN_STATUS_INVALID_STATE);
  EXPECT_EQ(best, nullptr);
  double best_val = -1;
  while (!bnn_trainer_done(t)) {
    const char* r = nullptr;
    ASSERT_EQ(bnn_trainer_run_epoch(t, &r), BNN_STATUS_OK);
    const json rec = json::parse(r);
    if (rec.at("best").get<bool>()) {
      best_val = rec.at("val_accuracy");
      ASSERT_EQ(bnn_trainer_best_model(t, &best), BNN_STATUS_OK);
      ModelPtr b(best);
      EXPECT_EQ(bnn_test::all_tensors(b), bnn_test::all_tensors(m));
      best = nullptr;
    }
  }
  ASSERT_EQ(bnn_trainer_best_model(t, &best), BNN_STATUS_OK);
  ModelPtr b(best);
  // The validation set is the last 10% (20 samples) of train.
  std::vector<float> x(20 * kDim);
  std::vector<int32_t> y(20);
  ASSERT_EQ(bnn_dataset_get(train, 180, 20, x.data(), x.size(), y.data(), y.size()), BNN_STATUS_OK);
  float loss = 0, acc = 0;
  ASSERT_EQ(bnn_model_evaluate(b, x.data(), y.data(), 20, &loss, &acc), BNN_STATUS_OK);
  EXPECT_NEAR(acc, best_val, 1e-6);
}

TEST(Trainer, StandardizeLivesInTheModel) {
  json doc = model_doc({{"epochs", 2}, {"batch_size", 20}});
  doc["standardize"] = "per_image";
  DatasetPtr train = dataset(100, 10);
  ModelPtr m = make_model(doc.dump());
  train_all(m, train, nullptr);
  // A model without standardisation, same tensors, fed standardised inputs, predicts the same.
  json plain = doc;
  plain["standardize"] = "none";
  ModelPtr p = make_model(plain.dump());
  for (size_t i = 0; i < bnn_model_tensor_count(m); ++i) {
    size_t n = 0;
    bnn_model_tensor_info(m, i, nullptr, &n);
    std::vector<float> v(n);
    bnn_model_get_tensor(m, i, v.data(), n);
    ASSERT_EQ(bnn_model_set_tensor(p, i, v.data(), n), BNN_STATUS_OK);
  }
  std::vector<float> x(100 * kDim), xs;
  std::vector<int32_t> y(100);
  ASSERT_EQ(bnn_dataset_get(train, 0, 100, x.data(), x.size(), y.data(), y.size()), BNN_STATUS_OK);
  xs = x;
  for (size_t i = 0; i < 100; ++i) {
    double mean = 0, var = 0;
    for (size_t j = 0; j < kDim; ++j) mean += x[i * kDim + j];
    mean /= kDim;
    for (size_t j = 0; j < kDim; ++j) var += (x[i * kDim + j] - mean) * (x[i * kDim + j] - mean);
    const double sd = std::max(std::sqrt(var / kDim), 1.0 / std::sqrt(double(kDim)));
    for (size_t j = 0; j < kDim; ++j) xs[i * kDim + j] = static_cast<float>((x[i * kDim + j] - mean) / sd);
  }
  std::vector<float> la(100 * kClasses), lb(100 * kClasses);
  ASSERT_EQ(bnn_model_predict(m, x.data(), 100, la.data(), la.size()), BNN_STATUS_OK);
  ASSERT_EQ(bnn_model_predict(p, xs.data(), 100, lb.data(), lb.size()), BNN_STATUS_OK);
  EXPECT_EQ(la, lb);
  float acc_ds = 0, acc_raw = 0, loss = 0;
  ASSERT_EQ(bnn_model_evaluate_dataset(m, train, &loss, &acc_ds), BNN_STATUS_OK);
  ASSERT_EQ(bnn_model_evaluate(m, x.data(), y.data(), 100, &loss, &acc_raw), BNN_STATUS_OK);
  EXPECT_EQ(acc_ds, acc_raw);
  // It travels in checkpoints and in the document.
  size_t size = 0;
  ASSERT_EQ(bnn_model_save_buffer(m, nullptr, 0, &size), BNN_STATUS_OK);
  std::vector<uint8_t> buf(size);
  ASSERT_EQ(bnn_model_save_buffer(m, buf.data(), size, &size), BNN_STATUS_OK);
  bnn_model* l = nullptr;
  ASSERT_EQ(bnn_model_load_buffer(buf.data(), size, &l), BNN_STATUS_OK);
  ModelPtr lm(l);
  std::vector<float> lc(100 * kClasses);
  ASSERT_EQ(bnn_model_predict(lm, x.data(), 100, lc.data(), lc.size()), BNN_STATUS_OK);
  EXPECT_EQ(la, lc);
}

TEST(Trainer, DeprecatedTrainingStandardizeAlias) {
  json doc = model_doc({{"epochs", 1}, {"standardize", "per_image"}});
  ModelPtr m = make_model(doc.dump());
  size_t n = 0;
  ASSERT_EQ(bnn_model_config_json(m, nullptr, 0, &n), BNN_STATUS_OK);
  std::string s(n, '\0');
  ASSERT_EQ(bnn_model_config_json(m, &s[0], n, &n), BNN_STATUS_OK);
  EXPECT_EQ(json::parse(s.c_str()).at("standardize"), "per_image");
  doc["standardize"] = "none";
  bnn_model* bad = nullptr;
  EXPECT_EQ(bnn_model_create_from_json(doc.dump().c_str(), &bad), BNN_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(std::string(bnn_last_errmsg()).find("training.standardize"), std::string::npos);
}

TEST(Trainer, GlobalStandardizeLearnsFromTrainingSamplesOnly) {
  json doc = model_doc({{"epochs", 1}, {"batch_size", 50}, {"validation_split", 0.5}});
  doc["standardize"] = "global";
  ModelPtr m = make_model(doc.dump());
  std::vector<float> x(10 * kDim, 0.5f), logits(10 * kClasses);
  EXPECT_EQ(bnn_model_predict(m, x.data(), 10, logits.data(), logits.size()), BNN_STATUS_INVALID_STATE);
  // Training samples all 0/1, validation samples shifted by +100: the statistics must ignore them.
  std::vector<float> tx(100 * kDim);
  std::vector<int32_t> ty(100);
  for (size_t i = 0; i < 100; ++i) {
    ty[i] = static_cast<int32_t>(i % kClasses);
    for (size_t j = 0; j < kDim; ++j) tx[i * kDim + j] = (i < 50 ? 0.0f : 100.0f) + ((i + j) % 2);
  }
  DatasetPtr d;
  ASSERT_EQ(bnn_dataset_create(tx.data(), ty.data(), 100, kDim, &d.d), BNN_STATUS_OK);
  TrainerPtr t;
  ASSERT_EQ(bnn_trainer_create(m, d, nullptr, nullptr, &t.t), BNN_STATUS_OK);
  size_t n = 0;
  bnn_model_config_json(m, nullptr, 0, &n);
  std::string s(n, '\0');
  bnn_model_config_json(m, &s[0], n, &n);
  const json st = json::parse(s.c_str()).at("standardize");
  EXPECT_EQ(st.at("mode"), "global");
  EXPECT_NEAR(st.at("mean").get<double>(), 0.5, 1e-9);
  EXPECT_NEAR(st.at("sd").get<double>(), 0.5, 1e-6);
}

TEST(Trainer, ShortLastBatchIsKept) {
  DatasetPtr train = dataset(110, 11);  // 99 training samples at split 0.1: 3 batches of 40, 40, 19
  ModelPtr m = make_model(model_doc({{"epochs", 1}, {"batch_size", 40}}).dump());
  const auto recs = train_all(m, train, nullptr);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].at("steps"), 3);
}

TEST(Trainer, EvalBatchSizeDoesNotChangeResults) {
  DatasetPtr train = dataset(150, 12), test = dataset(77, 13);
  ModelPtr a = make_model(model_doc({{"epochs", 1}, {"eval_batch_size", 7}}).dump());
  ModelPtr b = make_model(model_doc({{"epochs", 1}, {"eval_batch_size", 1000}}).dump());
  const auto ra = train_all(a, train, test), rb = train_all(b, train, test);
  EXPECT_NEAR(ra[0].at("test_accuracy").get<double>(), rb[0].at("test_accuracy").get<double>(), 1e-6);
  EXPECT_NEAR(ra[0].at("test_loss").get<double>(), rb[0].at("test_loss").get<double>(), 1e-5);
}

TEST(TrainerBadInput, DatasetsAndTrainers) {
  std::vector<float> x(4 * kDim, 0.1f);
  std::vector<int32_t> y = {0, 1, 2, 0};
  bnn_dataset* d = reinterpret_cast<bnn_dataset*>(1);
  EXPECT_EQ(bnn_dataset_create(nullptr, y.data(), 4, kDim, &d), BNN_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(d, nullptr);
  EXPECT_EQ(bnn_dataset_create(x.data(), nullptr, 4, kDim, &d), BNN_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(bnn_dataset_create(x.data(), y.data(), 0, kDim, &d), BNN_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(bnn_dataset_create(x.data(), y.data(), 4, 0, &d), BNN_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(bnn_dataset_create(x.data(), y.data(), 4, kDim, nullptr), BNN_STATUS_INVALID_ARGUMENT);
  x[2 * kDim + 3] = NAN;
  EXPECT_EQ(bnn_dataset_create(x.data(), y.data(), 4, kDim, &d), BNN_STATUS_NUMERIC);
  EXPECT_NE(std::string(bnn_last_errmsg()).find("sample 2"), std::string::npos);
  x[2 * kDim + 3] = 0.0f;
  y[1] = -1;
  EXPECT_EQ(bnn_dataset_create(x.data(), y.data(), 4, kDim, &d), BNN_STATUS_OUT_OF_RANGE);
  y[1] = 7;  // fine for a dataset; too large for a 3-class model
  DatasetPtr big;
  ASSERT_EQ(bnn_dataset_create(x.data(), y.data(), 4, kDim, &big.d), BNN_STATUS_OK);
  EXPECT_EQ(bnn_dataset_num_classes(big), 8u);
  EXPECT_EQ(bnn_dataset_count(nullptr), 0u);

  ModelPtr m = make_model(model_doc({{"epochs", 1}, {"batch_size", 2}}).dump());
  bnn_trainer* t = reinterpret_cast<bnn_trainer*>(1);
  EXPECT_EQ(bnn_trainer_create(m, big, nullptr, nullptr, &t), BNN_STATUS_OUT_OF_RANGE);
  EXPECT_EQ(t, nullptr);
  EXPECT_NE(std::string(bnn_last_errmsg()).find("label 7"), std::string::npos);
  EXPECT_EQ(bnn_trainer_create(nullptr, big, nullptr, nullptr, &t), BNN_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(bnn_trainer_create(m, nullptr, nullptr, nullptr, &t), BNN_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(bnn_trainer_create(m, big, nullptr, nullptr, nullptr), BNN_STATUS_INVALID_ARGUMENT);
  // Sample size that does not fit.
  DatasetPtr wide;
  std::vector<float> xw(4 * (kDim + 1), 0.0f);
  y[1] = 1;
  ASSERT_EQ(bnn_dataset_create(xw.data(), y.data(), 4, kDim + 1, &wide.d), BNN_STATUS_OK);
  EXPECT_EQ(bnn_trainer_create(m, wide, nullptr, nullptr, &t), BNN_STATUS_SHAPE_MISMATCH);
  float loss, acc;
  EXPECT_EQ(bnn_model_evaluate_dataset(m, wide, &loss, &acc), BNN_STATUS_SHAPE_MISMATCH);
  EXPECT_EQ(bnn_model_evaluate_dataset(m, nullptr, &loss, &acc), BNN_STATUS_INVALID_ARGUMENT);
  // A validation split that leaves no training sample.
  DatasetPtr one;
  ASSERT_EQ(bnn_dataset_create(x.data(), y.data(), 1, kDim, &one.d), BNN_STATUS_OK);
  ModelPtr m9 = make_model(model_doc({{"epochs", 1}, {"validation_split", 0.9}}).dump());
  DatasetPtr small;
  ASSERT_EQ(bnn_dataset_create(x.data(), y.data(), 4, kDim, &small.d), BNN_STATUS_OK);
  EXPECT_EQ(bnn_trainer_create(m9, one, nullptr, nullptr, &t), BNN_STATUS_OK);  // 0 held out of 1
  bnn_trainer_free(t);
  t = nullptr;
  // An invalid training section never makes a model.
  bnn_model* bad = nullptr;
  EXPECT_EQ(bnn_model_create_from_json(model_doc({{"epochs", 0}}).dump().c_str(), &bad), BNN_STATUS_OUT_OF_RANGE);
  EXPECT_NE(std::string(bnn_last_errmsg()).find("training.epochs"), std::string::npos);
  EXPECT_EQ(bnn_model_create_from_json(model_doc({{"phases", {{{"from_epoch", 1}, {"kernel_ste", "tanh"}}}}}).dump().c_str(), &bad),
            BNN_STATUS_INVALID_ARGUMENT);
  // NULL / freed handles.
  EXPECT_EQ(bnn_trainer_run_epoch(nullptr, nullptr), BNN_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(bnn_trainer_done(nullptr), 0);
  EXPECT_EQ(bnn_trainer_best_model(nullptr, &bad), BNN_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(bnn_trainer_save(nullptr, "x"), BNN_STATUS_INVALID_ARGUMENT);
  bnn_trainer_free(nullptr);
  bnn_dataset_free(nullptr);
  // dataset_get bounds.
  std::vector<float> out(kDim);
  EXPECT_EQ(bnn_dataset_get(small, 3, 2, out.data(), out.size(), nullptr, 0), BNN_STATUS_OUT_OF_RANGE);
  EXPECT_EQ(bnn_dataset_get(small, 0, 2, out.data(), out.size(), nullptr, 0), BNN_STATUS_BUFFER_TOO_SMALL);
  EXPECT_EQ(bnn_dataset_get(small, 0, 1, out.data(), out.size(), nullptr, 0), BNN_STATUS_OK);
}

TEST(TrainerBadInput, NumericFaultLeavesTrainerUsable) {
  // A float layer whose sums overflow: the first step fails in its forward pass.
  json doc = model_doc({{"epochs", 1}, {"batch_size", 10}});
  doc["layers"] = {{{"type", "dense"}, {"units", kClasses}, {"use_bias", false}}};
  std::vector<float> x(40 * kDim, 3e38f);
  std::vector<int32_t> y(40, 1);
  DatasetPtr d;
  ASSERT_EQ(bnn_dataset_create(x.data(), y.data(), 40, kDim, &d.d), BNN_STATUS_OK);
  ModelPtr m = make_model(doc.dump());
  const auto before = bnn_test::all_tensors(m);
  TrainerPtr t;
  ASSERT_EQ(bnn_trainer_create(m, d, nullptr, nullptr, &t.t), BNN_STATUS_OK);
  const char* r = nullptr;
  EXPECT_EQ(bnn_trainer_run_epoch(t, &r), BNN_STATUS_NUMERIC);
  EXPECT_NE(std::string(bnn_trainer_errmsg(t)).find("NaN or Inf"), std::string::npos) << bnn_trainer_errmsg(t);
  EXPECT_EQ(bnn_test::all_tensors(m), before);
  int32_t epoch = -1;
  int64_t step = -1;
  ASSERT_EQ(bnn_trainer_position(t, &epoch, &step, nullptr), BNN_STATUS_OK);
  EXPECT_EQ(epoch, 0);
  EXPECT_EQ(step, 0);
}

// ---- IDX files ----
std::string write_file(const std::string& name, const std::vector<uint8_t>& bytes) {
  const std::string p = (std::filesystem::temp_directory_path() / name).string();
  std::ofstream f(p, std::ios::binary);
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  return p;
}
std::vector<uint8_t> idx(std::vector<uint32_t> dims, size_t data_bytes, uint8_t fill = 1) {
  std::vector<uint8_t> b = {0, 0, 8, static_cast<uint8_t>(dims.size())};
  for (uint32_t d : dims)
    for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<uint8_t>(d >> s));
  b.insert(b.end(), data_bytes, fill);
  return b;
}

TEST(Idx, LoadsAndRefusesCorruptFiles) {
  const std::string img = write_file("bnn_t_img", idx({3, 2, 2}, 12, 255));
  const std::string lab = write_file("bnn_t_lab", idx({3}, 3, 2));
  bnn_dataset* d = nullptr;
  ASSERT_EQ(bnn_dataset_load_idx(img.c_str(), lab.c_str(), &d), BNN_STATUS_OK) << bnn_last_errmsg();
  EXPECT_EQ(bnn_dataset_count(d), 3u);
  EXPECT_EQ(bnn_dataset_sample_size(d), 4u);
  EXPECT_EQ(bnn_dataset_num_classes(d), 3u);
  float px[4];
  int32_t l = -1;
  ASSERT_EQ(bnn_dataset_get(d, 2, 1, px, 4, &l, 1), BNN_STATUS_OK);
  EXPECT_EQ(px[0], 1.0f);
  EXPECT_EQ(l, 2);
  bnn_dataset_free(d);
  d = nullptr;
  struct Case {
    std::vector<uint8_t> img, lab;
    bnn_status want;
    const char* says;
  };
  const std::vector<Case> cases = {
      {idx({3, 2, 2}, 11), idx({3}, 3), BNN_STATUS_CORRUPT_DATA, "truncated"},
      {idx({3, 2, 2}, 13), idx({3}, 3), BNN_STATUS_CORRUPT_DATA, "trailing"},
      {idx({4, 2, 2}, 16), idx({3}, 3), BNN_STATUS_CORRUPT_DATA, "labels"},
      // A header that claims ~2^31 bytes of pixels with 12 present: refused after reading what
      // is there, without allocating what the header claims.
      {idx({60000, 190, 188}, 12), idx({60000}, 60000), BNN_STATUS_CORRUPT_DATA, "truncated"},
      {idx({1u << 30, 1u << 30}, 4), idx({3}, 3), BNN_STATUS_CORRUPT_DATA, "2^31"},
      {{0, 0, 9, 1, 0, 0, 0, 1, 0}, idx({3}, 3), BNN_STATUS_CORRUPT_DATA, "unsigned bytes"},
      {{0, 1}, idx({3}, 3), BNN_STATUS_CORRUPT_DATA, "header"},
      {idx({3, 2, 2}, 12), idx({3, 1}, 3), BNN_STATUS_CORRUPT_DATA, "rank 1"},
  };
  for (const Case& c : cases) {
    const std::string i = write_file("bnn_t_img2", c.img), lb = write_file("bnn_t_lab2", c.lab);
    EXPECT_EQ(bnn_dataset_load_idx(i.c_str(), lb.c_str(), &d), c.want) << c.says;
    EXPECT_EQ(d, nullptr);
    EXPECT_NE(std::string(bnn_last_errmsg()).find(c.says), std::string::npos) << bnn_last_errmsg();
  }
  EXPECT_EQ(bnn_dataset_load_idx("/nonexistent/a", lab.c_str(), &d), BNN_STATUS_IO);
  EXPECT_EQ(bnn_dataset_load_idx(nullptr, lab.c_str(), &d), BNN_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(bnn_dataset_gzip_supported(), 1);
}

}  // namespace
