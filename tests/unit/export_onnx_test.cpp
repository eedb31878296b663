// ONNX export, read back with a minimal protobuf decoder: the graph has the shape the issue asks
// for (sign from comparisons, never ONNX Sign; +-1 kernels as initializers; Pad with the layer's
// pad_value before binary convolutions; batch norm, pooling, flatten, standardisation). Whether
// ONNX Runtime runs it and agrees with predict is scripts/test.d/55-onnx.sh's job.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "bnn/bnn.h"
#include "test_helpers.h"

namespace {

// One protobuf message: field number -> raw values (varints as numbers, length-delimited as bytes).
struct Msg {
  std::multimap<uint32_t, std::string> bytes;
  std::multimap<uint32_t, uint64_t> ints;
  static Msg parse(const std::string& b) {
    Msg m;
    size_t i = 0;
    auto varint = [&] {
      uint64_t v = 0;
      for (int s = 0; i < b.size(); s += 7) {
        const uint8_t c = static_cast<uint8_t>(b[i++]);
        v |= uint64_t{c & 0x7fu} << s;
        if (!(c & 0x80)) break;
      }
      return v;
    };
    while (i < b.size()) {
      const uint64_t key = varint();
      const uint32_t field = static_cast<uint32_t>(key >> 3);
      switch (key & 7) {
        case 0: m.ints.emplace(field, varint()); break;
        case 2: {
          const size_t n = static_cast<size_t>(varint());
          m.bytes.emplace(field, b.substr(i, n));
          i += n;
          break;
        }
        case 5: m.bytes.emplace(field, b.substr(i, 4)); i += 4; break;
        default: ADD_FAILURE() << "unexpected wire type " << (key & 7); return m;
      }
    }
    return m;
  }
  std::vector<std::string> all(uint32_t f) const {
    std::vector<std::string> v;
    for (auto [a, b] = bytes.equal_range(f); a != b; ++a) v.push_back(a->second);
    return v;
  }
  std::string one(uint32_t f) const { auto v = all(f); return v.empty() ? "" : v[0]; }
};

struct Onnx {
  std::vector<std::string> ops;
  std::vector<Msg> nodes;
  std::map<std::string, std::vector<float>> floats;  // float initializers by name
  int64_t opset = 0;
  explicit Onnx(const std::vector<uint8_t>& file) {
    const Msg model = Msg::parse(std::string(file.begin(), file.end()));
    opset = static_cast<int64_t>(Msg::parse(model.one(8)).ints.find(2)->second);
    const Msg graph = Msg::parse(model.one(7));
    for (const std::string& n : graph.all(1)) {
      nodes.push_back(Msg::parse(n));
      ops.push_back(nodes.back().one(4));
    }
    for (const std::string& t : graph.all(5)) {
      const Msg m = Msg::parse(t);
      if (m.ints.find(2)->second != 1) continue;  // FLOAT
      const std::string raw = m.one(9);
      std::vector<float> v(raw.size() / 4);
      std::memcpy(v.data(), raw.data(), raw.size());
      floats[m.one(8)] = v;
    }
  }
  bool has(const char* op) const { return std::find(ops.begin(), ops.end(), op) != ops.end(); }
};

std::vector<uint8_t> onnx_of(bnn_model* m) {
  size_t size = 0;
  EXPECT_EQ(bnn_model_export_buffer(m, "onnx", nullptr, 0, &size), BNN_STATUS_OK) << bnn_model_errmsg(m);
  std::vector<uint8_t> buf(size);
  EXPECT_EQ(bnn_model_export_buffer(m, "onnx", buf.data(), size, &size), BNN_STATUS_OK);
  return buf;
}

}  // namespace

TEST(ExportOnnx, BinaryCnnGraphHasTheExpectedShape) {
  bnn_test::ModelPtr m = bnn_test::make_model(R"({"input_shape": [6, 6, 2], "standardize": "per_image", "layers": [
    {"type": "conv2d", "filters": 4, "kernel_size": 3, "padding": "same", "pad_value": -1,
     "input_quantizer": {"type": "sign"}, "kernel_quantizer": {"type": "sign"}},
    {"type": "max_pool2d", "pool_size": 2}, {"type": "batch_norm"},
    {"type": "average_pool2d", "pool_size": 2, "strides": 1, "padding": "same"}, {"type": "hard_tanh"},
    {"type": "flatten"},
    {"type": "dense", "units": 3, "input_quantizer": {"type": "sign"}, "kernel_quantizer": {"type": "sign"}}]})");
  const Onnx g(onnx_of(m));
  EXPECT_EQ(g.opset, 13);
  for (const char* op : {"Cast", "ReduceMean", "Sqrt", "Reshape", "Transpose", "Less", "Where", "Pad", "Conv",
                         "MaxPool", "BatchNormalization", "AveragePool", "Clip", "Flatten", "MatMul", "Add"})
    EXPECT_TRUE(g.has(op)) << op;
  EXPECT_FALSE(g.has("Sign"));
  // Pad comes right before the convolution, with the layer's pad_value.
  const auto pad = std::find(g.ops.begin(), g.ops.end(), "Pad") - g.ops.begin();
  ASSERT_LT(pad + 1, static_cast<long>(g.ops.size()));
  EXPECT_EQ(g.ops[pad + 1], "Conv");
  const std::vector<std::string> pad_inputs = g.nodes[pad].all(1);
  ASSERT_EQ(pad_inputs.size(), 3u);
  EXPECT_EQ(g.floats.at(pad_inputs[2]), std::vector<float>{-1.0f});
  // The conv kernel is +-1, [F, C, kh, kw].
  const std::vector<std::string> conv_inputs = g.nodes[pad + 1].all(1);
  const std::vector<float>& w = g.floats.at(conv_inputs[1]);
  ASSERT_EQ(w.size(), 4u * 2 * 3 * 3);
  for (float v : w) EXPECT_TRUE(v == 1.0f || v == -1.0f) << v;
}

TEST(ExportOnnx, FloatModelWithoutPaddingHasNoPad) {
  bnn_test::ModelPtr m = bnn_test::make_model(R"({"input_shape": [5, 5, 1], "layers": [
    {"type": "conv2d", "filters": 2, "kernel_size": 3}, {"type": "relu"},
    {"type": "global_average_pool2d"}, {"type": "dense", "units": 2}]})");
  const Onnx g(onnx_of(m));
  EXPECT_FALSE(g.has("Pad"));
  EXPECT_FALSE(g.has("Where"));
  EXPECT_TRUE(g.has("GlobalAveragePool"));
  EXPECT_TRUE(g.has("Relu"));
}

TEST(ExportOnnx, FloatInputDenseIsSummedInLibbnnSlices) {
  // 600 float inputs: MatMuls over inputs [0, 256), [256, 512), [512, 600), added in that order.
  bnn_test::ModelPtr m = bnn_test::make_model(R"({"input_shape": [600], "layers": [
    {"type": "dense", "units": 8, "kernel_quantizer": {"type": "sign"}}, {"type": "batch_norm"},
    {"type": "dense", "units": 3, "input_quantizer": {"type": "sign"}, "kernel_quantizer": {"type": "sign"}}]})");
  const Onnx g(onnx_of(m));
  EXPECT_EQ(std::count(g.ops.begin(), g.ops.end(), "Slice"), 3);
  EXPECT_EQ(std::count(g.ops.begin(), g.ops.end(), "MatMul"), 4);  // 3 slices + the binary layer
}
