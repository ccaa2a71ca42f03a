// Content-Length framing: the header block is read line by line (bounded), the body by count.
#include "lsp/jsonrpc.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace covcheck::lsp {

namespace {

constexpr std::size_t max_header_line = 4096;
constexpr std::size_t max_header_lines = 64;

// One header line without its line break; false at the end of the stream. An overlong
// line is consumed to its end and flagged.
bool read_line(std::istream& in, std::string& line, bool& too_long) {
  line.clear();
  too_long = false;
  int c;
  bool any = false;
  while ((c = in.get()) != std::char_traits<char>::eof()) {
    any = true;
    if (c == '\n') break;
    if (line.size() < max_header_line) line.push_back(static_cast<char>(c));
    else too_long = true;
  }
  if (!any) return false;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return c != std::char_traits<char>::eof() || !line.empty();
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string trim(const std::string& s) {
  std::size_t b = s.find_first_not_of(" \t");
  std::size_t e = s.find_last_not_of(" \t");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

}  // namespace

FrameRead read_frame(std::istream& in) {
  FrameRead result;
  std::string line;
  bool too_long = false;
  // Blank lines between messages are tolerated.
  do {
    if (!read_line(in, line, too_long)) return result;  // eof
  } while (line.empty() && !too_long);

  bool have_length = false;
  bool bad_length = false;
  std::size_t length = 0;
  std::size_t lines = 0;
  while (!line.empty() || too_long) {
    if (++lines > max_header_lines || too_long) {
      bad_length = true;
    } else if (std::size_t colon = line.find(':');
               colon != std::string::npos && lower(trim(line.substr(0, colon))) == "content-length") {
      std::string value = trim(line.substr(colon + 1));
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), length);
      have_length = ec == std::errc() && end == value.data() + value.size() && !value.empty();
      bad_length = bad_length || !have_length;
    }
    if (!read_line(in, line, too_long)) return result;  // eof inside the header
  }
  if (!have_length || bad_length) {
    result.status = FrameRead::Status::bad_frame;
    result.problem = "a message header without a valid `Content-Length`";
    return result;
  }
  if (length > max_message_bytes) {
    // Skip the body in bounded pieces so the next message is found again.
    char sink[65536];
    std::size_t left = length;
    while (left > 0 && in) {
      in.read(sink, static_cast<std::streamsize>(std::min(left, sizeof sink)));
      left -= static_cast<std::size_t>(in.gcount());
      if (in.gcount() == 0) break;
    }
    if (left > 0) return result;  // eof
    result.status = FrameRead::Status::bad_frame;
    result.problem = "a message of " + std::to_string(length) + " bytes, over the limit";
    return result;
  }
  result.body.resize(length);
  in.read(result.body.data(), static_cast<std::streamsize>(length));
  if (static_cast<std::size_t>(in.gcount()) != length) {
    result.body.clear();
    return result;  // eof in the middle of the body: the client went away
  }
  result.status = FrameRead::Status::message;
  return result;
}

void write_frame(std::ostream& out, const std::string& body) {
  out << "Content-Length: " << body.size() << "\r\n\r\n" << body;
  out.flush();
}

}  // namespace covcheck::lsp
