// The questionnaires CDS Hooks answers referenced, kept for `GET /fhir/Questionnaire/{id}`:
// a bounded map (the oldest goes first) shared by the request threads. A questionnaire's id
// is a digest of what it asks, so an EHR that comes back late after eviction gets it again
// by sending the order again.
#pragma once

#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace covcheck::server {

class QuestionnaireStore {
 public:
  explicit QuestionnaireStore(std::size_t capacity = 10'000) : capacity_(capacity) {}

  void put(const std::string& id, std::string json) {
    std::lock_guard lock(mutex_);
    auto [it, inserted] = by_id_.try_emplace(id, std::move(json));
    if (!inserted) return;
    order_.push_back(id);
    while (order_.size() > capacity_) {
      by_id_.erase(order_.front());
      order_.pop_front();
    }
  }
  bool contains(const std::string& id) const {
    std::lock_guard lock(mutex_);
    return by_id_.count(id) > 0;
  }
  std::optional<std::string> get(const std::string& id) const {
    std::lock_guard lock(mutex_);
    auto it = by_id_.find(id);
    if (it == by_id_.end()) return std::nullopt;
    return it->second;
  }

 private:
  std::size_t capacity_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::string> by_id_;
  std::deque<std::string> order_;
};

}  // namespace covcheck::server
