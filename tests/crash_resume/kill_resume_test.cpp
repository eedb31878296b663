// Crash-safe training (issue 8): runs the real `bnn` binary on a tiny synthetic IDX dataset that
// this test writes (MNIST layout), kills it with SIGKILL mid-run (after a checkpoint, while it is
// training), resumes it with --resume, and checks that the final state equals an uninterrupted
// run's: every tensor, the optimiser state and step counters (checkpoint bytes with the
// metadata, which holds wall-clock times, cleared), and the metrics except their timings.
// The same with --max-steps (a deterministic stop) and with a kill during the resumed run.
//   crash_resume_test BNN_BINARY WORK_DIR
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "bnn/bnn.h"

namespace {

using json = nlohmann::json;
std::string g_bnn, g_work;
int g_failures = 0;

#define CHECK(cond, ...)                                                          \
  do {                                                                            \
    if (!(cond)) {                                                                \
      std::fprintf(stderr, "FAILED %s:%d: %s: ", __FILE__, __LINE__, #cond);      \
      std::fprintf(stderr, __VA_ARGS__);                                          \
      std::fprintf(stderr, "\n");                                                 \
      ++g_failures;                                                               \
    }                                                                             \
  } while (0)

void put_be32(std::ofstream& f, uint32_t v) {
  const unsigned char b[4] = {static_cast<unsigned char>(v >> 24), static_cast<unsigned char>(v >> 16),
                              static_cast<unsigned char>(v >> 8), static_cast<unsigned char>(v)};
  f.write(reinterpret_cast<const char*>(b), 4);
}

// n images of 8x8 pixels in 4 classes: a bright quadrant per class plus noise.
void write_idx(const std::string& dir, const std::string& stem, uint32_t n, uint32_t seed) {
  std::ofstream img(dir + "/" + stem + "-images-idx3-ubyte", std::ios::binary);
  std::ofstream lab(dir + "/" + stem + "-labels-idx1-ubyte", std::ios::binary);
  put_be32(img, 0x00000803);
  put_be32(img, n);
  put_be32(img, 8);
  put_be32(img, 8);
  put_be32(lab, 0x00000801);
  put_be32(lab, n);
  uint32_t s = seed;
  auto next = [&] { return (s = s * 1664525u + 1013904223u) >> 24; };
  for (uint32_t i = 0; i < n; ++i) {
    const uint8_t c = static_cast<uint8_t>(next() % 4);
    lab.put(static_cast<char>(c));
    for (int y = 0; y < 8; ++y)
      for (int x = 0; x < 8; ++x) {
        const bool on = ((y / 4) * 2 + (x / 4)) == c;
        img.put(static_cast<char>(std::min<uint32_t>(255, (on ? 70 : 40) + next() % 150)));
      }
  }
}

const char* kConfig = R"({
  "input_shape": [64],
  "layers": [
    {"type": "dense", "units": 128, "use_bias": false,
     "kernel_quantizer": {"type": "sign", "ste": "clipped"}},
    {"type": "batch_norm", "momentum": 0.9},
    {"type": "dense", "units": 128, "use_bias": false,
     "input_quantizer": {"type": "sign", "ste": "clipped"},
     "kernel_quantizer": {"type": "sign", "ste": "clipped"}},
    {"type": "batch_norm", "momentum": 0.9},
    {"type": "dense", "units": 4, "use_bias": false,
     "input_quantizer": {"type": "sign", "ste": "clipped"},
     "kernel_quantizer": {"type": "sign", "ste": "clipped"}},
    {"type": "batch_norm"}
  ],
  "loss": "square_hinge",
  "optimizer": {"type": "adam", "learning_rate": 0.01},
  "weight_clip": {"mode": "fixed", "value": 1.0},
  "seed": 7,
  "training": {
    "epochs": 5, "batch_size": 8, "validation_split": 0.1, "checkpoint_every_steps": 5,
    "lr_schedule": {"type": "exponential", "final_learning_rate": 0.001},
    "phases": [{"from_epoch": 2, "kernel_ste": "identity", "learning_rate": 0.005,
                "batch_norm_momentum": 0.8}]
  }
})";

