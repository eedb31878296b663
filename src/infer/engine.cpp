// Loader and forward pass of bnn-infer files (layout: format.h). One sample at a time through the
// whole chain: hidden binary layers read packed bits, count with xnor-popcount, compare with
// their integer thresholds and write the next layer's bits.
#include "infer/engine.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "core/error.h"
#include "infer/kernels.h"
#include "io/crc32.h"

namespace bnn::infer {

bool Window::compute(const Dims& in) {
  if (same) {
    oh = (in.h + sh - 1) / sh;
    ow = (in.w + sw - 1) / sw;
    const uint64_t need_h = uint64_t{oh - 1} * sh + kh, need_w = uint64_t{ow - 1} * sw + kw;
    pad_top = need_h > in.h ? static_cast<uint32_t>((need_h - in.h) / 2) : 0;
    pad_left = need_w > in.w ? static_cast<uint32_t>((need_w - in.w) / 2) : 0;
    return true;
  }
  if (kh > in.h || kw > in.w) return false;
  pad_top = pad_left = 0;
  oh = (in.h - kh) / sh + 1;
  ow = (in.w - kw) / sw + 1;
  return true;
}

namespace {

[[noreturn]] void corrupt(const std::string& what) {
  fail(BNN_STATUS_CORRUPT_DATA, "bnn-infer file: " + what);
}

// Bounds-checked little-endian reads; every array is checked against the bytes left before it
// is allocated, so a file cannot make the loader allocate more than it holds.
class Reader {
 public:
  Reader(const uint8_t* p, size_t n) : p_(p), n_(n) {}
  size_t left() const { return n_ - pos_; }
  void need(uint64_t bytes, const std::string& what) const {
    if (bytes > left()) corrupt("truncated (" + what + ")");
  }
  template <class T>
  T get(const std::string& what) {
    need(sizeof(T), what);
    T v;
    std::memcpy(&v, p_ + pos_, sizeof(T));  // the file is little-endian, as every target here
    pos_ += sizeof(T);
    return v;
  }
  template <class T>
  void array(std::vector<T>& out, uint64_t count, const std::string& what) {
    if (count > left() / sizeof(T)) corrupt("truncated (" + what + ")");
    out.resize(static_cast<size_t>(count));
    std::memcpy(out.data(), p_ + pos_, static_cast<size_t>(count) * sizeof(T));
    pos_ += static_cast<size_t>(count) * sizeof(T);
  }
  bool flag(const std::string& what) {
    const uint8_t v = get<uint8_t>(what);
    if (v > 1) corrupt(what + ": expected 0 or 1, got " + std::to_string(v));
    return v == 1;
  }

