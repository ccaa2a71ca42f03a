// A recursive-descent JSON scanner that stops at the first mistake and says what it is in
// the words of someone who wrote YAML or JavaScript: those are the mistakes JSON cases have.
#include "engine/cases/json_syntax.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "dsl/source/encoding.hpp"

namespace covcheck::engine {

namespace {

class Scanner {
 public:
  Scanner(std::string_view text, std::size_t max_depth) : s_(text), max_depth_(max_depth) {}

  std::optional<JsonSyntaxError> run() {
    if (s_.substr(0, 3) == "\xEF\xBB\xBF") i_ = 3;  // a byte-order mark is allowed
    skip_space();
    if (!value(0)) return error_;
    skip_space();
    if (!error_ && i_ < s_.size()) {
      if (s_[i_] == '/' || s_[i_] == '#') return comment();
      fail(i_, 1, "unexpected content after the case object");
    }
    return error_;
  }

 private:
  bool fail(std::size_t at, std::size_t length, std::string message) {
    if (!error_) error_ = JsonSyntaxError{at, std::max<std::size_t>(length, 1), "invalid JSON: " + std::move(message)};
    return false;
  }
  std::optional<JsonSyntaxError> comment() {
    fail(i_, s_[i_] == '#' ? 1 : 2, "comments are not allowed in JSON");
    return error_;
  }
  bool at_end() const { return i_ >= s_.size(); }
  void skip_space() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }
  static bool word_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           c == '.' || c == '+' || static_cast<unsigned char>(c) >= 0x80;
  }
  std::size_t word_end(std::size_t from) const {
    std::size_t j = from;
    while (j < s_.size() && word_char(s_[j])) ++j;
    return j;
  }
  // Something that is not a value where a value (or a key) must be.
  bool not_a_value(bool key) {
    if (at_end())
      return fail(s_.size(), 1,
                  key ? "the file ends where a key was expected" : "the file ends where a value was expected");
    char c = s_[i_];
    if (c == '/' || c == '#') return comment(), false;
    if (c == '\'')
      return fail(i_, 1,
                  key ? "keys are in double quotes in JSON, not single quotes"
                      : "strings are in double quotes in JSON, not single quotes");
    std::size_t end = word_end(i_);
    if (end > i_) {
      std::string_view word = s_.substr(i_, end - i_);
      if (key) return fail(i_, end - i_, fmt::format("the key `{}` must be in double quotes", word));
      return fail(i_, end - i_, fmt::format("`{}` is not a JSON value (a string must be in double quotes)", word));
    }
    return fail(i_, 1,
                fmt::format("unexpected `{}` where {} was expected", c, key ? "a key in double quotes" : "a value"));
  }

  bool value(std::size_t depth) {
    if (at_end()) return not_a_value(false);
    char c = s_[i_];
    if (c == '{' || c == '[') {
      if (depth >= max_depth_) return false;  // the loader reports the depth
      return c == '{' ? object(depth + 1) : array(depth + 1);
    }
    if (c == '"') return string();
    if (c == '-' || (c >= '0' && c <= '9')) return number();
    for (std::string_view literal : {"true", "false", "null"}) {
      if (s_.substr(i_, literal.size()) == literal &&
          !word_char(i_ + literal.size() < s_.size() ? s_[i_ + literal.size()] : ' ')) {
        i_ += literal.size();
        return true;
      }
    }
    return not_a_value(false);
  }

  // After a member or an element: `,` then another, or the closing bracket.
  bool object(std::size_t depth) {
    const std::size_t open = i_++;
    skip_space();
    if (!at_end() && s_[i_] == '}') return ++i_, true;
    for (;;) {
      skip_space();
      if (at_end()) return fail(open, 1, "this `{` is never closed");
      if (s_[i_] != '"') return not_a_value(true);
      if (!string()) return false;
      skip_space();
      if (at_end()) return fail(open, 1, "this `{` is never closed");
      if (s_[i_] != ':') {
        if (s_[i_] == '=') return fail(i_, 1, "a key is followed by `:`, not `=`");
        return fail(i_, 1, "expected `:` after the key");
      }
      ++i_;
      skip_space();
      if (!value(depth)) return false;
      skip_space();
      if (at_end()) return fail(open, 1, "this `{` is never closed");
      if (s_[i_] == '}') return ++i_, true;
      if (s_[i_] != ',') {
        if (s_[i_] == '/' || s_[i_] == '#') return comment(), false;
        if (s_[i_] == '"') return fail(i_, 1, "expected `,` between members");
        return fail(i_, 1, "expected `,` or `}` after a member");
      }
      const std::size_t comma = i_++;
      skip_space();
      if (!at_end() && s_[i_] == '}') return fail(comma, 1, "a trailing comma before `}` is not allowed in JSON");
    }
  }

