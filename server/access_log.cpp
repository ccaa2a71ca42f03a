// Writing access-log lines: formatted by the request's thread, written by the log's own.
#include "server/access_log.hpp"

#include <random>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "engine/answer/json_writer.hpp"

namespace covcheck::server {

namespace {

std::string timestamp() {
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03}Z", std::chrono::floor<std::chrono::seconds>(now), ms);
}

}  // namespace

AccessLog::AccessLog(std::ostream* out, std::chrono::milliseconds interval) : out_(out) {
  if (out_) writer_ = std::thread([this, interval] { run(interval); });
}

AccessLog::~AccessLog() {
  if (writer_.joinable()) {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_one();
    writer_.join();
  }
  flush();
}

void AccessLog::run(std::chrono::milliseconds interval) {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, interval, [this] { return stopping_ || pending_.size() >= flush_size; });
    lock.unlock();
    flush();
    lock.lock();
  }
}

void AccessLog::append(std::string_view line) {
  std::size_t size;
  {
    std::lock_guard lock(mutex_);
    pending_.append(line);
    pending_ += '\n';
    size = pending_.size();
  }
  // A log that falls behind (a slow disk) holds the requests back instead of growing.
  if (size >= 8 * flush_size) {
    flush();
  } else if (size >= flush_size) {
    wake_.notify_one();
  }
}

void AccessLog::flush() {
  if (!out_) return;
  std::lock_guard out_lock(out_mutex_);
  std::string lines;
  {
    std::lock_guard lock(mutex_);
    lines.swap(pending_);
  }
  if (lines.empty()) return;
  out_->write(lines.data(), static_cast<std::streamsize>(lines.size()));
  out_->flush();
}

void AccessLog::write(const AccessRecord& r) {
  if (!out_) return;
  engine::JsonWriter w(false);
  w.begin_object().member("ts", timestamp()).member("id", r.request_id).member("method", r.method);
  w.member("endpoint", r.endpoint).member("status", r.status);
  if (r.decision) w.member("decision", *r.decision);
  if (r.case_id) w.member("case", *r.case_id);
  if (r.client) w.member("client", *r.client);
  if (r.policy) w.member("policy", *r.policy);
  if (r.records) w.member("records", *r.records);
  w.member("latency_us", static_cast<std::int64_t>(r.latency.count() / 1000)).end_object();
  append(w.str());
}

void AccessLog::event(const std::string& event, const std::string& json_members) {
  if (!out_) return;
  std::string line = fmt::format("{{\"ts\":\"{}\",\"event\":\"{}\"{}{}}}", timestamp(), event,
                                 json_members.empty() ? "" : ",", json_members);
  append(line);
  flush();  // rare, and an operator watching the log wants them at once
}

RequestIds::RequestIds() : prefix_(fmt::format("{:08x}", std::random_device{}())) {}

std::string RequestIds::next(const std::string& client_id) {
  bool plain = !client_id.empty() && client_id.size() <= 64;
  for (char c : client_id) {
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
    if (!ok) plain = false;
  }
  if (plain) return client_id;
  return fmt::format("{}-{:x}", prefix_, sequence_.fetch_add(1, std::memory_order_relaxed) + 1);
}

}  // namespace covcheck::server
