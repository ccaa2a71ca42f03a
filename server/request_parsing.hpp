// Reading what a request carries: its body under a size limit, its media type, the case
// query parameters and a bearer token. Each failure is a status and a message for the
// JSON error body.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <httplib.h>

#include "engine/answer/determination.hpp"

namespace covcheck::server {

// The query of /v1/check and /v1/batch.
struct CaseQuery {
  std::optional<std::int32_t> as_of;
  bool trace = false;
  std::uint32_t trace_elements = engine::default_trace_elements;  // quantifier elements a trace shows
  std::vector<std::string> payers;  // POST /v1/compare: `?payers=a,b` (registry entry ids)
};

struct Body {
  std::string text;
  bool too_large = false;  // the limit was passed; the rest was read and dropped
  bool broken = false;     // the client stopped sending, or the chunked framing is malformed
};

// Reads the whole body, keeping at most `limit` bytes. Past the limit the remaining bytes
// are still read (and dropped) so that the connection can carry the next request.
Body read_body(const httplib::Request& req, const httplib::ContentReader& reader, std::size_t limit);

// "Application/JSON; charset=utf-8" -> "application/json"; "" when absent.
std::string media_type(const httplib::Request& req);

struct QueryError {
  std::string message;
};
// `as_of=YYYY-MM-DD`, `trace=true|false` and `trace_elements=N|all`; any other parameter is an error.
// `payers` is accepted only when `compare` is set (POST /v1/compare).
std::optional<QueryError> parse_case_query(const httplib::Request& req, CaseQuery& out, bool compare = false);

// `Authorization: Bearer <token>`, compared in constant time.
bool bearer_matches(const httplib::Request& req, std::string_view token);

}  // namespace covcheck::server
