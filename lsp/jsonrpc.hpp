// JSON-RPC 2.0 framing for the language server: `Content-Length` headers, a blank line,
// then the JSON body. Reading never throws and never trusts the header beyond a limit.
#pragma once

#include <cstddef>
#include <istream>
#include <ostream>
#include <string>

namespace covcheck::lsp {

// A body larger than this is skipped unread and answered with an error: 10 MB documents
// are fine, a runaway header is not.
inline constexpr std::size_t max_message_bytes = std::size_t{64} << 20;

struct FrameRead {
  enum class Status {
    message,    // `body` holds one message's bytes (not yet parsed)
    bad_frame,  // a header block without a usable Content-Length, or a body over the limit: skipped
    eof,        // the stream ended (the client went away), possibly in the middle of a message
  };
  Status status = Status::eof;
  std::string body;
  std::string problem;  // for bad_frame: what was wrong, for the log
};

// Reads one framed message. Header names are case-insensitive; `Content-Type` and unknown
// headers are ignored; lines may end with CRLF (the protocol) or a bare LF (hand-typed input).
FrameRead read_frame(std::istream& in);

// Writes `body` framed with its Content-Length, and flushes.
void write_frame(std::ostream& out, const std::string& body);

}  // namespace covcheck::lsp
