// One audit record: which rules, which version and which facts (by digest) produced one
// decision, written as a JSON line per decision served or batched, and read back by
// `covcheck replay`. It holds no patient data: no case id, no values, only the case digest.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/answer/determination.hpp"
#include "engine/cases/case.hpp"
#include "engine/compile/program.hpp"

namespace covcheck::engine {

// What the caller knows about the decision that the determination does not say.
struct AuditContext {
  std::string route;                  // "/v1/check", "/v1/batch", "batch"
  std::string answer_id;              // the request id (X-Request-Id), or `<run id>:<line>` in batch
  std::optional<std::string> client;  // the API key's name, when the caller authenticated
  std::optional<std::int32_t> as_of;  // --as-of / ?as_of=, when given
  std::string version;                // covcheck's version
};

struct AuditRecord {
  std::string time;  // UTC, ISO 8601 with milliseconds
  std::optional<std::string> client;
  std::string route;
  std::string answer_id;
  std::string case_digest;  // case_digest.hpp
  std::optional<std::string> as_of;
  std::string version;
  std::optional<std::string> registry_entry;  // the payer registry entry that decided, if any
  std::vector<PolicyRef> policies;            // policy and modules in force, with digests
  std::string decision;
  std::optional<std::string> basis;
  std::optional<bool> prior_auth;
  std::optional<std::string> benefit;
  std::vector<std::string> reasons;  // rule ids of the reasons, in answer order
};

// `c` is the case that was decided and `program` the rule set that decided it.
AuditRecord make_audit_record(const AuditContext& context, const Determination& d, const Case& c,
                              const Program& program);
// One line of JSON, without the newline.
std::string render_audit_line(const AuditRecord& r);
// Reads a line render_audit_line wrote; nullopt and `error` when it is not one.
std::optional<AuditRecord> parse_audit_line(std::string_view line, std::string& error);
// What differs between a recorded decision and its recomputation, one sentence each, in a
// fixed order (case digest, as_of, registry entry, policies, decision and the rest); empty
// when they agree. Time, client, route, answer id and version are not compared.
std::vector<std::string> audit_differences(const AuditRecord& recorded, const AuditRecord& replayed);

}  // namespace covcheck::engine
