// Shared by the CLI tests: temporary folders, a tiny synthetic IDX dataset, a tiny binary model,
// running the built `bnn` binary.
#pragma once
#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cli_test {

namespace fs = std::filesystem;
using json = nlohmann::json;

// A fresh folder under the system temp dir, removed with everything in it at the end.
struct TempDir {
  fs::path path;
  TempDir() {
    std::string templ = (fs::temp_directory_path() / "bnn-cli-test-XXXXXX").string();
    path = mkdtemp(templ.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string operator/(const std::string& s) const { return (path / s).string(); }
  std::string str() const { return path.string(); }
};

inline std::string read_text(const std::string& p) {
  std::ifstream f(p);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

inline void write_text(const std::string& p, const std::string& s) {
  std::ofstream f(p);
  f << s;
}

inline std::vector<json> read_jsonl(const std::string& p) {
  std::vector<json> out;
  std::ifstream f(p);
  std::string line;
  while (std::getline(f, line))
    if (!line.empty()) out.push_back(json::parse(line));
  return out;
}

// Writes an unsigned-byte IDX file, gzip-compressed when `gz`.
inline void write_idx(const std::string& path, const std::vector<uint32_t>& dims,
                      const std::vector<uint8_t>& data, bool gz) {
  std::vector<uint8_t> bytes = {0, 0, 0x08, static_cast<uint8_t>(dims.size())};
  for (uint32_t d : dims)
    for (int s = 24; s >= 0; s -= 8) bytes.push_back(static_cast<uint8_t>(d >> s));
  bytes.insert(bytes.end(), data.begin(), data.end());
  if (gz) {
    gzFile f = gzopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    ASSERT_EQ(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())), static_cast<int>(bytes.size()));
    gzclose(f);
  } else {
    std::ofstream f(path, std::ios::binary);
    f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  }
}

// 8x8 images of 4 classes: class c lights rows 2c and 2c+1, plus pseudo-random noise, so that a
// tiny binary MLP learns it in a few epochs but not perfectly at once.
inline void make_dataset(const std::string& dir, size_t n_train = 400, size_t n_test = 100,
                         bool gz = false) {
  fs::create_directories(dir);
  uint32_t state = 12345;
  auto rnd = [&]() {
    state = state * 1664525u + 1013904223u;
    return state >> 24;
  };
  for (auto [prefix, n] : {std::pair<const char*, size_t>{"train", n_train}, {"t10k", n_test}}) {
    std::vector<uint8_t> img(n * 64), lab(n);
    for (size_t i = 0; i < n; ++i) {
      const int c = static_cast<int>(rnd() % 4);
      lab[i] = static_cast<uint8_t>(c);
      for (int p = 0; p < 64; ++p) {
        const int row = p / 8;
        int v = static_cast<int>(rnd() % 200);
        if (row / 2 == c) v += 55;
        img[i * 64 + p] = static_cast<uint8_t>(v);
      }
    }
    const std::string ext = gz ? ".gz" : "";
    write_idx(dir + "/" + prefix + "-images-idx3-ubyte" + ext, {static_cast<uint32_t>(n), 8, 8}, img, gz);
    write_idx(dir + "/" + prefix + "-labels-idx1-ubyte" + ext, {static_cast<uint32_t>(n)}, lab, gz);
  }
}

// A tiny binary MLP for the synthetic data, with `training` as its recipe.
inline json tiny_model(const json& training) {
  json doc = json::parse(R"({
    "input_shape": [64],
    "layers": [
      {"type": "dense", "units": 32, "use_bias": false,
       "kernel_quantizer": {"type": "sign", "ste": "clipped", "clip": 1.0}},
      {"type": "batch_norm", "momentum": 0.9},
      {"type": "dense", "units": 4, "use_bias": false,
       "input_quantizer": {"type": "sign", "ste": "clipped"},
       "kernel_quantizer": {"type": "sign", "ste": "clipped", "clip": 1.0}},
      {"type": "batch_norm", "momentum": 0.9}
    ],
    "loss": "cross_entropy",
    "optimizer": {"type": "adam", "learning_rate": 0.01},
    "weight_clip": {"mode": "fixed", "value": 1.0},
    "seed": 3
  })");
  doc["training"] = training;
  return doc;
}

// Runs the built bnn binary with `args` (shell words); returns its exit status and fills the
// captured stdout / stderr.
inline int run_bnn(const std::string& args, std::string* out = nullptr, std::string* err = nullptr) {
  TempDir logs;
  const std::string cmd = std::string(BNN_CLI_PATH) + " " + args + " >" + (logs / "out") + " 2>" +
                          (logs / "err");
  const int st = std::system(cmd.c_str());
  if (out) *out = read_text(logs / "out");
  if (err) *err = read_text(logs / "err");
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

}  // namespace cli_test
