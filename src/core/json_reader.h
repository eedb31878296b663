// Strict, path-aware reading of JSON documents: every error names the JSON path that was wrong
// ("layers[2].units: expected an integer"), unknown keys are errors, defaults are explicit.
#pragma once
#include <cmath>
#include <cstdio>
#include <initializer_list>
#include <limits>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace bnn {

using json = nlohmann::json;

class JsonReader {
 public:
  JsonReader(const json& j, std::string path) : j_(j), path_(std::move(path)) {}

  const json& raw() const { return j_; }
  const std::string& path() const { return path_; }
  std::string child_path(const std::string& key) const {
    return path_.empty() ? key : path_ + "." + key;
  }

  [[noreturn]] void error(bnn_status s, const std::string& key, const std::string& what) const {
    const std::string p = key.empty() ? (path_.empty() ? std::string("(document)") : path_)
                                      : child_path(key);
    fail(s, p + ": " + what);
  }

  void expect_object() const {
    if (!j_.is_object()) error(BNN_STATUS_INVALID_ARGUMENT, "", "expected an object");
  }
  // Rejects every key not in `allowed`.
  void allow_only(std::initializer_list<const char*> allowed) const {
    expect_object();
    for (auto it = j_.begin(); it != j_.end(); ++it) {
      bool ok = false;
      for (const char* a : allowed) ok = ok || it.key() == a;
      if (!ok) error(BNN_STATUS_INVALID_ARGUMENT, it.key(), "unknown key");
    }
  }
  bool has(const char* key) const { return j_.is_object() && j_.contains(key); }
  bool has_non_null(const char* key) const { return has(key) && !j_.at(key).is_null(); }
  JsonReader at(const char* key) const { return JsonReader(j_.at(key), child_path(key)); }
  JsonReader index(size_t i) const {
    return JsonReader(j_.at(i), path_ + "[" + std::to_string(i) + "]");
  }

  double number(const char* key, double def, double lo, double hi) const {
    if (!has(key)) return def;
    return number_value(j_.at(key), key, lo, hi);
  }
  double required_number(const char* key, double lo, double hi) const {
    if (!has(key)) error(BNN_STATUS_INVALID_ARGUMENT, key, "required key is missing");
    return number_value(j_.at(key), key, lo, hi);
  }
  int64_t integer(const char* key, int64_t def, int64_t lo, int64_t hi) const {
    if (!has(key)) return def;
    return integer_value(j_.at(key), key, lo, hi);
  }
  int64_t required_integer(const char* key, int64_t lo, int64_t hi) const {
    if (!has(key)) error(BNN_STATUS_INVALID_ARGUMENT, key, "required key is missing");
    return integer_value(j_.at(key), key, lo, hi);
  }
  bool boolean(const char* key, bool def) const {
    if (!has(key)) return def;
    const json& v = j_.at(key);
    if (!v.is_boolean()) error(BNN_STATUS_INVALID_ARGUMENT, key, "expected true or false");
    return v.get<bool>();
  }
  std::string string(const char* key, const std::string& def) const {
    if (!has(key)) return def;
    const json& v = j_.at(key);
    if (!v.is_string()) error(BNN_STATUS_INVALID_ARGUMENT, key, "expected a string");
    return v.get<std::string>();
  }
  // A string that must be one of `choices`; returns its index.
  size_t choice(const char* key, std::initializer_list<const char*> choices, size_t def) const {
    if (!has(key)) return def;
    return choice_value(j_.at(key), key, choices);
  }
  size_t choice_value(const json& v, const std::string& key,
                      std::initializer_list<const char*> choices) const {
    if (!v.is_string()) error(BNN_STATUS_INVALID_ARGUMENT, key, "expected a string");
    const std::string s = v.get<std::string>();
    size_t i = 0;
    std::string list;
    for (const char* c : choices) {
      if (s == c) return i;
      list += (i ? ", " : "") + std::string("\"") + c + "\"";
      ++i;
    }
    error(BNN_STATUS_INVALID_ARGUMENT, key, "unknown value \"" + s + "\" (expected one of " + list + ")");
  }
  // A list of positive integers of the given length (length 0 = any non-empty length).
  std::vector<size_t> int_list(const char* key, size_t length, int64_t lo, int64_t hi) const {
    const json& v = j_.at(key);
    if (!v.is_array() || v.empty() || (length && v.size() != length))
      error(BNN_STATUS_INVALID_ARGUMENT, key,
            length ? "expected a list of " + std::to_string(length) + " integers"
                   : "expected a non-empty list of integers");
    std::vector<size_t> out;
    for (size_t i = 0; i < v.size(); ++i)
      out.push_back(static_cast<size_t>(
          integer_value(v[i], std::string(key) + "[" + std::to_string(i) + "]", lo, hi)));
    return out;
  }

  double number_value(const json& v, const std::string& key, double lo, double hi) const {
    if (!v.is_number()) error(BNN_STATUS_INVALID_ARGUMENT, key, "expected a number");
    const double d = v.get<double>();
    // Compared at float precision: values are stored as floats, and a bound such as 1e-6 is
    // slightly above its float (9.99999997e-07), which a saved document must read back.
    if (!std::isfinite(d) || static_cast<float>(d) < static_cast<float>(lo) ||
        static_cast<float>(d) > static_cast<float>(hi))
      error(BNN_STATUS_OUT_OF_RANGE, key,
            "value " + fmt(d) + " is out of range [" + fmt(lo) + ", " + fmt(hi) + "]");
    return d;
  }
  int64_t integer_value(const json& v, const std::string& key, int64_t lo, int64_t hi) const {
    if (!v.is_number_integer() && !(v.is_number_float() && is_integral(v.get<double>())))
      error(BNN_STATUS_INVALID_ARGUMENT, key, "expected an integer");
    const double d = v.get<double>();
    if (d < static_cast<double>(lo) || d > static_cast<double>(hi))
      error(BNN_STATUS_OUT_OF_RANGE, key,
            "value " + fmt(d) + " is out of range [" + std::to_string(lo) + ", " +
                std::to_string(hi) + "]");
    return static_cast<int64_t>(d);
  }

  static std::string fmt(double d) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%g", d);
    return buf;
  }

 private:
  static bool is_integral(double d) { return std::isfinite(d) && std::floor(d) == d; }
  const json& j_;
  std::string path_;
};

// Parses a JSON text, turning syntax errors into INVALID_ARGUMENT with the byte position.
inline json parse_json_text(const char* text, const std::string& what) {
  if (text == nullptr) fail(BNN_STATUS_INVALID_ARGUMENT, what + ": NULL pointer");
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    fail(BNN_STATUS_INVALID_ARGUMENT,
         what + ": JSON syntax error at byte " + std::to_string(e.byte) + ": " + e.what());
  }
}

}  // namespace bnn