bool exists(const std::string& p) {
  struct stat st;
  return stat(p.c_str(), &st) == 0;
}

size_t line_count(const std::string& p) {
  std::ifstream f(p);
  std::string l;
  size_t n = 0;
  while (std::getline(f, l)) n += !l.empty();
  return n;
}

pid_t spawn(const std::vector<std::string>& args) {
  const pid_t pid = fork();
  if (pid == 0) {
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    std::perror("execv");
    _exit(127);
  }
  return pid;
}

int wait_exit(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::vector<std::string> train_args(const std::string& out) {
  return {g_bnn, "train", g_work + "/config.json", "--data", g_work + "/data", "--out", out,
          "--quiet", "--threads", "1"};
}
std::vector<std::string> resume_args(const std::string& out) {
  return {g_bnn, "train", "--resume", out, "--data", g_work + "/data", "--quiet", "--threads", "1"};
}

// Starts `args` and kills it with SIGKILL once `ready()` holds (polled every millisecond).
// Returns true when the process was really killed (not finished before).
template <class Ready>
bool run_and_kill(const std::vector<std::string>& args, Ready ready) {
  const pid_t pid = spawn(args);
  const auto t0 = std::chrono::steady_clock::now();
  int status = 0;
  while (true) {
    if (waitpid(pid, &status, WNOHANG) == pid) return false;  // finished on its own
    if (ready()) break;
    if (std::chrono::steady_clock::now() - t0 > std::chrono::minutes(5)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
}

// The checkpoint's bytes with its metadata (progress, wall-clock seconds) cleared.
std::vector<uint8_t> state_of(const std::string& path) {
  bnn_model* m = nullptr;
  if (bnn_model_load(path.c_str(), &m) != BNN_STATUS_OK) {
    std::fprintf(stderr, "%s: %s\n", path.c_str(), bnn_last_errmsg());
    return {};
  }
  bnn_model_set_metadata(m, "null");
  size_t n = 0;
  bnn_model_save_buffer(m, nullptr, 0, &n);
  std::vector<uint8_t> b(n);
  bnn_model_save_buffer(m, b.data(), n, &n);
  bnn_model_free(m);
  return b;
}

// Names the first tensor that differs (for the failure message).
std::string first_difference(const std::string& a, const std::string& b) {
  bnn_model *ma = nullptr, *mb = nullptr;
  bnn_model_load(a.c_str(), &ma);
  bnn_model_load(b.c_str(), &mb);
  std::string out = "no tensor differs (optimiser state or document?)";
  uint64_t sa = 0, sb = 0;
  bnn_model_step_count(ma, &sa);
  bnn_model_step_count(mb, &sb);
  if (sa != sb) out = "step counts " + std::to_string(sa) + " vs " + std::to_string(sb);
  for (size_t i = 0; ma && mb && i < bnn_model_tensor_count(ma) && sa == sb; ++i) {
    const char* name = nullptr;
    size_t n = 0;
    bnn_model_tensor_info(ma, i, &name, &n);
    std::vector<float> va(n), vb(n);
    bnn_model_get_tensor(ma, i, va.data(), n);
    bnn_model_get_tensor(mb, i, vb.data(), n);
    if (std::memcmp(va.data(), vb.data(), n * sizeof(float)) != 0) {
      out = std::string("tensor ") + name + " differs";
      break;
    }
  }
  bnn_model_free(ma);
  bnn_model_free(mb);
  return out;
}

// metrics.jsonl without its wall-clock fields.
std::vector<json> metrics_of(const std::string& dir) {
  std::ifstream f(dir + "/metrics.jsonl");
  std::vector<json> out;
  std::string l;
  while (std::getline(f, l)) {
    if (l.empty()) continue;
    json j = json::parse(l);
    j.erase("seconds");
    j.erase("samples_per_second");
    out.push_back(j);
  }
  return out;
}

void compare_runs(const std::string& label, const std::string& ref, const std::string& got) {
  const std::vector<uint8_t> a = state_of(ref + "/last.bnn"), b = state_of(got + "/last.bnn");
  CHECK(!a.empty() && a == b, "%s: final last.bnn differs from the uninterrupted run: %s",
        label.c_str(), first_difference(ref + "/last.bnn", got + "/last.bnn").c_str());
  const std::vector<uint8_t> ba = state_of(ref + "/best.bnn"), bb = state_of(got + "/best.bnn");
  CHECK(!ba.empty() && ba == bb, "%s: best.bnn differs", label.c_str());
  const auto ma = metrics_of(ref), mb = metrics_of(got);
  CHECK(ma.size() == mb.size(), "%s: %zu metrics lines vs %zu", label.c_str(), ma.size(), mb.size());
  for (size_t i = 0; i < ma.size() && i < mb.size(); ++i)
    CHECK(ma[i] == mb[i], "%s: metrics of epoch %zu differ:\n  %s\n  %s", label.c_str(), i,
          ma[i].dump().c_str(), mb[i].dump().c_str());
  std::printf("%s: same final state as the uninterrupted run\n", label.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: crash_resume_test BNN_BINARY WORK_DIR\n");
    return 2;
  }
  g_bnn = argv[1];
  g_work = argv[2];
  std::system(("rm -rf '" + g_work + "' && mkdir -p '" + g_work + "/data'").c_str());
  write_idx(g_work + "/data", "train", 1200, 1);
  write_idx(g_work + "/data", "t10k", 200, 2);
  std::ofstream(g_work + "/config.json") << kConfig;

  // 1. The uninterrupted reference run.
  const std::string ref = g_work + "/ref";
  CHECK(wait_exit(spawn(train_args(ref))) == 0, "the reference run failed");
  CHECK(line_count(ref + "/metrics.jsonl") == 5, "reference: %zu epochs", line_count(ref + "/metrics.jsonl"));

  // 2. --max-steps: a deterministic stop mid-epoch (step 200 of 135 per epoch), then resume.
  const std::string ms = g_work + "/max_steps";
  std::vector<std::string> a = train_args(ms);
  a.insert(a.end(), {"--max-steps", "200"});
  CHECK(wait_exit(spawn(a)) == 0, "the --max-steps run failed");
  CHECK(wait_exit(spawn(resume_args(ms))) == 0, "resuming after --max-steps failed");
  compare_runs("--max-steps 200 then --resume", ref, ms);

  // 3. SIGKILL mid-epoch: once an epoch has ended and a later checkpoint has been written, kill.
  //    Then kill the resumed run too, once it has checkpointed; resume again to the end.
  const std::string k = g_work + "/killed";
  int killed = 0;
  const std::string last = k + "/last.bnn", metrics = k + "/metrics.jsonl";
  struct stat st0 {};
  const bool k1 = run_and_kill(train_args(k), [&] {
    if (line_count(metrics) < 1) return false;
    struct stat st;
    if (stat(last.c_str(), &st) != 0) return false;
    if (st0.st_mtim.tv_sec == 0 && st0.st_mtim.tv_nsec == 0) st0 = st;
    return st.st_mtim.tv_nsec != st0.st_mtim.tv_nsec || st.st_mtim.tv_sec != st0.st_mtim.tv_sec;
  });
  killed += k1;
  CHECK(exists(last), "no checkpoint before the kill");
  if (line_count(metrics) < 5) {
    struct stat before {};
    stat(last.c_str(), &before);
    const bool k2 = run_and_kill(resume_args(k), [&] {
      struct stat st;
      return stat(last.c_str(), &st) == 0 && (st.st_mtim.tv_nsec != before.st_mtim.tv_nsec ||
                                              st.st_mtim.tv_sec != before.st_mtim.tv_sec);
    });
    killed += k2;
  }
  if (line_count(metrics) < 5)
    CHECK(wait_exit(spawn(resume_args(k))) == 0, "the final resume failed");
  std::printf("SIGKILL: killed %d time(s) mid-run\n", killed);
  CHECK(killed >= 1, "the run finished before it could be killed (make it longer)");
  compare_runs("SIGKILL + --resume (twice)", ref, k);

  if (g_failures) {
    std::fprintf(stderr, "%d check(s) failed\n", g_failures);
    return 1;
  }
  std::printf("all crash/resume checks passed\n");
  return 0;
}
