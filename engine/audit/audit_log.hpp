// The audit log file: records appended one whole line per write, so that lines from
// concurrent requests (and from several processes sharing the file) never interleave.
#pragma once

#include <mutex>
#include <string>
#include <string_view>

namespace covcheck::engine {

class AuditLog {
 public:
  // Opens (creating, mode 0600) `path` for appending; check ok() / error().
  explicit AuditLog(const std::string& path);
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  bool ok() const { return fd_ >= 0; }
  const std::string& error() const { return error_; }
  // Appends `line` and a newline with one write(2) on an O_APPEND descriptor; false (and
  // error()) when the write failed. Safe to call from any thread.
  bool append(std::string_view line);

 private:
  int fd_ = -1;
  std::string error_;
  std::mutex mutex_;  // one write at a time, so a short write cannot be overtaken
};

}  // namespace covcheck::engine
