// Small file-system helpers shared by the bnn tool's commands.
#pragma once
#include <string>

namespace bnn::cli {

bool is_file(const std::string& path);
bool is_dir(const std::string& path);
// Creates the folder and its parents; throws std::runtime_error when it cannot.
void make_dirs(const std::string& path);
// The whole file as text; throws std::runtime_error naming the path.
std::string read_text(const std::string& path);
// Atomic write (temporary file, then rename); throws bnn::Error on failure.
void write_text_atomic(const std::string& path, const std::string& text);

}  // namespace bnn::cli
