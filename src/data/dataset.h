// Datasets for the command-line tool and the tests: IDX files (MNIST layout, gz or raw) and
// simple preprocessing. Not part of the library's ABI (it needs zlib; the wasm page decodes
// its own data).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace bnn::data {

struct Dataset {
  std::vector<float> x;        // n * dim, row-major
  std::vector<int32_t> y;      // n labels
  size_t n = 0, dim = 0;
  std::vector<size_t> shape;   // per-sample shape (e.g. {28, 28, 1})
  size_t classes = 0;
  // Rows [begin, end) as a new dataset.
  Dataset slice(size_t begin, size_t end) const;
};

struct Split {
  Dataset train, test;
  std::string name;
};

// Reads an MNIST-layout folder: train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz],
// t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]. Pixels are scaled to [0, 1].
// Throws bnn::Error (IO, CORRUPT_DATA) with the file name on failure.
Split load_idx_folder(const std::string& dir);

// Reads one IDX file (any rank, unsigned-byte data) into values and dims.
void read_idx(const std::string& path, std::vector<uint8_t>& values, std::vector<size_t>& dims);

// In-place preprocessing: "none", "per_image" (zero mean, unit variance per sample, as in the
// study's code) or "global" (dataset mean/std from `reference`).
void standardize(Dataset& d, const std::string& mode, const Dataset* reference = nullptr);

}  // namespace bnn::data
