// `bnn sweep --shard I/N` and the MPI launcher's environment: shards together give the results of
// one plain sweep; bad --shard values are clear errors (issue 14).
#include <cstdlib>
#include <set>
#include <sstream>

#include "cli/sweep.h"
#include "cli_fixture.h"

namespace {

using namespace cli_test;

std::set<std::string> run_folders(const std::string& dir) {
  std::set<std::string> s;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_directory()) s.insert(e.path().filename().string());
  return s;
}

json shard_sweep() {
  return {{"base", tiny_model(json::parse(R"({"epochs": 2, "batch_size": 50})"))},
          {"grid", {{"seed", {1, 2, 3}}}}};
}

TEST(SweepShard, TwoShardsGiveTheSameRunsAndResultsAsOneSweep) {
  TempDir tmp;
  make_dataset(tmp / "data", 200, 40);
  write_text(tmp / "s.json", shard_sweep().dump());
  const std::string common = " --data " + (tmp / "data") + " --quiet --threads 1";
  ASSERT_EQ(run_bnn("sweep " + (tmp / "s.json") + " --out " + (tmp / "one") + common), 0);

  std::string out;
  ASSERT_EQ(run_bnn("sweep " + (tmp / "s.json") + " --out " + (tmp / "split") + common + " --shard 0/2", &out), 0);
  EXPECT_NE(out.find("sweep shard 0/2: 2 runs of this shard, 2 finished, 0 failed; 2 of 3 runs"),
            std::string::npos) << out;
  // Shard 0 ran runs 0 and 2 only, created only their folders, and indexed all three.
  const auto one = run_folders(tmp / "one");
  ASSERT_EQ(one.size(), 3u);
  EXPECT_EQ(run_folders(tmp / "split").size(), 2u);
  json index = json::parse(read_text(tmp / "split/sweep.json"));
  ASSERT_EQ(index["runs"].size(), 3u);
  EXPECT_EQ(index["runs"][0]["status"], "finished");
  EXPECT_EQ(index["runs"][1]["status"], "pending");
  EXPECT_EQ(index["runs"][2]["status"], "finished");

  ASSERT_EQ(run_bnn("sweep " + (tmp / "s.json") + " --out " + (tmp / "split") + common + " --shard 1/2", &out), 0);
  EXPECT_NE(out.find("3 of 3 runs finished in all"), std::string::npos) << out;
  EXPECT_EQ(run_folders(tmp / "split"), one);
  // The last shard's index and CSV cover everything, equal to the one-process sweep's.
  EXPECT_EQ(read_text(tmp / "split/results.csv"), read_text(tmp / "one/results.csv"));
  index = json::parse(read_text(tmp / "split/sweep.json"));
  for (const json& r : index["runs"]) EXPECT_EQ(r["status"], "finished") << r.dump();
  for (const auto& name : one) {
    EXPECT_EQ(read_text(tmp / ("split/" + name + "/config.json")), read_text(tmp / ("one/" + name + "/config.json")));
    auto metrics = [&](const std::string& dir) {
      auto lines = read_jsonl(tmp / (dir + "/" + name + "/metrics.jsonl"));
      for (json& l : lines) {
        l.erase("seconds");
        l.erase("samples_per_second");
      }
      return lines;
    };
    EXPECT_EQ(metrics("split"), metrics("one")) << name << ": same seed and threads, same training";
  }
  EXPECT_TRUE(fs::exists(tmp / "split/report.html"));

  // A later plain sweep merges: everything finished, nothing runs again.
  std::string err;
  ASSERT_EQ(run_bnn("sweep " + (tmp / "s.json") + " --out " + (tmp / "split") + " --data " + (tmp / "data"),
                    nullptr, &err), 0);
  EXPECT_NE(err.find("3 finished before, 0 to run"), std::string::npos) << err;
  EXPECT_EQ(read_text(tmp / "split/results.csv"), read_text(tmp / "one/results.csv"));
}

