// The checkpoint format (one format for resume and deployment), little-endian:
//   "BNNCKPT\0" | u32 format version | u32 flags (0)
//   | u64 len + model document (JSON, UTF-8)
//   | u64 model steps | u64 optimiser steps
//   | u32 count + tensors        (u32 name len, name, u64 numel, numel x f32)
//   | u32 count + optimiser state (same record layout)
//   | u32 count + per-layer flip counts (u64)
//   | u64 len + trainer progress (JSON; len 0: none)       -- since format version 2
//   | u32 CRC-32 of every byte before it
// Loading checks the magic, version, CRC, then every record against the model the document
// builds: names, sizes, finiteness. Anything else is CORRUPT_DATA.
#include "io/checkpoint.h"

#include <cmath>
#include <cstring>

#include "core/error.h"
#include "io/crc32.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the checkpoint writer assumes a little-endian host"
#endif

namespace bnn {
namespace {

constexpr char kMagic[8] = {'B', 'N', 'N', 'C', 'K', 'P', 'T', '\0'};
constexpr uint32_t kFormatVersion = 2;  // reads 1 and 2

class Writer {
 public:
  template <class T>
  void put(T v) {
    const size_t o = buf.size();
    buf.resize(o + sizeof(T));
    std::memcpy(buf.data() + o, &v, sizeof(T));
  }
  void bytes(const void* p, size_t n) {
    const size_t o = buf.size();
    buf.resize(o + n);
    if (n) std::memcpy(buf.data() + o, p, n);
  }
  void record(const std::string& name, const std::vector<float>& v) {
    put<uint32_t>(static_cast<uint32_t>(name.size()));
    bytes(name.data(), name.size());
    put<uint64_t>(v.size());
    bytes(v.data(), v.size() * sizeof(float));
  }
  std::vector<uint8_t> buf;
};

class Reader {
 public:
  Reader(const uint8_t* p, size_t n) : p_(p), n_(n) {}
  template <class T>
  T get(const char* what) {
    need(sizeof(T), what);
    T v;
    std::memcpy(&v, p_ + o_, sizeof(T));
    o_ += sizeof(T);
    return v;
  }
  const uint8_t* take(size_t n, const char* what) {
    need(n, what);
    const uint8_t* r = p_ + o_;
    o_ += n;
    return r;
  }
  // Reads a record and checks it against the expected name and size.
  void record(const std::string& name, std::vector<float>& out) {
    const uint32_t len = get<uint32_t>("record name length");
    const uint8_t* s = take(len, "record name");
    const std::string got(reinterpret_cast<const char*>(s), len);
    if (got != name) fail(BNN_STATUS_CORRUPT_DATA, "expected record \"" + name + "\", found \"" + got + "\"");
    const uint64_t numel = get<uint64_t>("record size");
    if (numel != out.size())
      fail(BNN_STATUS_CORRUPT_DATA, name + ": " + std::to_string(numel) + " values stored, the model has " +
                                        std::to_string(out.size()));
    const uint8_t* d = take(numel * sizeof(float), name.c_str());
    std::memcpy(out.data(), d, numel * sizeof(float));
    for (float v : out)
      if (!std::isfinite(v)) fail(BNN_STATUS_CORRUPT_DATA, name + ": stored value is NaN or Inf");
  }
  size_t offset() const { return o_; }

