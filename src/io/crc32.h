// CRC-32 (IEEE 802.3, as zlib's crc32), own code so that the wasm build needs no zlib.
#pragma once
#include <cstddef>
#include <cstdint>

namespace bnn {
uint32_t crc32(const uint8_t* data, size_t n, uint32_t crc = 0);
}
