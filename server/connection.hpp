// One client connection's buffered socket I/O, as the httplib::Stream that httplib parses
// requests from and writes answers to. A request is read with one recv and an answer leaves
// in one send (httplib's own SocketStream polls before every read and write, sends the
// headers and the body separately and reallocates its buffer for every request), and a
// streamed answer can be written while the request body is still arriving. The connection
// loop (server/front_stage.hpp) fills the buffer until a request is whole; a worker then
// answers it from the buffer.
#pragma once

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include <httplib.h>
#include <openssl/ssl.h>

namespace covcheck::server {

// A connected socket as an httplib::Stream. Reads come from a buffer refilled by recv;
// writes are gathered and sent when the answer is complete (flush()), when more than
// `send_threshold` is waiting, or while waiting for the client to send more, so a client
// that reads the answer while it sends the body (curl, browsers) never waits on us. Past
// `max_pending` unsent bytes a write blocks until the client reads (bounded memory).
// Every byte in or out goes through transport_read / transport_write: recv/send, or
// SSL_read/SSL_write once start_tls() has given the connection a TLS session.
class Connection final : public httplib::Stream {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::size_t read_buffer_size = 16 * 1024;
  static constexpr std::size_t send_threshold = 64 * 1024;
  static constexpr std::size_t max_pending = 4 * 1024 * 1024;

  Connection(int fd, std::chrono::milliseconds read_timeout, std::chrono::milliseconds write_timeout);
  ~Connection() override;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // TLS: the server side of a session over the socket, the handshake still to do; false
  // when OpenSSL could not make one.
  bool start_tls(SSL_CTX* context);
  bool tls() const { return ssl_ != nullptr; }
  enum class Handshake { done, want_read, want_write, failed };
  // Moves the handshake on without waiting (the loop calls it again when the socket is
  // ready in the direction asked); after `failed`, tls_error() says why.
  Handshake handshake();
  const std::string& tls_error() const { return tls_error_; }
  // Sends a TLS close_notify without waiting (before the socket's own shutdown).
  void close_tls();

  enum class Received { some, nothing_yet, closed, broken };
  // For the connection loop: takes what the socket has without waiting, growing the buffer
  // up to `capacity` bytes of unread input (so a whole request fits).
  Received receive(std::size_t capacity);
  // The input received and not yet read by httplib.
  std::string_view buffered() const { return {in_.data() + in_pos_, in_end_ - in_pos_}; }
  void consume(std::size_t n) { in_pos_ += std::min(n, in_end_ - in_pos_); }
  // For a connection that waits: frees the input buffer when it is empty (an idle
  // connection costs no buffer; the next request allocates one), else gives back what it
  // grew for a large request, and frees an output buffer a large answer left behind.
  void release_buffers();
  // Reads by httplib fail once `deadline` has passed (the end of the request's time).
  void set_deadline(Clock::time_point deadline) {
    deadline_ = deadline;
    rate_bytes_ = 0;
  }
  // For a body read as it streams (/v1/batch): it must keep arriving at `bytes` per
  // `period` on average from `start`, so the deadline moves on with every byte received.
  void set_minimum_rate(Clock::time_point start, std::size_t bytes, std::chrono::milliseconds period) {
    rate_start_ = start;
    rate_bytes_ = std::max<std::size_t>(bytes, 1);
    rate_period_ = period;
    rate_received_ = 0;
    deadline_ = start + period;
  }
  // Waits up to `timeout` for input; true when some arrived (or the client closed).
  bool wait_readable(std::chrono::milliseconds timeout);

  // Sends everything written so far; false when the client stopped reading for the write
  // timeout or the connection broke.
  bool flush();
  // Sends what the socket takes now; true when nothing is left to send.
  bool flush_now() { return send_some() && pending() == 0; }
  bool broken() const { return broken_; }

  bool is_readable() const override;
  bool is_writable() const override;
  ssize_t read(char* ptr, std::size_t size) override;
  ssize_t write(const char* ptr, std::size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  socket_t socket() const override { return fd_; }

 private:
  // The transport: recv/send or SSL_read/SSL_write without blocking (-1 with errno EAGAIN
  // when not ready, 0 at the end of input).
  ssize_t transport_read(char* data, std::size_t size);
  ssize_t transport_write(const char* data, std::size_t size);

  // Waits until the socket has input, sending pending output whenever it can meanwhile:
  // 1 readable (or closed), 0 timed out, -1 broken.
  int wait(std::chrono::milliseconds timeout);
  // Reads what the socket has into the empty buffer (waiting up to the read timeout, never
  // past the deadline); the byte count, 0 at end of input, -1 on error or timeout.
  ssize_t fill();
  // Sends what the socket takes without blocking; false when the connection broke.
  bool send_some();
  std::size_t pending() const { return out_.size() - out_sent_; }
  // Decrypted input waiting inside the TLS session, which poll cannot see.
  bool tls_pending() const { return ssl_ && SSL_pending(ssl_) > 0; }

  int fd_;
  std::chrono::milliseconds read_timeout_, write_timeout_;
  Clock::time_point deadline_ = Clock::time_point::max();
  Clock::time_point rate_start_{};
  std::size_t rate_bytes_ = 0, rate_received_ = 0;  // rate_bytes_ 0: a fixed deadline
  std::chrono::milliseconds rate_period_{0};
  std::string in_;
  std::size_t in_pos_ = 0, in_end_ = 0;
  std::string out_;
  std::size_t out_sent_ = 0;
  bool broken_ = false;
  SSL* ssl_ = nullptr;
  std::string tls_error_;
  mutable std::string remote_ip_, local_ip_;
  mutable int remote_port_ = -1, local_port_ = -1;
};

}  // namespace covcheck::server
