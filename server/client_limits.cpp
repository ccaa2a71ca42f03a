// ClientLimits: the token bucket and connection count of each client address.
#include "server/client_limits.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace covcheck::server {

ClientAddress ClientAddress::from(const sockaddr_storage& addr) {
  ClientAddress a;
  if (addr.ss_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&addr);
    a.bytes[10] = a.bytes[11] = 0xff;
    std::memcpy(a.bytes.data() + 12, &v4->sin_addr, 4);
  } else if (addr.ss_family == AF_INET6) {
    std::memcpy(a.bytes.data(), &reinterpret_cast<const sockaddr_in6*>(&addr)->sin6_addr, 16);
  }
  return a;
}

std::string ClientAddress::text() const {
  char out[INET6_ADDRSTRLEN] = {};
  static constexpr std::array<std::uint8_t, 12> mapped{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::equal(mapped.begin(), mapped.end(), bytes.begin())) ::inet_ntop(AF_INET, bytes.data() + 12, out, sizeof out);
  else ::inet_ntop(AF_INET6, bytes.data(), out, sizeof out);
  return out;
}

std::size_t ClientLimits::Hash::operator()(const ClientAddress& a) const noexcept {
  std::uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (std::uint8_t b : a.bytes) h = (h ^ b) * 1099511628211ull;
  return static_cast<std::size_t>(h);
}

bool ClientLimits::open(const ClientAddress& client) {
  if (!limits_connections()) return true;
  std::lock_guard lock(mutex_);
  Client& c = clients_.try_emplace(client, Client{0, burst(), Clock::now()}).first->second;
  if (c.connections >= options_.max_connections) return false;
  ++c.connections;
  return true;
}

void ClientLimits::close(const ClientAddress& client) {
  if (!limits_connections()) return;
  std::lock_guard lock(mutex_);
  auto it = clients_.find(client);
  if (it != clients_.end() && it->second.connections > 0) --it->second.connections;
}

int ClientLimits::admit(const ClientAddress& client, Clock::time_point now) {
  if (!limits_requests()) return 0;
  std::lock_guard lock(mutex_);
  Client& c = clients_.try_emplace(client, Client{0, burst(), now}).first->second;
  double elapsed = std::chrono::duration<double>(now - c.refreshed).count();
  c.tokens = std::min(burst(), c.tokens + std::max(elapsed, 0.0) * options_.rate);
  c.refreshed = now;
  if (c.tokens >= 1) {
    c.tokens -= 1;
    return 0;
  }
  return std::max(1, static_cast<int>(std::ceil((1 - c.tokens) / options_.rate)));
}

void ClientLimits::forget_idle(Clock::time_point now) {
  std::lock_guard lock(mutex_);
  for (auto it = clients_.begin(); it != clients_.end();) {
    double elapsed = std::chrono::duration<double>(now - it->second.refreshed).count();
    bool full = !limits_requests() || it->second.tokens + elapsed * options_.rate >= burst();
    if (it->second.connections == 0 && full) it = clients_.erase(it);
    else ++it;
  }
}

}  // namespace covcheck::server
