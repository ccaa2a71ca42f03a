// HttpServer: the epoll loop (accept, read, deadlines, limits, refusals) and the workers.
#include "server/front_stage.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include <fmt/format.h>

#include "engine/answer/json_writer.hpp"

namespace covcheck::server {

struct HttpServer::Conn {
  enum class Phase { handshake, idle, head, body, worker, draining };
  Conn(int fd, ClientAddress client, const FrontOptions& o)
      : io(fd, o.read_timeout, o.write_timeout), fd(fd), client(client) {}
  Connection io;
  int fd;
  ClientAddress client;
  Phase phase = Phase::head;
  Clock::time_point request_deadline{};  // the head's or the body's whole time
  RequestShape shape;
  bool counted = false;               // in the client's open connections
  bool in_flight = false;             // counted in in_flight_
  std::size_t cost = 0;               // counted in in_flight_bytes_
  bool admitted = false;              // the request being read has passed the limits
  bool close = false, drain = false;  // set by a worker handing the connection back
  std::size_t drained = 0;
};

namespace {

const char* reason_phrase(int status) {
  switch (status) {
    case 408: return "Request Timeout";
    case 429: return "Too Many Requests";
    default: return "Service Unavailable";
  }
}

std::string refusal_text(int status, int retry_after, bool keep_alive, const char* message) {
  std::string body = fmt::format(R"({{"error":"{}","message":"{}"}})",
                                 status == 429   ? "too_many_requests"
                                 : status == 408 ? "timeout"
                                                 : "overloaded",
                                 message) +
                     "\n";
  std::string retry = retry_after > 0 ? fmt::format("Retry-After: {}\r\n", retry_after) : std::string();
  return fmt::format(
      "HTTP/1.1 {} {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{}Connection: {}\r\n\r\n{}", status,
      reason_phrase(status), body.size(), retry, keep_alive ? "keep-alive" : "close", body);
}

const char* refusal_message(Shed why) {
  switch (why) {
    case Shed::client_rate: return "too many requests from this client; retry after the Retry-After seconds";
    case Shed::client_connections: return "too many open connections from this client";
    case Shed::max_connections: return "the server has its maximum of open connections; retry later";
    case Shed::in_flight: return "the server is at its limit of work in progress; retry later";
    default: return "the request took too long to arrive";
  }
}

std::uint64_t raise_file_limit(rlimit& limit) {
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  return limit.rlim_cur;
}

}  // namespace

HttpServer::HttpServer(AccessLog& log, Metrics& metrics)
    : log_(log), metrics_(metrics), limits_(std::make_unique<ClientLimits>(ClientLimitOptions{})) {
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
}

HttpServer::~HttpServer() {
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

void HttpServer::configure(const FrontOptions& options) {
  options_ = options;
  if (options_.threads == 0) options_.threads = 1;
  limits_ = std::make_unique<ClientLimits>(options_.client);
}

void HttpServer::shutdown() {
  stopping_ = true;
  std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
}

bool HttpServer::serve() {
  int listen_fd = svr_sock_;
  if (listen_fd == INVALID_SOCKET || wake_fd_ < 0) return false;
  rlimit limit{};
  std::uint64_t files = raise_file_limit(limit);
  log_.event("listening",
             fmt::format("\"file_limit\":{},\"file_limit_hard\":{},\"threads\":{},\"max_connections\":{},"
                         "\"max_in_flight\":{},\"max_in_flight_bytes\":{},\"client_rate\":{},\"client_connections\":{}",
                         files, static_cast<std::uint64_t>(limit.rlim_max), options_.threads, options_.max_connections,
                         options_.max_in_flight, options_.max_in_flight_bytes, options_.client.rate,
                         options_.client.max_connections));
  ::fcntl(listen_fd, F_SETFL, ::fcntl(listen_fd, F_GETFL) | O_NONBLOCK);
  ::listen(listen_fd, SOMAXCONN);  // httplib listens with a backlog of 5: too few for a burst of clients
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) return false;
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = listen_fd;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listen_fd, &ev);
  ev.data.fd = wake_fd_;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev);
  for (unsigned i = 0; i < options_.threads; ++i) workers_.emplace_back([this] { work(); });

  std::array<epoll_event, 256> events{};
  next_second_ = Clock::now() + std::chrono::seconds(1);
  bool listening = true;
  while (!stopping_ || in_workers_ > 0) {
    if (stopping_ && listening) {
      // Stop taking connections; close those waiting here; workers finish theirs.
      listening = false;
      svr_sock_ = INVALID_SOCKET;
      ::close(listen_fd);
      for (auto& c : conns_)
        if (c && c->phase != Conn::Phase::worker) close_conn(*c);
      if (in_workers_ == 0) break;
    }
    auto now = Clock::now();
    auto until = std::min(next_deadline_, next_second_);
    if (accept_paused_until_ > now) until = std::min(until, accept_paused_until_);
    int timeout =
        until <= now ? 0 : static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(until - now).count());
    int n = ::epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), timeout);
    if (n < 0 && errno != EINTR) break;
    now = Clock::now();
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      if (fd == listen_fd) {
        if (listening) accept_all(now);
      } else if (fd == wake_fd_) {
        std::uint64_t count;
        [[maybe_unused]] auto r = ::read(wake_fd_, &count, sizeof count);
        take_back(now);
      } else if (static_cast<std::size_t>(fd) < conns_.size() && conns_[fd]) {
        on_input(*conns_[fd], now);
      }
    }
    if (listening && accept_paused_until_ != Clock::time_point{} && now >= accept_paused_until_) {
      accept_paused_until_ = {};
      epoll_event on{};
      on.events = EPOLLIN;
      on.data.fd = listen_fd;
      ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, listen_fd, &on);
    }
    if (now >= next_deadline_) expire(now);
    if (now >= next_second_) every_second(now);
  }
  if (listening) {
    svr_sock_ = INVALID_SOCKET;
    ::close(listen_fd);
  }
  {
    std::lock_guard lock(work_mutex_);
    workers_stop_ = true;
  }
  work_ready_.notify_all();
  for (auto& t : workers_) t.join();
  workers_.clear();
  // No worker holds a connection now.
  for (auto& c : conns_)
    if (c) close_conn(*c);
  every_second(Clock::now());  // the last counts of shed load
  ::close(epoll_fd_);
  epoll_fd_ = -1;
  return true;
}

