// Writer of ONNX files (opset 13, IR version 7) in the shape daBNN's onnx2bnn recognises:
// sign(x) with sign(0) = +1 as Where(Less(x, 0), -1, 1) (ONNX Sign maps 0 to 0), +-1 kernels as
// float initializers, an explicit Pad with the layer's pad_value before every convolution,
// BatchNormalization with the running statistics, MaxPool/AveragePool/GlobalAveragePool, Flatten
// (after a transpose back to HWC, the order the model flattens in), and the model's
// standardisation at the front. The graph takes x [N, input_size] and returns logits
// [N, classes], the layout of bnn_model_predict.
#include "export/exporters.h"
#include "export/model_view.h"
#include "export/protobuf.h"
#include "infer/kernels.h"

namespace bnn::exporters {
namespace {

// onnx.proto field numbers and enum values (the subset written here).
namespace onnx {
enum : uint32_t {
  kModelIrVersion = 1, kModelProducer = 2, kModelProducerVersion = 3, kModelGraph = 7,
  kModelOpset = 8, kOpsetDomain = 1, kOpsetVersion = 2,
  kGraphNode = 1, kGraphName = 2, kGraphInitializer = 5, kGraphInput = 11, kGraphOutput = 12,
  kNodeInput = 1, kNodeOutput = 2, kNodeName = 3, kNodeOpType = 4, kNodeAttribute = 5,
  kAttrName = 1, kAttrF = 2, kAttrI = 3, kAttrInts = 8, kAttrType = 20,
  kAttrTypeFloat = 1, kAttrTypeInt = 2, kAttrTypeInts = 7,
  kTensorDims = 1, kTensorDataType = 2, kTensorName = 8, kTensorRawData = 9,
  kFloat = 1, kInt64 = 7, kDouble = 11,
  kValueName = 1, kValueType = 2, kTypeTensor = 1, kTensorElemType = 1, kTensorShape = 2,
  kShapeDim = 1, kDimValue = 1, kDimParam = 2,
};
}  // namespace onnx

struct Attr {
  std::string name;
  enum { f, i, ints } kind;
  float fv = 0;
  int64_t iv = 0;
  std::vector<int64_t> list;
};

class Graph {
 public:
  std::string node(const std::string& op, const std::vector<std::string>& in,
                   const std::vector<Attr>& attrs = {}) {
    const std::string out = op + "_" + std::to_string(count_++);
    Proto n;
    for (const auto& s : in) n.str(onnx::kNodeInput, s);
    n.str(onnx::kNodeOutput, out).str(onnx::kNodeName, out).str(onnx::kNodeOpType, op);
    for (const Attr& a : attrs) {
      Proto p;
      p.str(onnx::kAttrName, a.name);
      if (a.kind == Attr::f) p.f32(onnx::kAttrF, a.fv).varint(onnx::kAttrType, onnx::kAttrTypeFloat);
      if (a.kind == Attr::i) p.varint(onnx::kAttrI, static_cast<uint64_t>(a.iv)).varint(onnx::kAttrType, onnx::kAttrTypeInt);
      if (a.kind == Attr::ints) {
        for (int64_t v : a.list) p.varint(onnx::kAttrInts, static_cast<uint64_t>(v));
        p.varint(onnx::kAttrType, onnx::kAttrTypeInts);
      }
      n.msg(onnx::kNodeAttribute, p);
    }
    graph_.msg(onnx::kGraphNode, n);
    return out;
  }
  std::string floats(const std::vector<int64_t>& dims, const std::vector<float>& v) {
    return init(dims, onnx::kFloat, v.data(), v.size() * sizeof(float));
  }
  std::string int64s(const std::vector<int64_t>& v) {
    return init({static_cast<int64_t>(v.size())}, onnx::kInt64, v.data(), v.size() * sizeof(int64_t));
  }
  std::string scalar(float v) { return init({}, onnx::kFloat, &v, sizeof v); }
  std::string scalar_d(double v) { return init({}, onnx::kDouble, &v, sizeof v); }

  static Proto value_info(const std::string& name, int64_t cols) {
    Proto shape, d0, d1, tensor, type, vi;
    d0.str(onnx::kDimParam, "N");
    d1.varint(onnx::kDimValue, static_cast<uint64_t>(cols));
    shape.msg(onnx::kShapeDim, d0).msg(onnx::kShapeDim, d1);
    tensor.varint(onnx::kTensorElemType, onnx::kFloat).msg(onnx::kTensorShape, shape);
    type.msg(onnx::kTypeTensor, tensor);
    vi.str(onnx::kValueName, name).msg(onnx::kValueType, type);
    return vi;
  }
  Proto& proto() { return graph_; }

