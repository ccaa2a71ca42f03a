// FHIR R4 input (engine/cases/fhir): the shipped terminology tables entry by entry, and the reader's
// mapping rules (absent is unknown, known-empty lists, unmapped codes, FHIR paths in errors).
#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "engine/cases/fhir/bundle_reader.hpp"
#include "engine/cases/fhir/case_printer.hpp"
#include "engine/cases/fhir/terminology.hpp"
#include "tests/unit/pipeline_fixture.hpp"

namespace {

using covcheck::engine::fhir::Terminology;

Terminology shipped(covcheck::dsl::SourceRegistry& sources) {
  covcheck::dsl::Diagnostics diags;
  std::optional<Terminology> t =
      covcheck::engine::fhir::build_terminology(covcheck::engine::fhir::shipped_tables(), sources, diags);
  INFO(covcheck::dsl::render_all(diags, sources));
  REQUIRE(t);
  REQUIRE(diags.empty());
  return *t;
}

// Every row of every shipped table, as the tables cite them: (table, system, code, to).
// A row added to a table must be added here too (the test compares both ways).
const std::vector<std::tuple<std::string, std::string, std::string, std::string>> expected_rows = {
    // drug_classes.yaml: RxNorm ingredients
    {"drug_class", "rxnorm", "36437", "ssri"},
    {"drug_class", "rxnorm", "4493", "ssri"},
    {"drug_class", "rxnorm", "2556", "ssri"},
    {"drug_class", "rxnorm", "321988", "ssri"},
    {"drug_class", "rxnorm", "32937", "ssri"},
    {"drug_class", "rxnorm", "42355", "ssri"},
    {"drug_class", "rxnorm", "39786", "snri"},
    {"drug_class", "rxnorm", "72625", "snri"},
    {"drug_class", "rxnorm", "704", "tca"},
    {"drug_class", "rxnorm", "7531", "tca"},
    {"drug_class", "rxnorm", "5691", "tca"},
    {"drug_class", "rxnorm", "3247", "tca"},
    {"drug_class", "rxnorm", "2597", "tca"},
    {"drug_class", "rxnorm", "3638", "tca"},
    {"drug_class", "rxnorm", "8886", "tca"},
    {"drug_class", "rxnorm", "10834", "tca"},
    {"drug_class", "rxnorm", "42347", "atypical"},
    {"drug_class", "rxnorm", "15996", "atypical"},
    {"drug_class", "rxnorm", "1455099", "atypical"},
    {"drug_class", "rxnorm", "89013", "augmentation"},
    {"drug_class", "rxnorm", "1658314", "augmentation"},
    {"drug_class", "rxnorm", "61381", "antipsychotic"},
    {"drug_class", "rxnorm", "35636", "antipsychotic"},
    {"drug_class", "rxnorm", "3322", "benzodiazepine"},
    {"drug_class", "rxnorm", "7781", "benzodiazepine"},
    {"drug_class", "rxnorm", "25480", "anticonvulsant"},
    {"drug_class", "rxnorm", "2002", "anticonvulsant"},
    {"drug_class", "rxnorm", "28439", "anticonvulsant"},
    {"drug_class", "rxnorm", "32624", "anticonvulsant"},
    {"drug_class", "rxnorm", "10689", "opioid"},
    {"drug_class", "rxnorm", "7804", "opioid"},
    {"drug_class", "rxnorm", "7052", "opioid"},
    {"drug_class", "rxnorm", "6813", "opioid"},
    {"drug_class", "rxnorm", "4337", "opioid"},
    {"drug_class", "rxnorm", "2670", "opioid"},
    {"drug_class", "rxnorm", "140587", "nsaid"},
    {"drug_class", "rxnorm", "3355", "nsaid"},
    {"drug_class", "rxnorm", "4502", "nsaid"},
    // specialties.yaml: NUCC taxonomy
    {"specialty", "nucc", "2084P0800X", "psychiatry"},
    {"specialty", "nucc", "2084P0804X", "psychiatry"},
    {"specialty", "nucc", "2084P0805X", "psychiatry"},
    {"specialty", "nucc", "2084P0802X", "psychiatry"},
    {"specialty", "nucc", "2084P0015X", "psychiatry"},
    {"specialty", "nucc", "2084F0202X", "psychiatry"},
    {"specialty", "nucc", "363LP0808X", "psychiatric_nurse_practitioner"},
    {"specialty", "nucc", "2084N0400X", "neurology"},
    {"specialty", "nucc", "207L00000X", "anesthesiology"},
    {"specialty", "nucc", "207LP2900X", "pain_medicine"},
    {"specialty", "nucc", "2081P2900X", "pain_medicine"},
    {"specialty", "nucc", "208VP0000X", "pain_medicine"},
    {"specialty", "nucc", "208100000X", "physical_medicine_rehabilitation"},
    {"specialty", "nucc", "207Q00000X", "family_medicine"},
    {"specialty", "nucc", "207P00000X", "emergency_medicine"},
    {"specialty", "nucc", "103T00000X", "psychologist"},
    {"specialty", "nucc", "103TC0700X", "psychologist"},
    {"specialty", "nucc", "1041C0700X", "clinical_social_worker"},
    // sites.yaml: CMS place of service
    {"site", "pos", "11", "office"},
    {"site", "pos", "12", "home"},
    {"site", "pos", "19", "hospital_outpatient"},
    {"site", "pos", "22", "hospital_outpatient"},
    {"site", "pos", "21", "inpatient"},
    {"site", "pos", "49", "outpatient_clinic"},
    {"site", "pos", "02", "telehealth"},
    {"site", "pos", "10", "telehealth"},
    // instruments.yaml: LOINC
    {"instrument", "loinc", "44261-6", "phq9"},
    {"instrument", "loinc", "70274-6", "gad7"},
    {"instrument", "loinc", "72514-3", "pain_nrs"},
    // documents.yaml: LOINC document types and local text
    {"document", "loinc", "11506-3", "progress_notes"},
    {"document", "loinc", "11488-4", "consultation_note"},
    {"document", "loinc", "18842-5", "discharge_summary"},
    {"document", "text", "letter of medical necessity", "letter_of_medical_necessity"},
    {"document", "text", "treatment history", "treatment_history"},
    {"document", "text", "rems patient enrollment form", "rems_enrollment"},
    {"document", "text", "rems patient monitoring form", "rems_monitoring_form"},
    {"document", "text", "prior authorization form", "prior_auth_form"},
    {"document", "text", "psychiatric evaluation", "psychiatric_evaluation"},
    {"document", "text", "treatment plan", "treatment_plan"},
    {"document", "text", "rating scale results", "rating_scale_results"},
    {"document", "text", "informed consent", "informed_consent"},
    {"document", "text", "clinical notes", "clinical_notes"},
    {"document", "text", "pdmp report", "pdmp_report"},
    // services.yaml
    {"service", "hcpcs", "J0013", "esketamine_nasal"},
    {"service", "hcpcs", "S0013", "esketamine_nasal"},
    {"service", "hcpcs", "G2082", "esketamine_nasal"},
    {"service", "hcpcs", "G2083", "esketamine_nasal"},
    {"service", "rxnorm", "2201623", "esketamine_nasal"},
    {"service", "rxnorm", "2201625", "esketamine_nasal"},
    {"service", "rxnorm", "6130", "ketamine_iv"},
    {"service", "rxnorm", "6130", "ketamine_im"},
    {"service", "rxnorm", "6130", "ketamine_oral"},
    // plan_types.yaml: SOPT
    {"plan_type", "sopt", "2", "medicaid"},
    {"plan_type", "sopt", "5", "commercial"},
    {"plan_type", "sopt", "311", "tricare"},
};

// LOINC codes end in a mod-10 check digit (LOINC Users' Guide, "Check digit"): a mistyped
// code fails it.
bool loinc_check_digit_ok(const std::string& code) {
  std::size_t dash = code.find('-');
  if (dash == std::string::npos || dash + 2 != code.size()) return false;
  std::string digits = code.substr(0, dash);
  int sum = 0;
  bool twice = true;  // from the rightmost digit: doubled, single, doubled, ...
  for (auto it = digits.rbegin(); it != digits.rend(); ++it, twice = !twice) {
    int d = *it - '0';
    if (twice) {
      d *= 2;
      sum += d / 10 + d % 10;
    } else {
      sum += d;
    }
  }
  return (10 - sum % 10) % 10 == code.back() - '0';
}

bool well_formed(const std::string& system, const std::string& code) {
  auto all = [&](auto pred) { return !code.empty() && std::all_of(code.begin(), code.end(), pred); };
  if (system == "rxnorm" || system == "sopt")
    return all([](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
  if (system == "pos")
    return code.size() == 2 && all([](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
  if (system == "nucc")
    return code.size() == 10 && code.back() == 'X' &&
           all([](char c) { return std::isalnum(static_cast<unsigned char>(c)); });
  if (system == "loinc") return loinc_check_digit_ok(code);
  if (system == "hcpcs")
    return code.size() == 5 && std::isupper(static_cast<unsigned char>(code[0])) &&
           std::all_of(code.begin() + 1, code.end(),
                       [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
  return system == "text";
}

}  // namespace

TEST_CASE("every shipped FHIR table row maps as listed, is well formed and names a schema member",
          "[fhir][terminology]") {
  covcheck::dsl::SourceRegistry sources;
  Terminology t = shipped(sources);
  covcheck::testing::Pipeline p({COVCHECK_SOURCE_DIR "/rules/acme"});
  REQUIRE(p.ok());
  const covcheck::dsl::Schema& schema = p.program().schema();
  std::set<std::tuple<std::string, std::string, std::string, std::string>> actual;
  for (const char* table : {"drug_class", "specialty", "site", "instrument", "document", "service", "plan_type"}) {
    REQUIRE(t.has_table(table));
    std::optional<std::uint32_t> e = schema.find_enum(table);
    REQUIRE(e);
    for (const Terminology::Row& r : t.rows(table)) {
      actual.emplace(table, r.system, r.code, r.entry->to);
      INFO(table << " " << r.system << "|" << r.code);
      CHECK(well_formed(r.system, r.code));
      CHECK(schema.enums[*e].find(r.entry->to));  // the value the row writes is valid in the case
    }
  }
  for (const auto& row : expected_rows) {
    INFO(std::get<0>(row) << " " << std::get<1>(row) << "|" << std::get<2>(row));
    CHECK(actual.count(row) == 1);
    if (std::get<1>(row) == "rxnorm" && std::get<0>(row) == "service" && std::get<2>(row) == "6130") continue;
    const covcheck::engine::fhir::TermEntry* hit = t.lookup(std::get<0>(row), std::get<1>(row), std::get<2>(row));
    REQUIRE(hit);
    CHECK(hit->to == std::get<3>(row));
  }
  CHECK(actual.size() == expected_rows.size());
}

TEST_CASE("racemic ketamine maps by its route; systems resolve every URI spelling", "[fhir][terminology]") {
  covcheck::dsl::SourceRegistry sources;
  Terminology t = shipped(sources);
  CHECK(t.lookup("service", "rxnorm", "6130", "snomed|47625008")->to == "ketamine_iv");
  CHECK(t.lookup("service", "rxnorm", "6130", "snomed|78421000")->to == "ketamine_im");
  CHECK(t.lookup("service", "rxnorm", "6130", "snomed|26643006")->to == "ketamine_oral");
  CHECK(t.lookup("service", "rxnorm", "6130") == nullptr);  // no route: the service is unknown
  CHECK(t.lookup("document", "text", "Letter Of Medical Necessity")->to == "letter_of_medical_necessity");
  CHECK(t.system_name("https://bluebutton.cms.gov/resources/codesystem/hcpcs") ==
        std::optional<std::string_view>("hcpcs"));
  CHECK(t.system_name("http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets") ==
        std::optional<std::string_view>("hcpcs"));
  CHECK(t.system_name("http://www.nlm.nih.gov/research/umls/rxnorm") == std::optional<std::string_view>("rxnorm"));
  CHECK_FALSE(t.system_name("http://example.org/local"));
}

TEST_CASE("a malformed mapping table is an error naming its line", "[fhir][terminology]") {
  covcheck::dsl::SourceRegistry sources;
  covcheck::dsl::Diagnostics diags;
  std::vector<covcheck::engine::fhir::TableText> tables = covcheck::engine::fhir::shipped_tables();
  tables.push_back({"local/extra.yaml",
                    "table: drug_class\nsystem: rxnorm\ngroups:\n  - to: ssri\n    codes: {\"36437\": again}\n"});
  tables.push_back(
      {"local/bad.yaml", "table: site\ngroups:\n  - to: office\n    system: nowhere\n    codes: {\"11\": x}\n"});
  CHECK_FALSE(covcheck::engine::fhir::build_terminology(tables, sources, diags));
  std::string text = covcheck::dsl::render_all(diags, sources);
  CHECK_THAT(text,
             Catch::Contains("local/extra.yaml:5:13: error: `rxnorm|36437` is mapped twice in table `drug_class`"));
  CHECK_THAT(text, Catch::Contains("local/bad.yaml:5:13: error: code system `nowhere` is not in the systems table"));
}

namespace {

struct Mapped {
  std::optional<covcheck::engine::Case> c;
  std::string yaml;
  std::string diagnostics;
};

Mapped map(covcheck::testing::Pipeline& p, const std::string& bundle) {
  Terminology t = shipped(p.sources());
  covcheck::dsl::FileId file = p.sources().add("bundle.json", bundle);
  covcheck::dsl::Diagnostics diags;
  covcheck::engine::fhir::FhirCase fc;
  Mapped m;
  m.c = covcheck::engine::fhir::load_fhir_case(p.program().schema(), p.sources(), file, t, diags, &fc);
  if (fc.tree.root != covcheck::engine::yaml_none) m.yaml = covcheck::engine::fhir::print_case_yaml(fc);
  m.diagnostics = p.render(diags);
  return m;
}

}  // namespace

TEST_CASE("FHIR mapping: absent stays unknown, a searchset makes a list known-empty", "[fhir][reader]") {
  covcheck::testing::Pipeline p({COVCHECK_SOURCE_DIR "/rules/acme"});
  REQUIRE(p.ok());
  Mapped m = map(p, R"({"resourceType": "Bundle", "type": "collection", "entry": [
  {"resource": {"resourceType": "Patient", "id": "p1", "birthDate": "1990-04-02", "gender": "unknown"}},
  {"resource": {"resourceType": "MedicationRequest", "id": "o1", "status": "active", "intent": "order",
    "subject": {"reference": "Patient/p1"}, "authoredOn": "2026-03-02T10:00:00-05:00",
    "medicationCodeableConcept": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "2201623"}]}}},
  {"resource": {"resourceType": "Bundle", "type": "searchset", "total": 0,
    "link": [{"relation": "self", "url": "https://ehr.example/fhir/MedicationStatement?patient=p1"}]}},
  {"resource": {"resourceType": "Observation", "id": "x1", "status": "final", "subject": {"reference": "Patient/p1"},
    "code": {"coding": [{"system": "http://loinc.org", "code": "29463-7"}]}, "valueQuantity": {"value": 80}}}
]})");
  INFO(m.diagnostics);
  REQUIRE(m.c);
  CHECK_THAT(m.yaml, Catch::Contains("id: o1  # Bundle.entry[1].resource(MedicationRequest/o1).id"));
  CHECK_THAT(m.yaml, Catch::Contains(
                         "date_of_service: 2026-03-02  # Bundle.entry[1].resource(MedicationRequest/o1).authoredOn"));
  CHECK_THAT(m.yaml, Catch::Contains("service: esketamine_nasal"));
  CHECK_THAT(m.yaml, Catch::Contains("birth_date: 1990-04-02"));
  CHECK_THAT(m.yaml, !Catch::Contains("sex:"));       // `unknown` gender: unknown, not a value
  CHECK_THAT(m.yaml, !Catch::Contains("plan:"));      // no Coverage: the plan is unknown
  CHECK_THAT(m.yaml, !Catch::Contains("diagnoses"));  // no Condition, no searchset: unknown
  CHECK_THAT(m.yaml, Catch::Contains(
                         "treatments: []  # Bundle.entry[2].resource(Bundle/?) (a searchset of MedicationStatement"));
  CHECK_THAT(m.yaml, Catch::Contains("assessments: []"));  // Observations present, none an instrument
  CHECK_THAT(m.diagnostics,
             Catch::Contains(
                 "bundle.json:9:25: warning: `Bundle.entry[3].resource(Observation/x1).code.coding[0]`: observation "
                 "`http://loinc.org|29463-7` is not in the `instrument` table; ignored [fhir.unmapped_code]"));
}

TEST_CASE("FHIR mapping: statuses, primary diagnosis, drug classes through a Medication", "[fhir][reader]") {
  covcheck::testing::Pipeline p({COVCHECK_SOURCE_DIR "/rules/acme"});
  REQUIRE(p.ok());
  Mapped m = map(p, R"({"resourceType": "Bundle", "type": "collection", "entry": [
  {"fullUrl": "urn:uuid:pat", "resource": {"resourceType": "Patient", "id": "p1"}},
  {"resource": {"resourceType": "Condition", "id": "c1", "subject": {"reference": "urn:uuid:pat"},
    "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "F33.2"}]}}},
  {"resource": {"resourceType": "Condition", "id": "c2", "subject": {"reference": "Patient/p1"},
    "clinicalStatus": {"coding": [{"code": "resolved"}]},
    "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "F41.1"}]}}},
  {"resource": {"resourceType": "ServiceRequest", "id": "s1", "status": "active", "intent": "order",
    "subject": {"reference": "Patient/p1"}, "reasonReference": [{"reference": "Condition/c1"}],
    "occurrencePeriod": {"start": "2026-03-02", "end": "2026-03-30"}, "quantityQuantity": {"value": 8},
    "locationCode": [{"coding": [{"system": "https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set", "code": "11"}]}],
    "code": {"coding": [{"system": "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets", "code": "J0013"},
                        {"system": "http://www.ama-assn.org/go/cpt", "code": "99214"}]}}},
  {"resource": {"resourceType": "Medication", "id": "m1", "code": {"text": "Zoloft 50 mg"},
    "ingredient": [{"itemCodeableConcept": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "36437"}]}}]}},
  {"resource": {"resourceType": "MedicationStatement", "id": "ms1", "status": "completed", "subject": {"reference": "Patient/p1"},
    "medicationReference": {"reference": "Medication/m1"}, "effectivePeriod": {"start": "2025-01-10", "end": "2025-03-15"}}}
]})");
  INFO(m.diagnostics);
  REQUIRE(m.c);
  CHECK_THAT(m.yaml, Catch::Contains("code: F33.2"));
  CHECK_THAT(m.yaml, Catch::Contains("primary: true  # Bundle.entry[3].resource(ServiceRequest/s1).reason"));
  CHECK_THAT(m.yaml, !Catch::Contains("F41.1"));  // resolved: not a diagnosis now
  CHECK_THAT(m.yaml, Catch::Contains("sessions: 8"));
  CHECK_THAT(m.yaml, Catch::Contains("period_days: 28"));
  CHECK_THAT(m.yaml, Catch::Contains("site: office"));
  CHECK_THAT(m.yaml, Catch::Contains("cpt:\n    - \"99214\""));
  CHECK_THAT(m.yaml,
             Catch::Contains(
                 "class: ssri  # Bundle.entry[4].resource(Medication/m1).ingredient[0].itemCodeableConcept.coding[0]"));
  CHECK_THAT(m.yaml, Catch::Contains("end: 2025-03-15"));
  CHECK_THAT(m.yaml, Catch::Contains("current_medications: []"));  // statements present, none active
}

