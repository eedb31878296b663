// Writer of bnn-infer files (layout: src/infer/format.h).
//
// Thresholds. A binary layer (binary input and kernel) produces integers s in [-K, K]; the next
// binary layer only sees sign(h(s)), where h is the chain of per-channel layers in between (bias,
// batch norm, relu, hard_tanh, at most one max pool). Rather than solving h(s) = 0 by algebra,
// the writer evaluates the very float expressions the model's predict evaluates at every integer
// s in [-K, K] and records where the sign bit changes: one integer threshold and a direction per
// channel, exact by construction (float rounding is monotone, so the bits switch once; if they
// did not, the layer would fall back to float output, which is exact too).
// Max pool between the two: pooling the floats and then taking the sign equals pooling the bits,
// with AND when the layers after the pool keep the order of values and OR when they reverse it
// (negative gamma); the writer finds which per channel, again by evaluation.
#include <cstring>

#include "export/exporters.h"
#include "export/model_view.h"
#include "infer/format.h"
#include "io/crc32.h"

namespace bnn::exporters {
namespace {

using infer::Dims;
using infer::Epilogue;
using infer::Op;
using infer::words;

class Bytes {
 public:
  template <class T>
  void put(T v) {
    const size_t n = b_.size();
    b_.resize(n + sizeof(T));
    std::memcpy(&b_[n], &v, sizeof(T));
  }
  template <class T>
  void put_array(const std::vector<T>& v) {
    const size_t n = b_.size();
    b_.resize(n + v.size() * sizeof(T));
    if (!v.empty()) std::memcpy(&b_[n], v.data(), v.size() * sizeof(T));
  }
  void op(Op kind) {
    put(static_cast<uint32_t>(kind));
    ++ops;
  }
  std::vector<uint8_t> b_;
  uint32_t ops = 0;
};

[[noreturn]] void unsupported(const std::string& layer, const std::string& why) {
  fail(BNN_STATUS_UNSUPPORTED, "bnn-infer export: " + layer + ": " + why);
}

// One per-channel layer of a threshold chain, evaluated as the model evaluates it.
struct ChannelOp {
  enum Kind { bn, relu, hard_tanh } kind;
  std::vector<float> scale, shift;
  float apply(float v, size_t c) const {
    switch (kind) {
      case bn: {
        const float t = v * scale[c];
        return t + shift[c];
      }
      case relu:
        return v > 0.0f ? v : 0.0f;
      case hard_tanh:
        return std::min(1.0f, std::max(-1.0f, v));
    }
    return v;
  }
};

struct Chain {
  std::vector<ChannelOp> before, after;  // around the max pool (all in `before` without one)
  const LayerView* pool = nullptr;
  std::vector<size_t> flatten_at;        // chain positions of flatten layers (0: right after)
  size_t next = 0;                       // index of the binary layer that consumes the bits
};

// Sign bits (bit 1 = negative, sign(0) = +1) of a [K][N] kernel, as the layer packs them.
std::vector<uint64_t> rows_of_outputs(const std::vector<float>& w, uint64_t K, uint64_t N) {
  const uint64_t nw = words(K);
  std::vector<uint64_t> out(N * nw, 0);
  for (uint64_t k = 0; k < K; ++k)
    for (uint64_t o = 0; o < N; ++o)
      if (w[k * N + o] < 0.0f) out[o * nw + (k >> 6)] |= uint64_t{1} << (k & 63);
  return out;
}
std::vector<uint64_t> rows_of_inputs(const std::vector<float>& w, uint64_t K, uint64_t N) {
  const uint64_t nw = words(N);
  std::vector<uint64_t> out(K * nw, 0);
  for (uint64_t k = 0; k < K; ++k)
    for (uint64_t o = 0; o < N; ++o)
      if (w[k * N + o] < 0.0f) out[k * nw + (o >> 6)] |= uint64_t{1} << (o & 63);
  return out;
}

class Writer {
 public:
  explicit Writer(const Model& m) : m_(m) {}

  std::vector<uint8_t> run() {
    const Shape& in = m_.input_shape();
    if (in.numel() > infer::kMaxValues)
      unsupported("input", std::to_string(in.numel()) + " values per sample exceed the format's 2^26");
    if (m_.layers().size() * 2 > infer::kMaxOps)
      unsupported("model", "more than " + std::to_string(infer::kMaxOps / 2) + " layers");
    cur_ = dims_of(in);
    Bytes head;
    head.put<uint32_t>(in.dims.size() == 3 ? 3 : 1);
    head.put(cur_.h);
    head.put(cur_.w);
    head.put(cur_.c);
    head.put(static_cast<uint32_t>(m_.output_size()));
    const Standardize& st = standardize_of(m_);
    head.put<uint8_t>(st.mode == Standardize::Mode::none ? 0 : st.mode == Standardize::Mode::per_image ? 1 : 2);
    head.put<double>(st.mode == Standardize::Mode::global ? st.mean : 0.0);
    head.put<double>(st.mode == Standardize::Mode::global ? st.sd : 1.0);

    const size_t n = m_.layers().size();
    for (size_t i = 0; i < n;) i = layer(i);
    if (bits_) fail(BNN_STATUS_INTERNAL, "bnn-infer export: the model ends in bits");

    head.put(ops_.ops);
    std::vector<uint8_t> payload = std::move(head.b_);
    payload.insert(payload.end(), ops_.b_.begin(), ops_.b_.end());
    Bytes file;
    for (char c : infer::kMagic) file.put(c);
    file.put(infer::kVersion);
    file.put<uint32_t>(0);
    file.put<uint64_t>(payload.size());
    file.put(crc32(payload.data(), payload.size()));
    file.b_.insert(file.b_.end(), payload.begin(), payload.end());
    return std::move(file.b_);
  }

