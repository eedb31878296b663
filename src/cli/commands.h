// The bnn tool's commands, each in its own file; main.cpp parses the command line (CLI11) into
// these option structs.
#pragma once
#include <string>
#include <vector>

namespace bnn::cli {

struct BenchTrainOptions {
  std::string config;  // empty: the default model
  long steps = 50, batch = 100;
  int threads = 0;
};
int run_bench_train(const BenchTrainOptions& o);  // bench_train.cpp

// `bnn summary CONFIG.json|MODEL.bnn` (commands.cpp)
int run_summary(const std::string& path);
// `bnn eval MODEL.bnn [--data DIR]`: loss and accuracy on the test set (commands.cpp).
int run_eval(const std::string& model, const std::string& data_dir);
// `bnn predict MODEL [--data DIR] [--format csv|json] [--out FILE]`: per-sample predictions of
// the test set; MODEL is a checkpoint (.bnn) or a bnn-infer deployment file (commands.cpp).
struct PredictOptions {
  std::string model, data_dir, format = "csv", out;
  long long limit = 0;  // > 0: the first N test samples only
};
int run_predict(const PredictOptions& o);
// `bnn export MODEL.bnn --format onnx|bnn-infer --out FILE` (commands.cpp)
int run_export(const std::string& model, const std::string& format, const std::string& out);

}  // namespace bnn::cli
