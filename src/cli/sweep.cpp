#include "cli/sweep.h"

#include "cli/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "cli/report.h"

namespace bnn::cli {
namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void bad(const std::string& source, const std::string& path, const std::string& what) {
  throw std::runtime_error(source + ": " + (path.empty() ? "" : path + ": ") + what);
}


// FNV-1a, 64 bits: a short, stable name suffix for a document.
std::string short_hash(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char b[17];
  std::snprintf(b, sizeof b, "%016llx", static_cast<unsigned long long>(h));
  return std::string(b, 8);
}

std::string value_text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

// Folder-safe text: letters, digits and . _ = + - ; everything else becomes '-'.
std::string sanitize(const std::string& s) {
  std::string o;
  for (char c : s) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' ||
                    c == '=' || c == '+' || c == '-';
    o += ok ? c : '-';
  }
  return o;
}

std::string last_segment(const std::string& path) {
  const size_t d = path.rfind('.');
  return d == std::string::npos ? path : path.substr(d + 1);
}

// The leaves of a patch as dotted paths (what an explicit run varies).
void flatten(const json& j, const std::string& prefix, json& out) {
  if (j.is_object() && !j.empty()) {
    for (auto it = j.begin(); it != j.end(); ++it)
      flatten(it.value(), prefix.empty() ? it.key() : prefix + "." + it.key(), out);
  } else {
    out[prefix] = j;
  }
}

std::string tail_of(const std::string& path, size_t max_chars) {
  std::ifstream f(path);
  if (!f) return "";
  std::stringstream ss;
  ss << f.rdbuf();
  std::string s = ss.str();
  if (s.size() > max_chars) s = "..." + s.substr(s.size() - max_chars);
  return s;
}

struct Job {
  SweepRun run;
  std::string dir;  // absolute or relative to cwd
  json entry;       // its sweep.json record
};

void write_index(const std::string& out, const SweepOptions& opt, const json& sweep,
                 const std::vector<Job>& jobs) {
  json runs = json::array();
  for (const Job& j : jobs) runs.push_back(j.entry);
  json index = {{"sweep", opt.sweep_path}, {"data", opt.data_dir}, {"runs", runs}};
  if (sweep.contains("target_accuracy")) index["target_accuracy"] = sweep["target_accuracy"];
  if (sweep.contains("description")) index["description"] = sweep["description"];
  write_text_atomic(out + "/sweep.json", index.dump(2) + "\n");
}

// Fills an entry's results from the run's metrics.
void record_results(Job& j) {
  const RunAnalysis a = analyse_metrics(read_metrics(j.dir));
  j.entry["epochs_done"] = a.epochs;
  if (a.best_epoch > 0) {
    j.entry["best_epoch"] = a.best_epoch;
    j.entry["best_val_accuracy"] = a.best_val;
    j.entry["test_accuracy_at_best"] = a.test_at_best;
    j.entry["plateau_epoch"] = a.plateau_epoch;
  }
  if (a.epochs > 0) j.entry["final_test_accuracy"] = a.final_test;
}

void write_results_csv(const std::string& out, const std::vector<Job>& jobs) {
  std::vector<std::string> param_cols;
  for (const Job& j : jobs)
    for (auto it = j.run.params.begin(); it != j.run.params.end(); ++it)
      if (std::find(param_cols.begin(), param_cols.end(), it.key()) == param_cols.end())
        param_cols.push_back(it.key());
  auto field = [](std::string s) {
    if (s.find_first_of(",\"\n") == std::string::npos) return s;
    std::string o = "\"";
    for (char c : s) o += c == '"' ? std::string("\"\"") : std::string(1, c);
    return o + "\"";
  };
  std::string csv = "name,status,exit_code";
  for (const auto& c : param_cols) csv += "," + field(c);
  csv += ",epochs_done,best_epoch,best_val_accuracy,test_accuracy_at_best,plateau_epoch,"
         "final_test_accuracy,dir\n";
  for (const Job& j : jobs) {
    const json& e = j.entry;
    auto get = [&](const char* k) { return e.contains(k) ? value_text(e[k]) : std::string(); };
    csv += field(j.run.name) + "," + get("status") + "," + get("exit_code");
    for (const auto& c : param_cols)
      csv += "," + (j.run.params.contains(c) ? field(value_text(j.run.params[c])) : std::string());
    csv += "," + get("epochs_done") + "," + get("best_epoch") + "," + get("best_val_accuracy") + "," +
           get("test_accuracy_at_best") + "," + get("plateau_epoch") + "," +
           get("final_test_accuracy") + "," + field(j.entry.value("dir", std::string())) + "\n";
  }
  write_text_atomic(out + "/results.csv", csv);
}

