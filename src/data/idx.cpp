#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>

#include "core/error.h"
#include "data/dataset.h"

namespace bnn::data {
namespace {

bool exists(const std::string& p) {
  FILE* f = std::fopen(p.c_str(), "rb");
  if (f) std::fclose(f);
  return f != nullptr;
}

std::string find_file(const std::string& dir, const std::string& stem) {
  for (const char* suffix : {".gz", ""}) {
    const std::string p = dir + "/" + stem + suffix;
    if (exists(p)) return p;
  }
  // Some distributions use dots instead of dashes (train-images.idx3-ubyte).
  std::string alt = stem;
  const size_t dash = alt.rfind("-idx");
  if (dash != std::string::npos) alt[dash] = '.';
  for (const char* suffix : {".gz", ""}) {
    const std::string p = dir + "/" + alt + suffix;
    if (exists(p)) return p;
  }
  fail(BNN_STATUS_IO, dir + ": no file " + stem + "[.gz]");
}

}  // namespace

Dataset Dataset::slice(size_t begin, size_t end) const {
  Dataset d;
  d.dim = dim;
  d.shape = shape;
  d.classes = classes;
  d.n = end - begin;
  d.x.assign(x.begin() + begin * dim, x.begin() + end * dim);
  d.y.assign(y.begin() + begin, y.begin() + end);
  return d;
}

void read_idx(const std::string& path, std::vector<uint8_t>& values, std::vector<size_t>& dims) {
  // gzread reads uncompressed files transparently.
  std::unique_ptr<gzFile_s, int (*)(gzFile)> f(gzopen(path.c_str(), "rb"), gzclose);
  if (!f) fail(BNN_STATUS_IO, path + ": cannot open");
  uint8_t head[4];
  if (gzread(f.get(), head, 4) != 4) fail(BNN_STATUS_CORRUPT_DATA, path + ": truncated header");
  if (head[0] != 0 || head[1] != 0 || head[2] != 0x08)
    fail(BNN_STATUS_CORRUPT_DATA, path + ": not an unsigned-byte IDX file");
  const int rank = head[3];
  if (rank < 1 || rank > 4) fail(BNN_STATUS_CORRUPT_DATA, path + ": unsupported IDX rank");
  dims.clear();
  size_t total = 1;
  for (int i = 0; i < rank; ++i) {
    uint8_t b[4];
    if (gzread(f.get(), b, 4) != 4) fail(BNN_STATUS_CORRUPT_DATA, path + ": truncated header");
    const size_t d = (size_t{b[0]} << 24) | (size_t{b[1]} << 16) | (size_t{b[2]} << 8) | b[3];
    if (d == 0 || d > (size_t{1} << 28)) fail(BNN_STATUS_CORRUPT_DATA, path + ": bad dimension");
    dims.push_back(d);
    total *= d;
    if (total > (size_t{1} << 31)) fail(BNN_STATUS_CORRUPT_DATA, path + ": too large");
  }
  values.resize(total);
  size_t got = 0;
  while (got < total) {
    const unsigned chunk = static_cast<unsigned>(std::min<size_t>(total - got, 1u << 30));
    const int r = gzread(f.get(), values.data() + got, chunk);
    if (r <= 0) fail(BNN_STATUS_CORRUPT_DATA, path + ": truncated data");
    got += static_cast<size_t>(r);
  }
}

static Dataset load_pair(const std::string& dir, const std::string& prefix) {
  std::vector<uint8_t> img, lab;
  std::vector<size_t> idims, ldims;
  const std::string ip = find_file(dir, prefix + "-images-idx3-ubyte");
  const std::string lp = find_file(dir, prefix + "-labels-idx1-ubyte");
  read_idx(ip, img, idims);
  read_idx(lp, lab, ldims);
  if (idims.size() < 2 || ldims.size() != 1 || idims[0] != ldims[0])
    fail(BNN_STATUS_CORRUPT_DATA, ip + ": images and labels disagree in count");
  Dataset d;
  d.n = idims[0];
  d.dim = img.size() / d.n;
  d.shape.assign(idims.begin() + 1, idims.end());
  if (d.shape.size() == 2) d.shape.push_back(1);  // HWC with one channel
  d.x.resize(img.size());
  for (size_t i = 0; i < img.size(); ++i) d.x[i] = img[i] * (1.0f / 255.0f);
  d.y.resize(d.n);
  int32_t maxl = 0;
  for (size_t i = 0; i < d.n; ++i) {
    d.y[i] = lab[i];
    maxl = std::max(maxl, d.y[i]);
  }
  d.classes = static_cast<size_t>(maxl) + 1;
  return d;
}

Split load_idx_folder(const std::string& dir) {
  Split s;
  s.train = load_pair(dir, "train");
  s.test = load_pair(dir, "t10k");
  if (s.train.dim != s.test.dim) fail(BNN_STATUS_CORRUPT_DATA, dir + ": train/test sample sizes differ");
  s.train.classes = s.test.classes = std::max(s.train.classes, s.test.classes);
  s.name = dir;
  return s;
}

void standardize(Dataset& d, const std::string& mode, const Dataset* reference) {
  if (mode == "none" || mode.empty()) return;
  if (mode == "per_image") {
    for (size_t i = 0; i < d.n; ++i) {
      float* x = d.x.data() + i * d.dim;
      double mean = 0, var = 0;
      for (size_t j = 0; j < d.dim; ++j) mean += x[j];
      mean /= d.dim;
      for (size_t j = 0; j < d.dim; ++j) var += (x[j] - mean) * (x[j] - mean);
      // As tf.image.per_image_standardization: std floored at 1/sqrt(N).
      const double sd = std::max(std::sqrt(var / d.dim), 1.0 / std::sqrt(static_cast<double>(d.dim)));
      for (size_t j = 0; j < d.dim; ++j) x[j] = static_cast<float>((x[j] - mean) / sd);
    }
    return;
  }
  if (mode == "global") {
    const Dataset& r = reference ? *reference : d;
    double mean = 0, var = 0;
    for (float v : r.x) mean += v;
    mean /= static_cast<double>(r.x.size());
    for (float v : r.x) var += (v - mean) * (v - mean);
    const double sd = std::sqrt(var / static_cast<double>(r.x.size())) + 1e-8;
    for (float& v : d.x) v = static_cast<float>((v - mean) / sd);
    return;
  }
  fail(BNN_STATUS_INVALID_ARGUMENT, "unknown standardization \"" + mode + "\"");
}

}  // namespace bnn::data