 private:
  const uint8_t* p_;
  size_t n_, pos_ = 0;
};

uint32_t positive(Reader& r, uint32_t hi, const std::string& what) {
  const uint32_t v = r.get<uint32_t>(what);
  if (v == 0 || v > hi) corrupt(what + " " + std::to_string(v) + " out of range");
  return v;
}

void read_window(Reader& r, Step& s, const std::string& at) {
  s.win.kh = positive(r, 1 << 12, at + " kernel height");
  s.win.kw = positive(r, 1 << 12, at + " kernel width");
  s.win.sh = positive(r, 1 << 12, at + " stride");
  s.win.sw = positive(r, 1 << 12, at + " stride");
  s.win.same = r.flag(at + " padding");
  if (!s.win.compute(s.in)) corrupt(at + ": window larger than its input");
}

uint64_t words_of(const Dims& d) { return d.pixels() * words(d.c); }

// Weights and epilogue of dense/conv2d (fields in format.h order). n: outputs, k: inputs each.
void read_product(Reader& r, Step& s, uint64_t n, bool cur_bits, const std::string& at) {
  s.in_bits = r.flag(at + " input_bits");
  s.weight_bits = r.flag(at + " weight_bits");
  const uint8_t epi = r.get<uint8_t>(at + " epilogue");
  if (epi > 1) corrupt(at + ": unknown epilogue " + std::to_string(epi));
  s.epilogue = static_cast<Epilogue>(epi);
  if (s.in_bits != cur_bits) corrupt(at + ": input kind does not match the previous op");
  if (s.in_bits && !s.weight_bits) corrupt(at + ": binary input needs binary weights");
  if (s.k * n > kMaxWeights) corrupt(at + ": more than 2^28 weights");
  if (s.weight_bits)
    r.array(s.wbits, s.in_bits ? n * words(s.k) : s.k * words(n), at + " weights");
  else
    r.array(s.wfloat, s.k * n, at + " weights");
  if (s.epilogue == Epilogue::threshold) {
    if (!s.in_bits) corrupt(at + ": thresholds need binary input and weights");
    r.array(s.threshold, n, at + " thresholds");
    r.array(s.up, n, at + " directions");
    for (uint8_t u : s.up)
      if (u > 1) corrupt(at + ": threshold direction not 0 or 1");
    s.out_bits = true;
  } else if (r.flag(at + " has_bias")) {
    r.array(s.bias, n, at + " bias");
  }
}

// Binary weights into the layout xnor_popcount reads (after everything that reads rows).
void word_major(Step& s, uint64_t n) {
  std::vector<uint64_t> t(static_cast<size_t>(words(s.k) * xnor_stride(static_cast<size_t>(n))));
  to_word_major(s.wbits.data(), static_cast<size_t>(n), static_cast<size_t>(words(s.k)), t.data());
  s.wbits.swap(t);
}

}  // namespace

std::unique_ptr<Engine> Engine::load(const uint8_t* data, size_t size) {
  if (!data || size < kHeaderBytes) corrupt("shorter than its header");
  if (std::memcmp(data, kMagic, 8) != 0) corrupt("not a bnn-infer file (bad magic)");
  Reader h(data + 8, kHeaderBytes - 8);
  const uint32_t version = h.get<uint32_t>("version");
  const uint32_t flags = h.get<uint32_t>("flags");
  const uint64_t payload = h.get<uint64_t>("payload size");
  const uint32_t crc = h.get<uint32_t>("checksum");
  if (version > kVersion)
    fail(BNN_STATUS_UNSUPPORTED, "bnn-infer file: format version " + std::to_string(version) +
                                     " is newer than this library's " + std::to_string(kVersion));
  if (version == 0) corrupt("format version 0");
  if (flags != 0) corrupt("unknown flags");
  if (payload != size - kHeaderBytes)
    corrupt("payload of " + std::to_string(payload) + " bytes, file holds " +
            std::to_string(size - kHeaderBytes));
  if (crc32(data + kHeaderBytes, static_cast<size_t>(payload)) != crc) corrupt("checksum mismatch");

  Reader r(data + kHeaderBytes, static_cast<size_t>(payload));
  auto e = std::unique_ptr<Engine>(new Engine());
  const uint32_t rank = r.get<uint32_t>("rank");
  if (rank != 1 && rank != 3) corrupt("input rank " + std::to_string(rank));
  e->input_.h = positive(r, 1 << 26, "input height");
  e->input_.w = positive(r, 1 << 26, "input width");
  e->input_.c = positive(r, 1 << 26, "input channels");
  if (e->input_.numel() > kMaxValues) corrupt("input larger than 2^26 values");
  e->classes_ = positive(r, 1 << 26, "classes");
  e->std_mode_ = r.get<uint8_t>("standardize mode");
  e->std_mean_ = r.get<double>("standardize mean");
  e->std_sd_ = r.get<double>("standardize sd");
  if (e->std_mode_ > 2) corrupt("unknown standardize mode " + std::to_string(e->std_mode_));
  if (!std::isfinite(e->std_mean_) || !std::isfinite(e->std_sd_) || !(e->std_sd_ > 0.0))
    corrupt("standardize mean/sd not finite or sd <= 0");
  const uint32_t count = r.get<uint32_t>("op count");
  if (count > kMaxOps) corrupt("more than " + std::to_string(kMaxOps) + " ops");
  // Each op takes at least its 4-byte kind: the count cannot exceed what the file holds.
  if (uint64_t{count} * 4 > r.left()) corrupt("truncated (op count " + std::to_string(count) + ")");

  Dims cur = e->input_;
  bool bits = false;
  e->max_floats_ = static_cast<size_t>(cur.numel());
  e->steps_.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    const std::string at = "op " + std::to_string(i);
    Step s;
    s.in = cur;
    s.in_bits = bits;
    const uint32_t kind = r.get<uint32_t>(at + " kind");
    s.kind = static_cast<Op>(kind);
    const auto need_float = [&] {
      if (bits) corrupt(at + ": needs a float input");
    };
    switch (s.kind) {
      case Op::sign:
        need_float();
        s.out = cur;
        s.out_bits = true;
        break;
      case Op::dense: {
        if (cur.h != 1 || cur.w != 1) corrupt(at + ": dense on a non-flat input");
        const uint32_t n = positive(r, 1 << 26, at + " units");
        s.k = cur.c;
        read_product(r, s, n, bits, at);
        s.out = {1, 1, n};
        if (s.in_bits) word_major(s, n);
        break;
      }
      case Op::conv2d: {
        const uint32_t f = positive(r, 1 << 16, at + " filters");
        read_window(r, s, at);
        const int8_t pad = r.get<int8_t>(at + " pad_value");
        if (pad < -1 || pad > 1) corrupt(at + ": pad_value " + std::to_string(pad));
        s.pad_value = pad;
        s.k = uint64_t{s.win.kh} * s.win.kw * cur.c;
        read_product(r, s, f, bits, at);
        s.out = {s.win.oh, s.win.ow, f};
        if (s.in_bits && s.pad_value == 0) {
          // sum_c sign(w[tap][c][o]): the padded taps' contribution to subtract (their bits are
          // 0, i.e. +1, in the packed rows). No larger than the weights just read.
          const uint64_t taps = uint64_t{s.win.kh} * s.win.kw, nw = words(s.k);
          s.tap_sum.assign(taps * f, 0);
          for (uint64_t o = 0; o < f; ++o)
            for (uint64_t t = 0; t < taps; ++t)
              for (uint64_t c = 0; c < cur.c; ++c) {
                const uint64_t b = t * cur.c + c;
                const bool neg = (s.wbits[o * nw + (b >> 6)] >> (b & 63)) & 1;
                s.tap_sum[t * f + o] += neg ? -1 : 1;
              }
        }
        if (s.in_bits) word_major(s, f);
        break;
      }
      case Op::scale_shift:
        need_float();
        r.array(s.scale, cur.c, at + " scale");
        r.array(s.shift, cur.c, at + " shift");
        s.out = cur;
        break;
      case Op::relu:
      case Op::hard_tanh:
        need_float();
        s.out = cur;
        break;
      case Op::max_pool:
      case Op::avg_pool: {
        read_window(r, s, at);
        s.out = {s.win.oh, s.win.ow, cur.c};
        if (s.kind == Op::max_pool) {
          const bool on_bits = r.flag(at + " on_bits");
          if (on_bits != bits) corrupt(at + ": input kind does not match the previous op");
          if (on_bits) r.array(s.or_mask, words(cur.c), at + " or_mask");
          s.out_bits = on_bits;
        } else {
          need_float();
        }
        break;
      }
      case Op::global_avg_pool:
        need_float();
        s.out = {1, 1, cur.c};
        break;
      case Op::flatten:
        s.out = {1, 1, static_cast<uint32_t>(cur.numel())};
        s.out_bits = bits;
        break;
      default:
        corrupt(at + ": unknown op kind " + std::to_string(kind));
    }
    if (s.out.numel() > kMaxValues) corrupt(at + ": output larger than 2^26 values");
    e->max_floats_ = std::max<size_t>(e->max_floats_, static_cast<size_t>(s.out.numel()));
    e->max_words_ = std::max<size_t>(e->max_words_, static_cast<size_t>(words_of(s.out)));
    cur = s.out;
    bits = s.out_bits;
    e->steps_.push_back(std::move(s));
  }
  if (r.left() != 0) corrupt(std::to_string(r.left()) + " bytes after the last op");
  if (bits || cur.numel() != e->classes_)
    corrupt("the last op does not produce " + std::to_string(e->classes_) + " float logits");
  return e;
}

