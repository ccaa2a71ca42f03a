// scan_request: the request line's path, Content-Length, Transfer-Encoding and Expect, and
// the chunked framing of a kept body, read in place.
#include "server/request_shape.hpp"

#include <cctype>
#include <cstdint>

namespace covcheck::server {

namespace {

bool same_name(std::string_view a, std::string_view lower) {
  if (a.size() != lower.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != lower[i]) return false;
  return true;
}

bool contains_token(std::string_view value, std::string_view lower) {
  if (value.size() < lower.size()) return false;
  for (std::size_t i = 0; i + lower.size() <= value.size(); ++i)
    if (same_name(value.substr(i, lower.size()), lower)) return true;
  return false;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// The end of a chunked body starting at `at`: the offset just past it, 0 while it has not all
// arrived, or SIZE_MAX when its data passes `limit` (or its framing is not what we read: the
// worker's httplib then judges it).
std::size_t chunked_end(std::string_view text, std::size_t at, std::size_t limit) {
  std::size_t data = 0;
  for (;;) {
    std::size_t eol = text.find("\r\n", at);
    if (eol == std::string_view::npos) return text.size() - at > 64 ? SIZE_MAX : 0;
    std::uint64_t size = 0;
    std::size_t i = at, digits = 0;
    for (; i < eol && std::isxdigit(static_cast<unsigned char>(text[i])); ++i, ++digits) {
      if (size > (std::uint64_t{1} << 40)) return SIZE_MAX;
      int c = std::tolower(static_cast<unsigned char>(text[i]));
      size = size * 16 + static_cast<std::uint64_t>(c <= '9' ? c - '0' : c - 'a' + 10);
    }
    if (digits == 0) return SIZE_MAX;
    at = eol + 2;
    if (size == 0) {
      // Trailers, if any, end with a blank line.
      if (text.compare(at, 2, "\r\n") == 0) return at + 2;
      std::size_t end = text.find("\r\n\r\n", at);
      return end == std::string_view::npos ? 0 : end + 4;
    }
    data += size;
    if (data > limit) return SIZE_MAX;
    if (text.size() < at + size + 2) return 0;
    at += size + 2;
  }
}

}  // namespace

RequestShape scan_request(std::string_view received, std::size_t max_kept_body, std::size_t max_head) {
  RequestShape shape;
  std::size_t end = received.find("\r\n\r\n");
  if (end == std::string_view::npos || end + 4 > max_head) {
    shape.progress = received.size() >= max_head || end != std::string_view::npos
                         ? RequestShape::Progress::head_too_long
                         : RequestShape::Progress::head_pending;
    return shape;
  }
  shape.head_size = end + 4;
  std::string_view head = received.substr(0, end + 2);

  std::size_t eol = head.find("\r\n");
  std::string_view line = head.substr(0, eol);
  std::size_t sp1 = line.find(' ');
  std::size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  std::string_view method = line.substr(0, sp1);
  std::string_view target = sp2 == std::string_view::npos ? std::string_view() : line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view path = target.substr(0, target.find('?'));
  bool batch = path == "/v1/batch";
  shape.batch = batch;
  shape.probe =
      (method == "GET" || method == "HEAD") && (path == "/healthz" || path == "/readyz" || path == "/metrics");

  bool chunked = false, has_length = false, length_ok = true;
  std::uint64_t length = 0;
  for (std::size_t at = eol + 2; at < head.size();) {
    std::size_t next = head.find("\r\n", at);
    std::string_view field = head.substr(at, next - at);
    at = next + 2;
    std::size_t colon = field.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view name = field.substr(0, colon), value = trim(field.substr(colon + 1));
    if (same_name(name, "content-length")) {
      has_length = true;
      length = 0;
      length_ok = !value.empty();
      for (char c : value) {
        if (c < '0' || c > '9' || length > (std::uint64_t{1} << 50)) {
          length_ok = false;
          break;
        }
        length = length * 10 + static_cast<std::uint64_t>(c - '0');
      }
    } else if (same_name(name, "transfer-encoding")) {
      chunked = contains_token(value, "chunked");
    } else if (same_name(name, "expect")) {
      shape.streamed = shape.streamed || contains_token(value, "100-continue");
    }
  }

  shape.progress = RequestShape::Progress::ready;
  shape.body_size = chunked ? SIZE_MAX : has_length && length_ok ? length : 0;
  // Lengths httplib will refuse, and bodies the route reads as it answers, go to a worker now.
  if (batch || shape.streamed || !length_ok || (has_length && length > max_kept_body)) {
    shape.streamed = true;
    return shape;
  }
  if (chunked) {
    std::size_t body_end = chunked_end(received, shape.head_size, max_kept_body);
    if (body_end == SIZE_MAX) {
      shape.streamed = true;
    } else if (body_end == 0) {
      shape.progress = RequestShape::Progress::body_pending;
    } else {
      shape.total_size = body_end;
    }
    return shape;
  }
  std::size_t total = shape.head_size + static_cast<std::size_t>(has_length ? length : 0);
  if (received.size() < total) {
    shape.progress = RequestShape::Progress::body_pending;
  } else {
    shape.total_size = total;
  }
  return shape;
}

}  // namespace covcheck::server