void HttpServer::accept_all(Clock::time_point now) {
  for (;;) {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    int fd = ::accept4(svr_sock_, reinterpret_cast<sockaddr*>(&addr), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        // Out of descriptors: the pending connections wait in the backlog; look again soon.
        metrics_.record_shed(Shed::file_limit);
        if (!at_file_limit_) {
          at_file_limit_ = true;
          rlimit limit{};
          ::getrlimit(RLIMIT_NOFILE, &limit);
          log_.event("file_limit_reached",
                     fmt::format("\"open\":{},\"file_limit\":{}", open_, static_cast<std::uint64_t>(limit.rlim_cur)));
        }
        accept_paused_until_ = now + std::chrono::milliseconds(100);
        epoll_event off{};
        off.data.fd = svr_sock_;
        ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, svr_sock_, &off);
      }
      return;
    }
    at_file_limit_ = false;
    if (options_.max_connections > 0 && open_ >= options_.max_connections) {
      metrics_.record_shed(Shed::max_connections);
      ++refused_at_limit_;
      if (!at_connection_limit_) {
        at_connection_limit_ = true;
        log_.event("connection_limit_reached",
                   fmt::format("\"open\":{},\"max_connections\":{}", open_, options_.max_connections));
      }
      refuse_at_accept(fd, 503, static_cast<int>(options_.retry_after.count()));
      continue;
    }
    ClientAddress client = ClientAddress::from(addr);
    if (!limits_->open(client)) {
      metrics_.record_shed(Shed::client_connections);
      refuse_at_accept(fd, 429, 1);
      continue;
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // small answers must not wait for Nagle
    if (static_cast<std::size_t>(fd) >= conns_.size()) {
      conns_.resize(static_cast<std::size_t>(fd) + 1);
      deadlines_.resize(conns_.size(), Clock::time_point::max());
    }
    conns_[fd] = std::make_unique<Conn>(fd, client, options_);
    Conn& c = *conns_[fd];
    c.counted = limits_->limits_connections();
    ++open_;
    metrics_.set_open_connections(open_);
    c.phase = Conn::Phase::head;
    // The TLS handshake is read here like a request head, under the same deadline.
    if (TlsContext tls = tls_.get()) {
      c.phase = Conn::Phase::handshake;
      if (!c.io.start_tls(tls.get())) {
        handshake_failed("cannot start a TLS session");
        close_conn(c);
        continue;
      }
    }
    c.request_deadline = now + options_.header_timeout;
    set_deadline(c, std::min(c.request_deadline, now + options_.read_timeout));
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLONESHOT;
    ev.data.fd = fd;
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) close_conn(c);
  }
}