pid_t launch(const SweepOptions& opt, const Job& j, bool resume, int threads) {
  std::vector<std::string> args = {"bnn", "train"};
  if (resume) {
    args.insert(args.end(), {"--resume", j.dir});
  } else {
    args.insert(args.end(), {j.dir + "/config.json", "--out", j.dir});
  }
  args.push_back("--quiet");
  if (!opt.data_dir.empty()) args.insert(args.end(), {"--data", opt.data_dir});
  if (threads >= 0) args.insert(args.end(), {"--threads", std::to_string(threads)});
  const std::string out_log = j.dir + "/stdout.log", err_log = j.dir + "/stderr.log";
  // A run is one process of its own: under `mpirun bnn sweep` the launcher's variables must not
  // reach it, or its `bnn train` would join an MPI job it is not part of.
  std::vector<char*> envp;
  for (char** e = environ; *e; ++e)
    if (std::strncmp(*e, "OMPI_", 5) != 0 && std::strncmp(*e, "PMI_", 4) != 0 &&
        std::strncmp(*e, "PMIX_", 5) != 0)
      envp.push_back(*e);
  envp.push_back(nullptr);
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    const int o = open(out_log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int e = open(err_log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (o >= 0) dup2(o, 1);
    if (e >= 0) dup2(e, 2);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execve(opt.bnn_path.c_str(), argv.data(), envp.data());
    std::fprintf(stderr, "bnn sweep: cannot run %s: %s\n", opt.bnn_path.c_str(), std::strerror(errno));
    _exit(127);
  }
  return pid;
}

}  // namespace

void set_dotted(json& doc, const std::string& path, const json& value) {
  if (path.empty()) throw std::runtime_error("empty path");
  json* cur = &doc;
  std::string done;
  size_t start = 0;
  while (true) {
    const size_t dot = path.find('.', start);
    const std::string key = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (key.empty()) throw std::runtime_error("\"" + path + "\": empty segment");
    const std::string here = done.empty() ? key : done + "." + key;
    json* next = nullptr;
    if (cur->is_array()) {
      char* end = nullptr;
      const long idx = std::strtol(key.c_str(), &end, 10);
      if (*end != '\0' || idx < 0 || static_cast<size_t>(idx) >= cur->size())
        throw std::runtime_error("\"" + path + "\": " + (done.empty() ? "the document" : done) +
                                 " is a list of " + std::to_string(cur->size()) +
                                 " entries; no entry \"" + key + "\"");
      next = &(*cur)[static_cast<size_t>(idx)];
    } else if (cur->is_object() || cur->is_null()) {
      next = &(*cur)[key];
    } else {
      throw std::runtime_error("\"" + path + "\": " + done + " is not an object or a list");
    }
    if (dot == std::string::npos) {
      *next = value;
      return;
    }
    cur = next;
    done = here;
    start = dot + 1;
  }
}