TEST_CASE("FHIR mapping: a schema error names the case field, the FHIR element and its line", "[fhir][reader]") {
  covcheck::testing::Pipeline p({COVCHECK_SOURCE_DIR "/rules/acme"});
  REQUIRE(p.ok());
  Mapped m = map(p, R"({"resourceType": "Bundle", "entry": [
  {"resource": {"resourceType": "Patient", "id": "p1", "birthDate": "1990-02-30"}}
]})");
  CHECK_FALSE(m.c);
  CHECK_THAT(m.diagnostics, Catch::Contains("bundle.json:2:69: error:"));
  CHECK_THAT(m.diagnostics, Catch::Contains("patient.birth_date"));
  CHECK_THAT(m.diagnostics, Catch::Contains("from FHIR `Bundle.entry[0].resource(Patient/p1).birthDate`"));
}

TEST_CASE("FHIR mapping: two active Coverages and two unordered patients are errors", "[fhir][reader]") {
  covcheck::testing::Pipeline p({COVCHECK_SOURCE_DIR "/rules/acme"});
  REQUIRE(p.ok());
  Mapped two = map(p, R"({"resourceType": "Bundle", "entry": [
  {"resource": {"resourceType": "Patient", "id": "p1"}},
  {"resource": {"resourceType": "Coverage", "id": "a", "status": "active", "beneficiary": {"reference": "Patient/p1"}}},
  {"resource": {"resourceType": "Coverage", "id": "b", "status": "active", "beneficiary": {"reference": "Patient/p1"}}}
]})");
  CHECK_FALSE(two.c);
  CHECK_THAT(two.diagnostics, Catch::Contains("[fhir.several_coverages]"));
  Mapped patients = map(p, R"({"resourceType": "Bundle", "entry": [
  {"resource": {"resourceType": "Patient", "id": "p1"}}, {"resource": {"resourceType": "Patient", "id": "p2"}}]})");
  CHECK_FALSE(patients.c);
  CHECK_THAT(patients.diagnostics, Catch::Contains("[fhir.several_patients]"));
}
