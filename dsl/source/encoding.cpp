// UTF-8 validation (RFC 3629) and control-character checks; see encoding.hpp.
#include "dsl/source/encoding.hpp"

#include <fmt/format.h>

namespace covcheck::dsl {

namespace {

// Length of the valid UTF-8 sequence starting at `i`, or 0 when it is not one.
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
  auto byte = [&](std::size_t k) { return k < s.size() ? static_cast<unsigned char>(s[k]) : 0u; };
  unsigned b0 = byte(i);
  if (b0 < 0x80) return 1;
  auto cont = [&](std::size_t k) { return (byte(k) & 0xC0u) == 0x80u; };
  if (b0 >= 0xC2 && b0 <= 0xDF) return cont(i + 1) ? 2 : 0;
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    unsigned b1 = byte(i + 1);
    if (b0 == 0xE0 && b1 < 0xA0) return 0;  // overlong
    if (b0 == 0xED && b1 > 0x9F) return 0;  // UTF-16 surrogate
    return cont(i + 1) && cont(i + 2) ? 3 : 0;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    unsigned b1 = byte(i + 1);
    if (b0 == 0xF0 && b1 < 0x90) return 0;  // overlong
    if (b0 == 0xF4 && b1 > 0x8F) return 0;  // above U+10FFFF
    return cont(i + 1) && cont(i + 2) && cont(i + 3) ? 4 : 0;
  }
  return 0;
}

}  // namespace

std::optional<EncodingProblem> find_encoding_problem(std::string_view text, bool controls) {
  for (std::size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c == 0) return EncodingProblem{i, 1, "NUL byte (0x00) in the text"};
    if (controls && ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F)) {
      return EncodingProblem{i, 1, fmt::format("control character 0x{:02X} in the text", c)};
    }
    std::size_t n = utf8_sequence(text, i);
    if (n == 0) {
      return EncodingProblem{i, 1, fmt::format("byte 0x{:02X} is not valid UTF-8; save the file as UTF-8", c)};
    }
    i += n;
  }
  return std::nullopt;
}

}  // namespace covcheck::dsl
