// The server's own connection loop under cpp-httplib's request handling: one buffered
// stream per keep-alive connection, so that a request is read with one recv and an answer
// leaves in one send (httplib's own SocketStream polls before every read and write, sends
// the headers and the body separately and reallocates its buffer for every request), and
// so that a streamed answer can be written while the request body is still arriving.
#pragma once

#include <cerrno>
#include <chrono>
#include <cstddef>
#include <string>

#include <httplib.h>

namespace covcheck::server {

// A connected socket as an httplib::Stream. Reads come from a buffer refilled by recv;
// writes are gathered and sent when the answer is complete (flush()), when more than
// `send_threshold` is waiting, or while waiting for the client to send more, so a client
// that reads the answer while it sends the body (curl, browsers) never waits on us. Past
// `max_pending` unsent bytes a write blocks until the client reads (bounded memory).
class Connection final : public httplib::Stream {
 public:
  static constexpr std::size_t read_buffer_size = 16 * 1024;
  static constexpr std::size_t send_threshold = 64 * 1024;
  static constexpr std::size_t max_pending = 4 * 1024 * 1024;

  Connection(int fd, std::chrono::milliseconds read_timeout, std::chrono::milliseconds write_timeout);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Waits up to `idle` for the next request to start; false when the client closed the
  // connection, stayed silent, or `stopping()` turned true (checked every 100 ms).
  template <typename Stopping>
  bool wait_for_request(std::chrono::milliseconds idle, Stopping stopping) {
    if (in_pos_ < in_end_) return true;
    auto deadline = std::chrono::steady_clock::now() + idle;
    while (!stopping()) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      int ready = wait(std::min<std::chrono::milliseconds>(left, std::chrono::milliseconds(100)));
      if (ready < 0) return false;
      if (ready > 0) {
        ssize_t n = fill(false);
        if (n >= 0) return n > 0;  // 0: the client closed the connection
        if (errno != EAGAIN && errno != EWOULDBLOCK) return false;
      }
    }
    return false;
  }
  // Sends everything written so far; false when the client stopped reading for the write
  // timeout or the connection broke.
  bool flush();
  // For a connection closed in the middle of a request: flushes, then reads and drops what
  // the client still sends (up to linger_bytes, for up to linger_time) so that closing does
  // not reset the connection before the client has read the answer.
  void linger();
  static constexpr std::size_t linger_bytes = 1024 * 1024;
  static constexpr std::chrono::milliseconds linger_time{1000};

  bool is_readable() const override;
  bool is_writable() const override;
  ssize_t read(char* ptr, std::size_t size) override;
  ssize_t write(const char* ptr, std::size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  socket_t socket() const override { return fd_; }

 private:
  // Waits until the socket has input, sending pending output whenever it can meanwhile:
  // 1 readable (or closed), 0 timed out, -1 broken.
  int wait(std::chrono::milliseconds timeout);
  // Reads what the socket has into the buffer (waiting up to the read timeout when
  // `may_block`); the byte count, 0 at end of input, -1 on error or timeout.
  ssize_t fill(bool may_block);
  // Sends what the socket takes without blocking; false when the connection broke.
  bool send_some();
  std::size_t pending() const { return out_.size() - out_sent_; }

  int fd_;
  std::chrono::milliseconds read_timeout_, write_timeout_;
  std::string in_;
  std::size_t in_pos_ = 0, in_end_ = 0;
  std::string out_;
  std::size_t out_sent_ = 0;
  bool broken_ = false;
  mutable std::string remote_ip_, local_ip_;
  mutable int remote_port_ = -1, local_port_ = -1;
};

// httplib::Server with its connection loop replaced by one over Connection; routing,
// parsing and writing answers stay httplib's.
class HttpServer : public httplib::Server {
 private:
  bool process_and_close_socket(socket_t sock) override;
};

}  // namespace covcheck::server
