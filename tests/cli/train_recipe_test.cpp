// `bnn train` recipes: phases, schedules, two-stage training, best.bnn, metrics, errors.
#include <cmath>

#include "bnn/bnn.hpp"
#include "train/recipe.h"
#include "cli/train.h"
#include "cli_fixture.h"
#include "data/dataset.h"

namespace {

using namespace cli_test;

// Trains `doc` on the synthetic dataset in `tmp`; returns the exit code.
int train(const TempDir& tmp, const json& doc, const std::string& out, long long max_steps = -1,
          const std::string& resume = "") {
  bnn::cli::TrainOptions o;
  if (resume.empty()) {
    write_text(tmp / "config.json", doc.dump());
    o.config_path = tmp / "config.json";
    o.out_dir = out;
  }
  o.resume_dir = resume;
  o.data_dir = tmp / "data";
  o.quiet = true;
  o.threads = 1;
  o.max_steps = max_steps;
  return bnn::cli::run_train(o);
}

std::vector<float> tensor(const bnn::ModelHandle& m, const std::string& name) {
  size_t idx = 0, n = 0;
  m.check(bnn_model_tensor_index(m.get(), name.c_str(), &idx));
  const char* nm = nullptr;
  m.check(bnn_model_tensor_info(m.get(), idx, &nm, &n));
  std::vector<float> v(n);
  m.check(bnn_model_get_tensor(m.get(), idx, v.data(), n));
  return v;
}

double max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  double d = 0;
  for (size_t i = 0; i < a.size(); ++i) d = std::max(d, std::abs(double(a[i]) - b[i]));
  return d;
}

TEST(Recipe, ExponentialScheduleReachesItsFinalRateAtTheLastEpoch) {
  const json doc = tiny_model({{"epochs", 5},
                               {"lr_schedule", {{"type", "exponential"}, {"final_learning_rate", 1e-4}}}});
  const auto r = bnn::Recipe::from_json(doc.value("training", json()));
  EXPECT_DOUBLE_EQ(r.learning_rate(0, 0.01), 0.01);
  EXPECT_NEAR(r.learning_rate(2, 0.01), 1e-3, 1e-12);  // geometric midpoint
  EXPECT_NEAR(r.learning_rate(4, 0.01), 1e-4, 1e-15);
  // A phase's learning rate restarts the decay from its epoch, still ending at the final rate.
  json with_phase = doc;
  with_phase["training"]["phases"] = {{{"from_epoch", 2}, {"learning_rate", 0.004}}};
  const auto p = bnn::Recipe::from_json(with_phase.value("training", json()));
  EXPECT_NEAR(p.learning_rate(1, 0.01), 0.01 * std::pow(1e-2, 0.25), 1e-12);
  EXPECT_DOUBLE_EQ(p.learning_rate(2, 0.01), 0.004);
  EXPECT_NEAR(p.learning_rate(4, 0.01), 1e-4, 1e-15);
}

TEST(Recipe, OptimizerPhaseRestartsTheScheduleAtThatOptimizersRate) {
  json doc = tiny_model({{"epochs", 4}});
  doc["training"]["phases"] = {{{"from_epoch", 1}, {"optimizer", {{"type", "adadelta"}}}},
                               {{"from_epoch", 3}, {"optimizer", {{"type", "sgd"}, {"learning_rate", 0.2}}}}};
  const auto r = bnn::Recipe::from_json(doc.value("training", json()));
  EXPECT_DOUBLE_EQ(r.learning_rate(0, 0.01), 0.01);
  EXPECT_DOUBLE_EQ(r.learning_rate(1, 0.01), 1.0);  // adadelta's default rate
  EXPECT_DOUBLE_EQ(r.learning_rate(3, 0.01), 0.2);
}

