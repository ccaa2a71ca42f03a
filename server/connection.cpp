// Connection: buffered, gathered socket I/O.
#include "server/connection.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <cstring>

namespace covcheck::server {

namespace {

void address_of(int fd, bool peer, std::string& ip, int& port) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  int rc = peer ? ::getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len)
                : ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ip.clear();
  port = 0;
  if (rc != 0) return;
  char text[INET6_ADDRSTRLEN] = {};
  if (addr.ss_family == AF_INET) {
    auto* a = reinterpret_cast<sockaddr_in*>(&addr);
    ::inet_ntop(AF_INET, &a->sin_addr, text, sizeof text);
    port = ntohs(a->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&addr);
    ::inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof text);
    port = ntohs(a->sin6_port);
  }
  ip = text;
}

}  // namespace

Connection::Connection(int fd, std::chrono::milliseconds read_timeout, std::chrono::milliseconds write_timeout)
    : fd_(fd), read_timeout_(read_timeout), write_timeout_(write_timeout) {}

Connection::~Connection() {
  if (ssl_) SSL_free(ssl_);
}

bool Connection::start_tls(SSL_CTX* context) {
  ssl_ = SSL_new(context);
  if (!ssl_ || SSL_set_fd(ssl_, fd_) != 1) return false;
  SSL_set_accept_state(ssl_);
  return true;
}

namespace {

// The reason of a failed TLS call, for the log; clears OpenSSL's error queue of this thread.
std::string tls_failure(int code) {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e != 0) {
    const char* reason = ERR_reason_error_string(e);
    return reason ? reason : "OpenSSL error";
  }
  if (code == SSL_ERROR_SYSCALL) return errno != 0 ? std::strerror(errno) : "the client closed the connection";
  if (code == SSL_ERROR_ZERO_RETURN) return "the client closed the connection";
  return "TLS error";
}

}  // namespace

Connection::Handshake Connection::handshake() {
  ERR_clear_error();  // SSL_get_error reads this thread's queue: it must hold only this call's errors
  errno = 0;
  int rc = SSL_do_handshake(ssl_);
  if (rc == 1) return Handshake::done;
  int code = SSL_get_error(ssl_, rc);
  if (code == SSL_ERROR_WANT_READ) return Handshake::want_read;
  if (code == SSL_ERROR_WANT_WRITE) return Handshake::want_write;
  tls_error_ = tls_failure(code);
  broken_ = true;
  return Handshake::failed;
}

void Connection::close_tls() {
  if (!ssl_ || broken_ || !SSL_is_init_finished(ssl_)) return;
  if (SSL_shutdown(ssl_) < 0) ERR_clear_error();
}

