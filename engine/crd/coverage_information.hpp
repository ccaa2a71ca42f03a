// A determination as the Da Vinci CRD (STU 2.2) `coverage-information` extension: covered,
// prior authorization, documentation and information needed, reasons, details, the
// questionnaire for missing facts. The invariants crd-ci-q1…q9 hold by construction
// (docs/cds-hooks.md lists how each is kept); tests check them on the written JSON.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/answer/determination.hpp"
#include "engine/answer/json_writer.hpp"

namespace covcheck::engine::crd {

inline constexpr std::string_view coverage_information_url =
    "http://hl7.org/fhir/us/davinci-crd/StructureDefinition/ext-coverage-information";
// CRD's code system for detail codes and categories (CRDTempCodes).
inline constexpr std::string_view crd_temp_codes = "http://hl7.org/fhir/us/davinci-crd/CodeSystem/temp";
inline constexpr std::string_view cpt_system = "http://www.ama-assn.org/go/cpt";
inline constexpr std::string_view hcpcs_system = "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets";

struct CoverageDetail {
  std::string code;                      // allowed-period, allowed-quantity, instructions, policy-link
  std::string category;                  // cat-decisional, cat-limitation, cat-other
  std::string value;                     // valueString
  std::optional<std::int64_t> quantity;  // valueQuantity instead (allowed-quantity)
  std::optional<std::string> unit;
  std::optional<std::string> qualification;
};

// The extension's values, derived from one determination.
struct CoverageInformation {
  std::string coverage;                  // `Coverage/id`
  std::string covered;                   // covered | not-covered | conditional
  std::optional<std::string> pa_needed;  // auth-needed | no-auth | satisfied | conditional
  std::vector<std::string> doc_needed;   // clinical | admin
  std::vector<std::string> doc_purpose;  // withpa | withorder
  std::vector<std::string> info_needed;  // performer | location | timeframe | detail-code | OTH
  std::vector<std::string> reasons;      // text
  std::vector<CoverageDetail> details;
  std::vector<std::pair<std::string, std::string>> billing_codes;  // (system, code)
  std::optional<std::string> questionnaire;                        // canonical URL
  std::string date;                                                // YYYY-MM-DD
  std::string assertion_id;
  std::optional<std::string> expiry_date;
  std::optional<std::string> satisfied_pa_id;
};

struct AssertionInput {
  std::string coverage;                    // `Coverage/id`
  std::string date;                        // the evaluation date
  std::string case_digest;                 // the case digest of engine/audit/case_digest.hpp
  std::optional<std::string> expiry_date;  // where the deciding policy version ends
  std::optional<std::string> questionnaire;
  std::optional<std::string> policy_url;  // the policy text, for a policy-link detail
  std::string order;                      // the order's reference (`MedicationRequest/id`)
};

CoverageInformation assess(const Determination& d, const AssertionInput& in);

// The extension object (`{"url": …, "extension": [...]}`), as the next value of `w`.
void write_coverage_information(JsonWriter& w, const CoverageInformation& info);

// Hex sha256 of the parts, in order (each length-prefixed so that parts cannot run together).
std::string digest_hex(const std::vector<std::string_view>& parts);

// The coverage-assertion-id: hex sha256 of the case digest, every deciding policy's digest, the
// payer entry and the order's reference (two orders of one request may become the same case).
// The audit record of the decision carries it as its answer id.
std::string assertion_id(const Determination& d, std::string_view case_digest, std::string_view order);

// The info-needed code for a missing fact (`request.site` -> location), nullopt when the
// fact is clinical or administrative documentation rather than order detail.
std::optional<std::string_view> info_needed_for(std::string_view fact);

}  // namespace covcheck::engine::crd