TEST(Train, PhasesSwitchAtTheirEpochAndTheMetricsShowIt) {
  TempDir tmp;
  make_dataset(tmp / "data");
  const json doc = tiny_model(json::parse(R"({
    "epochs": 4, "batch_size": 50,
    "phases": [
      {"from_epoch": 0, "kernel_ste": "identity", "weight_clip": {"mode": "none"}},
      {"from_epoch": 2, "kernel_ste": "clipped", "weight_clip": {"mode": "fixed", "value": 1.0},
       "batch_norm_momentum": 0.85, "optimizer": {"type": "sgd", "learning_rate": 0.05}}
    ]})"));
  ASSERT_EQ(train(tmp, doc, tmp / "run"), 0);
  const auto m = read_jsonl(tmp / "run/metrics.jsonl");
  ASSERT_EQ(m.size(), 4u);
  for (int e = 0; e < 4; ++e) {
    SCOPED_TRACE(m[e].dump());
    const bool late = e >= 2;
    EXPECT_EQ(m[e]["epoch"], e);
    EXPECT_EQ(m[e]["phase"], late ? 1 : 0);
    EXPECT_EQ(m[e]["kernel_ste"], late ? "clipped 1.0" : "identity");
    EXPECT_EQ(m[e]["weight_clip"], late ? "fixed 1.0" : "none");
    EXPECT_EQ(m[e]["optimizer"], late ? "sgd" : "adam");
    EXPECT_DOUBLE_EQ(m[e]["batch_norm_momentum"].get<double>(), late ? 0.85 : 0.9);
    EXPECT_NEAR(m[e]["lr"].get<double>(), late ? 0.05 : 0.01, 1e-8);
    for (const char* key : {"epoch", "lr", "train_loss", "train_accuracy", "val_accuracy",
                            "test_accuracy", "flip_ratio", "seconds"})
      EXPECT_TRUE(m[e].contains(key)) << key;
  }
  EXPECT_TRUE(fs::exists(tmp / "run/report.html"));
  EXPECT_TRUE(fs::exists(tmp / "run/summary.json"));
}

TEST(Train, ExponentialScheduleLogsTheFinalRateInTheLastEpoch) {
  TempDir tmp;
  make_dataset(tmp / "data", 200, 50);
  const json doc = tiny_model(json::parse(R"({"epochs": 3, "batch_size": 50,
      "lr_schedule": {"type": "exponential", "final_learning_rate": 0.0001}})"));
  ASSERT_EQ(train(tmp, doc, tmp / "run"), 0);
  const auto m = read_jsonl(tmp / "run/metrics.jsonl");
  ASSERT_EQ(m.size(), 3u);
  EXPECT_NEAR(m[0]["lr"].get<double>(), 0.01, 1e-8);
  EXPECT_NEAR(m[1]["lr"].get<double>(), 0.001, 1e-9);
  EXPECT_NEAR(m[2]["lr"].get<double>(), 0.0001, 1e-10);
}

TEST(Train, TwoStageTrainingBinarisesThePretrainedLatentWeights) {
  TempDir tmp;
  make_dataset(tmp / "data", 200, 50);
  // 200 samples, 10% validation: 180 training samples, 4 batches of 50 per epoch.
  const json doc = tiny_model(json::parse(R"({"epochs": 3, "batch_size": 50,
      "pretrain_full_precision_epochs": 2})"));
  const std::string run = tmp / "run";
  const bnn::ModelHandle init = bnn::ModelHandle::from_json(doc.dump());
  // Stop exactly at the end of the two full-precision epochs.
  ASSERT_EQ(train(tmp, doc, run, 8), 0);
  const bnn::ModelHandle pre = bnn::ModelHandle::load(run + "/last.bnn");
  EXPECT_EQ(json::parse(pre.config_json())["quantize"], false);
  const auto w_init = tensor(init, "layers.0.kernel"), w_pre = tensor(pre, "layers.0.kernel");
  // Then one binary step.
  ASSERT_EQ(train(tmp, doc, "", 1, run), 0);
  const bnn::ModelHandle first = bnn::ModelHandle::load(run + "/last.bnn");
  EXPECT_EQ(json::parse(first.config_json())["quantize"], true);
  const auto w_first = tensor(first, "layers.0.kernel");
  const double trained = max_abs_diff(w_pre, w_init), step = max_abs_diff(w_first, w_pre);
  EXPECT_GT(trained, 0.02) << "full-precision epochs did not move the latent weights";
  EXPECT_GT(step, 0.0);
  // One Adam step moves each weight by about the learning rate (0.01) at most: the first binary
  // step starts from the pretrained weights, not from a fresh initialisation.
  EXPECT_LE(step, 0.011);
  EXPECT_LT(step, 0.5 * trained);
  // And the run finishes with the full-precision epochs marked as such in the metrics.
  ASSERT_EQ(train(tmp, doc, "", -1, run), 0);
  const auto m = read_jsonl(run + "/metrics.jsonl");
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(m[0]["quantized"], false);
  EXPECT_EQ(m[1]["quantized"], false);
  EXPECT_EQ(m[2]["quantized"], true);
  EXPECT_EQ(m[2]["best"], true);  // the only binarised epoch is the best one
  EXPECT_EQ(json::parse(read_text(run + "/summary.json"))["best_epoch"], 2);
}

