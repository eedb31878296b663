// `bnn train`: the library's trainer (bnn_trainer) with files around it. The trainer owns the
// recipe; this file owns presentation (progress bar, epoch lines) and the run folder.
#include "cli/train.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <string>
#include <vector>

#include "bnn/bnn.hpp"
#include "cli/default_model.h"
#include "cli/files.h"
#include "cli/progress.h"
#include "cli/report.h"
#include "data/dataset.h"

namespace bnn::cli {

const char* default_model_json() { return kDefaultModelJson; }
std::string default_data_dir() { return "/usr/share/datasets/fashion-mnist"; }

namespace {

// Keeps only the metrics lines of epochs before `epoch` (a resumed run rewrites the rest).
void truncate_metrics(const std::string& path, int epoch) {
  std::ifstream f(path);
  if (!f) return;
  std::string line, kept;
  while (std::getline(f, line)) {
    if (line.empty()) continue;
    try {
      if (json::parse(line).at("epoch").get<int>() < epoch) kept += line + "\n";
    } catch (...) {
    }
  }
  write_text_atomic(path, kept);
}

// The keys where two documents differ, as dotted paths (for "CONFIG is not this run's").
void diff_paths(const json& a, const json& b, const std::string& at, std::vector<std::string>& out) {
  if (a.is_object() && b.is_object()) {
    for (auto it = a.begin(); it != a.end(); ++it)
      diff_paths(it.value(), b.contains(it.key()) ? b.at(it.key()) : json(),
                 at.empty() ? it.key() : at + "." + it.key(), out);
    for (auto it = b.begin(); it != b.end(); ++it)
      if (!a.contains(it.key())) out.push_back(at.empty() ? it.key() : at + "." + it.key());
    return;
  }
  if (a != b) out.push_back(at.empty() ? "(document)" : at);
}

// What the tool shows while an epoch runs, and when the trainer should pause to checkpoint.
struct StepWatch {
  Progress* bar = nullptr;
  ModelHandle* model = nullptr;
  size_t batch_size = 0, steps_per_epoch = 0, step_in_epoch = 0;
  double loss_sum = 0, acc_sum = 0;
  size_t samples = 0;
  std::chrono::steady_clock::time_point t0;
  long long steps_this_run = 0, checkpoint_every = 0, max_steps = -1;
  bool pause = false;  // the callback stopped the trainer to checkpoint
};

int on_step(void* user, int64_t, int32_t, float loss) {
  auto& w = *static_cast<StepWatch*>(user);
  ++w.step_in_epoch;
  ++w.steps_this_run;
  const size_t nb = w.batch_size;  // display only: the last batch may be shorter
  w.loss_sum += static_cast<double>(loss) * nb;
  w.acc_sum += static_cast<double>(w.model->last_step_accuracy()) * nb;
  w.samples += nb;
  const double dt =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - w.t0).count();
  if (w.bar)
    w.bar->update(w.step_in_epoch, w.loss_sum / w.samples, w.acc_sum / w.samples,
                  w.samples / std::max(dt, 1e-9));
  w.pause = (w.checkpoint_every > 0 && w.steps_this_run % w.checkpoint_every == 0) ||
            (w.max_steps >= 0 && w.steps_this_run >= w.max_steps);
  return w.pause ? 1 : 0;
}

std::string fmt_acc(const json& v) {
  if (v.is_null()) return "-";
  char b[16];
  std::snprintf(b, sizeof b, "%.4f", v.get<double>());
  return b;
}

}  // namespace

