// Further subcommands (sweep, report, summary, ...), each in its own file, listed in commands.cpp.
#pragma once
#include <vector>

namespace bnn::cli {

struct Command {
  const char* name;
  int (*run)(int argc, char** argv);  // argv[1] is the command name
};

const std::vector<Command>& extra_commands();

int cmd_bench_train(int argc, char** argv);  // bench_train.cpp

}  // namespace bnn::cli
