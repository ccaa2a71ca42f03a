// Request bodies, media types, query parameters and bearer tokens.
#include "server/request_parsing.hpp"

#include <cctype>

#include <fmt/format.h>

#include "dsl/source/dates.hpp"
#include "engine/eval/evaluate.hpp"

namespace covcheck::server {

Body read_body(const httplib::Request& req, const httplib::ContentReader& reader, std::size_t limit) {
  Body body;
  // No length and no chunks: an empty body (`curl -X POST` without data sends neither).
  if (!req.has_header("Content-Length") && !req.has_header("Transfer-Encoding")) return body;
  // One allocation for a declared length.
  std::uint64_t declared = req.get_header_value<std::uint64_t>("Content-Length");
  if (declared <= limit) body.text.reserve(static_cast<std::size_t>(declared));
  bool ok = reader([&](const char* data, std::size_t size) {
    if (body.too_large) return true;
    if (body.text.size() + size > limit) {
      body.too_large = true;
      body.text.clear();
      body.text.shrink_to_fit();
      return true;
    }
    body.text.append(data, size);
    return true;
  });
  body.broken = !ok;
  return body;
}

std::string media_type(const httplib::Request& req) {
  std::string value = req.get_header_value("Content-Type");
  std::string out;
  for (char c : value) {
    if (c == ';') break;
    if (!std::isspace(static_cast<unsigned char>(c)))
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::optional<QueryError> parse_case_query(const httplib::Request& req, CaseQuery& out, bool compare) {
  for (const auto& [name, value] : req.params) {
    if (name == "as_of") {
      out.as_of = dsl::parse_iso_date(value);
      if (!out.as_of) return QueryError{fmt::format("as_of: `{}` is not a date (YYYY-MM-DD)", value)};
    } else if (name == "trace") {
      if (value == "true" || value == "1" || value.empty()) {
        out.trace = true;
      } else if (value == "false" || value == "0") {
        out.trace = false;
      } else {
        return QueryError{fmt::format("trace: `{}` is not true or false", value)};
      }
    } else if (name == "trace_elements") {
      auto n = engine::parse_trace_elements(value);
      if (!n) return QueryError{fmt::format("trace_elements: `{}` is not a count or `all`", value)};
      out.trace_elements = *n;
    } else if (name == "payers" && compare) {
      for (std::size_t start = 0; start <= value.size();) {
        std::size_t comma = std::min(value.find(',', start), value.size());
        if (comma > start) out.payers.push_back(value.substr(start, comma - start));
        start = comma + 1;
      }
    } else {
      return QueryError{fmt::format("unknown query parameter `{}`; expected as_of, trace, trace_elements{}", name,
                                    compare ? " or payers" : "")};
    }
  }
  return std::nullopt;
}

bool bearer_matches(const httplib::Request& req, std::string_view token) {
  if (token.empty()) return false;
  std::string header = req.get_header_value("Authorization");
  constexpr std::string_view scheme = "Bearer ";
  if (header.size() < scheme.size() || header.compare(0, scheme.size(), scheme) != 0) return false;
  std::string_view given = std::string_view(header).substr(scheme.size());
  // Constant time in the token's content: every byte is compared whatever differs first.
  unsigned char diff = given.size() == token.size() ? 0 : 1;
  for (std::size_t i = 0; i < given.size(); ++i) diff |= static_cast<unsigned char>(given[i] ^ token[i % token.size()]);
  return diff == 0;
}

}  // namespace covcheck::server