void Engine::standardize(const float* x, float* y) const {
  const size_t n = input_size();
  if (std_mode_ == 0) {
    std::memcpy(y, x, n * sizeof(float));
  } else if (std_mode_ == 2) {
    for (size_t i = 0; i < n; ++i) y[i] = static_cast<float>((x[i] - std_mean_) / std_sd_);
  } else {
    // As the model's per_image: biased sd in double, floored at 1/sqrt(N).
    double mean = 0.0, var = 0.0;
    for (size_t i = 0; i < n; ++i) mean += x[i];
    mean /= static_cast<double>(n);
    for (size_t i = 0; i < n; ++i) var += (x[i] - mean) * (x[i] - mean);
    const double sd = std::max(std::sqrt(var / static_cast<double>(n)),
                               1.0 / std::sqrt(static_cast<double>(n)));
    for (size_t i = 0; i < n; ++i) y[i] = static_cast<float>((x[i] - mean) / sd);
  }
}

void Engine::predict(const float* x, size_t batch, float* logits) {
  // As bnn_model_predict: NaN/Inf inputs are refused, naming the first one.
  const size_t n = input_size();
  for (size_t i = 0; i < batch * n; ++i)
    if (!std::isfinite(x[i]))
      fail(BNN_STATUS_NUMERIC, "x contains NaN or Inf (sample " + std::to_string(i / n) +
                                   ", feature " + std::to_string(i % n) + ")");
  for (size_t b = 0; b < batch; ++b) run_sample(x + b * input_size(), logits + b * classes_);
}

