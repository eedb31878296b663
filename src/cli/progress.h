// A terminal progress bar for long work: epoch, batch, loss, samples/s, ETA. Redraws in place on
// a terminal; elsewhere (logs, CI) prints a line at every tenth of the epoch.
#pragma once
#include <chrono>
#include <cstdio>
#include <string>

namespace bnn::cli {

class Progress {
 public:
  Progress(size_t epoch, size_t epochs, size_t total_batches, bool quiet);
  void update(size_t batch, double loss, double accuracy, double samples_per_second);
  void finish();

 private:
  size_t epoch_, epochs_, total_;
  bool quiet_, tty_;
  size_t last_decile_ = 0;
  std::chrono::steady_clock::time_point start_;
};

std::string format_duration(double seconds);

}  // namespace bnn::cli
