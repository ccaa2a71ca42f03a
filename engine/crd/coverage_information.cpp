// Determination -> coverage-information values, and their JSON. How each CRD invariant is
// kept: q1 a questionnaire only beside doc-needed (every missing fact adds doc-needed);
// q2 no pa-needed with not-covered, pa-needed otherwise always; q3 info-needed exactly when
// something is conditional (OTH when no missing fact names order detail); q4 withpa only
// with auth-needed; q5 satisfied is never asserted (the case carries no authorization id),
// so no satisfied-pa-id; q6/q8 a reason whenever info-needed OTH or doc-purpose is given;
// q7 every reason has text; q9 indeterminate is never asserted.
#include "engine/crd/coverage_information.hpp"

#include <openssl/evp.h>

#include <algorithm>

#include <fmt/format.h>

#include "engine/audit/hex.hpp"

namespace covcheck::engine::crd {

namespace {

void add_unique(std::vector<std::string>& v, std::string_view s) {
  if (std::find(v.begin(), v.end(), s) == v.end()) v.emplace_back(s);
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// Administrative facts: the plan and member data a back office supplies.
bool administrative(std::string_view fact) {
  return starts_with(fact, "plan.") || fact == "request.submitted" || starts_with(fact, "request.prior_authorization");
}

std::string join_facts(const std::vector<MissingFact>& missing, std::size_t limit) {
  std::string out;
  for (std::size_t i = 0; i < missing.size() && i < limit; ++i) {
    if (i) out += ", ";
    out += missing[i].fact;
  }
  if (missing.size() > limit) out += fmt::format(" and {} more", missing.size() - limit);
  return out;
}

}  // namespace

std::optional<std::string_view> info_needed_for(std::string_view fact) {
  if (fact == "request.prescriber_specialty" || starts_with(fact, "request.consultant_specialty")) return "performer";
  if (fact == "request.site" || fact == "request.rems_certified_site" || fact == "request.rems_certified_pharmacy")
    return "location";
  if (fact == "date_of_service" || fact == "request.period_days") return "timeframe";
  if (fact == "request.service" || starts_with(fact, "request.cpt") || starts_with(fact, "request.hcpcs"))
    return "detail-code";
  return std::nullopt;
}

std::string digest_hex(const std::vector<std::string_view>& parts) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  for (std::string_view p : parts) {
    std::string length = fmt::format("{}:", p.size());
    EVP_DigestUpdate(ctx, length.data(), length.size());
    EVP_DigestUpdate(ctx, p.data(), p.size());
  }
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx, out, &len);
  EVP_MD_CTX_free(ctx);
  std::string hex;
  append_hex(hex, out, len);
  return hex;
}

std::string assertion_id(const Determination& d, std::string_view case_digest, std::string_view order) {
  std::vector<std::string_view> parts{case_digest};
  for (const PolicyRef& p : d.policies) parts.push_back(p.digest);
  if (d.payer) parts.push_back(*d.payer);
  parts.push_back(order);
  return digest_hex(parts);
}

CoverageInformation assess(const Determination& d, const AssertionInput& in) {
  CoverageInformation c;
  c.coverage = in.coverage;
  c.date = in.date;
  c.assertion_id = assertion_id(d, in.case_digest, in.order);
  c.expiry_date = in.expiry_date;
  switch (d.decision) {
    case Decision::covered: c.covered = "covered"; break;
    case Decision::pend: c.covered = "conditional"; break;
    default: c.covered = "not-covered"; break;
  }
  if (c.covered != "not-covered")
    c.pa_needed = !d.prior_auth ? "conditional" : *d.prior_auth ? "auth-needed" : "no-auth";

  // Missing facts: documentation to gather, and order details the EHR can fill in.
  for (const MissingFact& m : d.missing) {
    add_unique(c.doc_needed, administrative(m.fact) ? "admin" : "clinical");
    if (auto code = info_needed_for(m.fact)) add_unique(c.info_needed, *code);
  }
  std::vector<std::string> documents;
  for (const RequirementStatus& r : d.requirements)
    if (r.status != "present") documents.push_back(r.item);
  if (!documents.empty() && c.covered != "not-covered") add_unique(c.doc_needed, "clinical");
  if (!c.doc_needed.empty() && c.covered != "not-covered")
    c.doc_purpose.push_back(c.pa_needed == "auth-needed" ? "withpa" : "withorder");
  if (c.covered == "not-covered") c.doc_needed.clear();

  bool conditional = c.covered == "conditional" || c.pa_needed == "conditional";
  if (!conditional) c.info_needed.clear();
  if (conditional && c.info_needed.empty()) c.info_needed.push_back("OTH");

  // Reasons: why not covered, what is still open, what to send.
  for (const Reason& r : d.reasons)
    if (r.decisive && c.covered == "not-covered") c.reasons.push_back(r.message);
  if (c.covered == "not-covered" && c.reasons.empty()) c.reasons.push_back("the policy does not cover this request");
  if (!d.missing.empty()) c.reasons.push_back(fmt::format("the decision waits for: {}", join_facts(d.missing, 8)));
  if (!documents.empty() && c.covered != "not-covered") {
    std::string list;
    for (std::size_t i = 0; i < documents.size(); ++i) list += (i ? ", " : "") + documents[i];
    c.reasons.push_back(fmt::format("documents to send: {}", list));
  }
  bool need_reason =
      !c.doc_purpose.empty() || std::find(c.info_needed.begin(), c.info_needed.end(), "OTH") != c.info_needed.end();
  if (need_reason && c.reasons.empty())
    for (const Reason& r : d.reasons)
      if (r.decisive) c.reasons.push_back(r.message);
  if (need_reason && c.reasons.empty())
    c.reasons.push_back(c.covered == "conditional" ? "the policy sends this request to a reviewer"
                                                   : "documentation must accompany the order");

  if (c.covered != "not-covered" && !d.missing.empty()) c.questionnaire = in.questionnaire;

  // Details: what decided, and the limits of what is covered.
  for (const Reason& r : d.reasons) {
    if (!r.decisive || c.covered == "not-covered") continue;
    c.details.push_back({"instructions", "cat-decisional", r.message, std::nullopt, std::nullopt, r.cite});
  }
  if (d.authorization && c.covered != "not-covered") {
    const Authorization& a = *d.authorization;
    if (a.units) c.details.push_back({"allowed-quantity", "cat-limitation", "", *a.units, "units", std::nullopt});
    if (a.days)
      c.details.push_back({"allowed-period", "cat-limitation", fmt::format("{} days", *a.days), std::nullopt,
                           std::nullopt, std::nullopt});
    else if (a.months)
      c.details.push_back({"allowed-period", "cat-limitation", fmt::format("{} months", *a.months), std::nullopt,
                           std::nullopt, std::nullopt});
  }
  if (in.policy_url) c.details.push_back({"policy-link", "cat-other", *in.policy_url, {}, {}, {}});

  // Billing codes: the codes a met coding criterion read (`request.hcpcs` [J0013, G2082]), the
  // ones the claim must carry for the assertion to hold.
  if (c.covered != "not-covered")
    for (const ChecklistEntry& e : d.checklist) {
      if (e.section != "coding") continue;
      for (const ChecklistCriterion& k : e.criteria) {
        if (k.status != "met") continue;
        for (const Evidence& ev : k.evidence) {
          std::string_view system = ev.field == "request.hcpcs" ? hcpcs_system
                                    : ev.field == "request.cpt" ? cpt_system
                                                                : std::string_view();
          if (system.empty()) continue;
          std::string_view list = ev.value;
          if (!list.empty() && list.front() == '[') list.remove_prefix(1);
          if (!list.empty() && list.back() == ']') list.remove_suffix(1);
          while (!list.empty()) {
            std::size_t comma = list.find(',');
            std::string_view code = list.substr(0, comma);
            while (!code.empty() && code.front() == ' ') code.remove_prefix(1);
            while (!code.empty() && code.back() == ' ') code.remove_suffix(1);
            std::pair<std::string, std::string> billing{std::string(system), std::string(code)};
            if (!code.empty() &&
                std::find(c.billing_codes.begin(), c.billing_codes.end(), billing) == c.billing_codes.end())
              c.billing_codes.push_back(std::move(billing));
            list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
          }
        }
      }
    }
  return c;
}

