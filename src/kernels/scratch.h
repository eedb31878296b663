// Per-thread scratch memory for packed panels. Included by ISA sources inside an anonymous
// namespace, so that nothing compiled with one ISA's flags can be merged into another file.
// (Standard containers are avoided in ISA sources for the same reason: their out-of-line
// instantiations are weak symbols that the linker may share between files.)
// Needs <cstdlib>, included by the ISA source before its namespace opens.
class Scratch {
 public:
  Scratch() = default;
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  ~Scratch() { std::free(p_); }
  // At least n bytes, 64-byte aligned; contents unspecified. nullptr when out of memory.
  void* get(size_t n) {
    if (n > size_) {
      std::free(p_);
      size_ = (n + 63) & ~size_t{63};
      p_ = std::aligned_alloc(64, size_);
      if (!p_) size_ = 0;
    }
    return p_;
  }

 private:
  void* p_ = nullptr;
  size_t size_ = 0;
};