std::vector<SweepRun> expand_sweep(const json& sweep, const std::string& src) {
  if (!sweep.is_object()) bad(src, "", "expected a JSON object with \"base\" and \"grid\" and/or \"runs\"");
  for (auto it = sweep.begin(); it != sweep.end(); ++it) {
    const std::string& k = it.key();
    if (k != "base" && k != "grid" && k != "runs" && k != "target_accuracy" && k != "description")
      bad(src, k, "unknown key (expected base, grid, runs, target_accuracy, description)");
  }
  if (!sweep.contains("base")) bad(src, "base", "required key is missing");
  if (!sweep["base"].is_object()) bad(src, "base", "expected a model document (an object)");
  if (sweep.contains("target_accuracy") &&
      (!sweep["target_accuracy"].is_number() || sweep["target_accuracy"].get<double>() <= 0 ||
       sweep["target_accuracy"].get<double>() > 1))
    bad(src, "target_accuracy", "expected a number in (0, 1]");
  if (sweep.contains("description") && !sweep["description"].is_string())
    bad(src, "description", "expected a string");

  // Grid points: a list of (path, value) assignments each.
  std::vector<std::vector<std::pair<std::string, json>>> points = {{}};
  if (sweep.contains("grid")) {
    const json& g = sweep["grid"];
    if (!g.is_object()) bad(src, "grid", "expected an object of \"dotted.path\": [values]");
    for (auto it = g.begin(); it != g.end(); ++it) {
      const std::string where = "grid.\"" + it.key() + "\"";
      if (!it.value().is_array() || it.value().empty()) bad(src, where, "expected a non-empty list of values");
      json probe = sweep["base"];
      try {
        set_dotted(probe, it.key(), it.value()[0]);
      } catch (const std::exception& e) {
        bad(src, where, e.what());
      }
      std::vector<std::vector<std::pair<std::string, json>>> next;
      for (const auto& p : points)
        for (const json& v : it.value()) {
          auto q = p;
          q.emplace_back(it.key(), v);
          next.push_back(std::move(q));
        }
      points = std::move(next);
    }
  }
  std::vector<json> patches = {json::object()};
  if (sweep.contains("runs")) {
    const json& r = sweep["runs"];
    if (!r.is_array() || r.empty()) bad(src, "runs", "expected a non-empty list of partial documents");
    patches.clear();
    for (size_t i = 0; i < r.size(); ++i) {
      const std::string where = "runs[" + std::to_string(i) + "]";
      if (!r[i].is_object()) bad(src, where, "expected an object (a partial model document)");
      if (r[i].contains("name") && (!r[i]["name"].is_string() || r[i]["name"].get<std::string>().empty()))
        bad(src, where + ".name", "expected a non-empty string");
      patches.push_back(r[i]);
    }
  }

  std::vector<SweepRun> runs;
  std::map<std::string, int> seen;
  for (const json& patch_in : patches)
    for (const auto& point : points) {
      SweepRun run;
      run.doc = sweep["base"];
      run.params = json::object();
      std::string label;
      for (const auto& [path, v] : point) {
        set_dotted(run.doc, path, v);
        run.params[path] = v;
        label += (label.empty() ? "" : "_") + last_segment(path) + "=" + value_text(v);
      }
      json patch = patch_in;
      std::string given;
      if (patch.contains("name")) {
        given = patch["name"].get<std::string>();
        patch.erase("name");
      }
      run.doc.merge_patch(patch);
      json leaves = json::object();
      if (!patch.empty()) flatten(patch, "", leaves);
      std::string patch_label;
      for (auto it = leaves.begin(); it != leaves.end(); ++it) {
        run.params[it.key()] = it.value();
        patch_label += (patch_label.empty() ? "" : "_") + last_segment(it.key()) + "=" + value_text(it.value());
      }
      std::string readable = given.empty() ? patch_label : given;
      if (!label.empty()) readable += (readable.empty() ? "" : "_") + label;
      if (readable.empty()) readable = "base";
      readable = sanitize(readable);
      if (readable.size() > 60) readable.resize(60);
      run.name = readable + "-" + short_hash(run.doc.dump());
      if (seen[run.name]++) bad(src, "", "two runs have the same document (" + run.name + ")");
      runs.push_back(std::move(run));
    }
  return runs;
}

std::string parse_shard(const std::string& text, int* index, int* count) {
  const std::string usage = "--shard " + text + ": expected I/N with integers 0 <= I < N (e.g. 0/2)";
  const size_t slash = text.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == text.size()) return usage;
  auto num = [](const std::string& t, long* v) {
    if (t.empty() || t.size() > 9) return false;
    for (char c : t)
      if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    *v = std::strtol(t.c_str(), nullptr, 10);
    return true;
  };
  long i = 0, n = 0;
  if (!num(text.substr(0, slash), &i) || !num(text.substr(slash + 1), &n)) return usage;
  if (n < 1) return "--shard " + text + ": the shard count N must be at least 1";
  if (i >= n) return "--shard " + text + ": the shard index I must be below N (0.." + std::to_string(n - 1) + ")";
  *index = static_cast<int>(i);
  *count = static_cast<int>(n);
  return "";
}

