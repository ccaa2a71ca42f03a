// The access log: one JSON object per line per request. It names the case by its id and
// never carries patient details or request bodies.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>

namespace covcheck::server {

struct AccessRecord {
  std::string request_id;
  std::string method;
  std::string endpoint;                    // the route (`/v1/check`), not the raw path
  int status = 0;
  std::optional<std::string> decision;     // `/v1/check`: the decision; `/v1/batch`: absent
  std::optional<std::string> case_id;
  std::optional<std::string> policy;       // "name@version sha256:..." of the policy in force
  std::optional<std::int64_t> records;     // `/v1/batch`: records answered
  std::chrono::nanoseconds latency{0};
};

class AccessLog {
 public:
  // `out` must outlive the log; null writes nothing.
  explicit AccessLog(std::ostream* out) : out_(out) {}
  void write(const AccessRecord& record);
  // Free-form server events (start, reload, stop) in the same JSON Lines stream.
  void event(const std::string& event, const std::string& json_members);

 private:
  std::mutex mutex_;
  std::ostream* out_;
};

// Request ids: the client's X-Request-Id when it is short and plain, else a fresh one made
// of a per-process random prefix (unique across restarts and replicas) and a sequence number.
class RequestIds {
 public:
  RequestIds();
  std::string next(const std::string& client_id);

 private:
  std::string prefix_;
  std::atomic<std::uint64_t> sequence_{0};
};

}  // namespace covcheck::server