TEST(Train, BestModelIsTheBestValidationEpoch) {
  TempDir tmp;
  make_dataset(tmp / "data", 300, 60);
  // A high constant rate makes validation accuracy wander, so the best epoch is rarely the last.
  json doc = tiny_model(json::parse(R"({"epochs": 6, "batch_size": 30})"));
  doc["optimizer"]["learning_rate"] = 0.05;
  ASSERT_EQ(train(tmp, doc, tmp / "run"), 0);
  const auto m = read_jsonl(tmp / "run/metrics.jsonl");
  ASSERT_EQ(m.size(), 6u);
  int best = -1;
  double best_val = -1;
  for (const json& l : m)
    if (l["val_accuracy"].get<double>() > best_val) {
      best_val = l["val_accuracy"].get<double>();
      best = l["epoch"].get<int>();
    }
  const json summary = json::parse(read_text(tmp / "run/summary.json"));
  EXPECT_EQ(summary["best_epoch"], best);
  EXPECT_NEAR(summary["best_val_accuracy"].get<double>(), best_val, 1e-7);
  // best.bnn scores exactly that validation accuracy, and that epoch's test accuracy.
  bnn::data::Split s = bnn::data::load_dataset(tmp / "data");
  const size_t n = s.train.count(), n_val = static_cast<size_t>(n * 0.1);
  std::vector<float> vx, tx;
  std::vector<int32_t> vy, ty;
  s.train.get(n - n_val, n_val, &vx, &vy);
  s.test.get(0, s.test.count(), &tx, &ty);
  bnn::ModelHandle b = bnn::ModelHandle::load(tmp / "run/best.bnn");
  EXPECT_FLOAT_EQ(b.evaluate(vx.data(), vy.data(), n_val).second, best_val);
  EXPECT_FLOAT_EQ(b.evaluate(tx.data(), ty.data(), ty.size()).second,
                  m[best]["test_accuracy"].get<float>());
  EXPECT_NEAR(summary["best_test_accuracy"].get<double>(), m[best]["test_accuracy"].get<double>(), 1e-7);
}

TEST(Train, TrainSubsetLimitsTheTrainingSamples) {
  TempDir tmp;
  make_dataset(tmp / "data", 400, 50);
  const json doc = tiny_model(json::parse(R"({"epochs": 1, "batch_size": 20, "train_subset": 100})"));
  ASSERT_EQ(train(tmp, doc, tmp / "run"), 0);
  EXPECT_EQ(read_jsonl(tmp / "run/metrics.jsonl")[0]["steps"], 5);  // 100 / 20
}

TEST(Train, MalformedRecipeGivesAnErrorNamingThePath) {
  TempDir tmp;
  make_dataset(tmp / "data", 100, 20);
  struct Case {
    json training;
    std::string path;
  };
  const std::vector<Case> cases = {
      {json::parse(R"({"phases": [{"from_epoch": 1, "kernel_stee": "identity"}]})"), "training.phases[0].kernel_stee"},
      {json::parse(R"({"phases": [{"kernel_ste": "identity"}]})"), "training.phases[0].from_epoch"},
      {json::parse(R"({"lr_schedule": {"type": "exponential"}})"), "training.lr_schedule.final_learning_rate"},
      {json::parse(R"({"epochs": "ten"})"), "training.epochs"},
      {json::parse(R"({"train_subset": -5})"), "training.train_subset"},
  };
  for (const Case& c : cases) {
    write_text(tmp / "bad.json", tiny_model(c.training).dump());
    std::string err;
    EXPECT_EQ(run_bnn("train " + (tmp / "bad.json") + " --data " + (tmp / "data") + " --out " +
                          (tmp / "never") + " --quiet", nullptr, &err), 1);
    EXPECT_NE(err.find(c.path), std::string::npos) << "expected " << c.path << " in: " << err;
  }
  EXPECT_FALSE(fs::exists(tmp / "never/metrics.jsonl"));
}

}  // namespace

