// Building, writing, reading and comparing audit records. Reading uses yaml-cpp, which
// reads the JSON line as YAML's flow style: the engine's JSON readers build cases, not this.
#include "engine/audit/audit_record.hpp"

#include <chrono>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "dsl/source/dates.hpp"
#include "engine/answer/json_writer.hpp"
#include "engine/audit/case_digest.hpp"

namespace covcheck::engine {

namespace {

std::string utc_now() {
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03}Z", std::chrono::floor<std::chrono::seconds>(now), ms);
}

std::string shown(const std::optional<std::string>& s) { return s ? fmt::format("`{}`", *s) : "null"; }
std::string shown(const std::optional<bool>& b) { return b ? (*b ? "true" : "false") : "null"; }
// `policy `acme` 2026.1`, `module `ca_ptsd`` (a module may have no version).
std::string named(const PolicyRef& p) {
  return p.version.empty() ? fmt::format("{} `{}`", p.kind, p.name)
                           : fmt::format("{} `{}` {}", p.kind, p.name, p.version);
}

}  // namespace

AuditRecord make_audit_record(const AuditContext& context, const Determination& d, const Case& c,
                              const Program& program) {
  AuditRecord r;
  r.time = utc_now();
  r.client = context.client;
  r.route = context.route;
  r.answer_id = context.answer_id;
  r.case_digest = case_digest(c, program.schema());
  if (context.as_of) r.as_of = dsl::format_iso_date(*context.as_of);
  r.version = context.version;
  r.registry_entry = d.payer;
  r.policies = d.policies;
  r.decision = decision_name(d.decision);
  r.basis = d.basis;
  r.prior_auth = d.prior_auth;
  r.benefit = d.benefit;
  r.reasons.reserve(d.reasons.size());
  for (const Reason& reason : d.reasons) r.reasons.push_back(reason.rule);
  return r;
}

std::string render_audit_line(const AuditRecord& r) {
  JsonWriter w(false);
  w.begin_object().member("time", r.time).member("client", r.client).member("route", r.route);
  w.member("answer_id", r.answer_id).member("case_digest", r.case_digest).member("as_of", r.as_of);
  w.member("covcheck", r.version).member("registry_entry", r.registry_entry).key("policies").begin_array();
  for (const PolicyRef& p : r.policies)
    w.begin_object()
        .member("kind", p.kind)
        .member("name", p.name)
        .member("version", p.version)
        .member("digest", p.digest)
        .end_object();
  w.end_array().member("decision", r.decision).member("basis", r.basis).member("prior_auth", r.prior_auth);
  w.member("benefit", r.benefit).key("reasons").begin_array();
  for (const std::string& rule : r.reasons) w.value(rule);
  w.end_array().end_object();
  return w.str();
}

std::optional<AuditRecord> parse_audit_line(std::string_view line, std::string& error) {
  error.clear();
  YAML::Node n;
  try {
    n = YAML::Load(std::string(line));
  } catch (const YAML::Exception& e) {
    error = fmt::format("not a JSON object: {}", e.msg);
    return std::nullopt;
  }
  if (!n.IsMap()) {
    error = "not a JSON object";
    return std::nullopt;
  }
  auto text = [&](const char* key, bool required) -> std::optional<std::string> {
    YAML::Node v = n[key];
    if (v && v.IsScalar()) return v.as<std::string>();  // JSON null reads as YAML null, not a scalar
    if (required && error.empty()) error = fmt::format("`{}` is missing", key);
    return std::nullopt;
  };
  AuditRecord r;
  r.time = text("time", true).value_or("");
  r.client = text("client", false);
  r.route = text("route", true).value_or("");
  r.answer_id = text("answer_id", true).value_or("");
  r.case_digest = text("case_digest", true).value_or("");
  r.as_of = text("as_of", false);
  r.version = text("covcheck", true).value_or("");
  r.registry_entry = text("registry_entry", false);
  r.decision = text("decision", true).value_or("");
  r.basis = text("basis", false);
  r.benefit = text("benefit", false);
  if (auto pa = text("prior_auth", false)) {
    if (*pa != "true" && *pa != "false" && error.empty()) error = "`prior_auth` is not true, false or null";
    r.prior_auth = *pa == "true";
  }
  if (YAML::Node ps = n["policies"]; ps && ps.IsSequence()) {
    for (const YAML::Node& p : ps) {
      if (!p.IsMap() || !p["name"] || !p["version"] || !p["digest"]) {
        if (error.empty()) error = "a `policies` entry lacks its name, version or digest";
        continue;
      }
      PolicyRef ref;
      ref.kind = p["kind"] ? p["kind"].as<std::string>() : "policy";
      ref.name = p["name"].as<std::string>();
      ref.version = p["version"].as<std::string>();
      ref.digest = p["digest"].as<std::string>();
      r.policies.push_back(std::move(ref));
    }
  } else if (error.empty()) {
    error = "`policies` is missing";
  }
  if (YAML::Node rs = n["reasons"]; rs && rs.IsSequence())
    for (const YAML::Node& rule : rs) r.reasons.push_back(rule.as<std::string>());
  if (!error.empty()) return std::nullopt;
  return r;
}

std::vector<std::string> audit_differences(const AuditRecord& a, const AuditRecord& b) {
  std::vector<std::string> out;
  if (a.case_digest != b.case_digest)
    out.push_back(fmt::format("case digest: recorded {}, this case {}", a.case_digest, b.case_digest));
  if (a.as_of != b.as_of) out.push_back(fmt::format("as_of: recorded {}, now {}", shown(a.as_of), shown(b.as_of)));
  if (a.registry_entry != b.registry_entry)
    out.push_back(fmt::format("registry entry: recorded {}, now {}", shown(a.registry_entry), shown(b.registry_entry)));
  for (const PolicyRef& p : a.policies) {
    const PolicyRef* now = nullptr;
    for (const PolicyRef& q : b.policies)
      if (q.name == p.name && q.kind == p.kind) now = &q;
    if (!now) {
      out.push_back(fmt::format("{}: recorded, not in force now", named(p)));
    } else if (now->version != p.version) {
      out.push_back(fmt::format("{} `{}` version: recorded {}, now {}", p.kind, p.name, p.version, now->version));
    } else if (now->digest != p.digest) {
      out.push_back(fmt::format("{} digest: recorded {}, now {}", named(p), p.digest, now->digest));
    }
  }
  for (const PolicyRef& q : b.policies) {
    bool recorded = false;
    for (const PolicyRef& p : a.policies) recorded = recorded || (q.name == p.name && q.kind == p.kind);
    if (!recorded) out.push_back(fmt::format("{}: in force now, not recorded", named(q)));
  }
  if (a.decision != b.decision) out.push_back(fmt::format("decision: recorded {}, now {}", a.decision, b.decision));
  if (a.basis != b.basis) out.push_back(fmt::format("basis: recorded {}, now {}", shown(a.basis), shown(b.basis)));
  if (a.prior_auth != b.prior_auth)
    out.push_back(fmt::format("prior_auth: recorded {}, now {}", shown(a.prior_auth), shown(b.prior_auth)));
  if (a.benefit != b.benefit)
    out.push_back(fmt::format("benefit: recorded {}, now {}", shown(a.benefit), shown(b.benefit)));
  if (a.reasons != b.reasons)
    out.push_back(
        fmt::format("reasons: recorded [{}], now [{}]", fmt::join(a.reasons, ", "), fmt::join(b.reasons, ", ")));
  return out;
}

}  // namespace covcheck::engine
