#include "cli/train.h"

#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <numeric>
#include <sstream>

#include "bnn/bnn.hpp"
#include "cli/default_model.h"
#include "cli/files.h"
#include "cli/progress.h"
#include "cli/recipe.h"
#include "cli/report.h"
#include "core/rng.h"
#include "data/dataset.h"
#include "io/file.h"

namespace bnn::cli {

const char* default_model_json() { return kDefaultModelJson; }
std::string default_data_dir() { return "/usr/share/datasets/fashion-mnist"; }

namespace {

using Clock = std::chrono::steady_clock;

// The permutation of training samples for an epoch: a function of (seed, epoch) only, so that
// a resumed run sees exactly the batches an uninterrupted one would.
std::vector<uint32_t> epoch_order(size_t n, uint64_t seed, int epoch, bool shuffle) {
  std::vector<uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  if (!shuffle) return order;
  Rng rng(seed * 0x9E3779B97F4A7C15ull + static_cast<uint64_t>(epoch) + 1);
  for (size_t i = n; i > 1; --i) std::swap(order[i - 1], order[rng.below(i)]);
  return order;
}

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

struct Progress_ {
  int epoch = 0;
  size_t batch = 0;           // next batch index within the epoch
  double loss_sum = 0, correct = 0, flip_sum = 0, seconds = 0;
  std::vector<double> layer_flip_sum;
  size_t samples = 0, steps = 0;
  double best_val = -1;
  int best_epoch = -1;
  double initial_lr = 0;
  json to_json() const {
    return {{"epoch", epoch}, {"batch", batch}, {"loss_sum", loss_sum}, {"correct", correct},
            {"flip_sum", flip_sum}, {"layer_flip_sum", layer_flip_sum}, {"seconds", seconds},
            {"samples", samples}, {"steps", steps}, {"best_val", best_val},
            {"best_epoch", best_epoch}, {"initial_lr", initial_lr}};
  }
  static Progress_ from_json(const json& j) {
    Progress_ p;
    p.epoch = j.at("epoch");
    p.batch = j.at("batch");
    p.loss_sum = j.at("loss_sum");
    p.correct = j.at("correct");
    p.flip_sum = j.at("flip_sum");
    p.layer_flip_sum = j.at("layer_flip_sum").get<std::vector<double>>();
    p.seconds = j.at("seconds");
    p.samples = j.at("samples");
    p.steps = j.at("steps");
    p.best_val = j.at("best_val");
    p.best_epoch = j.at("best_epoch");
    p.initial_lr = j.at("initial_lr");
    return p;
  }
};

// The recipe settings in force (from the model's own document), logged with every epoch so that
// the metrics show phase switches: optimiser, kernel STE, weight clipping, batch-norm momentum.
json active_settings(const json& doc) {
  json a = json::object();
  a["optimizer"] = doc.at("optimizer").value("type", std::string());
  const json& wc = doc.at("weight_clip");
  const std::string mode = wc.value("mode", std::string("none"));
  a["weight_clip"] = mode == "fixed" ? "fixed " + json(wc.value("value", 1.0)).dump() : mode;
  for (const json& l : doc.at("layers")) {
    if (!a.contains("kernel_ste") && l.contains("kernel_quantizer") && l["kernel_quantizer"].is_object()) {
      const json& q = l["kernel_quantizer"];
      const std::string ste = q.value("ste", std::string());
      a["kernel_ste"] = ste == "clipped" ? "clipped " + json(q.value("clip", 1.0)).dump() : ste;
    }
    if (!a.contains("batch_norm_momentum") && l.value("type", std::string()) == "batch_norm") {
      char b[32];  // the float as written in the document, not its double expansion
      std::snprintf(b, sizeof b, "%.6g", l.value("momentum", 0.0));
      a["batch_norm_momentum"] = std::stod(b);
    }
  }
  return a;
}

void save_checkpoint(ModelHandle& m, const Progress_& p, const std::string& path) {
  json meta = json::object();
  meta["progress"] = p.to_json();
  m.set_metadata(meta.dump());
  m.save(path);
}

}  // namespace

int run_train(const TrainOptions& opt) {
  try {
    if (opt.threads >= 0) bnn_set_num_threads(opt.threads);
    ModelHandle model;
    Progress_ prog;
    std::string out = opt.out_dir;
    bool resumed = false;
    if (!opt.resume_dir.empty()) {
      out = opt.resume_dir;
      const std::string ck = out + "/last.bnn";
      if (!is_file(ck)) throw std::runtime_error(ck + ": no checkpoint to resume from");
      model = ModelHandle::load(ck);
      const json meta = json::parse(model.metadata());
      if (!meta.is_object() || !meta.contains("progress"))
        throw std::runtime_error(ck + ": the checkpoint holds no training progress");
      prog = Progress_::from_json(meta.at("progress"));
      resumed = true;
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
      prog.initial_lr = model.get_param(BNN_PARAM_LEARNING_RATE);
    }
    const json doc = json::parse(model.config_json());
    const Recipe recipe = Recipe::from_document(doc);
    const uint64_t seed = doc.value("seed", 1ull);
    make_dirs(out);

    // Data: train / validation (the last validation_split of the training set) / test.
    const std::string data_dir = opt.data_dir.empty() ? default_data_dir() : opt.data_dir;
    data::Split split = data::load_dataset(data_dir);
    data::standardize(split.train, recipe.standardize);
    data::standardize(split.test, recipe.standardize);
    if (split.train.dim != model.input_size())
      throw std::runtime_error("the data has " + std::to_string(split.train.dim) +
                               " values per sample, the model expects " +
                               std::to_string(model.input_size()));
    if (split.train.classes > model.output_size())
      throw std::runtime_error("the data has " + std::to_string(split.train.classes) +
                               " classes, the model outputs " + std::to_string(model.output_size()));
    const size_t n_val = static_cast<size_t>(split.train.n * recipe.validation_split);
    size_t n_train = split.train.n - n_val;
    if (recipe.train_subset > 0) n_train = std::min(n_train, static_cast<size_t>(recipe.train_subset));
    const data::Dataset train = split.train.slice(0, n_train);
    const data::Dataset val = split.train.slice(split.train.n - n_val, split.train.n);
    const data::Dataset& test = split.test;

    const std::string metrics_path = out + "/metrics.jsonl";
    if (resumed) truncate_metrics(metrics_path, prog.epoch);
    else write_text_atomic(metrics_path, "");
    write_text_atomic(out + "/config.json", doc.dump(2) + "\n");
    if (!opt.quiet) {
      std::fprintf(stderr, "%s", model.summary().c_str());
      std::fprintf(stderr, "data: %s (%zu train, %zu validation, %zu test), isa %s, %d threads%s\n",
                   data_dir.c_str(), train.n, val.n, test.n, bnn_get_isa(), bnn_get_num_threads(),
                   resumed ? (", resuming at epoch " + std::to_string(prog.epoch + 1) + " batch " +
                              std::to_string(prog.batch)).c_str()
                           : "");
    }

    const size_t bs = static_cast<size_t>(recipe.batch_size);
    const size_t batches = (train.n + bs - 1) / bs;
    const size_t layers = doc.at("layers").size();
    std::vector<float> xb(bs * train.dim);
    std::vector<int32_t> yb(bs);
    long long steps_this_run = 0;
    std::ofstream metrics(metrics_path, std::ios::app);

    for (; prog.epoch < recipe.epochs; ++prog.epoch, prog.batch = 0) {
      const int e = prog.epoch;
      if (prog.batch == 0) {
        const json patch = recipe.patch_for_epoch(e);
        if (!patch.is_null()) {
          model.configure(patch.dump());
          if (!opt.quiet) std::fprintf(stderr, "epoch %d: recipe change %s\n", e + 1, patch.dump().c_str());
        }
        prog.loss_sum = prog.correct = prog.flip_sum = prog.seconds = 0;
        prog.layer_flip_sum.assign(layers, 0.0);
        prog.samples = prog.steps = 0;
      }
      const double lr = recipe.learning_rate(e, prog.initial_lr);
      model.set_param(BNN_PARAM_LEARNING_RATE, static_cast<float>(lr));
      const std::vector<uint32_t> order = epoch_order(train.n, seed, e, recipe.shuffle);
      Progress bar(static_cast<size_t>(e), static_cast<size_t>(recipe.epochs), batches, opt.quiet);
      auto t0 = Clock::now();
      double seconds_before = prog.seconds;
      for (; prog.batch < batches; ++prog.batch) {
        const size_t b0 = prog.batch * bs, nb = std::min(bs, train.n - b0);
        for (size_t i = 0; i < nb; ++i) {
          const uint32_t s = order[b0 + i];
          std::copy_n(&train.x[s * train.dim], train.dim, &xb[i * train.dim]);
          yb[i] = train.y[s];
        }
        const float loss = model.train_step(xb.data(), yb.data(), nb);
        prog.loss_sum += static_cast<double>(loss) * nb;
        prog.correct += static_cast<double>(model.last_step_accuracy()) * nb;
        prog.flip_sum += model.flip_ratio();
        for (size_t l = 0; l < layers; ++l) prog.layer_flip_sum[l] += model.layer_flip_ratio(l);
        prog.samples += nb;
        prog.steps += 1;
        prog.seconds = seconds_before + std::chrono::duration<double>(Clock::now() - t0).count();
        bar.update(prog.batch + 1, prog.loss_sum / prog.samples, prog.correct / prog.samples,
                   prog.samples / std::max(prog.seconds, 1e-9));
        ++steps_this_run;
        if (recipe.checkpoint_every_steps > 0 && steps_this_run % recipe.checkpoint_every_steps == 0) {
          Progress_ p = prog;
          p.batch = prog.batch + 1;
          save_checkpoint(model, p, out + "/last.bnn");
        }
        if (opt.max_steps >= 0 && steps_this_run >= opt.max_steps) {
          bar.finish();
          Progress_ p = prog;
          p.batch = prog.batch + 1;
          save_checkpoint(model, p, out + "/last.bnn");
          std::fprintf(stderr, "stopped after %lld steps (--max-steps); resume with --resume %s\n",
                       steps_this_run, out.c_str());
          return 0;
        }
      }
      bar.finish();
      const double train_seconds = prog.seconds;
      const auto [val_loss, val_acc] =
          val.n ? model.evaluate(val.x.data(), val.y.data(), val.n) : std::pair<float, float>{0, 0};
      const auto [test_loss, test_acc] = model.evaluate(test.x.data(), test.y.data(), test.n);
      int32_t quantize_flag = 1;
      model.check(bnn_model_get_param_i32(model.get(), BNN_PARAM_QUANTIZE, &quantize_flag));
      const bool quantized = quantize_flag != 0;
      const double score = val.n ? val_acc : test_acc;
      // Only binarised epochs compete for best.bnn: a full-precision (pretraining) epoch is not
      // the model one deploys.
      const bool is_best = quantized && score > prog.best_val;
      const json settings = active_settings(json::parse(model.config_json()));
      json line = {{"epoch", e},
                   {"phase", recipe.phase_at(e)},
                   {"optimizer", settings.at("optimizer")},
                   {"kernel_ste", settings.value("kernel_ste", json())},
                   {"weight_clip", settings.at("weight_clip")},
                   {"batch_norm_momentum", settings.value("batch_norm_momentum", json())},
                   {"lr", lr},
                   {"quantized", quantized},
                   {"train_loss", prog.loss_sum / std::max<size_t>(prog.samples, 1)},
                   {"train_accuracy", prog.correct / std::max<size_t>(prog.samples, 1)},
                   {"val_loss", val_loss},
                   {"val_accuracy", val_acc},
                   {"test_loss", test_loss},
                   {"test_accuracy", test_acc},
                   {"flip_ratio", prog.flip_sum / std::max<size_t>(prog.steps, 1)},
                   {"seconds", train_seconds},
                   {"samples_per_second", prog.samples / std::max(train_seconds, 1e-9)},
                   {"steps", model.steps()},
                   {"best", is_best}};
      json lf = json::array();
      for (double f : prog.layer_flip_sum) lf.push_back(f / std::max<size_t>(prog.steps, 1));
      line["layer_flip_ratio"] = lf;
      metrics << line.dump() << "\n";
      metrics.flush();
      if (!opt.quiet)
        std::fprintf(stderr,
                     "epoch %d/%d: lr %.3g train loss %.4f acc %.4f | val acc %.4f | test acc %.4f "
                     "| flips %.2e | %.1f s, %.0f samples/s%s\n",
                     e + 1, recipe.epochs, lr, line["train_loss"].get<double>(),
                     line["train_accuracy"].get<double>(), val_acc, test_acc,
                     line["flip_ratio"].get<double>(), train_seconds,
                     line["samples_per_second"].get<double>(), is_best ? "  (best so far)" : "");
      Progress_ next = prog;
      next.epoch = e + 1;
      next.batch = 0;
      if (is_best) {
        next.best_val = score;
        next.best_epoch = e;
        save_checkpoint(model, next, out + "/best.bnn");
      }
      save_checkpoint(model, next, out + "/last.bnn");
      prog.best_val = next.best_val;
      prog.best_epoch = next.best_epoch;
    }
    // Final summary: the best-validation model on the test set.
    float best_test = 0;
    if (is_file(out + "/best.bnn")) {
      ModelHandle best = ModelHandle::load(out + "/best.bnn");
      best_test = best.evaluate(test.x.data(), test.y.data(), test.n).second;
    }
    const float final_test = model.evaluate(test.x.data(), test.y.data(), test.n).second;
    json summary = {{"best_epoch", prog.best_epoch}, {"best_val_accuracy", prog.best_val},
                    {"best_test_accuracy", best_test}, {"final_test_accuracy", final_test},
                    {"epochs", recipe.epochs}, {"data", data_dir}};
    // The report before summary.json: a sweep treats summary.json as "this run finished".
    try {
      write_report({out}, out + "/report.html");
    } catch (const std::exception& e) {  // the trained model matters more than its page
      std::fprintf(stderr, "bnn train: warning: no report.html: %s\n", e.what());
    }
    write_text_atomic(out + "/summary.json", summary.dump(2) + "\n");
    std::printf("best epoch %d: validation accuracy %.4f, test accuracy %.4f\n", prog.best_epoch + 1,
                prog.best_val, best_test);
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