 private:
  // Writes layer i (and, for a folded chain, the layers up to the next binary one); returns the
  // index of the next layer to write.
  size_t layer(size_t i) {
    const LayerView v(m_, i);
    const Dims out = dims_of(v.layer->output_shape());
    // The loader's limits (format.h), checked here so that every file written also loads. The
    // model's own limits (input, conv output: 2^26 values) keep this from firing today.
    if (v.layer->output_shape().numel() > infer::kMaxValues)
      unsupported(v.name, "output of " + std::to_string(v.layer->output_shape().numel()) +
                              " values per sample exceeds the format's 2^26");
    size_t next = i + 1;
    if (v.is_product()) {
      next = product(v, i);
    } else if (v.type == "batch_norm") {
      const FoldedBatchNorm bn(v);
      ops_.op(Op::scale_shift);
      ops_.put_array(bn.scale);
      ops_.put_array(bn.shift);
    } else if (v.type == "relu") {
      ops_.op(Op::relu);
    } else if (v.type == "hard_tanh") {
      ops_.op(Op::hard_tanh);
    } else if (v.is_pool()) {
      pool(v, false, {});
    } else if (v.type == "global_average_pool2d") {
      ops_.op(Op::global_avg_pool);
    } else if (v.type == "flatten") {
      ops_.op(Op::flatten);
    } else {
      unsupported(v.name, "layer type has no bnn-infer op");
    }
    if (next == i + 1) cur_ = out;
    return next;
  }

  void pool(const LayerView& v, bool on_bits, const std::vector<uint64_t>& or_mask) {
    const infer::Window w = v.window(cur_);
    ops_.op(v.type == "max_pool2d" ? Op::max_pool : Op::avg_pool);
    ops_.put(w.kh);
    ops_.put(w.kw);
    ops_.put(w.sh);
    ops_.put(w.sw);
    ops_.put<uint8_t>(w.same);
    if (v.type == "max_pool2d") {
      ops_.put<uint8_t>(on_bits);
      if (on_bits) ops_.put_array(or_mask);
    }
  }

  size_t product(const LayerView& v, size_t i) {
    if (v.qin && !v.qk)
      unsupported(v.name, "binarised input with a full-precision kernel (bnn-infer packs inputs "
                          "only for binary kernels)");
    const bool conv = v.type == "conv2d";
    const uint32_t n = conv ? v.cfg.at("filters").get<uint32_t>() : v.cfg.at("units").get<uint32_t>();
    infer::Window w;
    uint64_t K = cur_.c;
    if (conv) {
      w = v.window(cur_);
      K = uint64_t{w.kh} * w.kw * cur_.c;
    } else if (cur_.h != 1 || cur_.w != 1) {
      fail(BNN_STATUS_INTERNAL, v.name + ": dense on an image");
    }
    if (v.qin && !bits_) {
      ops_.op(Op::sign);
      bits_ = true;
    }
    const std::vector<float>& kernel = v.tensor("kernel")->value;
    const Tensor* bias = v.tensor("bias");
    Chain chain;
    const bool fold = v.qin && v.qk && find_chain(i, n, chain);
    std::vector<int32_t> thr;
    std::vector<uint8_t> up;
    std::vector<uint64_t> or_mask;
    const bool thresholds = fold && thresholds_of(chain, K, n, bias, thr, up, or_mask);

    ops_.op(conv ? Op::conv2d : Op::dense);
    if (conv) {
      ops_.put(n);
      ops_.put(w.kh);
      ops_.put(w.kw);
      ops_.put(w.sh);
      ops_.put(w.sw);
      ops_.put<uint8_t>(w.same);
      ops_.put(static_cast<int8_t>(v.cfg.at("pad_value").get<float>()));
    } else {
      ops_.put(n);
    }
    ops_.put<uint8_t>(v.qin);
    ops_.put<uint8_t>(v.qk);
    ops_.put<uint8_t>(static_cast<uint8_t>(thresholds ? Epilogue::threshold : Epilogue::float_out));
    if (v.qk)
      ops_.put_array(v.qin ? rows_of_outputs(kernel, K, n) : rows_of_inputs(kernel, K, n));
    else
      ops_.put_array(kernel);
    Dims out = conv ? Dims{w.oh, w.ow, n} : Dims{1, 1, n};
    if (!thresholds) {
      ops_.put<uint8_t>(bias != nullptr);
      if (bias) ops_.put_array(bias->value);
      bits_ = false;
      cur_ = out;
      return i + 1;
    }
    ops_.put_array(thr);
    ops_.put_array(up);
    cur_ = out;
    // The chain's shape-changing layers on bits: the pool, then flatten(s), in document order.
    const size_t end = chain.next;
    for (size_t j = i + 1; j < end; ++j) {
      const LayerView c(m_, j);
      if (c.type == "max_pool2d") pool(c, true, or_mask);
      if (c.type == "flatten") ops_.op(Op::flatten);
      cur_ = dims_of(c.layer->output_shape());
    }
    bits_ = true;
    return end;
  }

