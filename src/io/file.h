// Whole-file reads and atomic writes (temporary file in the same folder, flush, rename), so that
// a crash mid-save never destroys the previous file.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace bnn {
std::vector<uint8_t> read_file(const std::string& path);
void write_file_atomic(const std::string& path, const std::vector<uint8_t>& bytes);
}  // namespace bnn