 private:
  std::string init(const std::vector<int64_t>& dims, uint32_t type, const void* data, size_t n) {
    const std::string name = "w" + std::to_string(count_++);
    Proto t;
    for (int64_t d : dims) t.varint(onnx::kTensorDims, static_cast<uint64_t>(d));
    t.varint(onnx::kTensorDataType, type).str(onnx::kTensorName, name).bytes(onnx::kTensorRawData, data, n);
    inits_.push_back(t);
    return name;
  }
  friend class OnnxWriter;
  Proto graph_;
  std::vector<Proto> inits_;
  int count_ = 0;
};

Attr ints(const char* name, std::vector<int64_t> v) { return {name, Attr::ints, 0, 0, std::move(v)}; }
Attr int1(const char* name, int64_t v) { return {name, Attr::i, 0, v, {}}; }
Attr flt(const char* name, float v) { return {name, Attr::f, v, 0, {}}; }

class OnnxWriter {
 public:
  explicit OnnxWriter(const Model& m) : m_(m) {}

  std::vector<uint8_t> run() {
    const Shape& in = m_.input_shape();
    const int64_t n_in = static_cast<int64_t>(in.numel());
    std::string x = "x";
    x = standardize(x, n_in);
    image_ = in.dims.size() == 3;
    if (image_) {  // [N, H*W*C] -> NHWC -> NCHW, ONNX's image layout
      x = g_.node("Reshape", {x, g_.int64s({-1, static_cast<int64_t>(in.dims[0]),
                                            static_cast<int64_t>(in.dims[1]),
                                            static_cast<int64_t>(in.dims[2])})});
      x = g_.node("Transpose", {x}, {ints("perm", {0, 3, 1, 2})});
    }
    for (size_t i = 0; i < m_.layers().size(); ++i) x = layer(LayerView(m_, i), x);
    x = g_.node("Identity", {x});
    Proto model, opset;
    opset.str(onnx::kOpsetDomain, "").varint(onnx::kOpsetVersion, 13);
    Proto& gp = g_.proto();
    gp.str(onnx::kGraphName, "bnn");
    for (const Proto& t : g_.inits_) gp.msg(onnx::kGraphInitializer, t);
    gp.msg(onnx::kGraphInput, Graph::value_info("x", n_in));
    gp.msg(onnx::kGraphOutput, Graph::value_info(x, static_cast<int64_t>(m_.output_size())));
    // Protobuf messages are limited to 2 GiB; weights beyond would need ONNX's external data
    // files, which a single-file export does not write.
    if (gp.data().size() > (size_t{1} << 31) - 4096)
      fail(BNN_STATUS_UNSUPPORTED, "onnx export: the graph's " + std::to_string(gp.data().size()) +
                                       " bytes exceed protobuf's 2 GiB (external data is not written)");
    model.varint(onnx::kModelIrVersion, 7)
        .str(onnx::kModelProducer, "libbnn")
        .str(onnx::kModelProducerVersion, BNN_VERSION_STRING)
        .msg(onnx::kModelGraph, gp)
        .msg(onnx::kModelOpset, opset);
    return model.data();
  }

 private:
  // In double, as the model computes it, then back to float: in float, pixels close to the
  // image's mean get the other sign often enough to change a binarised first layer's input.
  std::string standardize(const std::string& x, int64_t n) {
    const Standardize& st = standardize_of(m_);
    if (st.mode == Standardize::Mode::none) return x;
    const std::string xd = g_.node("Cast", {x}, {int1("to", onnx::kDouble)});
    std::string y;
    if (st.mode == Standardize::Mode::global) {
      y = g_.node("Div", {g_.node("Sub", {xd, g_.scalar_d(st.mean)}), g_.scalar_d(st.sd)});
    } else {
      // (x - mean) / max(sd, 1/sqrt(N)), sd biased, per sample.
      const std::string mean = g_.node("ReduceMean", {xd}, {ints("axes", {1}), int1("keepdims", 1)});
      const std::string d = g_.node("Sub", {xd, mean});
      const std::string var = g_.node("ReduceMean", {g_.node("Mul", {d, d})}, {ints("axes", {1}), int1("keepdims", 1)});
      const std::string sd = g_.node("Max", {g_.node("Sqrt", {var}), g_.scalar_d(1.0 / std::sqrt(static_cast<double>(n)))});
      y = g_.node("Div", {d, sd});
    }
    return g_.node("Cast", {y}, {int1("to", onnx::kFloat)});
  }

  std::string sign(const std::string& x) {
    const std::string neg = g_.node("Less", {x, g_.scalar(0.0f)});
    return g_.node("Where", {neg, g_.scalar(-1.0f), g_.scalar(1.0f)});
  }

  std::vector<int64_t> pads(const infer::Window& w, const infer::Dims& in) const {
    const int64_t bottom = std::max<int64_t>(0, int64_t{w.oh - 1} * w.sh + w.kh - in.h - w.pad_top);
    const int64_t right = std::max<int64_t>(0, int64_t{w.ow - 1} * w.sw + w.kw - in.w - w.pad_left);
    return {w.pad_top, w.pad_left, bottom, right};
  }