  // The per-channel layers after binary layer i up to the next binary layer; false when
  // something else comes first (then the layer ends in floats).
  bool find_chain(size_t i, uint32_t channels, Chain& chain) {
    const size_t n = m_.layers().size();
    bool flat = false;
    for (size_t j = i + 1; j < n; ++j) {
      const LayerView v(m_, j);
      if (v.is_product()) {
        if (!v.qin || !v.qk) return false;
        chain.next = j;
        return true;
      }
      std::vector<ChannelOp>& dst = chain.pool ? chain.after : chain.before;
      if (v.type == "flatten") {
        // A flatten of an image mixes pixels into the channel axis: nothing per channel after it.
        flat = v.layer->input_shape().dims.size() == 3;
        continue;
      }
      if (flat) return false;
      if (v.type == "batch_norm") {
        const FoldedBatchNorm bn(v);
        if (bn.scale.size() != channels) return false;
        dst.push_back({ChannelOp::bn, bn.scale, bn.shift});
      } else if (v.type == "relu") {
        dst.push_back({ChannelOp::relu, {}, {}});
      } else if (v.type == "hard_tanh") {
        dst.push_back({ChannelOp::hard_tanh, {}, {}});
      } else if (v.type == "max_pool2d" && !chain.pool) {
        pool_holder_.push_back(std::make_unique<LayerView>(v));
        chain.pool = pool_holder_.back().get();
      } else {
        return false;
      }
    }
    return false;
  }

  static float run(const std::vector<ChannelOp>& ops, float v, size_t c) {
    for (const ChannelOp& op : ops) v = op.apply(v, c);
    return v;
  }

  // Per channel: the threshold and direction of sign(h(s)) over s in [-K, K], and for a max
  // pool the AND/OR choice. false: some channel's bits do not switch once (never expected).
  static bool thresholds_of(const Chain& ch, uint64_t K, uint32_t n, const Tensor* bias,
                            std::vector<int32_t>& thr, std::vector<uint8_t>& up,
                            std::vector<uint64_t>& or_mask) {
    const int64_t k = static_cast<int64_t>(K);
    thr.resize(n);
    up.resize(n);
    or_mask.assign(words(n), 0);
    std::vector<float> g1(2 * K + 1);
    std::vector<uint8_t> bit(2 * K + 1);
    for (uint32_t c = 0; c < n; ++c) {
      for (int64_t s = -k; s <= k; ++s) {
        float v = static_cast<float>(s);
        if (bias) v += bias->value[c];
        v = run(ch.before, v, c);
        g1[s + k] = v;
        bit[s + k] = run(ch.after, v, c) < 0.0f;
      }
      // Where the bits change along s.
      int changes = 0;
      size_t at = 0;
      for (size_t j = 1; j < bit.size(); ++j)
        if (bit[j] != bit[j - 1]) ++changes, at = j;
      if (changes > 1) return false;
      if (changes == 0) {
        up[c] = 1;  // bit = s >= t: t = -K sets every bit, K + 1 none
        thr[c] = static_cast<int32_t>(bit[0] ? -k : k + 1);
      } else {
        up[c] = bit[at];  // 1: bits switch on at s = t
        thr[c] = static_cast<int32_t>(static_cast<int64_t>(at) - k);
      }
      if (!ch.pool) continue;
      // Max pool of the values g1, then the `after` layers: do they keep or reverse the order?
      std::vector<std::pair<float, uint8_t>> vb(bit.size());
      for (size_t j = 0; j < bit.size(); ++j) {
        if (std::isnan(g1[j])) return false;
        vb[j] = {g1[j], bit[j]};
      }
      std::sort(vb.begin(), vb.end());
      int rises = 0, falls = 0;
      for (size_t j = 1; j < vb.size(); ++j) {
        if (vb[j].first == vb[j - 1].first && vb[j].second != vb[j - 1].second) return false;
        rises += vb[j].second > vb[j - 1].second;
        falls += vb[j].second < vb[j - 1].second;
      }
      if (rises + falls > 1) return false;
      // Bits falling as values grow: the max's bit is the AND; rising: the OR.
      if (rises) or_mask[c >> 6] |= uint64_t{1} << (c & 63);
    }
    return true;
  }

  const Model& m_;
  Bytes ops_;
  Dims cur_;
  bool bits_ = false;
  std::vector<std::unique_ptr<LayerView>> pool_holder_;
};

}  // namespace

std::vector<uint8_t> write_infer(const Model& m) { return Writer(m).run(); }

}  // namespace bnn::exporters
