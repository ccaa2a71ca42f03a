// Connection: buffered, gathered socket I/O; HttpServer: the keep-alive loop over it.
#include "server/connection.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
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
    : fd_(fd), read_timeout_(read_timeout), write_timeout_(write_timeout) {
  in_.resize(read_buffer_size);
}

bool Connection::send_some() {
  while (pending() > 0) {
    ssize_t n = ::send(fd_, out_.data() + out_sent_, pending(), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n > 0) {
      out_sent_ += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
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
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    pollfd p{fd_, static_cast<short>(POLLIN | (pending() > 0 ? POLLOUT : 0)), 0};
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    int rc = ::poll(&p, 1, static_cast<int>(std::max<std::int64_t>(left.count(), 0)));
    if (rc < 0 && errno == EINTR) continue;
    if (rc < 0) return -1;
    if (rc == 0) return 0;
    if (p.revents & (POLLIN | POLLHUP | POLLERR)) return 1;
    if (p.revents & POLLNVAL) return -1;
    // Writable only: the client is reading the answer; that is progress, not a stall.
    if (!send_some()) return -1;
    deadline = std::chrono::steady_clock::now() + timeout;
  }
}

ssize_t Connection::fill(bool may_block) {
  in_pos_ = in_end_ = 0;
  for (;;) {
    ssize_t n = ::recv(fd_, in_.data(), in_.size(), MSG_DONTWAIT);
    if (n >= 0) {
      in_end_ = static_cast<std::size_t>(n);
      return n;
    }
    if (errno == EINTR) continue;
    if ((errno != EAGAIN && errno != EWOULDBLOCK) || !may_block) return -1;
    // Nothing yet: send what is pending while waiting, so the client is never waiting on us.
    if (wait(read_timeout_) <= 0) return -1;
  }
}

bool Connection::is_readable() const {
  if (in_pos_ < in_end_) return true;
  return const_cast<Connection*>(this)->fill(true) > 0;
}

bool Connection::is_writable() const { return !broken_; }

ssize_t Connection::read(char* ptr, std::size_t size) {
  if (in_pos_ == in_end_) {
    ssize_t n = fill(true);
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

void Connection::linger() {
  // Closing with unread input makes the kernel send a reset, which can destroy the answer
  // before the client reads it: say we are done, then drop what the client still sends.
  if (!flush()) return;
  ::shutdown(fd_, SHUT_WR);
  auto deadline = std::chrono::steady_clock::now() + linger_time;
  std::size_t dropped = 0;
  while (dropped < linger_bytes) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return;
    ssize_t n = ::recv(fd_, in_.data(), in_.size(), MSG_DONTWAIT);
    if (n <= 0) return;
    dropped += static_cast<std::size_t>(n);
  }
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

bool HttpServer::process_and_close_socket(socket_t sock) {
  using std::chrono::milliseconds;
  auto ms = [](time_t sec, time_t usec) { return milliseconds(sec * 1000 + usec / 1000); };
  Connection connection(sock, ms(read_timeout_sec_, read_timeout_usec_), ms(write_timeout_sec_, write_timeout_usec_));
  auto stopping = [this] { return svr_sock_ == INVALID_SOCKET; };
  bool ok = false;
  for (std::size_t left = keep_alive_max_count_;
       left > 0 && connection.wait_for_request(milliseconds(keep_alive_timeout_sec_ * 1000), stopping); --left) {
    bool connection_closed = false;
    ok = process_request(connection, left == 1, connection_closed, nullptr);
    if (!connection.flush()) ok = false;
    if (!ok || connection_closed) break;
  }
  if (!ok) connection.linger();
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  return ok;
}

}  // namespace covcheck::server