// Before the connection has a Connection: plain bytes. With TLS the connection is closed
// without a word: a handshake would spend the CPU the refusal is meant to save, and plain
// text is no answer a TLS client can read. The refusal is counted all the same.
void HttpServer::refuse_at_accept(int fd, int status, int retry_after) {
  if (tls_.get()) {
    ::close(fd);
    return;
  }
  std::string text = refusal_text(status, retry_after, false,
                                  refusal_message(status == 429 ? Shed::client_connections : Shed::max_connections));
  [[maybe_unused]] auto n = ::send(fd, text.data(), text.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
  ::close(fd);
}

void HttpServer::set_deadline(Conn& c, Clock::time_point deadline) {
  deadlines_[c.fd] = deadline;
  next_deadline_ = std::min(next_deadline_, deadline);
}

void HttpServer::rearm(Conn& c, bool for_writing) {
  epoll_event ev{};
  ev.events = (for_writing ? EPOLLOUT : EPOLLIN) | EPOLLONESHOT;
  ev.data.fd = c.fd;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c.fd, &ev) != 0) close_conn(c);
}

void HttpServer::handshake_failed(const std::string& why) {
  metrics_.record_shed(Shed::tls_handshake);
  last_handshake_error_ = why;
}

void HttpServer::close_conn(Conn& c) {
  int fd = c.fd;
  c.io.close_tls();
  if (c.counted) limits_->close(c.client);
  release(c);
  ::close(fd);
  conns_[fd].reset();
  deadlines_[fd] = Clock::time_point::max();
  --open_;
  metrics_.set_open_connections(open_);
  if (at_connection_limit_ && open_ < options_.max_connections) {
    at_connection_limit_ = false;
    log_.event("connection_limit_cleared", fmt::format("\"open\":{},\"max_connections\":{},\"refused\":{}", open_,
                                                       options_.max_connections, refused_at_limit_));
    refused_at_limit_ = 0;
  }
}

void HttpServer::start_drain(Conn& c, Clock::time_point now) {
  // Closing with unread input makes the kernel send a reset, which can destroy the answer
  // before the client reads it: say we are done, then drop what the client still sends.
  c.io.close_tls();
  ::shutdown(c.fd, SHUT_WR);
  c.phase = Conn::Phase::draining;
  c.drained = 0;
  set_deadline(c, now + drain_time);
  rearm(c);
}