namespace {

void code_member(JsonWriter& w, std::string_view url, std::string_view code) {
  w.begin_object().member("url", url).member("valueCode", code).end_object();
}

void codeable(JsonWriter& w, std::string_view system, std::string_view code) {
  w.begin_object().key("coding").begin_array();
  w.begin_object().member("system", system).member("code", code).end_object();
  w.end_array().end_object();
}

}  // namespace

void write_coverage_information(JsonWriter& w, const CoverageInformation& c) {
  w.begin_object().member("url", coverage_information_url).key("extension").begin_array();
  w.begin_object().member("url", "coverage").key("valueReference").begin_object().member("reference", c.coverage);
  w.end_object().end_object();
  code_member(w, "covered", c.covered);
  if (c.pa_needed) code_member(w, "pa-needed", *c.pa_needed);
  for (const std::string& s : c.doc_needed) code_member(w, "doc-needed", s);
  for (const std::string& s : c.doc_purpose) code_member(w, "doc-purpose", s);
  for (const std::string& s : c.info_needed) code_member(w, "info-needed", s);
  for (const auto& [system, code] : c.billing_codes)
    w.begin_object()
        .member("url", "billingCode")
        .key("valueCoding")
        .begin_object()
        .member("system", system)
        .member("code", code)
        .end_object()
        .end_object();
  for (const std::string& r : c.reasons)
    w.begin_object()
        .member("url", "reason")
        .key("valueCodeableConcept")
        .begin_object()
        .member("text", r)
        .end_object()
        .end_object();
  for (const CoverageDetail& d : c.details) {
    w.begin_object().member("url", "detail").key("extension").begin_array();
    w.begin_object().member("url", "code").key("valueCodeableConcept");
    codeable(w, crd_temp_codes, d.code);
    w.end_object();
    w.begin_object().member("url", "value");
    if (d.quantity) {
      w.key("valueQuantity").begin_object().member("value", *d.quantity);
      if (d.unit) w.member("unit", *d.unit);
      w.end_object();
    } else {
      w.member("valueString", d.value);
    }
    w.end_object();
    if (d.qualification)
      w.begin_object().member("url", "qualification").member("valueString", *d.qualification).end_object();
    w.begin_object().member("url", "category").key("valueCodeableConcept");
    codeable(w, crd_temp_codes, d.category);
    w.end_object();
    w.end_array().end_object();
  }
  if (c.questionnaire)
    w.begin_object().member("url", "questionnaire").member("valueCanonical", *c.questionnaire).end_object();
  w.begin_object().member("url", "date").member("valueDate", c.date).end_object();
  w.begin_object().member("url", "coverage-assertion-id").member("valueString", c.assertion_id).end_object();
  if (c.satisfied_pa_id)
    w.begin_object().member("url", "satisfied-pa-id").member("valueString", *c.satisfied_pa_id).end_object();
  if (c.expiry_date) w.begin_object().member("url", "expiry-date").member("valueDate", *c.expiry_date).end_object();
  w.end_array().end_object();
}

}  // namespace covcheck::engine::crd
