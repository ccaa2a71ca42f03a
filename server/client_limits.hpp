// Per-client limits of the connection loop: requests per second (a token bucket) and open
// connections, per client address. Both are off at 0. Shared by the loop and the workers
// (a worker admits the requests that follow on a connection it holds), so under a mutex.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include <sys/socket.h>

namespace covcheck::server {

// A client's address (IPv4 as IPv4-mapped IPv6), the key of its limits.
struct ClientAddress {
  std::array<std::uint8_t, 16> bytes{};
  static ClientAddress from(const sockaddr_storage& addr);
  std::string text() const;
  bool operator==(const ClientAddress&) const = default;
};

struct ClientLimitOptions {
  double rate = 0;                  // requests per second per client; 0: no limit
  double burst = 0;                 // requests a client may send at once (0: one second's worth)
  std::size_t max_connections = 0;  // open connections per client; 0: no limit
};

class ClientLimits {
 public:
  using Clock = std::chrono::steady_clock;
  explicit ClientLimits(ClientLimitOptions options) : options_(options) {}

  // A connection opens: false (and not counted) when the client has its maximum open.
  bool open(const ClientAddress& client);
  void close(const ClientAddress& client);
  // A request: 0 when it may go on, else the seconds the client should wait (Retry-After).
  int admit(const ClientAddress& client, Clock::time_point now);
  // Forgets clients with no connection whose bucket is full again (called now and then).
  void forget_idle(Clock::time_point now);
  bool limits_requests() const { return options_.rate > 0; }
  bool limits_connections() const { return options_.max_connections > 0; }

 private:
  struct Hash {
    std::size_t operator()(const ClientAddress& a) const noexcept;
  };
  struct Client {
    std::size_t connections = 0;
    double tokens = 0;
    Clock::time_point refreshed{};
  };
  double burst() const { return options_.burst > 0 ? options_.burst : std::max(options_.rate, 1.0); }

  ClientLimitOptions options_;
  std::mutex mutex_;
  std::unordered_map<ClientAddress, Client, Hash> clients_;
};

}  // namespace covcheck::server