namespace {

// sign bits of C floats per pixel -> P rows of words(C).
void pack_pixels(const float* x, const Dims& d, uint64_t* out) {
  const uint64_t nw = words(d.c);
  for (uint64_t p = 0; p < d.pixels(); ++p) {
    uint64_t* o = out + p * nw;
    std::memset(o, 0, nw * sizeof(uint64_t));
    const float* xp = x + p * d.c;
    for (uint64_t c = 0; c < d.c; ++c) o[c >> 6] |= uint64_t{xp[c] < 0.0f} << (c & 63);
  }
}

// Threshold or float epilogue of one output row of n sums.
void finish(const Step& s, const int32_t* sum, uint64_t n, float* fy, uint64_t* by) {
  if (s.epilogue == Epilogue::threshold) {
    // bit = up ? s >= t : s < t, without a branch (directions follow the gammas' signs).
    for (uint64_t j = 0; j < words(n); ++j) {
      const uint64_t end = std::min<uint64_t>(64, n - 64 * j);
      const int32_t* sj = sum + 64 * j;
      const int32_t* tj = s.threshold.data() + 64 * j;
      const uint8_t* uj = s.up.data() + 64 * j;
      uint64_t bits = 0;
      for (uint64_t b = 0; b < end; ++b) bits |= uint64_t((sj[b] >= tj[b]) ^ 1u ^ uj[b]) << b;
      by[j] = bits;
    }
  } else {
    for (uint64_t o = 0; o < n; ++o) fy[o] = static_cast<float>(sum[o]);
    if (!s.bias.empty())
      for (uint64_t o = 0; o < n; ++o) fy[o] += s.bias[o];
  }
}

// M rows of float inputs through a float-input dense/conv2d, plus bias.
void float_rows_of(const Step& s, const float* xin, uint64_t M, uint64_t n, float* y,
                   std::vector<uint32_t>& scratch) {
  const size_t m = static_cast<size_t>(M), k = static_cast<size_t>(s.k), nn = static_cast<size_t>(n);
  if (s.weight_bits) {
    scratch.resize(k);
    sign_rows(m, nn, k, xin, s.wbits.data(), y, scratch.data());
  } else {
    float_rows(m, nn, k, xin, s.wfloat.data(), y);
  }
  if (!s.bias.empty())
    for (uint64_t i = 0; i < M; ++i)
      for (uint64_t o = 0; o < n; ++o) y[i * n + o] += s.bias[o];
}

}  // namespace