 private:
  void need(size_t n, const char* what) {
    if (n > n_ - o_)
      fail(BNN_STATUS_CORRUPT_DATA, std::string("truncated data while reading ") + what +
                                        " at byte " + std::to_string(o_));
  }
  const uint8_t* p_;
  size_t n_, o_ = 0;
};

}  // namespace

std::vector<uint8_t> encode_checkpoint(const CheckpointState& s) {
  Writer w;
  w.bytes(kMagic, sizeof kMagic);
  w.put<uint32_t>(kFormatVersion);
  w.put<uint32_t>(0);
  w.put<uint64_t>(s.document.size());
  w.bytes(s.document.data(), s.document.size());
  w.put<uint64_t>(s.steps);
  w.put<uint64_t>(s.optimizer_steps);
  w.put<uint32_t>(static_cast<uint32_t>(s.tensors.size()));
  for (const CheckpointRecord& r : s.tensors) w.record(r.name, *r.values);
  w.put<uint32_t>(static_cast<uint32_t>(s.optimizer_state.size()));
  for (const CheckpointRecord& r : s.optimizer_state) w.record(r.name, *r.values);
  w.put<uint32_t>(static_cast<uint32_t>(s.flips.size()));
  for (uint64_t f : s.flips) w.put<uint64_t>(f);
  w.put<uint64_t>(s.progress.size());
  w.bytes(s.progress.data(), s.progress.size());
  w.put<uint32_t>(crc32(w.buf.data(), w.buf.size()));
  return std::move(w.buf);
}

std::string checkpoint_document(const uint8_t* data, size_t size) {
  if (data == nullptr) fail(BNN_STATUS_INVALID_ARGUMENT, "buffer is NULL");
  if (size < sizeof kMagic + 4 || std::memcmp(data, kMagic, sizeof kMagic) != 0)
    fail(BNN_STATUS_CORRUPT_DATA, "not a libbnn checkpoint (bad magic)");
  Reader r(data, size);
  r.take(sizeof kMagic, "magic");
  const uint32_t version = r.get<uint32_t>("format version");
  if (version != 1 && version != kFormatVersion)
    fail(BNN_STATUS_CORRUPT_DATA, "checkpoint format version " + std::to_string(version) +
                                      " is not supported (this library reads versions 1 to " +
                                      std::to_string(kFormatVersion) + ")");
  if (size < 24) fail(BNN_STATUS_CORRUPT_DATA, "truncated checkpoint");
  uint32_t stored_crc;
  std::memcpy(&stored_crc, data + size - 4, 4);
  if (crc32(data, size - 4) != stored_crc)
    fail(BNN_STATUS_CORRUPT_DATA, "checksum mismatch: the checkpoint is corrupted or truncated");
  Reader body(data, size - 4);
  body.take(16, "header");
  const uint64_t doc_len = body.get<uint64_t>("document length");
  const uint8_t* doc_bytes = body.take(doc_len, "document");
  return std::string(reinterpret_cast<const char*>(doc_bytes), doc_len);
}

void decode_checkpoint(const uint8_t* data, size_t size, CheckpointState& s) {
  checkpoint_document(data, size);  // magic, version, CRC
  uint32_t version;
  std::memcpy(&version, data + sizeof kMagic, 4);
  Reader body(data, size - 4);
  body.take(16, "header");
  body.take(body.get<uint64_t>("document length"), "document");
  s.steps = body.get<uint64_t>("step counter");
  s.optimizer_steps = body.get<uint64_t>("optimiser step counter");
  const uint32_t nt = body.get<uint32_t>("tensor count");
  if (nt != s.tensors.size())
    fail(BNN_STATUS_CORRUPT_DATA, "the checkpoint holds " + std::to_string(nt) +
                                      " tensors, its document describes " +
                                      std::to_string(s.tensors.size()));
  for (const CheckpointRecord& t : s.tensors) {
    body.record(t.name, *t.values);
    if (t.non_negative)
      for (float v : *t.values)
        if (v < 0.0f) fail(BNN_STATUS_CORRUPT_DATA, t.name + ": negative variance");
  }
  const uint32_t ns = body.get<uint32_t>("optimiser state count");
  if (ns != s.optimizer_state.size())
    fail(BNN_STATUS_CORRUPT_DATA, "optimiser state count " + std::to_string(ns) +
                                      " does not match the optimiser (" +
                                      std::to_string(s.optimizer_state.size()) + ")");
  for (const CheckpointRecord& t : s.optimizer_state) body.record(t.name, *t.values);
  const uint32_t nl = body.get<uint32_t>("layer count");
  if (nl != s.flip_limits.size()) fail(BNN_STATUS_CORRUPT_DATA, "layer count mismatch");
  s.flips.assign(nl, 0);
  for (size_t i = 0; i < nl; ++i) {
    const uint64_t f = body.get<uint64_t>("flip count");
    if (f > s.flip_limits[i]) fail(BNN_STATUS_CORRUPT_DATA, "flip count larger than the layer");
    s.flips[i] = f;
  }
  s.progress.clear();
  if (version >= 2) {
    const uint64_t plen = body.get<uint64_t>("trainer progress length");
    const uint8_t* p = body.take(plen, "trainer progress");
    s.progress.assign(reinterpret_cast<const char*>(p), plen);
  }
  if (body.offset() != size - 4) fail(BNN_STATUS_CORRUPT_DATA, "trailing bytes after the last record");
}

}  // namespace bnn
