// The bnn tool's smaller commands: summary, eval, predict, export. Public API only.
#include "cli/commands.h"

#include <cstdio>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bnn/bnn.hpp"
#include "cli/files.h"
#include "cli/train.h"
#include "data/dataset.h"

namespace bnn::cli {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// A model to predict with: a checkpoint (bnn_model) or a deployment file (bnn_infer).
class Predictor {
 public:
  explicit Predictor(const std::string& path) {
    bnn_model* m = nullptr;
    const bnn_status s = bnn_model_load(path.c_str(), &m);
    if (s == BNN_STATUS_OK) {
      model_ = ModelHandle(m);
      return;
    }
    const std::string model_error = bnn_last_errmsg();
    bnn_infer* e = nullptr;
    const bnn_status s2 = bnn_infer_load(path.c_str(), &e);
    if (s2 != BNN_STATUS_OK)
      throw LibraryError(s, path + ": neither a checkpoint (" + model_error +
                                ") nor a bnn-infer file (" + bnn_last_errmsg() + ")");
    infer_.reset(e);
  }
  const char* kind() const { return infer_ ? "bnn-infer" : "checkpoint"; }
  size_t input_size() const {
    return infer_ ? bnn_infer_input_size(infer_.get()) : model_.input_size();
  }
  size_t output_size() const {
    return infer_ ? bnn_infer_output_size(infer_.get()) : model_.output_size();
  }
  std::vector<float> predict(const float* x, size_t n) {
    if (!infer_) return model_.predict(x, n);
    std::vector<float> logits(n * output_size());
    const bnn_status s = bnn_infer_predict(infer_.get(), x, n, logits.data(), logits.size());
    if (s != BNN_STATUS_OK) throw LibraryError(s, bnn_infer_errmsg(infer_.get()));
    return logits;
  }

 private:
  struct InferFree {
    void operator()(bnn_infer* e) const { bnn_infer_free(e); }
  };
  ModelHandle model_;
  std::unique_ptr<bnn_infer, InferFree> infer_;
};

}  // namespace

int run_summary(const std::string& path) {
  try {
    ModelHandle m = ends_with(path, ".bnn") ? ModelHandle::load(path) : ModelHandle::from_json(read_text(path));
    std::printf("%s", m.summary().c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bnn summary: %s\n", e.what());
    return 1;
  }
}

int run_eval(const std::string& path, const std::string& data_dir) {
  try {
    ModelHandle m = ModelHandle::load(path);
    const std::string dir = data_dir.empty() ? default_data_dir() : data_dir;
    const data::Split s = data::load_dataset(dir);
    // The model standardises its inputs itself: raw pixels go in.
    float loss = 0, acc = 0;
    m.check(bnn_model_evaluate_dataset(m.get(), s.test.get(), &loss, &acc));
    std::printf("test loss %.4f accuracy %.4f (%zu samples, %s)\n", loss, acc, s.test.count(), dir.c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bnn eval: %s\n", e.what());
    return 1;
  }
}

int run_predict(const PredictOptions& o) {
  try {
    if (o.format != "csv" && o.format != "json")
      throw std::runtime_error("--format takes csv or json, got \"" + o.format + "\"");
    Predictor p(o.model);
    const std::string dir = o.data_dir.empty() ? default_data_dir() : o.data_dir;
    const data::Split s = data::load_dataset(dir);
    const size_t n = o.limit > 0 ? std::min(s.test.count(), static_cast<size_t>(o.limit)) : s.test.count();
    if (s.test.sample_size() != p.input_size())
      throw std::runtime_error("the data has " + std::to_string(s.test.sample_size()) +
                               " values per sample, the model expects " + std::to_string(p.input_size()));
    const size_t classes = p.output_size();
    std::string text = o.format == "csv" ? "index,label,predicted,correct" : "";
    if (o.format == "csv")
      for (size_t c = 0; c < classes; ++c) text += ",logit_" + std::to_string(c);
    if (o.format == "csv") text += "\n";
    nlohmann::json rows = nlohmann::json::array();
    size_t correct = 0;
    constexpr size_t kChunk = 1000;
    std::vector<float> x;
    std::vector<int32_t> y;
    for (size_t b0 = 0; b0 < n; b0 += kChunk) {
      const size_t nb = std::min(kChunk, n - b0);
      s.test.get(b0, nb, &x, &y);
      const std::vector<float> logits = p.predict(x.data(), nb);
      for (size_t i = 0; i < nb; ++i) {
        const float* l = &logits[i * classes];
        size_t best = 0;
        for (size_t c = 1; c < classes; ++c)
          if (l[c] > l[best]) best = c;
        const bool ok = static_cast<int32_t>(best) == y[i];
        correct += ok;
        if (o.format == "csv") {
          char buf[64];
          text += std::to_string(b0 + i) + "," + std::to_string(y[i]) + "," + std::to_string(best) +
                  "," + (ok ? "1" : "0");
          for (size_t c = 0; c < classes; ++c) {
            std::snprintf(buf, sizeof buf, ",%.9g", l[c]);
            text += buf;
          }
          text += "\n";
        } else {
          rows.push_back({{"index", b0 + i},
                          {"label", y[i]},
                          {"predicted", best},
                          {"logits", std::vector<float>(l, l + classes)}});
        }
      }
    }
    if (o.format == "json") text = rows.dump() + "\n";
    if (o.out.empty() || o.out == "-") std::fwrite(text.data(), 1, text.size(), stdout);
    else write_text_atomic(o.out, text);
    std::fprintf(stderr, "%zu samples (%s, %s): accuracy %.4f\n", n, dir.c_str(), p.kind(),
                 n ? static_cast<double>(correct) / n : 0.0);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bnn predict: %s\n", e.what());
    return 1;
  }
}

int run_export(const std::string& path, const std::string& format, const std::string& out) {
  try {
    ModelHandle m = ModelHandle::load(path);
    m.export_to(format, out);
    std::printf("wrote %s (%s)\n", out.c_str(), format.c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bnn export: %s\n", e.what());
    return 1;
  }
}

}  // namespace bnn::cli