int run_train(const TrainOptions& opt) {
  try {
    if (opt.threads >= 0) bnn_set_num_threads(opt.threads);
    ModelHandle model;
    std::string out = opt.out_dir;
    const bool resumed = !opt.resume_dir.empty();
    if (resumed) {
      out = opt.resume_dir;
      const std::string ck = out + "/last.bnn";
      if (!is_file(ck)) throw std::runtime_error(ck + ": no checkpoint to resume from");
      model = ModelHandle::load(ck);
      // The run's own document (config.json as the run began) decides; a CONFIG or an override
      // given again must agree with it (job schedulers requeue the same command line).
      const std::string run_doc_path = out + "/config.json";
      const json run_doc = json::parse(is_file(run_doc_path) ? read_text(run_doc_path) : model.config_json());
      if (!opt.config_path.empty()) {
        json given = json::parse(read_text(opt.config_path));
        if (opt.epochs > 0) given["training"]["epochs"] = opt.epochs;
        if (opt.seed >= 0) given["seed"] = opt.seed;
        // Compare complete documents: both through the library, every default filled in.
        const json a = json::parse(ModelHandle::from_json(given.dump()).config_json());
        json b = json::parse(ModelHandle::from_json(run_doc.dump()).config_json());
        std::vector<std::string> diff;
        diff_paths(a, b, "", diff);
        if (!diff.empty()) {
          std::string list;
          for (size_t i = 0; i < diff.size() && i < 8; ++i) list += (i ? ", " : "") + diff[i];
          throw std::runtime_error(opt.config_path + " is not the document of the run in " + out +
                                   " (they differ at " + list + "); drop CONFIG or start a new run");
        }
      } else {
        const json training = run_doc.value("training", json::object());
        if (opt.epochs > 0 && training.value("epochs", 20LL) != opt.epochs)
          throw std::runtime_error("--epochs " + std::to_string(opt.epochs) + " conflicts with the run's " +
                                   std::to_string(training.value("epochs", 20LL)) + " epochs; --resume keeps the run's");
        if (opt.seed >= 0 && run_doc.value("seed", 1LL) != opt.seed)
          throw std::runtime_error("--seed " + std::to_string(opt.seed) + " conflicts with the run's seed " +
                                   std::to_string(run_doc.value("seed", 1LL)));
      }
    } else {
      json doc = json::parse(opt.config_path.empty() ? std::string(default_model_json())
                                                     : read_text(opt.config_path));
      if (opt.epochs > 0) doc["training"]["epochs"] = opt.epochs;
      if (opt.seed >= 0) doc["seed"] = opt.seed;
      model = ModelHandle::from_json(doc.dump());
      if (out.empty()) {
        char stamp[32];
        const std::time_t now = std::time(nullptr);
        std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", std::localtime(&now));
        out = std::string("runs/train-") + stamp;
      }
    }
    // Data parallel: every rank trains, rank 0 alone writes files and prints.
    const bool writer = !opt.comm || opt.comm->base.rank == 0;
    const bool quiet = opt.quiet || !writer;
    if (writer) make_dirs(out);

    const std::string data_dir = opt.data_dir.empty() ? default_data_dir() : opt.data_dir;
    const data::Split split = data::load_dataset(data_dir);
    TrainerHandle trainer = TrainerHandle::create(model, split.train, nullptr, &split.test);
    if (opt.comm && opt.comm->base.size > 1) trainer.check(bnn_trainer_set_communicator_v2(trainer.get(), opt.comm));
    const json state = json::parse(trainer.state_json());
    const int epochs = state.at("epochs");
    int32_t epoch = 0;
    int64_t step = 0, steps_per_epoch = 0;
    trainer.position(&epoch, &step, &steps_per_epoch);

    const std::string metrics_path = out + "/metrics.jsonl";
    if (!writer) {
    } else if (resumed) {
      truncate_metrics(metrics_path, epoch);
    } else {
      write_text_atomic(metrics_path, "");
      write_text_atomic(out + "/config.json", json::parse(model.config_json()).dump(2) + "\n");
    }
    if (!quiet) {
      std::fprintf(stderr, "%s", model.summary().c_str());
      std::fprintf(stderr, "data: %s (%zu train, %zu validation, %zu test), isa %s, %d threads%s%s\n",
                   data_dir.c_str(), state.at("train_samples").get<size_t>(),
                   state.at("validation_samples").get<size_t>(), state.at("test_samples").get<size_t>(),
                   bnn_get_isa(), bnn_get_num_threads(),
                   opt.comm && opt.comm->base.size > 1
                       ? (", " + std::to_string(opt.comm->base.size) + " data-parallel ranks").c_str()
                       : "",
                   resumed ? (", resuming at epoch " + std::to_string(epoch + 1) + " batch " +
                              std::to_string(step)).c_str()
                           : "");
    }
    const json doc = json::parse(model.config_json());
    StepWatch watch;
    watch.model = &model;
    watch.batch_size = doc.value("training", json::object()).value("batch_size", 100);
    watch.steps_per_epoch = static_cast<size_t>(steps_per_epoch);
    watch.checkpoint_every = doc.value("training", json::object()).value("checkpoint_every_steps", 0LL);
    watch.max_steps = opt.max_steps;
    trainer.check(bnn_trainer_set_step_callback(trainer.get(), on_step, &watch));
    std::ofstream metrics;
    if (writer) metrics.open(metrics_path, std::ios::app);

    while (!trainer.done()) {
      trainer.position(&epoch, &step, nullptr);
      Progress bar(static_cast<size_t>(epoch), static_cast<size_t>(epochs),
                   static_cast<size_t>(steps_per_epoch), quiet);
      watch.bar = &bar;
      watch.step_in_epoch = static_cast<size_t>(step);
      watch.loss_sum = watch.acc_sum = 0;
      watch.samples = 0;
      watch.t0 = std::chrono::steady_clock::now();
      const char* rec_text = nullptr;
      const bnn_status s = bnn_trainer_run_epoch(trainer.get(), &rec_text);
      if (s == BNN_STATUS_CANCELLED && watch.pause) {
        bar.finish();
        if (writer) trainer.save(out + "/last.bnn");
        if (opt.max_steps >= 0 && watch.steps_this_run >= opt.max_steps) {
          std::fprintf(stderr, "stopped after %lld steps (--max-steps); resume with --resume %s\n",
                       watch.steps_this_run, out.c_str());
          return 0;
        }
        continue;
      }
      trainer.check(s);
      bar.finish();
      const json rec = json::parse(rec_text);
      if (writer) {
        metrics << rec.dump() << "\n";
        metrics.flush();
      }
      const bool is_best = rec.at("best").get<bool>();
      if (!quiet)
        std::fprintf(stderr,
                     "epoch %d/%d: lr %.3g train loss %.4f acc %.4f | val acc %s | test acc %s "
                     "| flips %.2e | %.1f s, %.0f samples/s%s\n",
                     rec.at("epoch").get<int>() + 1, epochs, rec.at("lr").get<double>(),
                     rec.at("train_loss").get<double>(), rec.at("train_accuracy").get<double>(),
                     fmt_acc(rec.at("val_accuracy")).c_str(), fmt_acc(rec.at("test_accuracy")).c_str(),
                     rec.at("flip_ratio").get<double>(), rec.at("seconds").get<double>(),
                     rec.at("samples_per_second").get<double>(), is_best ? "  (best so far)" : "");
      if (is_best && writer) trainer.best_model().save(out + "/best.bnn");
      if (writer) trainer.save(out + "/last.bnn");
    }
    if (!writer) return 0;  // rank 0 evaluates and writes the summary
    // Final summary: the best-validation model on the test set.
    const json fin = json::parse(trainer.state_json());
    const int best_epoch = fin.at("best_epoch");
    float best_test = 0;
    if (is_file(out + "/best.bnn")) {
      ModelHandle best = ModelHandle::load(out + "/best.bnn");
      float loss = 0;
      best.check(bnn_model_evaluate_dataset(best.get(), split.test.get(), &loss, &best_test));
    }
    float final_test = 0, final_loss = 0;
    model.check(bnn_model_evaluate_dataset(model.get(), split.test.get(), &final_loss, &final_test));
    // Files count epochs from 0 (as the API and metrics.jsonl do); messages from 1.
    json summary = {{"best_epoch", best_epoch}, {"best_val_accuracy", fin.at("best_val")},
                    {"best_test_accuracy", best_test}, {"final_test_accuracy", final_test},
                    {"epochs", epochs}, {"data", data_dir}};
    // The report before summary.json: a sweep treats summary.json as "this run finished".
    try {
      write_report({out}, out + "/report.html");
    } catch (const std::exception& e) {  // the trained model matters more than its page
      std::fprintf(stderr, "bnn train: warning: no report.html: %s\n", e.what());
    }
    write_text_atomic(out + "/summary.json", summary.dump(2) + "\n");
    std::printf("best epoch %d: validation accuracy %.4f, test accuracy %.4f\n", best_epoch + 1,
                fin.at("best_val").get<double>(), best_test);
    std::printf("wrote %s/{metrics.jsonl,best.bnn,last.bnn,summary.json,report.html}\n", out.c_str());
    return 0;
  } catch (const LibraryError& e) {
    std::fprintf(stderr, "bnn train: %s (%s)\n", e.what(), bnn_status_name(e.status));
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bnn train: %s\n", e.what());
    return 1;
  }
}

}  // namespace bnn::cli
