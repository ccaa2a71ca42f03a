// The CDS Hooks Instructions card for one order: a summary under 140 characters, the
// indicator by coverage, the checklist and next steps as markdown, the policy as source,
// links to the policy text and the pre-screening page. The verdict itself travels in the
// coverage-information system action; the card only explains it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "engine/answer/determination.hpp"
#include "engine/answer/json_writer.hpp"
#include "engine/crd/coverage_information.hpp"

namespace covcheck::engine::crd {

inline constexpr std::size_t max_summary = 139;  // CDS Hooks: "<140 characters"

struct CardLink {
  std::string label;
  std::string url;
};

struct CardInput {
  std::string order;    // `MedicationRequest/x`
  std::string service;  // what was ordered, in words ("esketamine nasal spray")
  std::string payer;    // the payer's name
  std::string uuid;
  std::vector<CardLink> links;  // absolute URLs only (from `serve --public-url`)
};

// "Acme Health: esketamine nasal spray covered, prior authorization needed", cut to fit.
std::string card_summary(const CoverageInformation& info, const CardInput& in);

void write_card(JsonWriter& w, const Determination& d, const CoverageInformation& info, const CardInput& in);

// The card for an order of a kind the rules know but a service they do not decide: it says
// so and carries no verdict (no system action goes with it).
void write_out_of_scope_card(JsonWriter& w, const CardInput& in, std::string_view why);

}  // namespace covcheck::engine::crd
