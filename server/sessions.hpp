// The decision sessions of one loaded State, lent one per request: a request decides its case
// through a session of its own, which then goes back idle with its scratch state warm for
// the next. The State owns them (a reload drops them with it); nothing is global.
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include "dsl/source/source.hpp"
#include "engine/compile/program.hpp"
#include "engine/session/rule_source.hpp"
#include "engine/session/session.hpp"

namespace covcheck::server {

class SessionShelf {
 public:
  // `rules`: one rule set, or a payer registry (a session then chooses per case).
  SessionShelf(engine::RuleSource rules, const dsl::SourceRegistry& sources)
      : rules_(std::move(rules)), sources_(sources) {}
  SessionShelf(const SessionShelf&) = delete;
  SessionShelf& operator=(const SessionShelf&) = delete;

  // A session for one request; it returns to the shelf when the lease ends.
  class Lease {
   public:
    Lease(SessionShelf& shelf, std::unique_ptr<engine::DecisionSession> session)
        : shelf_(&shelf), session_(std::move(session)) {}
    Lease(Lease&&) = default;
    ~Lease() {
      if (session_) shelf_->put_back(std::move(session_));
    }
    engine::DecisionSession& operator*() const { return *session_; }
    engine::DecisionSession* operator->() const { return session_.get(); }

   private:
    SessionShelf* shelf_;
    std::unique_ptr<engine::DecisionSession> session_;
  };

  Lease lend() {
    {
      std::lock_guard lock(mutex_);
      if (!idle_.empty()) {
        std::unique_ptr<engine::DecisionSession> s = std::move(idle_.back());
        idle_.pop_back();
        return Lease(*this, std::move(s));
      }
    }
    return Lease(*this, rules_.session(sources_));
  }

 private:
  void put_back(std::unique_ptr<engine::DecisionSession> session) {
    std::lock_guard lock(mutex_);
    idle_.push_back(std::move(session));
  }

  engine::RuleSource rules_;
  const dsl::SourceRegistry& sources_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<engine::DecisionSession>> idle_;
};

}  // namespace covcheck::server