TEST(SweepShard, MpiEnvironmentShardsWithoutTheOption) {
  TempDir tmp;
  write_text(tmp / "s.json", shard_sweep().dump());
  std::string out;
  // As a rank of `mpirun -np 2` would see it (OpenMPI), then as PMI (MPICH, Slurm's srun).
  ASSERT_EQ(run_bnn("sweep " + (tmp / "s.json") + " --out " + (tmp / "o") + " --dry-run --quiet", &out), 0);
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 3) << out;
  ASSERT_EQ(::setenv("OMPI_COMM_WORLD_RANK", "1", 1), 0);
  ASSERT_EQ(::setenv("OMPI_COMM_WORLD_SIZE", "2", 1), 0);
  const int st = run_bnn("sweep " + (tmp / "s.json") + " --out " + (tmp / "o1") + " --dry-run --quiet", &out);
  ::unsetenv("OMPI_COMM_WORLD_RANK");
  ::unsetenv("OMPI_COMM_WORLD_SIZE");
  ASSERT_EQ(st, 0);
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
  EXPECT_EQ(run_folders(tmp / "o1").size(), 1u);
  ASSERT_EQ(::setenv("PMI_RANK", "0", 1), 0);
  ASSERT_EQ(::setenv("PMI_SIZE", "3", 1), 0);
  const int st2 = run_bnn("sweep " + (tmp / "s.json") + " --out " + (tmp / "o2") + " --dry-run --quiet", &out);
  // An explicit --shard wins over the environment.
  const int st3 = run_bnn("sweep " + (tmp / "s.json") + " --out " + (tmp / "o3") + " --dry-run --quiet --shard 0/1");
  ::unsetenv("PMI_RANK");
  ::unsetenv("PMI_SIZE");
  ASSERT_EQ(st2, 0);
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
  ASSERT_EQ(st3, 0);
  EXPECT_EQ(run_folders(tmp / "o3").size(), 3u);
}

TEST(SweepShard, BadShardValuesAreClearErrors) {
  int i = -1, n = -1;
  EXPECT_EQ(bnn::cli::parse_shard("1/4", &i, &n), "");
  EXPECT_EQ(i, 1);
  EXPECT_EQ(n, 4);
  EXPECT_NE(bnn::cli::parse_shard("3/2", &i, &n).find("must be below N (0..1)"), std::string::npos);
  EXPECT_NE(bnn::cli::parse_shard("2/2", &i, &n).find("must be below N"), std::string::npos);
  EXPECT_NE(bnn::cli::parse_shard("0/0", &i, &n).find("at least 1"), std::string::npos);
  for (const char* bad : {"x/y", "1", "/2", "1/", "-1/2", "1/2/3", "", "1 /2"})
    EXPECT_NE(bnn::cli::parse_shard(bad, &i, &n).find("expected I/N"), std::string::npos) << bad;

  TempDir tmp;
  write_text(tmp / "s.json", shard_sweep().dump());
  for (const std::string bad : {"3/2", "x/y", "0/0"}) {
    std::string err;
    EXPECT_NE(run_bnn("sweep " + (tmp / "s.json") + " --out " + (tmp / "o") + " --dry-run --shard " + bad,
                      nullptr, &err), 0) << bad;
    EXPECT_NE(err.find("--shard " + bad), std::string::npos) << err;
    EXPECT_FALSE(fs::exists(tmp / "o")) << bad;
  }
  // A broken launcher environment is an error too, not a silent full sweep.
  ASSERT_EQ(::setenv("OMPI_COMM_WORLD_RANK", "5", 1), 0);
  ASSERT_EQ(::setenv("OMPI_COMM_WORLD_SIZE", "2", 1), 0);
  std::string err;
  const int st = run_bnn("sweep " + (tmp / "s.json") + " --out " + (tmp / "o") + " --dry-run", nullptr, &err);
  ::unsetenv("OMPI_COMM_WORLD_RANK");
  ::unsetenv("OMPI_COMM_WORLD_SIZE");
  EXPECT_NE(st, 0);
  EXPECT_NE(err.find("OMPI_COMM_WORLD_RANK=5"), std::string::npos) << err;
}

}  // namespace
