// A minimal protocol-buffers encoder: just the wire types ONNX files use (varint, 32-bit float,
// length-delimited). Own code rather than Debian's libprotobuf + the ONNX schema: the export
// writes a few message types, and the library (and its wasm build) gains no dependency.
#pragma once
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace bnn::exporters {

class Proto {
 public:
  Proto& varint(uint32_t field, uint64_t v) {
    key(field, 0);
    raw_varint(v);
    return *this;
  }
  Proto& f32(uint32_t field, float v) {
    key(field, 5);
    const size_t n = b_.size();
    b_.resize(n + 4);
    std::memcpy(&b_[n], &v, 4);
    return *this;
  }
  Proto& bytes(uint32_t field, const void* data, size_t size) {
    key(field, 2);
    raw_varint(size);
    const auto* p = static_cast<const uint8_t*>(data);
    b_.insert(b_.end(), p, p + size);
    return *this;
  }
  Proto& str(uint32_t field, const std::string& s) { return bytes(field, s.data(), s.size()); }
  Proto& msg(uint32_t field, const Proto& m) { return bytes(field, m.b_.data(), m.b_.size()); }
  const std::vector<uint8_t>& data() const { return b_; }

 private:
  void key(uint32_t field, uint32_t wire) { raw_varint((uint64_t{field} << 3) | wire); }
  void raw_varint(uint64_t v) {
    while (v >= 0x80) {
      b_.push_back(static_cast<uint8_t>(v | 0x80));
      v >>= 7;
    }
    b_.push_back(static_cast<uint8_t>(v));
  }
  std::vector<uint8_t> b_;
};

}  // namespace bnn::exporters