ssize_t Connection::transport_read(char* data, std::size_t size) {
  if (ssl_) {
    if (size == 0) return 0;
    ERR_clear_error();
    int n = SSL_read(ssl_, data, static_cast<int>(std::min<std::size_t>(size, 1u << 30)));
    if (n > 0) return n;
    int code = SSL_get_error(ssl_, n);
    if (code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE) {
      errno = EAGAIN;
      return -1;
    }
    ERR_clear_error();
    if (code == SSL_ERROR_ZERO_RETURN) return 0;  // close_notify: the end of input
    errno = EIO;
    return -1;
  }
  for (;;) {
    ssize_t n = ::recv(fd_, data, size, MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    return n;
  }
}

ssize_t Connection::transport_write(const char* data, std::size_t size) {
  if (ssl_) {
    ERR_clear_error();
    int n = SSL_write(ssl_, data, static_cast<int>(std::min<std::size_t>(size, 1u << 30)));
    if (n > 0) return n;
    int code = SSL_get_error(ssl_, n);
    if (code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE) {
      errno = EAGAIN;
      return -1;
    }
    ERR_clear_error();
    errno = EIO;
    return -1;
  }
  for (;;) {
    ssize_t n = ::send(fd_, data, size, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    return n;
  }
}

Connection::Received Connection::receive(std::size_t capacity) {
  bool got = false;
  for (;;) {
    if (in_pos_ == in_end_) {
      in_pos_ = in_end_ = 0;
    } else if (in_end_ == in_.size() && in_pos_ > 0) {
      std::memmove(in_.data(), in_.data() + in_pos_, in_end_ - in_pos_);
      in_end_ -= in_pos_;
      in_pos_ = 0;
    }
    if (in_end_ == in_.size()) {
      if (in_.size() >= capacity) return got ? Received::some : Received::nothing_yet;
      in_.resize(std::min(std::max(in_.size() * 2, in_end_ + read_buffer_size), capacity));
    }
    std::size_t space = in_.size() - in_end_;
    ssize_t n = transport_read(in_.data() + in_end_, space);
    if (n > 0) {
      in_end_ += static_cast<std::size_t>(n);
      got = true;
      // The socket is empty: spare a recv (a TLS session may hold more records than it returned).
      if (static_cast<std::size_t>(n) < space && !ssl_) return Received::some;
      continue;
    }
    if (n == 0) return got ? Received::some : Received::closed;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return got ? Received::some : Received::nothing_yet;
    return Received::broken;
  }
}

void Connection::release_buffers() {
  if (in_pos_ == in_end_) {
    std::string().swap(in_);
    in_pos_ = in_end_ = 0;
  } else if (in_.size() > read_buffer_size && in_end_ - in_pos_ <= read_buffer_size) {
    std::string smaller(read_buffer_size, '\0');
    std::memcpy(smaller.data(), in_.data() + in_pos_, in_end_ - in_pos_);
    in_end_ -= in_pos_;
    in_pos_ = 0;
    in_.swap(smaller);
  }
  if (pending() == 0 && out_.capacity() > send_threshold) std::string().swap(out_);
}

bool Connection::wait_readable(std::chrono::milliseconds timeout) {
  if (in_pos_ < in_end_ || tls_pending()) return true;
  pollfd p{fd_, POLLIN, 0};
  return ::poll(&p, 1, static_cast<int>(timeout.count())) > 0;
}

bool Connection::send_some() {
  while (pending() > 0) {
    ssize_t n = transport_write(out_.data() + out_sent_, pending());
    if (n > 0) {
      out_sent_ += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    broken_ = true;
    return false;
  }
  if (pending() == 0) {
    out_.clear();
    out_sent_ = 0;
  } else if (out_sent_ >= send_threshold) {
    out_.erase(0, out_sent_);  // keep the buffer from growing with what has left
    out_sent_ = 0;
  }
  return true;
}

bool Connection::flush() {
  if (broken_) return false;
  if (!send_some()) return false;
  while (pending() > 0) {
    pollfd p{fd_, POLLOUT, 0};
    int rc = ::poll(&p, 1, static_cast<int>(write_timeout_.count()));
    if (rc < 0 && errno == EINTR) continue;
    if (rc <= 0 || (p.revents & (POLLERR | POLLNVAL))) {
      broken_ = true;  // the client stopped reading for the write timeout
      return false;
    }
    if (!send_some()) return false;
  }
  return true;
}

int Connection::wait(std::chrono::milliseconds timeout) {
  if (tls_pending()) return 1;
  auto deadline = Clock::now() + timeout;
  for (;;) {
    auto until = std::min(deadline, deadline_);
    pollfd p{fd_, static_cast<short>(POLLIN | (pending() > 0 ? POLLOUT : 0)), 0};
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
    int rc = ::poll(&p, 1, static_cast<int>(std::max<std::int64_t>(left.count(), 0)));
    if (rc < 0 && errno == EINTR) continue;
    if (rc < 0) return -1;
    if (rc == 0) return 0;
    if (p.revents & (POLLIN | POLLHUP | POLLERR)) return 1;
    if (p.revents & POLLNVAL) return -1;
    // Writable only: the client is reading the answer; that is progress, not a stall.
    if (!send_some()) return -1;
    deadline = Clock::now() + timeout;
  }
}

ssize_t Connection::fill() {
  in_pos_ = in_end_ = 0;
  if (in_.empty()) in_.resize(read_buffer_size);
  for (;;) {
    ssize_t n = transport_read(in_.data(), in_.size());
    if (n >= 0) {
      in_end_ = static_cast<std::size_t>(n);
      if (rate_bytes_ > 0) {
        rate_received_ += static_cast<std::size_t>(n);
        deadline_ = rate_start_ + rate_period_ * static_cast<std::int64_t>(1 + rate_received_ / rate_bytes_);
      }
      return n;
    }
    if (errno != EAGAIN && errno != EWOULDBLOCK) return -1;
    // Nothing yet: send what is pending while waiting, so the client is never waiting on us.
    if (Clock::now() >= deadline_ || wait(read_timeout_) <= 0) return -1;
  }
}

bool Connection::is_readable() const {
  if (in_pos_ < in_end_) return true;
  return const_cast<Connection*>(this)->fill() > 0;
}

bool Connection::is_writable() const { return !broken_; }

ssize_t Connection::read(char* ptr, std::size_t size) {
  if (in_pos_ == in_end_) {
    ssize_t n = fill();
    if (n <= 0) return n;
  }
  std::size_t n = std::min(size, in_end_ - in_pos_);
  std::memcpy(ptr, in_.data() + in_pos_, n);
  in_pos_ += n;
  return static_cast<ssize_t>(n);
}

ssize_t Connection::write(const char* ptr, std::size_t size) {
  if (broken_) return -1;
  out_.append(ptr, size);
  if (pending() >= send_threshold && !send_some()) return -1;
  // The client is not reading: wait for it rather than hold an unbounded answer.
  if (pending() >= max_pending && !flush()) return -1;
  return static_cast<ssize_t>(size);
}

void Connection::get_remote_ip_and_port(std::string& ip, int& port) const {
  if (remote_port_ < 0) address_of(fd_, true, remote_ip_, remote_port_);
  ip = remote_ip_;
  port = remote_port_;
}

void Connection::get_local_ip_and_port(std::string& ip, int& port) const {
  if (local_port_ < 0) address_of(fd_, false, local_ip_, local_port_);
  ip = local_ip_;
  port = local_port_;
}

}  // namespace covcheck::server
