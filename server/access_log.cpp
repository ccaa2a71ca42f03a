// Writing access-log lines: formatted outside the lock, written and flushed under it.
#include "server/access_log.hpp"

#include <random>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "engine/json_writer.hpp"

namespace covcheck::server {

namespace {

std::string timestamp() {
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03}Z", std::chrono::floor<std::chrono::seconds>(now), ms);
}

}  // namespace

void AccessLog::write(const AccessRecord& r) {
  if (!out_) return;
  engine::JsonWriter w(false);
  w.begin_object().member("ts", timestamp()).member("id", r.request_id).member("method", r.method);
  w.member("endpoint", r.endpoint).member("status", r.status);
  if (r.decision) w.member("decision", *r.decision);
  if (r.case_id) w.member("case", *r.case_id);
  if (r.policy) w.member("policy", *r.policy);
  if (r.records) w.member("records", *r.records);
  w.member("latency_us", static_cast<std::int64_t>(r.latency.count() / 1000)).end_object();
  std::lock_guard lock(mutex_);
  *out_ << w.str() << '\n';
  out_->flush();
}

void AccessLog::event(const std::string& event, const std::string& json_members) {
  if (!out_) return;
  std::string line = fmt::format("{{\"ts\":\"{}\",\"event\":\"{}\"{}{}}}", timestamp(), event,
                                 json_members.empty() ? "" : ",", json_members);
  std::lock_guard lock(mutex_);
  *out_ << line << '\n';
  out_->flush();
}

RequestIds::RequestIds() : prefix_(fmt::format("{:08x}", std::random_device{}())) {}

std::string RequestIds::next(const std::string& client_id) {
  bool plain = !client_id.empty() && client_id.size() <= 64;
  for (char c : client_id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
              c == '.';
    if (!ok) plain = false;
  }
  if (plain) return client_id;
  return fmt::format("{}-{:x}", prefix_, sequence_.fetch_add(1, std::memory_order_relaxed) + 1);
}

}  // namespace covcheck::server
