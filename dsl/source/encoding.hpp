// Encoding checks shared by the rule-file parser and the case loaders: input must be UTF-8,
// and never contain a NUL byte (nor, in YAML, other control characters than tab, LF, CR).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace covcheck::dsl {

struct EncodingProblem {
  std::size_t offset = 0;  // of the first offending byte
  std::size_t length = 1;  // bytes to underline
  std::string message;
};

// The first byte of `text` that is not valid UTF-8 (stray continuation bytes, overlong forms,
// surrogates, code points above U+10FFFF, truncated sequences), or a NUL byte; with
// `controls`, also any C0 control character other than tab, LF and CR, and DEL.
std::optional<EncodingProblem> find_encoding_problem(std::string_view text, bool controls);

}  // namespace covcheck::dsl
