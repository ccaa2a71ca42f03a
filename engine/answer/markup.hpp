// Escaping text for HTML and XML (the printable summary, JUnit reports): one table, so both
// outputs neutralize the same characters.
#pragma once

#include <string>
#include <string_view>

namespace covcheck::engine {

// Appends `text` with & < > " ' written as entities (&#39; is valid in HTML and XML alike);
// control characters XML 1.0 forbids (all below 0x20 but tab, newline, return) are dropped.
inline void escape_markup_into(std::string& out, std::string_view text) {
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t' && c != '\r') break;
        out += c;
    }
  }
}

inline std::string escape_markup(std::string_view text) {
  std::string out;
  escape_markup_into(out, text);
  return out;
}

}  // namespace covcheck::engine