bool shard_from_env(int* index, int* count) {
  const char* pairs[][2] = {{"OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE"}, {"PMI_RANK", "PMI_SIZE"}};
  for (const auto& p : pairs) {
    const char* r = std::getenv(p[0]);
    const char* n = std::getenv(p[1]);
    if (!r || !n) continue;
    const std::string err = parse_shard(std::string(r) + "/" + n, index, count);
    if (!err.empty())
      throw std::runtime_error(std::string(p[0]) + "=" + r + ", " + p[1] + "=" + n +
                               ": not a valid rank and size");
    return true;
  }
  return false;
}

namespace {

// Another shard's run, as found on disk.
void refresh_from_disk(Job& j) {
  j.entry = {{"name", j.run.name}, {"dir", j.run.name}, {"params", j.run.params}, {"status", "pending"}};
  if (is_file(j.dir + "/summary.json")) {
    j.entry["status"] = "finished";
    record_results(j);
  } else if (is_file(j.dir + "/failed.json")) {
    j.entry["status"] = "failed";
    try {
      const json f = json::parse(read_text(j.dir + "/failed.json"));
      if (f.contains("exit_code")) j.entry["exit_code"] = f["exit_code"];
    } catch (const std::exception&) {
    }
    record_results(j);
  }
}

}  // namespace

