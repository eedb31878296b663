#include "cli/progress.h"

#include <unistd.h>

namespace bnn::cli {

std::string format_duration(double s) {
  char buf[32];
  const long t = static_cast<long>(s + 0.5);
  if (t >= 3600)
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", t / 3600, (t / 60) % 60, t % 60);
  else
    std::snprintf(buf, sizeof buf, "%ld:%02ld", t / 60, t % 60);
  return buf;
}

Progress::Progress(size_t epoch, size_t epochs, size_t total, bool quiet)
    : epoch_(epoch), epochs_(epochs), total_(total), quiet_(quiet),
      tty_(isatty(STDERR_FILENO) != 0), start_(std::chrono::steady_clock::now()) {}

void Progress::update(size_t batch, double loss, double acc, double sps) {
  if (quiet_ || total_ == 0) return;
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double eta = batch ? elapsed * (static_cast<double>(total_) / batch - 1.0) : 0.0;
  const size_t decile = batch * 10 / total_;
  if (!tty_ && decile == last_decile_ && batch != total_) return;
  last_decile_ = decile;
  constexpr int kWidth = 24;
  const int filled = static_cast<int>(kWidth * batch / total_);
  std::string bar(static_cast<size_t>(filled), '=');
  if (filled < kWidth) bar += '>' + std::string(static_cast<size_t>(kWidth - filled - 1), ' ');
  std::fprintf(stderr, "%sepoch %zu/%zu [%s] %zu/%zu loss %.4f acc %.4f %.0f samples/s ETA %s%s",
               tty_ ? "\r" : "", epoch_ + 1, epochs_, bar.c_str(), batch, total_, loss, acc, sps,
               format_duration(eta).c_str(), tty_ ? "\033[K" : "\n");
  std::fflush(stderr);
}

void Progress::finish() {
  if (!quiet_ && tty_) std::fputc('\n', stderr);
}

}  // namespace bnn::cli