  bool array(std::size_t depth) {
    const std::size_t open = i_++;
    skip_space();
    if (!at_end() && s_[i_] == ']') return ++i_, true;
    for (;;) {
      skip_space();
      if (at_end()) return fail(open, 1, "this `[` is never closed");
      if (!value(depth)) return false;
      skip_space();
      if (at_end()) return fail(open, 1, "this `[` is never closed");
      if (s_[i_] == ']') return ++i_, true;
      if (s_[i_] != ',') {
        if (s_[i_] == '/' || s_[i_] == '#') return comment(), false;
        return fail(i_, 1, "expected `,` or `]` after an element");
      }
      const std::size_t comma = i_++;
      skip_space();
      if (!at_end() && s_[i_] == ']') return fail(comma, 1, "a trailing comma before `]` is not allowed in JSON");
    }
  }

  bool string() {
    const std::size_t open = i_++;
    while (i_ < s_.size()) {
      unsigned char c = static_cast<unsigned char>(s_[i_]);
      if (c == '"') return ++i_, true;
      if (c == '\n' || c == '\r')
        return fail(open, 1, "this string is not closed on its line (a line break in a string is written `\\n`)");
      if (c < 0x20)
        return fail(i_, 1, fmt::format("control character 0x{:02x} in a string (write it as an escape)", c));
      if (c == '\\') {
        if (i_ + 1 >= s_.size()) break;
        char e = s_[i_ + 1];
        if (e == 'u') {
          for (std::size_t k = 2; k < 6; ++k)
            if (i_ + k >= s_.size() || !std::isxdigit(static_cast<unsigned char>(s_[i_ + k])))
              return fail(i_, std::min<std::size_t>(k, s_.size() - i_), "`\\u` takes four hexadecimal digits");
          i_ += 6;
          continue;
        }
        if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos)
          return fail(i_, 2, fmt::format("invalid escape `\\{}` in a string", e));
        i_ += 2;
        continue;
      }
      ++i_;
    }
    return fail(open, 1, "this string is never closed");
  }

  // -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, and the whole token must be that.
  bool number() {
    const std::size_t start = i_;
    const std::size_t end = word_end(i_);
    std::string_view token = s_.substr(start, end - start);
    std::size_t j = 0;
    auto digits = [&] {
      std::size_t from = j;
      while (j < token.size() && token[j] >= '0' && token[j] <= '9') ++j;
      return j > from;
    };
    bool ok = true;
    if (j < token.size() && token[j] == '-') ++j;
    if (j < token.size() && token[j] == '0') {
      ++j;
    } else {
      ok = digits();
    }
    if (ok && j < token.size() && token[j] == '.') ok = (++j, digits());
    if (ok && j < token.size() && (token[j] == 'e' || token[j] == 'E')) {
      ++j;
      if (j < token.size() && (token[j] == '+' || token[j] == '-')) ++j;
      ok = digits();
    }
    // A date or a code left unquoted reads as a number that goes wrong: name the token.
    if (!ok || j != token.size())
      return fail(start, token.size(), fmt::format("`{}` is not a JSON number (text must be in double quotes)", token));
    i_ = end;
    return true;
  }

  std::string_view s_;
  std::size_t max_depth_;
  std::size_t i_ = 0;
  std::optional<JsonSyntaxError> error_;
};

}  // namespace

std::optional<JsonSyntaxError> find_json_syntax_error(std::string_view text, std::size_t max_depth) {
  return Scanner(text, max_depth).run();
}

void locate_json_failure(std::string_view text, dsl::FileId file, dsl::Diagnostics& diagnostics) {
  constexpr std::size_t max_depth = 64;  // the loaders' case nesting limit
  const auto& items = diagnostics.items();
  if (std::none_of(items.begin(), items.end(), [](const dsl::Diagnostic& d) { return d.code == "case.syntax"; }))
    return;
  const char* code = "case.encoding";
  std::size_t offset = 0, length = 1;
  std::string message;
  if (std::optional<dsl::EncodingProblem> bad = dsl::find_encoding_problem(text, true)) {
    offset = bad->offset;
    length = bad->length;
    message = std::move(bad->message);
  } else if (std::optional<JsonSyntaxError> e = find_json_syntax_error(text, max_depth)) {
    code = "case.syntax";
    offset = e->offset;
    length = e->length;
    message = std::move(e->message);
  } else {
    return;
  }
  dsl::Diagnostics located;
  for (const dsl::Diagnostic& d : items)
    if (d.code != "case.syntax") located.add(d);
  auto begin = static_cast<std::uint32_t>(std::min(offset, text.size()));
  auto end = static_cast<std::uint32_t>(std::min(offset + length, text.size()));
  located.error(code, dsl::SourceSpan{file, begin, std::max(begin, end)}, std::move(message));
  diagnostics = std::move(located);
}

}  // namespace covcheck::engine
