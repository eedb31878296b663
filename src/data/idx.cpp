#include <cstdio>
#include <stdexcept>

#include "data/dataset.h"

namespace bnn::data {
namespace {

bool exists(const std::string& p) {
  FILE* f = std::fopen(p.c_str(), "rb");
  if (f) std::fclose(f);
  return f != nullptr;
}

std::string find_file(const std::string& dir, const std::string& stem) {
  // Some distributions use a dot instead of the dash before "idx" (train-images.idx3-ubyte).
  std::string alt = stem;
  const size_t dash = alt.rfind("-idx");
  if (dash != std::string::npos) alt[dash] = '.';
  for (const std::string& s : {stem, alt})
    for (const char* suffix : {".gz", ""}) {
      const std::string p = dir + "/" + s + suffix;
      if (exists(p)) return p;
    }
  throw std::runtime_error(dir + ": no file " + stem + "[.gz]");
}

DatasetHandle load_pair(const std::string& dir, const std::string& prefix) {
  return DatasetHandle::load_idx(find_file(dir, prefix + "-images-idx3-ubyte"),
                                 find_file(dir, prefix + "-labels-idx1-ubyte"));
}

}  // namespace

Split load_idx_folder(const std::string& dir) {
  Split s;
  s.train = load_pair(dir, "train");
  s.test = load_pair(dir, "t10k");
  if (s.train.sample_size() != s.test.sample_size())
    throw std::runtime_error(dir + ": train and test sample sizes differ");
  s.name = dir;
  return s;
}

}  // namespace bnn::data
