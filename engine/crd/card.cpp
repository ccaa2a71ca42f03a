// Instructions cards from a determination's checklist and next steps.
#include "engine/crd/card.hpp"

#include <fmt/format.h>

namespace covcheck::engine::crd {

namespace {

const char* status_mark(std::string_view status) {
  if (status == "met") return "met";
  if (status == "not_met") return "NOT met";
  if (status == "not_applicable") return "not applicable";
  return "unknown";
}

// Cuts at a UTF-8 boundary so the summary stays valid text.
std::string fit(std::string s, std::size_t limit) {
  if (s.size() <= limit) return s;
  std::size_t n = limit - 3;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  s.resize(n);
  return s + "...";
}

void source(JsonWriter& w, const Determination& d, const CardInput& in) {
  std::string label = in.payer.empty() ? "covcheck" : in.payer;
  for (const PolicyRef& p : d.policies)
    if (p.kind == "policy") {
      label = fmt::format("{} {} {}", in.payer.empty() ? "covcheck" : in.payer, p.name, p.version);
      break;
    }
  w.key("source").begin_object().member("label", label);
  w.key("topic")
      .begin_object()
      .member("system", crd_temp_codes)
      .member("code", "coverage")
      .member("display", "Coverage");
  w.end_object().end_object();
}

}  // namespace

std::string card_summary(const CoverageInformation& info, const CardInput& in) {
  std::string verdict = info.covered == "covered"       ? "covered"
                        : info.covered == "not-covered" ? "not covered"
                                                        : "coverage depends on missing information";
  std::string pa;
  if (info.pa_needed == "auth-needed") pa = ", prior authorization needed";
  if (info.pa_needed == "no-auth") pa = ", no prior authorization";
  std::string who = in.payer.empty() ? "" : in.payer + ": ";
  return fit(fmt::format("{}{} {}{}", who, in.service, verdict, pa), max_summary);
}

void write_card(JsonWriter& w, const Determination& d, const CoverageInformation& info, const CardInput& in) {
  std::string detail;
  detail += fmt::format("**{}** for `{}`\n\n", card_summary(info, in), in.order);
  for (const std::string& r : info.reasons) detail += fmt::format("- {}\n", r);
  if (!info.reasons.empty()) detail += "\n";
  for (const ChecklistEntry& e : d.checklist) {
    if (e.applies == "false" || e.criteria.empty()) continue;
    detail += fmt::format("### {}{}\n\n", e.title.empty() ? e.rule : e.title, e.cite ? " (" + *e.cite + ")" : "");
    for (const ChecklistCriterion& c : e.criteria) detail += fmt::format("- [{}] {}\n", status_mark(c.status), c.text);
    detail += "\n";
  }
  if (!d.next_steps.empty()) {
    detail += "### Next steps\n\n";
    for (const std::string& s : d.next_steps) detail += fmt::format("1. {}\n", s);
  }
  w.begin_object().member("uuid", in.uuid).member("summary", card_summary(info, in));
  w.member("indicator", info.covered == "covered" ? "info" : info.covered == "not-covered" ? "critical" : "warning");
  w.member("detail", detail);
  source(w, d, in);
  if (!in.links.empty()) {
    w.key("links").begin_array();
    for (const CardLink& l : in.links)
      w.begin_object().member("label", l.label).member("url", l.url).member("type", "absolute").end_object();
    w.end_array();
  }
  w.end_object();
}

void write_out_of_scope_card(JsonWriter& w, const CardInput& in, std::string_view why) {
  w.begin_object().member("uuid", in.uuid);
  w.member("summary", fit(fmt::format("{}: no coverage rules for this order", in.payer.empty() ? "covcheck" : in.payer),
                          max_summary));
  w.member("indicator", "info");
  w.member("detail",
           fmt::format("`{}` is outside the rules this service decides ({}); ask the payer directly.", in.order, why));
  w.key("source").begin_object().member("label", in.payer.empty() ? "covcheck" : in.payer);
  w.key("topic")
      .begin_object()
      .member("system", crd_temp_codes)
      .member("code", "coverage")
      .member("display", "Coverage");
  w.end_object().end_object();
  w.end_object();
}

}  // namespace covcheck::engine::crd