namespace {

using namespace cli_test;

// `bnn train` is the library's trainer with files around it: the same document on the same IDX
// samples through the C API alone ends with identical tensors, and per_image standardisation
// travels with the model (bnn_model_evaluate on raw pixels = what `bnn eval` reports).
TEST(Train, CliAndLibraryTrainerEndWithIdenticalTensors) {
  TempDir tmp;
  make_dataset(tmp / "data", 300, 60);
  json doc = tiny_model(json::parse(R"({"epochs": 3, "batch_size": 25,
      "lr_schedule": {"type": "exponential", "final_learning_rate": 1e-4},
      "phases": [{"from_epoch": 2, "kernel_ste": "identity"}]})"));
  doc["standardize"] = "per_image";
  ASSERT_EQ(train(tmp, doc, tmp / "run"), 0);

  bnn_model* m = nullptr;
  ASSERT_EQ(bnn_model_create_from_json(doc.dump().c_str(), &m), BNN_STATUS_OK) << bnn_last_errmsg();
  bnn_dataset *tr = nullptr, *te = nullptr;
  ASSERT_EQ(bnn_dataset_load_idx((tmp / "data/train-images-idx3-ubyte").c_str(),
                                 (tmp / "data/train-labels-idx1-ubyte").c_str(), &tr),
            BNN_STATUS_OK) << bnn_last_errmsg();
  ASSERT_EQ(bnn_dataset_load_idx((tmp / "data/t10k-images-idx3-ubyte").c_str(),
                                 (tmp / "data/t10k-labels-idx1-ubyte").c_str(), &te),
            BNN_STATUS_OK) << bnn_last_errmsg();
  bnn_trainer* t = nullptr;
  ASSERT_EQ(bnn_trainer_create(m, tr, nullptr, te, &t), BNN_STATUS_OK) << bnn_last_errmsg();
  const auto lines = read_jsonl(tmp / "run/metrics.jsonl");
  size_t e = 0;
  while (!bnn_trainer_done(t)) {
    const char* rec = nullptr;
    ASSERT_EQ(bnn_trainer_run_epoch(t, &rec), BNN_STATUS_OK) << bnn_trainer_errmsg(t);
    json r = json::parse(rec), l = lines.at(e++);
    for (json* j : {&r, &l}) {
      j->erase("seconds");
      j->erase("samples_per_second");
    }
    EXPECT_EQ(r, l);
  }
  bnn::ModelHandle last = bnn::ModelHandle::load(tmp / "run/last.bnn");
  ASSERT_EQ(bnn_model_tensor_count(m), bnn_model_tensor_count(last.get()));
  for (size_t i = 0; i < bnn_model_tensor_count(m); ++i) {
    size_t n = 0;
    bnn_model_tensor_info(m, i, nullptr, &n);
    std::vector<float> a(n), b(n);
    bnn_model_get_tensor(m, i, a.data(), n);
    bnn_model_get_tensor(last.get(), i, b.data(), n);
    EXPECT_EQ(a, b) << "tensor " << i;
  }
  // Raw pixels in: the model standardises them itself, as `bnn eval` does.
  std::string out;
  ASSERT_EQ(run_bnn("eval " + tmp / "run/last.bnn" + " --data " + tmp / "data", &out), 0);
  float loss = 0, acc = 0;
  ASSERT_EQ(bnn_model_evaluate_dataset(m, te, &loss, &acc), BNN_STATUS_OK);
  char want[64];
  std::snprintf(want, sizeof want, "accuracy %.4f", acc);
  EXPECT_NE(out.find(want), std::string::npos) << out << " vs " << want;
  bnn_trainer_free(t);
  bnn_dataset_free(tr);
  bnn_dataset_free(te);
  bnn_model_free(m);
}

TEST(Train, PredictWritesPerSampleRows) {
  TempDir tmp;
  make_dataset(tmp / "data", 200, 30);
  ASSERT_EQ(train(tmp, tiny_model(json::parse(R"({"epochs": 1, "batch_size": 50})")), tmp / "run"), 0);
  ASSERT_EQ(run_bnn("predict " + tmp / "run/last.bnn" + " --data " + tmp / "data" + " --out " +
                    tmp / "p.csv"), 0);
  const std::string csv = read_text(tmp / "p.csv");
  size_t rows = 0;
  for (char c : csv) rows += c == '\n';
  EXPECT_EQ(rows, 31u);  // header + 30 samples
  EXPECT_EQ(csv.rfind("index,label,predicted,correct,logit_0", 0), 0u) << csv.substr(0, 80);
  ASSERT_EQ(run_bnn("predict " + tmp / "run/last.bnn" + " --data " + tmp / "data" +
                    " --format json --limit 5 --out " + tmp / "p.json"), 0);
  const json j = json::parse(read_text(tmp / "p.json"));
  ASSERT_EQ(j.size(), 5u);
  EXPECT_EQ(j[0].at("logits").size(), 4u);
  // Wrong values are clear errors.
  std::string err;
  EXPECT_NE(run_bnn("predict " + tmp / "run/last.bnn" + " --format xml", nullptr, &err), 0);
  EXPECT_NE(err.find("--format"), std::string::npos) << err;
  EXPECT_NE(run_bnn("train --epochs=zero", nullptr, &err), 0);
  EXPECT_NE(err.find("--epochs"), std::string::npos) << err;
  std::string help;
  EXPECT_EQ(run_bnn("train --help", &help), 0);
  EXPECT_NE(help.find("--resume"), std::string::npos);
  EXPECT_EQ(run_bnn("--help", &help), 0);
  EXPECT_NE(help.find("predict"), std::string::npos);
}

TEST(Train, ResumeAcceptsItsOwnConfigAndRefusesConflicts) {
  TempDir tmp;
  make_dataset(tmp / "data", 200, 30);
  const json doc = tiny_model(json::parse(R"({"epochs": 2, "batch_size": 50})"));
  ASSERT_EQ(train(tmp, doc, tmp / "run", 3), 0);  // killed after 3 steps
  const std::string base = "train " + tmp / "config.json" + " --data " + tmp / "data" + " --quiet --threads 1";
  std::string err;
  // The same command line with --resume added (a requeued job) continues the run.
  json other = doc;
  other["seed"] = 99;
  write_text(tmp / "other.json", other.dump());
  EXPECT_NE(run_bnn("train " + tmp / "other.json" + " --resume " + tmp / "run" + " --data " + tmp / "data",
                    nullptr, &err), 0);
  EXPECT_NE(err.find("differ at seed"), std::string::npos) << err;
  EXPECT_NE(run_bnn("train --resume " + tmp / "run" + " --epochs 7 --data " + tmp / "data", nullptr, &err), 0);
  EXPECT_NE(err.find("conflicts"), std::string::npos) << err;
  EXPECT_EQ(run_bnn(base + " --resume " + tmp / "run", nullptr, &err), 0) << err;
  ASSERT_EQ(train(tmp, doc, tmp / "ref"), 0);
  EXPECT_EQ(read_jsonl(tmp / "run/metrics.jsonl").size(), 2u);
  bnn::ModelHandle a = bnn::ModelHandle::load(tmp / "run/last.bnn"), b = bnn::ModelHandle::load(tmp / "ref/last.bnn");
  EXPECT_EQ(tensor(a, "layers.0.kernel"), tensor(b, "layers.0.kernel"));
}

}  // namespace

