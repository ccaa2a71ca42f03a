// The CDS Hooks route's scratch state (the JSON parser a request is read with), lent one per
// request like the decision sessions: a parser's buffers cost more to allocate than a
// 30-resource request costs to parse. Owned by the Service; nothing is global.
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include "engine/crd/hook_service.hpp"

namespace covcheck::server {

class HookScratchShelf {
 public:
  class Lease {
   public:
    Lease(HookScratchShelf& shelf, std::unique_ptr<engine::crd::HookScratch> s) : shelf_(&shelf), s_(std::move(s)) {}
    Lease(Lease&&) = default;
    ~Lease() {
      if (s_) shelf_->put_back(std::move(s_));
    }
    engine::crd::HookScratch* get() const { return s_.get(); }

   private:
    HookScratchShelf* shelf_;
    std::unique_ptr<engine::crd::HookScratch> s_;
  };

  Lease lend() {
    std::lock_guard lock(mutex_);
    if (idle_.empty()) return Lease(*this, std::make_unique<engine::crd::HookScratch>());
    std::unique_ptr<engine::crd::HookScratch> s = std::move(idle_.back());
    idle_.pop_back();
    return Lease(*this, std::move(s));
  }

 private:
  void put_back(std::unique_ptr<engine::crd::HookScratch> s) {
    std::lock_guard lock(mutex_);
    idle_.push_back(std::move(s));
  }
  std::mutex mutex_;
  std::vector<std::unique_ptr<engine::crd::HookScratch>> idle_;
};

}  // namespace covcheck::server