void HttpServer::on_input(Conn& c, Clock::time_point now) {
  if (c.phase == Conn::Phase::worker) return;
  if (c.phase == Conn::Phase::handshake) {
    Connection::Handshake step = c.io.handshake();
    if (step == Connection::Handshake::failed) {
      handshake_failed(c.io.tls_error());
      return close_conn(c);
    }
    if (step != Connection::Handshake::done) {
      // Progress, as bytes of a head are: the read timeout starts again, the header deadline stays.
      set_deadline(c, std::min(c.request_deadline, now + options_.read_timeout));
      return rearm(c, step == Connection::Handshake::want_write);
    }
    // The request may have come with the handshake's last message: read on.
    c.phase = Conn::Phase::head;
  }
  // Until a request is admitted only its head is read, so a refused body never fills memory.
  std::size_t capacity = c.phase == Conn::Phase::draining ? Connection::read_buffer_size
                         : c.phase == Conn::Phase::body   ? max_head + options_.max_kept_body
                                                          : max_head;
  Connection::Received got = c.io.receive(capacity);
  if (c.phase == Conn::Phase::draining) {
    c.drained += c.io.buffered().size();
    c.io.consume(c.io.buffered().size());
    if (got == Connection::Received::some && c.drained < Connection::max_pending) rearm(c);
    else if (got != Connection::Received::nothing_yet || c.drained >= Connection::max_pending) close_conn(c);
    else rearm(c);
    return;
  }
  if (got == Connection::Received::closed || got == Connection::Received::broken) return close_conn(c);
  if (got == Connection::Received::some && c.phase != Conn::Phase::idle)
    set_deadline(c, std::min(c.request_deadline, now + options_.read_timeout));
  advance(c, now);
}

// The loop owns `c` and its buffer may hold the start of a request (or several): reads as
// far as the buffer goes, handing a ready request to a worker or answering a refusal.
void HttpServer::advance(Conn& c, Clock::time_point now) {
  for (;;) {
    if (c.io.buffered().empty()) {
      c.io.release_buffers();
      c.phase = Conn::Phase::idle;
      set_deadline(c, now + options_.keep_alive_timeout);
      return rearm(c);
    }
    if (c.phase == Conn::Phase::idle) {
      c.phase = Conn::Phase::head;
      c.request_deadline = now + options_.header_timeout;
      set_deadline(c, std::min(c.request_deadline, now + options_.read_timeout));
    }
    c.shape = scan_request(c.io.buffered(), options_.max_kept_body, max_head);
    switch (c.shape.progress) {
      case RequestShape::Progress::head_pending: return rearm(c);
      case RequestShape::Progress::body_pending:
      case RequestShape::Progress::head_too_long:
      case RequestShape::Progress::ready: break;
    }
    // The limits are passed at the head, so that a refused body is never read and memory
    // is bounded by the requests admitted.
    Refusal r;
    if (!c.admitted) r = admit(c, c.shape, now);
    if (r.status == 0) {
      c.admitted = true;
      if (c.phase != Conn::Phase::body) {
        c.request_deadline = now + options_.body_timeout;
        if (c.shape.progress == RequestShape::Progress::body_pending) {
          c.phase = Conn::Phase::body;
          set_deadline(c, std::min(c.request_deadline, now + options_.read_timeout));
        }
      }
      if (c.shape.progress == RequestShape::Progress::body_pending) return rearm(c);
      c.admitted = false;
      return hand_over(c, now);
    }
    if (!answer_refusal(c, c.shape, r)) {
      if (c.io.broken()) return close_conn(c);
      return start_drain(c, now);
    }
    c.phase = Conn::Phase::idle;
  }
}

