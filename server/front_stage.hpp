// The server's connection loop: one epoll thread accepts connections and reads each request
// (head, and a body up to --max-body) under a total deadline before a worker thread is
// taken, so a slow client costs a file descriptor, not a thread; idle keep-alive
// connections wait there too. It applies the per-client and global limits, answering 429
// and 503 itself. Workers answer whole requests with httplib's parsing and routing over a
// Connection, then hand the connection back. See docs/server.md, "Connections" and "Limits".
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <httplib.h>

#include "server/access_log.hpp"
#include "server/client_limits.hpp"
#include "server/connection.hpp"
#include "server/metrics.hpp"
#include "server/request_shape.hpp"
#include "server/tls.hpp"

namespace covcheck::server {

struct FrontOptions {
  unsigned threads = 64;                         // workers: requests answered at once
  std::chrono::milliseconds read_timeout{5000};  // a client that stalls this long is dropped
  std::chrono::milliseconds write_timeout{5000};
  std::chrono::milliseconds keep_alive_timeout{5000};
  std::chrono::milliseconds header_timeout{10000};  // the whole head of a request, from its first byte
  std::chrono::milliseconds body_timeout{30000};    // the whole body, from the end of the head
  std::size_t max_kept_body = 1u << 20;             // bodies read before a worker is taken (--max-body)
  std::size_t max_connections = 0;                  // open connections; 0: as many as descriptors allow
  std::size_t max_in_flight = 0;                    // requests admitted and not answered; 0: no limit
  std::size_t max_in_flight_bytes = 0;              // their bodies' bytes (see in_flight_cost); 0: no limit
  std::chrono::seconds retry_after{1};              // Retry-After of a 503
  ClientLimitOptions client;
};

// httplib::Server with its accept loop and connection handling replaced; routing, parsing
// and writing answers stay httplib's. bind_to_port / bind_to_any_port as usual, then serve().
class HttpServer : public httplib::Server {
 public:
  HttpServer(AccessLog& log, Metrics& metrics);
  ~HttpServer() override;
  void configure(const FrontOptions& options);
  // Serves until shutdown(); false when nothing is bound or the loop could not start.
  bool serve();
  // Safe from any thread, before or during serve().
  void shutdown();
  // Serves TLS with `context` from the next accepted connection on (null: plain HTTP).
  // Safe from any thread: a reload swaps it while connections already open keep theirs.
  void set_tls(TlsContext context) { tls_.set(std::move(context)); }

  static constexpr std::size_t max_head = 64 * 1024;
  // After an answer, a worker waits this long for the client's next request before handing
  // the connection back to the loop (only while no request waits for a worker).
  static constexpr std::chrono::milliseconds hold_after_answer{2};
  static constexpr std::chrono::milliseconds drain_time{1000};
  // What a request counts against --max-in-flight-bytes: its body as far as the loop keeps
  // it (a chunked one counts --max-body; /v1/batch streams, so at most --max-body), plus a
  // fixed share for its head and answer.
  static constexpr std::size_t request_base_cost = 16 * 1024;

 private:
  struct Conn;
  struct Refusal {
    int status = 0;  // 0: admitted
    int retry_after = 0;
    Shed why = Shed::client_rate;
  };
  using Clock = std::chrono::steady_clock;

  // The loop (its thread only).
  void accept_all(Clock::time_point now);
  void on_input(Conn& c, Clock::time_point now);
  void advance(Conn& c, Clock::time_point now);
  void hand_over(Conn& c, Clock::time_point now);
  void take_back(Clock::time_point now);
  void expire(Clock::time_point now);
  void every_second(Clock::time_point now);
  void set_deadline(Conn& c, Clock::time_point deadline);
  void rearm(Conn& c, bool for_writing = false);
  void handshake_failed(const std::string& why);
  void start_drain(Conn& c, Clock::time_point now);
  void close_conn(Conn& c);
  void refuse_at_accept(int fd, int status, int retry_after);
  // Both threads.
  void release(Conn& c);
  Refusal admit(Conn& c, const RequestShape& shape, Clock::time_point now);
  // Writes the refusal; true when the request was consumed and the connection can go on.
  bool answer_refusal(Conn& c, const RequestShape& shape, const Refusal& r);
  // A worker.
  void work();
  void serve_connection(Conn& c);
  // Answers the request at the start of the buffer; false when the connection must close.
  bool answer(Conn& c);

  AccessLog& log_;
  Metrics& metrics_;
  FrontOptions options_;
  std::unique_ptr<ClientLimits> limits_;
  std::atomic<bool> stopping_{false};
  int epoll_fd_ = -1, wake_fd_ = -1;
  std::vector<std::unique_ptr<Conn>> conns_;  // by file descriptor
  std::vector<Clock::time_point> deadlines_;  // by file descriptor: when the loop next acts on it
  std::size_t open_ = 0, in_workers_ = 0;
  Clock::time_point next_deadline_ = Clock::time_point::max();
  Clock::time_point next_second_{};
  Clock::time_point accept_paused_until_{};
  bool at_connection_limit_ = false, at_file_limit_ = false;
  std::uint64_t refused_at_limit_ = 0;
  std::array<std::uint64_t, shed_count> shed_logged_{};
  TlsContextHolder tls_;
  std::string last_handshake_error_;  // the loop's: logged with the next second's count

  std::mutex work_mutex_;
  std::condition_variable work_ready_;
  std::vector<Conn*> work_;  // a FIFO ring would do; requests are few per wake
  std::size_t work_head_ = 0;
  bool workers_stop_ = false;
  std::atomic<std::size_t> queued_{0};
  std::atomic<std::size_t> in_flight_{0};
  std::atomic<std::size_t> in_flight_bytes_{0};
  std::mutex back_mutex_;
  std::vector<Conn*> back_, taking_;
  std::vector<std::thread> workers_;
};

}  // namespace covcheck::server
