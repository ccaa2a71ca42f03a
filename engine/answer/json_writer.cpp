// Streaming JSON output with commas and indentation handled by a stack of open containers.
#include "engine/answer/json_writer.hpp"

#include <charconv>
#include <cstdio>
#include <cstring>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace covcheck::engine {

namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 when it is invalid (overlong
// forms, surrogates and code points above U+10FFFF included).
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = byte(i);
  std::size_t n;
  std::uint32_t cp;
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
    cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    cp = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

}  // namespace

namespace {

// Bytes that need more than copying: control characters, the quote, the backslash, and
// non-ASCII (checked for valid UTF-8).
bool plain(unsigned char c) { return c >= 0x20 && c < 0x80 && c != '"' && c != '\\'; }

// How many bytes from `p` on are plain: sixteen at a time where SSE2 is there (as a signed
// byte, 0x80 and above is below 0x20), else one by one. Output is mostly such runs, and most
// strings of an answer are shorter than sixteen bytes: those are tested at once too, from two
// overlapping loads inside the text put side by side in one register (a load past its end
// could read outside it; a padded copy stalls the load on the copy's stores).
#ifdef __SSE2__
int stops(__m128i v) {
  const __m128i space = _mm_set1_epi8(0x20), quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
  return _mm_movemask_epi8(
      _mm_or_si128(_mm_cmplt_epi8(v, space), _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash))));
}

template <class Word>
Word load(const char* p) {
  Word w;
  std::memcpy(&w, p, sizeof w);
  return w;
}

// `n` below sixteen: bytes [0, half) and [n - half, n), half being 8 or 4, side by side; in
// the mask the first half's bits come first, so the lowest set bit is the first stop.
std::size_t short_plain_run(const char* p, std::size_t n) {
  constexpr long long plain_bytes = 0x6161616161616161;  // "aaaaaaaa"
  std::size_t half = 8;
  unsigned mask;
  if (n >= 8) {
    mask = static_cast<unsigned>(stops(_mm_set_epi64x(static_cast<long long>(load<std::uint64_t>(p + n - 8)),
                                                      static_cast<long long>(load<std::uint64_t>(p)))));
  } else if (n >= 4) {
    half = 4;
    const std::uint64_t both = load<std::uint32_t>(p) | std::uint64_t{load<std::uint32_t>(p + n - 4)} << 32;
    mask = static_cast<unsigned>(stops(_mm_set_epi64x(plain_bytes, static_cast<long long>(both))));
  } else {
    std::size_t i = 0;
    while (i < n && plain(static_cast<unsigned char>(p[i]))) ++i;
    return i;
  }
  const unsigned first = mask & ((1u << half) - 1);
  if (first) return static_cast<std::size_t>(__builtin_ctz(first));
  if (mask) return n - half + static_cast<std::size_t>(__builtin_ctz(mask >> half));
  return n;
}
#endif

std::size_t plain_run(const char* p, std::size_t n) {
#ifdef __SSE2__
  if (n < 16) return short_plain_run(p, n);
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    if (const int mask = stops(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i))))
      return i + static_cast<std::size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
  }
  if (i == n) return n;
  // The last sixteen bytes, of which those before `i` were tested already.
  const auto seen = static_cast<unsigned>(i - (n - 16));
  const unsigned mask =
      static_cast<unsigned>(stops(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + n - 16)))) >> seen;
  return mask ? i + static_cast<std::size_t>(__builtin_ctz(mask)) : n;
#else
  std::size_t i = 0;
  while (i < n && plain(static_cast<unsigned char>(p[i]))) ++i;
  return i;
#endif
}

}  // namespace

void JsonWriter::escape(std::string& out, std::string_view s) {
  out += '"';
  std::size_t run = plain_run(s.data(), s.size());
  if (run == s.size()) {  // nearly every string: nothing to escape
    out.append(s.data(), s.size());
    out += '"';
    return;
  }
  for (std::size_t i = 0; i < s.size(); run = i + plain_run(s.data() + i, s.size() - i)) {
    // Runs of plain bytes are copied whole.
    if (run > i) {
      out.append(s.data() + i, run - i);
      i = run;
      if (i == s.size()) break;
    }
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      std::size_t n = utf8_sequence(s, i);
      if (n == 0) {
        out += "\\ufffd";
        ++i;
      } else {
        out.append(s.substr(i, n));
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default: {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", c);
        out += buf;
      }
    }
    ++i;
  }
  out += '"';
}

void JsonWriter::newline() {
  if (!pretty_) return;
  *out_ += '\n';
  out_->append(stack_.size() * 2, ' ');
}

void JsonWriter::before_value() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (stack_.empty()) return;
  Frame& f = stack_.back();
  if (!f.empty) *out_ += ',';
  f.empty = false;
  newline();
}

void JsonWriter::open(char c, bool object) {
  before_value();
  if (stack_.capacity() == 0) stack_.reserve(32);  // one allocation per document, not one per doubling
  *out_ += c;
  stack_.push_back(Frame{object});
}

void JsonWriter::close(char c) {
  bool empty = stack_.back().empty;
  stack_.pop_back();
  if (!empty) newline();
  *out_ += c;
}

JsonWriter& JsonWriter::begin_object() {
  open('{', true);
  return *this;
}
JsonWriter& JsonWriter::end_object() {
  close('}');
  return *this;
}
JsonWriter& JsonWriter::begin_array() {
  open('[', false);
  return *this;
}
JsonWriter& JsonWriter::end_array() {
  close(']');
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view name) {
  before_value();
  after_key_ = true;
  // A key is nearly always a short name with nothing to escape: `"name":` in one append.
  char quoted[64];
  if (name.size() + 4 <= sizeof quoted && plain_run(name.data(), name.size()) == name.size()) {
    quoted[0] = '"';
    std::memcpy(quoted + 1, name.data(), name.size());
    std::size_t n = name.size() + 1;
    quoted[n++] = '"';
    quoted[n++] = ':';
    if (pretty_) quoted[n++] = ' ';
    out_->append(quoted, n);
    return *this;
  }
  escape(*out_, name);
  *out_ += pretty_ ? ": " : ":";
  return *this;
}

JsonWriter& JsonWriter::value(std::string_view s) {
  before_value();
  escape(*out_, s);
  return *this;
}

JsonWriter& JsonWriter::value(std::int64_t n) {
  before_value();
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
  out_->append(buf, static_cast<std::size_t>(end - buf));
  return *this;
}

JsonWriter& JsonWriter::value(bool b) {
  before_value();
  *out_ += b ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::null() {
  before_value();
  *out_ += "null";
  return *this;
}

}  // namespace covcheck::engine
