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
#include <cmath>
#include <cstring>

#include "core/memory_budget.h"
#include "core/model.h"
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

std::vector<uint8_t> Model::save_bytes() const {
  Writer w;
  w.bytes(kMagic, sizeof kMagic);
  w.put<uint32_t>(kFormatVersion);
  w.put<uint32_t>(0);
  const std::string doc = document().dump();
  w.put<uint64_t>(doc.size());
  w.bytes(doc.data(), doc.size());
  w.put<uint64_t>(steps_);
  w.put<uint64_t>(optimizer_->steps());
  w.put<uint32_t>(static_cast<uint32_t>(tensors_.size()));
  for (const Tensor* t : tensors_) w.record(t->name, t->value);
  const auto state = optimizer_->state_buffers(trainable());
  w.put<uint32_t>(static_cast<uint32_t>(state.size()));
  for (const auto& s : state) w.record(s.name, *s.data);
  w.put<uint32_t>(static_cast<uint32_t>(layer_flips_.size()));
  for (size_t f : layer_flips_) w.put<uint64_t>(f);
  const std::string progress = trainer_state_.is_null() ? std::string() : trainer_state_.dump();
  w.put<uint64_t>(progress.size());
  w.bytes(progress.data(), progress.size());
  w.put<uint32_t>(crc32(w.buf.data(), w.buf.size()));
  return std::move(w.buf);
}

std::unique_ptr<Model> Model::load_bytes(const uint8_t* data, size_t size) {
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
  json doc;
  try {
    doc = json::parse(doc_bytes, doc_bytes + doc_len);
  } catch (const std::exception& e) {
    fail(BNN_STATUS_CORRUPT_DATA, std::string("stored model document is not valid JSON: ") + e.what());
  }
  std::unique_ptr<Model> m;
  // Every stored value takes 4 bytes of the data, so the document may not describe more
  // parameters (with their gradients) than the data can hold: a forged document that describes
  // a huge model fails before allocating it.
  MemoryBudget budget(2 * uint64_t{size} + 4096,
                      "what a checkpoint of " + std::to_string(size) + " bytes can hold",
                      BNN_STATUS_CORRUPT_DATA);
  try {
    m = from_json(doc);
  } catch (const Error& e) {
    if (e.status() == BNN_STATUS_OUT_OF_MEMORY) throw;
    fail(BNN_STATUS_CORRUPT_DATA, std::string("stored model document is invalid: ") + e.what());
  }
  m->steps_ = body.get<uint64_t>("step counter");
  m->optimizer_->set_steps(body.get<uint64_t>("optimiser step counter"));
  const uint32_t nt = body.get<uint32_t>("tensor count");
  if (nt != m->tensors_.size())
    fail(BNN_STATUS_CORRUPT_DATA, "the checkpoint holds " + std::to_string(nt) +
                                      " tensors, its document describes " +
                                      std::to_string(m->tensors_.size()));
  for (Tensor* t : m->tensors_) {
    body.record(t->name, t->value);
    if (t->non_negative)
      for (float v : t->value)
        if (v < 0.0f) fail(BNN_STATUS_CORRUPT_DATA, t->name + ": negative variance");
  }
  const auto state = m->optimizer_->state_buffers(m->trainable());
  const uint32_t ns = body.get<uint32_t>("optimiser state count");
  if (ns != state.size())
    fail(BNN_STATUS_CORRUPT_DATA, "optimiser state count " + std::to_string(ns) +
                                      " does not match the optimiser (" +
                                      std::to_string(state.size()) + ")");
  for (const auto& s : state) body.record(s.name, *s.data);
  const uint32_t nl = body.get<uint32_t>("layer count");
  if (nl != m->layer_flips_.size()) fail(BNN_STATUS_CORRUPT_DATA, "layer count mismatch");
  for (size_t i = 0; i < nl; ++i) {
    const uint64_t f = body.get<uint64_t>("flip count");
    if (f > m->layer_binary_[i]) fail(BNN_STATUS_CORRUPT_DATA, "flip count larger than the layer");
    m->layer_flips_[i] = static_cast<size_t>(f);
  }
  if (version >= 2) {
    const uint64_t plen = body.get<uint64_t>("trainer progress length");
    const uint8_t* p = body.take(plen, "trainer progress");
    if (plen) {
      try {
        m->trainer_state_ = json::parse(p, p + plen);
      } catch (const std::exception& e) {
        fail(BNN_STATUS_CORRUPT_DATA, std::string("stored trainer progress is not valid JSON: ") + e.what());
      }
      if (!m->trainer_state_.is_object())
        fail(BNN_STATUS_CORRUPT_DATA, "stored trainer progress is not a JSON object");
    }
  }
  if (body.offset() != size - 4) fail(BNN_STATUS_CORRUPT_DATA, "trailing bytes after the last record");
  return m;
}

}  // namespace bnn
