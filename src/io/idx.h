// IDX files (the MNIST layout: big-endian header, unsigned-byte data), raw or gzip'd. The reader
// grows its buffer as data arrives, so a header that claims more than the file holds fails as
// CORRUPT_DATA after reading what is there, never after allocating what the header claims.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace bnn {

// Reads one IDX file (rank 1..4, unsigned bytes) into values and dims. Throws bnn::Error:
// IO (cannot open), CORRUPT_DATA (bad magic, rank, dimension, truncated or trailing data),
// UNSUPPORTED (a gzip'd file in a build without zlib).
void read_idx(const std::string& path, std::vector<uint8_t>& values, std::vector<size_t>& dims);
// The same from bytes in memory (raw IDX only), for fuzzing and the wasm build.
void parse_idx(const uint8_t* data, size_t size, const std::string& what,
               std::vector<uint8_t>& values, std::vector<size_t>& dims);
bool idx_gzip_supported();

}  // namespace bnn