HttpServer::Refusal HttpServer::admit(Conn& c, const RequestShape& shape, Clock::time_point now) {
  if (int wait = limits_->admit(c.client, now); wait > 0) return {429, wait, Shed::client_rate};
  if (shape.probe) return {};
  Refusal busy{503, static_cast<int>(options_.retry_after.count()), Shed::in_flight};
  if (options_.max_in_flight > 0) {
    if (in_flight_.fetch_add(1, std::memory_order_relaxed) >= options_.max_in_flight) {
      in_flight_.fetch_sub(1, std::memory_order_relaxed);
      return busy;
    }
    c.in_flight = true;
  }
  if (options_.max_in_flight_bytes > 0) {
    std::size_t cost =
        request_base_cost + static_cast<std::size_t>(std::min<std::uint64_t>(shape.body_size, options_.max_kept_body));
    if (in_flight_bytes_.fetch_add(cost, std::memory_order_relaxed) + cost > options_.max_in_flight_bytes) {
      in_flight_bytes_.fetch_sub(cost, std::memory_order_relaxed);
      release(c);
      return busy;
    }
    c.cost = cost;
  }
  return {};
}

void HttpServer::release(Conn& c) {
  if (c.in_flight) in_flight_.fetch_sub(1, std::memory_order_relaxed);
  if (c.cost > 0) in_flight_bytes_.fetch_sub(c.cost, std::memory_order_relaxed);
  c.in_flight = false;
  c.cost = 0;
}

bool HttpServer::answer_refusal(Conn& c, const RequestShape& shape, const Refusal& r) {
  metrics_.record_shed(r.why);
  // A request whose whole body is here is dropped and the connection goes on; otherwise
  // the connection closes after the answer, since the rest of the body was not read.
  bool keep = shape.total_size > 0 && !stopping_;
  if (keep) c.io.consume(shape.total_size);
  std::string text = refusal_text(r.status, r.retry_after, keep, refusal_message(r.why));
  c.io.write(text.data(), text.size());
  return c.io.flush_now() && keep;
}

void HttpServer::hand_over(Conn& c, Clock::time_point now) {
  deadlines_[c.fd] = Clock::time_point::max();
  c.phase = Conn::Phase::worker;
  if (c.shape.batch) c.io.set_minimum_rate(now, options_.max_kept_body, options_.body_timeout);
  else c.io.set_deadline(c.request_deadline);
  ++in_workers_;
  {
    std::lock_guard lock(work_mutex_);
    work_.push_back(&c);
  }
  queued_.fetch_add(1, std::memory_order_relaxed);
  work_ready_.notify_one();
}

void HttpServer::take_back(Clock::time_point now) {
  {
    std::lock_guard lock(back_mutex_);
    taking_.swap(back_);
  }
  for (Conn* c : taking_) {
    --in_workers_;
    if (c->close || stopping_) {
      if (c->drain && !stopping_) start_drain(*c, now);
      else close_conn(*c);
      continue;
    }
    c->phase = Conn::Phase::idle;
    advance(*c, now);
  }
  taking_.clear();
}

void HttpServer::expire(Clock::time_point now) {
  Clock::time_point next = Clock::time_point::max();
  // The deadlines lie side by side, so that many thousands of connections scan quickly.
  for (std::size_t fd = 0; fd < deadlines_.size(); ++fd) {
    if (deadlines_[fd] > now) {
      next = std::min(next, deadlines_[fd]);
      continue;
    }
    deadlines_[fd] = Clock::time_point::max();
    if (!conns_[fd] || conns_[fd]->phase == Conn::Phase::worker) continue;
    Conn& c = *conns_[fd];
    switch (c.phase) {
      case Conn::Phase::handshake:
        handshake_failed("the handshake did not finish in time (--header-timeout, --read-timeout)");
        close_conn(c);
        break;
      case Conn::Phase::head:
        // A slow or silent client: it has cost a descriptor, never a thread.
        metrics_.record_shed(Shed::header_timeout);
        if (!c.io.buffered().empty()) {
          std::string text = refusal_text(408, 0, false, refusal_message(Shed::header_timeout));
          c.io.write(text.data(), text.size());
          c.io.flush_now();
        }
        close_conn(c);
        break;
      case Conn::Phase::body:
        // The head is in: httplib answers the body that did not arrive (400), as it always has.
        metrics_.record_shed(Shed::body_timeout);
        c.admitted = false;
        c.io.set_deadline(now);
        c.phase = Conn::Phase::worker;
        ++in_workers_;
        {
          std::lock_guard lock(work_mutex_);
          work_.push_back(&c);
        }
        queued_.fetch_add(1, std::memory_order_relaxed);
        work_ready_.notify_one();
        break;
      default: close_conn(c); break;
    }
  }
  // Deadlines spread over time are taken together, at most every 10 ms.
  next_deadline_ = std::max(next, now + std::chrono::milliseconds(10));
}

