#include "cli/commands.h"

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "bnn/bnn.hpp"
#include "cli/files.h"
#include "cli/report.h"
#include "cli/sweep.h"

namespace bnn::cli {
namespace {

// `bnn summary CONFIG.json|MODEL.bnn`: the layer table with binary/float parameter counts.
int cmd_summary(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: bnn summary CONFIG.json|MODEL.bnn\n");
    return 2;
  }
  try {
    const std::string path = argv[2];
    ModelHandle m;
    if (path.size() > 4 && path.substr(path.size() - 4) == ".bnn") {
      m = ModelHandle::load(path);
    } else {
      m = ModelHandle::from_json(read_text(path));
    }
    std::printf("%s", m.summary().c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bnn summary: %s\n", e.what());
    return 1;
  }
}

}  // namespace

const std::vector<Command>& extra_commands() {
  static const std::vector<Command> commands = {
      {"summary", cmd_summary},
      {"sweep", cmd_sweep},
      {"report", cmd_report},
      {"bench-train", cmd_bench_train},
  };
  return commands;
}

}  // namespace bnn::cli