int run_sweep(const SweepOptions& opt) {
  json sweep;
  try {
    sweep = json::parse(read_text(opt.sweep_path));
  } catch (const json::parse_error& e) {
    throw std::runtime_error(opt.sweep_path + ": not valid JSON: " + e.what());
  }
  const std::vector<SweepRun> runs = expand_sweep(sweep, opt.sweep_path);
  std::string out = opt.out_dir;
  if (out.empty()) {
    std::string stem = opt.sweep_path;
    const size_t s = stem.rfind('/');
    if (s != std::string::npos) stem = stem.substr(s + 1);
    if (stem.size() > 5 && stem.substr(stem.size() - 5) == ".json") stem.resize(stem.size() - 5);
    out = "sweeps/" + stem;
  }
  make_dirs(out);
  const int threads = opt.threads >= 0 ? opt.threads : (opt.jobs > 1 ? 1 : -1);
  int shard_i = opt.shard_index, shard_n = opt.shard_count;
  if (shard_n <= 0 && !shard_from_env(&shard_i, &shard_n)) shard_i = 0, shard_n = 1;
  const bool sharded = shard_n > 1;
  auto mine = [&](size_t i) { return static_cast<int>(i % static_cast<size_t>(shard_n)) == shard_i; };

  std::vector<Job> jobs;
  for (const SweepRun& r : runs) {
    Job j;
    j.run = r;
    j.dir = out + "/" + r.name;
    j.entry = {{"name", r.name}, {"dir", r.name}, {"params", r.params}, {"status", "pending"}};
    if (!mine(jobs.size())) {  // another shard's run: only read, never written here
      jobs.push_back(std::move(j));
      continue;
    }
    make_dirs(j.dir);
    // The run's document; a run that already started keeps the one it started with.
    if (!is_file(j.dir + "/config.json")) write_text_atomic(j.dir + "/config.json", r.doc.dump(2) + "\n");
    jobs.push_back(std::move(j));
  }
  // Every index written covers all runs; another shard's runs as they are on disk now.
  auto publish = [&] {
    if (sharded)
      for (size_t i = 0; i < jobs.size(); ++i)
        if (!mine(i)) refresh_from_disk(jobs[i]);
    write_index(out, opt, sweep, jobs);
  };
  std::vector<size_t> todo;
  int skipped = 0;
  for (size_t i = 0; i < jobs.size(); ++i) {
    if (!mine(i)) continue;
    if (is_file(jobs[i].dir + "/summary.json")) {
      jobs[i].entry["status"] = "finished";
      jobs[i].entry["skipped"] = true;
      record_results(jobs[i]);
      ++skipped;
    } else {
      todo.push_back(i);
    }
  }
  publish();
  if (!opt.quiet)
    std::fprintf(stderr, "sweep %s: %zu runs (%d finished before, %zu to run) in %s, %d at a time%s\n",
                 opt.sweep_path.c_str(), jobs.size(), skipped, todo.size(), out.c_str(), opt.jobs,
                 sharded ? (", shard " + std::to_string(shard_i) + "/" + std::to_string(shard_n) + " (" +
                            std::to_string(skipped + todo.size()) + " runs of this shard)").c_str()
                         : "");
  if (opt.dry_run) {
    for (size_t i = 0; i < jobs.size(); ++i) {
      if (!mine(i)) continue;
      const Job& j = jobs[i];
      std::printf("%s\t%s\n", j.entry["status"].get<std::string>().c_str(), j.dir.c_str());
    }
    return 0;
  }

  std::map<pid_t, std::pair<size_t, Clock::time_point>> running;
  size_t next = 0;
  int failed = 0;
  while (next < todo.size() || !running.empty()) {
    while (next < todo.size() && static_cast<int>(running.size()) < std::max(1, opt.jobs)) {
      Job& j = jobs[todo[next++]];
      const bool resume = is_file(j.dir + "/last.bnn");
      const pid_t pid = launch(opt, j, resume, threads);
      j.entry["status"] = "running";
      j.entry["resumed"] = resume;
      j.entry.erase("exit_code");
      j.entry.erase("stderr_tail");
      running[pid] = {static_cast<size_t>(&j - jobs.data()), Clock::now()};
      publish();
      if (!opt.quiet)
        std::fprintf(stderr, "  start %s%s\n", j.run.name.c_str(), resume ? " (resuming)" : "");
    }
    int st = 0;
    const pid_t pid = waitpid(-1, &st, 0);
    if (pid < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(std::string("waitpid: ") + std::strerror(errno));
    }
    auto it = running.find(pid);
    if (it == running.end()) continue;  // not one of ours
    Job& j = jobs[it->second.first];
    const double secs = std::chrono::duration<double>(Clock::now() - it->second.second).count();
    running.erase(it);
    const int code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    j.entry["wall_seconds"] = secs;
    record_results(j);
    if (code == 0 && is_file(j.dir + "/summary.json")) {
      j.entry["status"] = "finished";
      std::remove((j.dir + "/failed.json").c_str());
      if (!opt.quiet) std::fprintf(stderr, "  done  %s (%.0f s)\n", j.run.name.c_str(), secs);
    } else {
      ++failed;
      const std::string tail = tail_of(j.dir + "/stderr.log", 2000);
      j.entry["status"] = "failed";
      j.entry["exit_code"] = code;
      j.entry["stderr_tail"] = tail;
      if (WIFSIGNALED(st)) j.entry["signal"] = WTERMSIG(st);
      write_text_atomic(j.dir + "/failed.json",
                 json{{"exit_code", code}, {"stderr_tail", tail}}.dump(2) + "\n");
      std::fprintf(stderr, "  FAILED %s (exit %d): %s\n", j.run.name.c_str(), code,
                   tail.empty() ? "(no message)" : tail.c_str());
    }
    publish();
  }
  publish();  // refreshes the other shards' runs for the CSV and the report too
  write_results_csv(out, jobs);
  ReportOptions ro;
  ro.title = "sweep " + opt.sweep_path;
  write_report({out}, out + "/report.html", ro);
  if (sharded) {
    size_t done_all = 0;
    for (const Job& j : jobs) done_all += j.entry.value("status", std::string()) == "finished";
    std::printf("sweep shard %d/%d: %zu runs of this shard, %zu finished, %d failed; %zu of %zu runs "
                "finished in all; wrote %s/{sweep.json,results.csv,report.html}\n",
                shard_i, shard_n, skipped + todo.size(), skipped + todo.size() - failed, failed, done_all,
                jobs.size(), out.c_str());
  } else {
    std::printf("sweep: %zu runs, %zu finished, %d failed; wrote %s/{sweep.json,results.csv,report.html}\n",
                jobs.size(), jobs.size() - failed, failed, out.c_str());
  }
  return failed ? 3 : 0;
}


}  // namespace bnn::cli
