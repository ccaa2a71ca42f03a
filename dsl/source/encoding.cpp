// UTF-8 validation (RFC 3629) and control-character checks; see encoding.hpp.
#include "dsl/source/encoding.hpp"

#include <fmt/format.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

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

// How many bytes from `p` on need no look one by one: ASCII other than NUL and, with
// `controls`, other than control characters (tab, line feed and carriage return are fine),
// tested sixteen at a time where SSE2 is there; the last bytes are left to the caller's loop.
// Cases are read by the hundred thousand (`check_many`, every request's body), nearly all
// ASCII, so the per-byte test was a tenth of reading one.
std::size_t ordinary_run(const char* p, std::size_t n, bool controls) {
  std::size_t i = 0;
#ifdef __SSE2__
  // As signed bytes, 0x80 and above are negative: below zero, and below 0x20.
  const __m128i zero = _mm_setzero_si128(), space = _mm_set1_epi8(0x20), del = _mm_set1_epi8(0x7F);
  const __m128i tab = _mm_set1_epi8('\t'), lf = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r');
  for (; i + 16 <= n; i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    __m128i odd;
    if (controls) {
      const __m128i blank =
          _mm_or_si128(_mm_cmpeq_epi8(v, tab), _mm_or_si128(_mm_cmpeq_epi8(v, lf), _mm_cmpeq_epi8(v, cr)));
      odd = _mm_or_si128(_mm_andnot_si128(blank, _mm_cmplt_epi8(v, space)), _mm_cmpeq_epi8(v, del));
    } else {
      odd = _mm_or_si128(_mm_cmpeq_epi8(v, zero), _mm_cmplt_epi8(v, zero));
    }
    if (const int mask = _mm_movemask_epi8(odd))
      return i + static_cast<std::size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
  }
#else
  (void)p, (void)n, (void)controls;
#endif
  return i;
}

}  // namespace

std::optional<EncodingProblem> find_encoding_problem(std::string_view text, bool controls) {
  for (std::size_t i = 0; i < text.size();) {
    i += ordinary_run(text.data() + i, text.size() - i, controls);
    if (i == text.size()) break;
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
