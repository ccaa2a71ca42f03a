// The decision-only evaluator behind `batch --compact` and the benchmarks: the shared
// Decider with no trace, no text and no per-case allocation once warmed up.
// tests/unit/test_batch_quick.cpp pins it to evaluate() on every Acme example.
#include "engine/eval/decider.hpp"
#include "engine/eval/evaluate.hpp"

namespace covcheck::engine {

struct QuickDecider::Impl {
  explicit Impl(const Program& p) : decider(p) {}
  Decider decider;
};

QuickDecider::QuickDecider(const Program& program) : impl_(std::make_unique<Impl>(program)) {}
QuickDecider::~QuickDecider() = default;

bool QuickDecider::decide(const Case& c, std::optional<std::int32_t> as_of, QuickDetermination& out) {
  Decider& d = impl_->decider;
  DecideStatus status = d.decide(c, as_of, false);
  out.reasons.clear();
  out.prior_auth.reset();
  out.benefit = no_member;
  out.basis_rules = false;
  out.dated = status != DecideStatus::undated;
  if (status == DecideStatus::undated) {
    out.decision = Decision::pend;
    return true;
  }
  if (status != DecideStatus::decided) return false;
  out.decision = d.decision();
  out.basis_rules = d.basis_rules();
  out.prior_auth = d.prior_auth();
  out.benefit = d.routed().size() > 1 ? no_member : d.benefit();
  out.reasons.assign(d.reasons().begin(), d.reasons().end());
  return true;
}

}  // namespace covcheck::engine
