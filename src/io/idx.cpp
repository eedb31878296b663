#include "io/idx.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "core/error.h"

#ifdef BNN_HAVE_ZLIB
#include <zlib.h>
#endif

namespace bnn {
namespace {

constexpr size_t kMaxTotal = size_t{1} << 31;  // bytes of data in one file
constexpr size_t kChunk = size_t{1} << 20;

// A byte source: a raw file, a gzip stream, or memory.
class Source {
 public:
  virtual ~Source() = default;
  // Reads up to n bytes; returns how many (0 at the end).
  virtual size_t read(uint8_t* dst, size_t n) = 0;
};

class FileSource : public Source {
 public:
  explicit FileSource(FILE* f) : f_(f) {}
  ~FileSource() override { std::fclose(f_); }
  size_t read(uint8_t* dst, size_t n) override { return std::fread(dst, 1, n, f_); }

 private:
  FILE* f_;
};

#ifdef BNN_HAVE_ZLIB
class GzSource : public Source {
 public:
  GzSource(gzFile f, std::string path) : f_(f), path_(std::move(path)) {}
  ~GzSource() override { gzclose(f_); }
  size_t read(uint8_t* dst, size_t n) override {
    const int r = gzread(f_, dst, static_cast<unsigned>(std::min<size_t>(n, 1u << 30)));
    if (r < 0) fail(BNN_STATUS_CORRUPT_DATA, path_ + ": not a valid gzip stream");
    return static_cast<size_t>(r);
  }

 private:
  gzFile f_;
  std::string path_;
};
#endif

class MemorySource : public Source {
 public:
  MemorySource(const uint8_t* p, size_t n) : p_(p), n_(n) {}
  size_t read(uint8_t* dst, size_t n) override {
    const size_t k = std::min(n, n_ - o_);
    if (k) std::memcpy(dst, p_ + o_, k);
    o_ += k;
    return k;
  }

 private:
  const uint8_t* p_;
  size_t n_, o_ = 0;
};

size_t read_full(Source& s, uint8_t* dst, size_t n) {
  size_t got = 0;
  while (got < n) {
    const size_t r = s.read(dst + got, n - got);
    if (r == 0) break;
    got += r;
  }
  return got;
}

void parse(Source& src, const std::string& what, std::vector<uint8_t>& values,
           std::vector<size_t>& dims) {
  uint8_t head[4];
  if (read_full(src, head, 4) != 4) fail(BNN_STATUS_CORRUPT_DATA, what + ": truncated IDX header");
  if (head[0] != 0 || head[1] != 0)
    fail(BNN_STATUS_CORRUPT_DATA, what + ": not an IDX file (bad magic)");
  if (head[2] != 0x08)
    fail(BNN_STATUS_CORRUPT_DATA, what + ": IDX data type " + std::to_string(head[2]) +
                                      " is not unsigned bytes (0x08)");
  const int rank = head[3];
  if (rank < 1 || rank > 4)
    fail(BNN_STATUS_CORRUPT_DATA, what + ": IDX rank " + std::to_string(rank) + " (expected 1 to 4)");
  dims.clear();
  size_t total = 1;
  for (int i = 0; i < rank; ++i) {
    uint8_t b[4];
    if (read_full(src, b, 4) != 4) fail(BNN_STATUS_CORRUPT_DATA, what + ": truncated IDX header");
    const size_t d = (size_t{b[0]} << 24) | (size_t{b[1]} << 16) | (size_t{b[2]} << 8) | b[3];
    if (d == 0) fail(BNN_STATUS_CORRUPT_DATA, what + ": dimension " + std::to_string(i) + " is 0");
    if (d > kMaxTotal || total * d > kMaxTotal)
      fail(BNN_STATUS_CORRUPT_DATA, what + ": the header describes more than 2^31 bytes");
    dims.push_back(d);
    total *= d;
  }
  // Grow with the data actually present: a header that lies about its counts costs no more
  // memory than the file's real content.
  values.clear();
  while (values.size() < total) {
    const size_t want = std::min(kChunk, total - values.size());
    const size_t old = values.size();
    values.resize(old + want);
    const size_t got = read_full(src, values.data() + old, want);
    if (got != want)
      fail(BNN_STATUS_CORRUPT_DATA, what + ": truncated: the header describes " +
                                        std::to_string(total) + " bytes of data, the file holds " +
                                        std::to_string(old + got));
  }
  uint8_t extra;
  if (src.read(&extra, 1) != 0)
    fail(BNN_STATUS_CORRUPT_DATA, what + ": trailing bytes after the data the header describes");
}

}  // namespace

bool idx_gzip_supported() {
#ifdef BNN_HAVE_ZLIB
  return true;
#else
  return false;
#endif
}

void parse_idx(const uint8_t* data, size_t size, const std::string& what,
               std::vector<uint8_t>& values, std::vector<size_t>& dims) {
  MemorySource s(data, size);
  parse(s, what, values, dims);
}

void read_idx(const std::string& path, std::vector<uint8_t>& values, std::vector<size_t>& dims) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) fail(BNN_STATUS_IO, path + ": cannot open: " + std::strerror(errno));
  uint8_t magic[2] = {0, 0};
  const size_t m = std::fread(magic, 1, 2, f);
  const bool gz = m == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
  if (!gz) {
    std::rewind(f);
    FileSource s(f);
    parse(s, path, values, dims);
    return;
  }
  std::fclose(f);
#ifdef BNN_HAVE_ZLIB
  gzFile g = gzopen(path.c_str(), "rb");
  if (!g) fail(BNN_STATUS_IO, path + ": cannot open");
  GzSource s(g, path);
  parse(s, path, values, dims);
#else
  fail(BNN_STATUS_UNSUPPORTED, path + ": gzip'd file, but this build of libbnn has no zlib "
                                      "(decompress it first)");
#endif
}

}  // namespace bnn
