// The access log: one JSON object per line per request. It names the case by a keyed hash
// of its id (or the id, when asked) and never carries patient details or request bodies. Lines are gathered in memory
// and written by a background thread, so a request never waits on the log file; destroying the log (or flush()) writes
// out every line taken so far.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <thread>

namespace covcheck::server {

struct AccessRecord {
  std::string request_id;
  std::string method;
  std::string endpoint;  // the route (`/v1/check`), not the raw path
  int status = 0;
  std::optional<std::string> decision;  // `/v1/check`: the decision; `/v1/batch`: absent
  std::optional<std::string> case_id;   // as the Service gives it: a keyed hash unless --log-case-ids
  std::optional<std::string> client;    // the API key's name
  std::optional<std::string> policy;    // "name@version sha256:..." of the policy in force
  std::optional<std::int64_t> records;  // `/v1/batch`: records answered
  std::chrono::nanoseconds latency{0};
};

class AccessLog {
 public:
  // `out` must outlive the log; null writes nothing. Gathered lines are written at least
  // every `interval`, and at once past `flush_size` bytes.
  explicit AccessLog(std::ostream* out, std::chrono::milliseconds interval = std::chrono::milliseconds(100));
  ~AccessLog();
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  void write(const AccessRecord& record);
  // Free-form server events (start, reload, stop) in the same JSON Lines stream.
  void event(const std::string& event, const std::string& json_members);
  // Writes every line taken so far to the stream and flushes it.
  void flush();

  static constexpr std::size_t flush_size = 256 * 1024;

 private:
  void append(std::string_view line);
  void run(std::chrono::milliseconds interval);

  std::ostream* out_;
  std::mutex out_mutex_;  // one writer to `out_` at a time, in the order lines were taken
  std::mutex mutex_;      // guards the fields below
  std::condition_variable wake_;
  std::string pending_;
  bool stopping_ = false;
  std::thread writer_;
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
