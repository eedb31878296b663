// `bnn sweep`: runs a family of trainings built from one base document, each in its own folder,
// in parallel worker processes, resumably. See `bnn sweep --help` and docs/REPRODUCTION.md.
//
// A sweep document:
//   {"base": <model document>,
//    "grid": {"optimizer.type": ["adam", "sgd"], "training.batch_size": [50, 100]},
//    "runs": [{"name": "nesterov", "optimizer": {"type": "nesterov", "momentum": 0.9}}, ...],
//    "target_accuracy": 0.85,            (optional: the report's "epochs to target" column)
//    "description": "..."}               (optional, free text)
// - grid: dotted paths into the document (object keys; a number indexes a list, "layers.1.momentum")
//   each with a non-empty list of values; the runs are their Cartesian product.
// - runs: partial documents merged into base with JSON merge-patch semantics (RFC 7386: objects
//   merge key by key, anything else replaces, null deletes). An optional "name" string names the
//   run and is not part of the patch.
// - Both: every run patch is combined with every grid point (|runs| x |grid| runs); the document
//   of one run is base, then the grid point's values, then the run patch (the explicit patch is the
//   more specific, so it wins where both set the same key). Neither: base alone, one run.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace bnn::cli {

using json = nlohmann::json;

struct SweepRun {
  std::string name;  // readable (varied values) + "-" + short hash of the document: the folder
  json params;       // dotted path -> value: what this run varies
  json doc;          // the full model document
};

// Validates the sweep document (errors name `source` and the JSON path) and expands it.
std::vector<SweepRun> expand_sweep(const json& sweep, const std::string& source);

// Sets a dotted path in `doc` (creating objects on the way); throws naming the path on failure.
void set_dotted(json& doc, const std::string& path, const json& value);

struct SweepOptions {
  std::string sweep_path, out_dir, data_dir;
  int jobs = 1;
  int threads = -1;           // per worker; -1: 1 when jobs > 1, else the tool's default
  bool dry_run = false;       // write the folders, configs and sweep.json; run nothing
  bool quiet = false;
  std::string bnn_path = "/proc/self/exe";
  // Sharding (a Slurm array task, or one rank of `mpirun -np N bnn sweep`): run only the runs whose
  // index in the sweep's run order satisfies index % shard_count == shard_index, into the shared
  // out_dir. shard_count 0: taken from the launcher's environment (OMPI_COMM_WORLD_RANK/SIZE, then
  // PMI_RANK/SIZE), else 1 (every run). A shard creates only its own run folders. Every write of
  // sweep.json / results.csv / report.html (atomic renames) covers all runs: the shard's own with
  // their live status, the others as found on disk (finished / failed / pending), so the last
  // shard to finish leaves a complete index; a later plain `bnn sweep` re-reads everything.
  int shard_index = 0, shard_count = 0;
};

// Parses "I/N" (0 <= I < N, N >= 1) into *index, *count; returns "" or an error message.
std::string parse_shard(const std::string& text, int* index, int* count);
// From OMPI_COMM_WORLD_RANK/SIZE or PMI_RANK/SIZE: false when neither is set; throws on bad values.
bool shard_from_env(int* index, int* count);

int run_sweep(const SweepOptions& opt);

}  // namespace bnn::cli