void HttpServer::every_second(Clock::time_point now) {
  next_second_ = now + std::chrono::seconds(1);
  if (limits_->limits_requests() || limits_->limits_connections()) limits_->forget_idle(now);
  // One line per reason and second while load is shed, with the count since the last one.
  for (std::size_t i = 0; i < shed_count; ++i) {
    std::uint64_t total = metrics_.shed(static_cast<Shed>(i));
    if (total == shed_logged_[i]) continue;
    std::uint64_t before = shed_logged_[i];
    log_.event("load_shed", fmt::format("\"reason\":\"{}\",\"count\":{},\"total\":{},\"open\":{}",
                                        shed_name(static_cast<Shed>(i)), total - shed_logged_[i], total, open_));
    shed_logged_[i] = total;
    if (static_cast<Shed>(i) == Shed::tls_handshake) {
      std::string reason;
      engine::JsonWriter::escape(reason, last_handshake_error_);
      log_.event("tls_handshake_failed", fmt::format("\"count\":{},\"last_reason\":{}", total - before, reason));
    }
  }
}

void HttpServer::work() {
  for (;;) {
    Conn* c = nullptr;
    {
      std::unique_lock lock(work_mutex_);
      work_ready_.wait(lock, [&] { return work_head_ < work_.size() || workers_stop_; });
      if (work_head_ == work_.size()) return;
      c = work_[work_head_++];
      if (work_head_ == work_.size()) {
        work_.clear();
        work_head_ = 0;
      }
    }
    queued_.fetch_sub(1, std::memory_order_relaxed);
    serve_connection(*c);
    {
      std::lock_guard lock(back_mutex_);
      back_.push_back(c);
    }
    std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
  }
}

bool HttpServer::answer(Conn& c) {
  bool closed = false;
  bool ok = process_request(c.io, stopping_, closed, nullptr);
  release(c);
  if (!c.io.flush()) ok = false;
  if (ok && !closed && !stopping_) return true;
  c.close = true;
  c.drain = !ok && !c.io.broken();
  return false;
}

void HttpServer::serve_connection(Conn& c) {
  c.close = c.drain = false;
  if (!answer(c)) return;
  for (;;) {
    // The next request: already here (pipelined), or arriving at once (a busy client);
    // anything slower goes back to the loop, and so does every connection while others wait.
    if (c.io.buffered().empty()) {
      if (queued_.load(std::memory_order_relaxed) > 0 || !c.io.wait_readable(hold_after_answer)) return;
      Connection::Received got = c.io.receive(max_head);
      if (got == Connection::Received::closed || got == Connection::Received::broken) {
        c.close = true;
        return;
      }
      if (got == Connection::Received::nothing_yet) return;
    }
    RequestShape shape = scan_request(c.io.buffered(), options_.max_kept_body, max_head);
    if (shape.progress == RequestShape::Progress::head_pending ||
        shape.progress == RequestShape::Progress::body_pending)
      return;
    auto now = Clock::now();
    if (Refusal r = admit(c, shape, now); r.status != 0) {
      if (answer_refusal(c, shape, r)) continue;
      c.close = true;
      c.drain = !c.io.broken();
      return;
    }
    c.shape = shape;
    if (shape.batch) c.io.set_minimum_rate(now, options_.max_kept_body, options_.body_timeout);
    else c.io.set_deadline(now + options_.body_timeout);
    if (!answer(c)) return;
  }
}

}  // namespace covcheck::server
