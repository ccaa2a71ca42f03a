// What the connection loop needs to know about a request before a worker takes it: whether
// its head and body have arrived, how long they are, and whether the body is read by the
// route while it answers (/v1/batch). A cheap scan of the bytes received, with no allocation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace covcheck::server {

struct RequestShape {
  enum class Progress {
    head_pending,   // the blank line that ends the head has not arrived
    head_too_long,  // more than `max_head` bytes without it: httplib answers the error
    body_pending,   // the head is in; the body the loop keeps is still arriving
    ready,          // ready for a worker: the whole request, or a head whose body the route reads
  };
  Progress progress = Progress::head_pending;
  std::size_t head_size = 0;    // request line and headers with the blank line
  std::size_t total_size = 0;   // head and body when the whole request is in; else 0
  std::uint64_t body_size = 0;  // the declared Content-Length; for a chunked body, SIZE_MAX
  bool streamed = false;        // the worker reads the body: /v1/batch, Expect, or over `max_kept_body`
  bool probe = false;           // GET or HEAD of /healthz, /readyz or /metrics: never counted as work
  bool batch = false;           // POST /v1/batch: its body may take as long as the batch
};

// Scans the bytes of a request received so far (starting at its request line). Bodies up to
// `max_kept_body` bytes are kept whole before a worker is taken; a larger declared length,
// /v1/batch and `Expect: 100-continue` make the request ready at its head.
RequestShape scan_request(std::string_view received, std::size_t max_kept_body, std::size_t max_head);

}  // namespace covcheck::server
