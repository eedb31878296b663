// `bnn report`: one self-contained HTML page (inline SVG, no scripts, no network) with learning
// curves per run and overlaid per sweep, a results table, and the same table as CSV beside it.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace bnn::cli {

using json = nlohmann::json;

// What a run's metrics say. Epoch numbers here are 1-based (the number of epochs trained), as the
// CLI prints them; metrics.jsonl stores 0-based "epoch" indices.
struct RunAnalysis {
  int epochs = 0;                // epochs logged
  int best_epoch = 0;            // best validation accuracy among binarised epochs (0: none)
  double best_val = 0, test_at_best = 0;
  int plateau_epoch = 0;         // first binarised epoch within `plateau_tolerance` of best_val
  double test_at_plateau = 0;    // what stopping at the plateau would have given
  double final_val = 0, final_test = 0;
  int target_epoch = 0;          // first epoch with val accuracy >= target (0: never / no target)
  double seconds = 0;            // training time summed over epochs
};

// Analyses metrics lines (as written by `bnn train`). plateau_tolerance is absolute accuracy
// (0.005 = half a percentage point); target <= 0 disables target_epoch.
RunAnalysis analyse_metrics(const std::vector<json>& metrics, double plateau_tolerance = 0.005,
                            double target = 0.0);

// Reads DIR/metrics.jsonl (missing file: empty; unparsable lines are skipped).
std::vector<json> read_metrics(const std::string& run_dir);

struct ReportOptions {
  double plateau_tolerance = 0.005;
  double target_accuracy = 0.0;  // > 0: add "epochs to reach this validation accuracy"
  std::string title;             // default: "libbnn training report"
};

// Writes the page to out_html and the results table to out_html with .csv instead of .html.
// Each entry of `dirs` is a run folder (metrics.jsonl) or a sweep folder (sweep.json), which
// expands to its runs and gets overlaid charts. Throws std::runtime_error naming the path.
void write_report(const std::vector<std::string>& dirs, const std::string& out_html,
                  const ReportOptions& opt = {});

// `bnn report RUN_DIR... [--out FILE.html] [--target ACC] [--plateau TOL]`

}  // namespace bnn::cli
