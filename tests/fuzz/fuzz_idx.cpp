// Fuzz target: the IDX dataset reader (bnn_dataset_load_idx) on arbitrary image and label files.
// Input: u16 split point, then the image file's bytes, then the label file's (either may be
// gzip'd). Invariants: no crash, no allocation beyond what the files hold (a header that lies
// about its counts fails after reading what is there), a failure has a status and a message and
// leaves no handle, and a loaded dataset is consistent (count, sample size, readable samples).
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "fuzz_util.h"

namespace {

std::string temp_file(const char* tag, const uint8_t* data, size_t size) {
  char path[] = "/tmp/bnn-fuzz-idx-XXXXXX";
  const int fd = mkstemp(path);
  BNN_FUZZ_CHECK(fd >= 0, "mkstemp failed");
  size_t done = 0;
  while (done < size) {
    const ssize_t w = write(fd, data + done, size - done);
    BNN_FUZZ_CHECK(w > 0, "write %s failed", tag);
    done += static_cast<size_t>(w);
  }
  close(fd);
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const size_t split = std::min<size_t>(size - 2, (size_t{data[0]} << 8) | data[1]);
  const std::string images = temp_file("images", data + 2, split);
  const std::string labels = temp_file("labels", data + 2 + split, size - 2 - split);
  bnn_dataset* d = nullptr;
  const bnn_status s = bnn_dataset_load_idx(images.c_str(), labels.c_str(), &d);
  std::remove(images.c_str());
  std::remove(labels.c_str());
  if (s != BNN_STATUS_OK) {
    BNN_FUZZ_CHECK(d == nullptr, "failed load left a handle");
    BNN_FUZZ_CHECK(bnn_last_errmsg()[0] != '\0', "status %d without a message", static_cast<int>(s));
    BNN_FUZZ_CHECK(s == BNN_STATUS_CORRUPT_DATA || s == BNN_STATUS_IO || s == BNN_STATUS_OUT_OF_MEMORY,
                   "unexpected status %s: %s", bnn_status_name(s), bnn_last_errmsg());
    return 0;
  }
  const size_t n = bnn_dataset_count(d), dim = bnn_dataset_sample_size(d);
  BNN_FUZZ_CHECK(n > 0 && dim > 0, "an empty dataset loaded");
  const bool gz = split >= 2 && data[2] == 0x1f && data[3] == 0x8b;
  if (!gz)  // a raw file holds at least one byte per pixel (gzip may expand)
    BNN_FUZZ_CHECK(n * dim <= size, "more pixels (%zu) than input bytes (%zu)", n * dim, size);
  std::vector<float> x(dim);
  int32_t y = -1;
  BNN_FUZZ_CHECK(bnn_dataset_get(d, n - 1, 1, x.data(), x.size(), &y, 1) == BNN_STATUS_OK,
                 "the last sample is not readable");
  BNN_FUZZ_CHECK(y >= 0 && static_cast<size_t>(y) < bnn_dataset_num_classes(d), "label out of range");
  for (float v : x) BNN_FUZZ_CHECK(v >= 0.0f && v <= 1.0f, "pixel outside [0, 1]");
  bnn_dataset_free(d);
  return 0;
}