void Engine::run_sample(const float* x, float* logits) {
  fa_.resize(max_floats_);
  fb_.resize(max_floats_);
  ba_.resize(max_words_);
  bb_.resize(max_words_);
  float *fin = fa_.data(), *fout = fb_.data();
  uint64_t *bin = ba_.data(), *bout = bb_.data();
  standardize(x, fin);
  for (const Step& s : steps_) {
    const Dims& in = s.in;
    const Dims& out = s.out;
    switch (s.kind) {
      case Op::sign:
        pack_pixels(fin, in, bout);
        break;
      case Op::dense: {
        const uint64_t n = out.c;
        if (s.in_bits) {
          sums_.resize(n);
          xnor_popcount(bin, s.wbits.data(), n, words(s.k), static_cast<int64_t>(s.k), sums_.data());
          finish(s, sums_.data(), n, fout, bout);
        } else {
          float_rows_of(s, fin, 1, n, fout, nz_);
        }
        break;
      }
      case Op::conv2d: {
        const Window& g = s.win;
        const uint64_t f = out.c, kw_c = uint64_t{g.kw} * in.c;
        if (s.in_bits) {
          const uint64_t nw = words(s.k), cw = words(in.c);
          brow_.resize(nw + cw);
          uint64_t* ones = brow_.data() + nw;  // pad_value -1: every padded bit set
          std::memset(ones, 0, cw * sizeof(uint64_t));
          for (uint64_t c = 0; c < in.c; ++c) ones[c >> 6] |= uint64_t{1} << (c & 63);
          sums_.resize(f);
          for (uint32_t oy = 0; oy < g.oh; ++oy)
            for (uint32_t ox = 0; ox < g.ow; ++ox) {
              uint64_t* row = brow_.data();
              std::memset(row, 0, nw * sizeof(uint64_t));
              bool padded = false;
              for (uint32_t ky = 0; ky < g.kh; ++ky)
                for (uint32_t kx = 0; kx < g.kw; ++kx) {
                  const long iy = g.y0(oy) + ky, ix = g.x0(ox) + kx;
                  const uint64_t off = ky * kw_c + uint64_t{kx} * in.c;
                  if (iy < 0 || iy >= static_cast<long>(in.h) || ix < 0 || ix >= static_cast<long>(in.w)) {
                    padded = true;
                    if (s.pad_value < 0) or_bits(row, off, ones, in.c);
                  } else {
                    or_bits(row, off, bin + (static_cast<uint64_t>(iy) * in.w + ix) * cw, in.c);
                  }
                }
              int32_t* sum = sums_.data();
              xnor_popcount(row, s.wbits.data(), f, nw, static_cast<int64_t>(s.k), sum);
              if (padded && s.pad_value == 0)
                for (uint32_t ky = 0; ky < g.kh; ++ky)
                  for (uint32_t kx = 0; kx < g.kw; ++kx) {
                    const long iy = g.y0(oy) + ky, ix = g.x0(ox) + kx;
                    if (iy < 0 || iy >= static_cast<long>(in.h) || ix < 0 || ix >= static_cast<long>(in.w)) {
                      const int32_t* ts = &s.tap_sum[(uint64_t{ky} * g.kw + kx) * f];
                      for (uint64_t o = 0; o < f; ++o) sum[o] -= ts[o];
                    }
                  }
              const uint64_t pos = uint64_t{oy} * g.ow + ox;
              finish(s, sum, f, fout + pos * f, bout + pos * words(f));
            }
        } else {
          // im2col rows, then one product per chunk of positions (as the training layer does;
          // chunks of at most 2^22 floats, at least one row).
          const uint64_t P = uint64_t{g.oh} * g.ow;
          const uint64_t chunk = std::max<uint64_t>(1, std::min<uint64_t>(P, (uint64_t{1} << 22) / s.k));
          col_.resize(static_cast<size_t>(chunk * s.k));
          const float pad = static_cast<float>(s.pad_value);
          for (uint64_t p0 = 0; p0 < P; p0 += chunk) {
            const uint64_t rows = std::min(chunk, P - p0);
            for (uint64_t r = 0; r < rows; ++r) {
              const uint32_t oy = static_cast<uint32_t>((p0 + r) / g.ow), ox = static_cast<uint32_t>((p0 + r) % g.ow);
              float* row = col_.data() + r * s.k;
              for (uint32_t ky = 0; ky < g.kh; ++ky)
                for (uint32_t kx = 0; kx < g.kw; ++kx) {
                  const long iy = g.y0(oy) + ky, ix = g.x0(ox) + kx;
                  float* dst = row + ky * kw_c + uint64_t{kx} * in.c;
                  if (iy < 0 || iy >= static_cast<long>(in.h) || ix < 0 || ix >= static_cast<long>(in.w))
                    std::fill(dst, dst + in.c, pad);
                  else
                    std::memcpy(dst, fin + (static_cast<uint64_t>(iy) * in.w + ix) * in.c,
                                in.c * sizeof(float));
                }
            }
            float_rows_of(s, col_.data(), rows, f, fout + p0 * f, nz_);
          }
        }
        break;
      }
      case Op::scale_shift: {
        const uint64_t P = in.pixels(), C = in.c;
        for (uint64_t p = 0; p < P; ++p)
          for (uint64_t c = 0; c < C; ++c) fout[p * C + c] = fin[p * C + c] * s.scale[c] + s.shift[c];
        break;
      }
      case Op::relu:
        for (uint64_t i = 0; i < in.numel(); ++i) fout[i] = fin[i] > 0.0f ? fin[i] : 0.0f;
        break;
      case Op::hard_tanh:
        for (uint64_t i = 0; i < in.numel(); ++i) fout[i] = std::min(1.0f, std::max(-1.0f, fin[i]));
        break;
      case Op::max_pool:
      case Op::avg_pool: {
        // The window clipped to the image, as the training layer does ("same" ignores padding).
        const Window& g = s.win;
        const uint64_t C = in.c, cw = words(C);
        for (uint32_t oy = 0; oy < g.oh; ++oy)
          for (uint32_t ox = 0; ox < g.ow; ++ox) {
            const long y0 = std::max(0L, g.y0(oy)), x0 = std::max(0L, g.x0(ox));
            const long y1 = std::min<long>(in.h, g.y0(oy) + g.kh), x1 = std::min<long>(in.w, g.x0(ox) + g.kw);
            const uint64_t o = uint64_t{oy} * g.ow + ox;
            if (s.kind == Op::max_pool && s.out_bits) {
              uint64_t* dst = bout + o * cw;
              for (uint64_t j = 0; j < cw; ++j) {
                uint64_t all = ~uint64_t{0}, any = 0;
                for (long iy = y0; iy < y1; ++iy)
                  for (long ix = x0; ix < x1; ++ix) {
                    const uint64_t v = bin[(static_cast<uint64_t>(iy) * in.w + ix) * cw + j];
                    all &= v;
                    any |= v;
                  }
                uint64_t r = (all & ~s.or_mask[j]) | (any & s.or_mask[j]);
                if (j + 1 == cw && (C & 63)) r &= (uint64_t{1} << (C & 63)) - 1;
                dst[j] = r;
              }
            } else if (s.kind == Op::max_pool) {
              float* yo = fout + o * C;
              std::memcpy(yo, fin + (static_cast<uint64_t>(y0) * in.w + x0) * C, C * sizeof(float));
              for (long iy = y0; iy < y1; ++iy)
                for (long ix = x0; ix < x1; ++ix) {
                  const float* xi = fin + (static_cast<uint64_t>(iy) * in.w + ix) * C;
                  for (uint64_t c = 0; c < C; ++c) yo[c] = xi[c] > yo[c] ? xi[c] : yo[c];
                }
            } else {
              float* yo = fout + o * C;
              std::fill(yo, yo + C, 0.0f);
              for (long iy = y0; iy < y1; ++iy)
                for (long ix = x0; ix < x1; ++ix) {
                  const float* xi = fin + (static_cast<uint64_t>(iy) * in.w + ix) * C;
                  for (uint64_t c = 0; c < C; ++c) yo[c] += xi[c];
                }
              const float inv = 1.0f / static_cast<float>((y1 - y0) * (x1 - x0));
              for (uint64_t c = 0; c < C; ++c) yo[c] *= inv;
            }
          }
        break;
      }
      case Op::global_avg_pool: {
        const uint64_t C = in.c, P = in.pixels();
        const float inv = 1.0f / static_cast<float>(P);
        std::fill(fout, fout + C, 0.0f);
        for (uint64_t p = 0; p < P; ++p)
          for (uint64_t c = 0; c < C; ++c) fout[c] += fin[p * C + c];
        for (uint64_t c = 0; c < C; ++c) fout[c] *= inv;
        break;
      }
      case Op::flatten:
        if (s.in_bits) {
          const uint64_t cw = words(in.c);
          std::memset(bout, 0, words(in.numel()) * sizeof(uint64_t));
          for (uint64_t p = 0; p < in.pixels(); ++p) or_bits(bout, p * in.c, bin + p * cw, in.c);
        } else {
          std::memcpy(fout, fin, in.numel() * sizeof(float));
        }
        break;
    }
    if (s.out_bits)
      std::swap(bin, bout);
    else
      std::swap(fin, fout);
  }
  std::memcpy(logits, fin, classes_ * sizeof(float));
}

}  // namespace bnn::infer
