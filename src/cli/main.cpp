// bnn: the command-line tool. `bnn train` with no arguments trains the default binary MLP on
// Fashion-MNIST. Subcommands: train, eval (and more in cli/commands.h).
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bnn/bnn.hpp"
#include "cli/commands.h"
#include "cli/train.h"
#include "data/dataset.h"

namespace {

void usage(FILE* f) {
  std::fprintf(f,
               "bnn %s -- train binary neural networks\n"
               "usage:\n"
               "  bnn train [CONFIG.json] [--data DIR] [--epochs N] [--out DIR] [--seed N]\n"
               "            [--resume DIR] [--threads N] [--isa NAME] [--quiet]\n"
               "  bnn eval MODEL.bnn [--data DIR]\n"
               "  bnn sweep SWEEP.json [--jobs N] [--out DIR] [--data DIR]\n"
               "  bnn report RUN_DIR... [--out FILE.html]\n"
               "  bnn summary CONFIG.json|MODEL.bnn\n"
               "With no CONFIG, `bnn train` trains the default model (a binary MLP) on\n"
               "Fashion-MNIST from %s.\n",
               bnn_version_string(), bnn::cli::default_data_dir().c_str());
}

// Parses "--flag value" pairs; positional arguments are returned in order.
struct Args {
  std::vector<std::string> positional;
  std::vector<std::pair<std::string, std::string>> flags;
  bool has(const std::string& f) const {
    for (auto& kv : flags)
      if (kv.first == f) return true;
    return false;
  }
  std::string get(const std::string& f, const std::string& def = "") const {
    for (auto& kv : flags)
      if (kv.first == f) return kv.second;
    return def;
  }
};

bool parse_args(int argc, char** argv, int start, const std::vector<std::string>& valued,
                const std::vector<std::string>& switches, Args& a) {
  for (int i = start; i < argc; ++i) {
    const std::string s = argv[i];
    if (s.rfind("--", 0) == 0) {
      bool known = false;
      for (auto& v : valued)
        if (v == s) {
          if (i + 1 >= argc) {
            std::fprintf(stderr, "bnn: %s needs a value\n", s.c_str());
            return false;
          }
          a.flags.emplace_back(s, argv[++i]);
          known = true;
        }
      for (auto& v : switches)
        if (v == s) {
          a.flags.emplace_back(s, "1");
          known = true;
        }
      if (!known) {
        std::fprintf(stderr, "bnn: unknown option %s\n", s.c_str());
        return false;
      }
    } else {
      a.positional.push_back(s);
    }
  }
  return true;
}

bool to_int(const std::string& s, long long& out) {
  char* end = nullptr;
  out = std::strtoll(s.c_str(), &end, 10);
  return !s.empty() && end && *end == '\0';
}

int cmd_train(int argc, char** argv) {
  Args a;
  if (!parse_args(argc, argv, 2,
                  {"--data", "--epochs", "--out", "--seed", "--resume", "--threads", "--isa",
                   "--max-steps"},
                  {"--quiet"}, a))
    return 2;
  if (a.positional.size() > 1) {
    std::fprintf(stderr, "bnn train: expected at most one CONFIG.json\n");
    return 2;
  }
  bnn::cli::TrainOptions o;
  if (!a.positional.empty()) o.config_path = a.positional[0];
  o.data_dir = a.get("--data");
  o.out_dir = a.get("--out");
  o.resume_dir = a.get("--resume");
  o.quiet = a.has("--quiet");
  if (!o.resume_dir.empty() && !o.config_path.empty()) {
    std::fprintf(stderr, "bnn train: --resume continues the run's own document; drop CONFIG\n");
    return 2;
  }
  long long v;
  for (auto [flag, dst] : {std::pair<const char*, long long*>{"--epochs", &o.epochs},
                           {"--seed", &o.seed}, {"--max-steps", &o.max_steps}}) {
    if (!a.has(flag)) continue;
    if (!to_int(a.get(flag), v) || v < 0) {
      std::fprintf(stderr, "bnn train: %s takes a non-negative integer\n", flag);
      return 2;
    }
    *dst = v;
  }
  if (a.has("--threads")) {
    if (!to_int(a.get("--threads"), v) || v < 0 || v > 256) {
      std::fprintf(stderr, "bnn train: --threads takes an integer in [0, 256]\n");
      return 2;
    }
    o.threads = static_cast<int>(v);
  }
  if (a.has("--isa") && bnn_set_isa(a.get("--isa").c_str()) != BNN_STATUS_OK) {
    std::fprintf(stderr, "bnn train: %s\n", bnn_last_errmsg());
    return 2;
  }
  return bnn::cli::run_train(o);
}

int cmd_eval(int argc, char** argv) {
  Args a;
  if (!parse_args(argc, argv, 2, {"--data"}, {}, a)) return 2;
  if (a.positional.size() != 1) {
    std::fprintf(stderr, "bnn eval: expected MODEL.bnn\n");
    return 2;
  }
  try {
    bnn::ModelHandle m = bnn::ModelHandle::load(a.positional[0]);
    const std::string dir = a.get("--data", bnn::cli::default_data_dir());
    bnn::data::Split s = bnn::data::load_dataset(dir);
    const nlohmann::json doc = nlohmann::json::parse(m.config_json());
    const std::string stdz =
        doc.contains("training") ? doc["training"].value("standardize", std::string("none")) : "none";
    bnn::data::standardize(s.test, stdz);
    if (s.test.dim != m.input_size()) throw std::runtime_error("the data does not fit the model's input");
    const auto [loss, acc] = m.evaluate(s.test.x.data(), s.test.y.data(), s.test.n);
    std::printf("test loss %.4f accuracy %.4f (%zu samples, %s)\n", loss, acc, s.test.n, dir.c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bnn eval: %s\n", e.what());
    return 1;
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  const std::string cmd = argv[1];
  if (cmd == "train") return cmd_train(argc, argv);
  if (cmd == "eval") return cmd_eval(argc, argv);
  if (cmd == "-h" || cmd == "--help" || cmd == "help") {
    usage(stdout);
    return 0;
  }
  if (cmd == "--version") {
    std::printf("bnn %s\n", bnn_version_string());
    return 0;
  }
  for (const auto& c : bnn::cli::extra_commands())
    if (cmd == c.name) return c.run(argc, argv);
  std::fprintf(stderr, "bnn: unknown command \"%s\"\n", cmd.c_str());
  usage(stderr);
  return 2;
}