  std::string layer(const LayerView& v, std::string x) {
    const infer::Dims in = dims_of(v.layer->input_shape());
    if (v.type == "dense" || v.type == "conv2d") {
      if (v.qin) x = sign(x);
      std::vector<float> k = v.tensor("kernel")->value;
      if (v.qk)
        for (float& w : k) w = w < 0.0f ? -1.0f : 1.0f;
      const Tensor* bias = v.tensor("bias");
      if (v.type == "dense") {
        const int64_t n = static_cast<int64_t>(v.layer->output_shape().numel());
        const int64_t K = static_cast<int64_t>(in.c);
        if (v.qin || K <= static_cast<int64_t>(infer::kSumSlice)) {
          x = g_.node("MatMul", {x, g_.floats({K, n}, k)});
        } else {
          // Float inputs: one MatMul per slice of kSumSlice inputs, added in order -- libbnn's
          // summation order (src/infer/kernels.h), so that a runtime summing each slice in input
          // order reproduces predict's sums, and the decisions after them, bit for bit.
          std::string sum;
          for (int64_t k0 = 0; k0 < K; k0 += static_cast<int64_t>(infer::kSumSlice)) {
            const int64_t k1 = std::min<int64_t>(K, k0 + static_cast<int64_t>(infer::kSumSlice));
            const std::string xs = g_.node("Slice", {x, g_.int64s({k0}), g_.int64s({k1}), g_.int64s({1})});
            const std::vector<float> ws(k.begin() + k0 * n, k.begin() + k1 * n);
            const std::string part = g_.node("MatMul", {xs, g_.floats({k1 - k0, n}, ws)});
            sum = sum.empty() ? part : g_.node("Add", {sum, part});
          }
          x = sum;
        }
        if (bias) x = g_.node("Add", {x, g_.floats({n}, bias->value)});
        return x;
      }
      const infer::Window w = v.window(in);
      const int64_t f = static_cast<int64_t>(v.cfg.at("filters").get<uint32_t>());
      const std::vector<int64_t> p = pads(w, in);
      if (p[0] || p[1] || p[2] || p[3])
        x = g_.node("Pad", {x, g_.int64s({0, 0, p[0], p[1], 0, 0, p[2], p[3]}),
                            g_.scalar(v.cfg.at("pad_value").get<float>())});
      // [kh][kw][C][F] -> [F][C][kh][kw]
      std::vector<float> ok(k.size());
      for (uint32_t ky = 0; ky < w.kh; ++ky)
        for (uint32_t kx = 0; kx < w.kw; ++kx)
          for (uint32_t c = 0; c < in.c; ++c)
            for (int64_t o = 0; o < f; ++o)
              ok[((o * in.c + c) * w.kh + ky) * w.kw + kx] = k[((ky * w.kw + kx) * in.c + c) * f + o];
      std::vector<std::string> inputs = {x, g_.floats({f, in.c, w.kh, w.kw}, ok)};
      if (bias) inputs.push_back(g_.floats({f}, bias->value));
      return g_.node("Conv", inputs, {ints("kernel_shape", {w.kh, w.kw}), ints("strides", {w.sh, w.sw})});
    }
    if (v.type == "batch_norm") {
      const int64_t c = static_cast<int64_t>(v.tensor("running_mean")->numel());
      const Tensor* g = v.tensor("gamma");
      const Tensor* b = v.tensor("beta");
      const std::vector<float> ones(c, 1.0f), zeros(c, 0.0f);
      return g_.node("BatchNormalization",
                     {x, g_.floats({c}, g ? g->value : ones), g_.floats({c}, b ? b->value : zeros),
                      g_.floats({c}, v.tensor("running_mean")->value),
                      g_.floats({c}, v.tensor("running_var")->value)},
                     {flt("epsilon", v.cfg.at("epsilon").get<float>())});
    }
    if (v.type == "relu") return g_.node("Relu", {x});
    if (v.type == "hard_tanh") return g_.node("Clip", {x, g_.scalar(-1.0f), g_.scalar(1.0f)});
    if (v.is_pool()) {
      const infer::Window w = v.window(in);
      std::vector<Attr> a = {ints("kernel_shape", {w.kh, w.kw}), ints("strides", {w.sh, w.sw}),
                             ints("pads", pads(w, in))};
      // Padded positions are ignored, as in the model: MaxPool never picks them; the average
      // divides by the real inputs only.
      if (v.type == "average_pool2d") a.push_back(int1("count_include_pad", 0));
      return g_.node(v.type == "max_pool2d" ? "MaxPool" : "AveragePool", {x}, a);
    }
    if (v.type == "global_average_pool2d") {
      image_ = false;
      return g_.node("Flatten", {g_.node("GlobalAveragePool", {x})}, {int1("axis", 1)});
    }
    if (v.type == "flatten") {
      if (!image_) return x;
      image_ = false;
      return g_.node("Flatten", {g_.node("Transpose", {x}, {ints("perm", {0, 2, 3, 1})})}, {int1("axis", 1)});
    }
    fail(BNN_STATUS_UNSUPPORTED, "onnx export: " + v.name + ": layer type has no ONNX form");
  }

  const Model& m_;
  Graph g_;
  bool image_ = false;
};

}  // namespace

std::vector<uint8_t> write_onnx(const Model& m) { return OnnxWriter(m).run(); }

}  // namespace bnn::exporters
