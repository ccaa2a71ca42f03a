// A small streaming JSON writer: pretty (2-space indent) or compact (one line). Output is
// always valid JSON: control characters are escaped and invalid UTF-8 becomes U+FFFD.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace covcheck::engine {

class JsonWriter {
 public:
  explicit JsonWriter(bool pretty) : pretty_(pretty), out_(&own_) {}
  // Appends to `out` instead of a buffer of its own (no copy of the finished document).
  JsonWriter(bool pretty, std::string& out) : pretty_(pretty), out_(&out) {}
  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;

  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  // The next value is this member of the enclosing object.
  JsonWriter& key(std::string_view name);

  JsonWriter& value(std::string_view s);
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(const std::string& s) { return value(std::string_view(s)); }
  JsonWriter& value(std::int64_t n);
  JsonWriter& value(int n) { return value(static_cast<std::int64_t>(n)); }
  JsonWriter& value(bool b);
  JsonWriter& null();

  // Convenience: `"name": value`, and `"name": value-or-null`.
  template <typename T>
  JsonWriter& member(std::string_view name, const T& v) {
    key(name);
    return value(v);
  }
  template <typename T>
  JsonWriter& member(std::string_view name, const std::optional<T>& v) {
    key(name);
    return v ? value(*v) : null();
  }

  // The document so far; complete once every container is closed.
  const std::string& str() const { return *out_; }

  // Appends `s` as a JSON string literal (quotes included).
  static void escape(std::string& out, std::string_view s);

 private:
  struct Frame {
    bool object;
    bool empty = true;
  };
  void before_value();
  void newline();
  void open(char c, bool object);
  void close(char c);

  bool pretty_;
  bool after_key_ = false;
  std::vector<Frame> stack_;
  std::string own_;
  std::string* out_;  // own_, or the caller's buffer
};

}  // namespace covcheck::engine
