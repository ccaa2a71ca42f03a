// CPL source text shown on one line: a criterion or condition spans lines in a rule file, but a
// trace line, a coverage report or a test failure quotes it on one.
#pragma once

#include <string>
#include <string_view>

namespace covcheck::dsl {

// Runs of whitespace (line breaks included) become one space; leading and trailing ones go.
inline std::string one_line(std::string_view s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

}  // namespace covcheck::dsl