namespace {

using namespace cli_test;

// `bnn export` then `bnn predict` on the deployment file: the same predictions as the checkpoint.
TEST(Train, ExportAndPredictOnTheDeploymentFile) {
  TempDir tmp;
  make_dataset(tmp / "data", 200, 40);
  ASSERT_EQ(train(tmp, tiny_model(json::parse(R"({"epochs": 2, "batch_size": 50})")), tmp / "run"), 0);
  std::string out, err;
  ASSERT_EQ(run_bnn("export " + tmp / "run/best.bnn" + " --format bnn-infer --out " + tmp / "m.bnni",
                    &out, &err), 0) << err;
  ASSERT_EQ(run_bnn("export " + tmp / "run/best.bnn" + " --format onnx --out " + tmp / "m.onnx", &out,
                    &err), 0) << err;
  EXPECT_GT(fs::file_size(tmp / "m.onnx"), 100u);
  ASSERT_EQ(run_bnn("predict " + tmp / "run/best.bnn" + " --data " + tmp / "data" + " --out " +
                    tmp / "a.csv", nullptr, &err), 0) << err;
  ASSERT_EQ(run_bnn("predict " + tmp / "m.bnni" + " --data " + tmp / "data" + " --out " + tmp / "b.csv",
                    nullptr, &err), 0) << err;
  EXPECT_NE(err.find("bnn-infer"), std::string::npos) << err;
  // Same predicted classes, sample by sample (column 3 of the CSV).
  auto classes = [](const std::string& csv) {
    std::vector<std::string> c;
    std::stringstream ss(csv);
    std::string line;
    std::getline(ss, line);
    while (std::getline(ss, line)) {
      std::stringstream ls(line);
      std::string f;
      for (int i = 0; i < 3; ++i) std::getline(ls, f, ',');
      c.push_back(f);
    }
    return c;
  };
  const auto a = classes(read_text(tmp / "a.csv")), b = classes(read_text(tmp / "b.csv"));
  EXPECT_EQ(a.size(), 40u);
  EXPECT_EQ(a, b);
  // An unknown format is a usage error; a file that is neither kind is a clear error.
  EXPECT_NE(run_bnn("export " + tmp / "run/best.bnn" + " --format tflite --out " + tmp / "x", nullptr, &err), 0);
  write_text(tmp / "junk.bin", "not a model");
  EXPECT_EQ(run_bnn("predict " + tmp / "junk.bin" + " --data " + tmp / "data", nullptr, &err), 1);
  EXPECT_NE(err.find("neither a checkpoint"), std::string::npos) << err;
}

}  // namespace
