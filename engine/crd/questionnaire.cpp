// Missing facts -> Questionnaire items, typed by walking the schema along the fact's path.
#include "engine/crd/questionnaire.hpp"

#include <fmt/format.h>

#include "engine/crd/coverage_information.hpp"
#include "engine/eval/plain_words.hpp"

namespace covcheck::engine::crd {

namespace {

// The field a dotted path ends at (list indexes skipped); null when the schema has none.
const dsl::FieldInfo* field_at(const dsl::Schema& schema, std::string_view path) {
  const dsl::RecordType* record = &schema.root_record();
  const dsl::FieldInfo* field = nullptr;
  while (!path.empty()) {
    std::size_t dot = path.find('.');
    std::string_view part = path.substr(0, dot);
    if (std::size_t bracket = part.find('['); bracket != std::string_view::npos) part = part.substr(0, bracket);
    if (!record) return nullptr;
    auto index = record->find(part);
    if (!index) return nullptr;
    field = &record->fields[*index];
    record = field->type.base == dsl::BaseType::record ? &schema.records[field->type.ref] : nullptr;
    path = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
  }
  return field;
}

// True when the path names one element of a list (`diagnoses[0].code`) or a plain field.
bool ends_in_element(std::string_view path, const dsl::FieldInfo& f) {
  return !f.type.list || (!path.empty() && path.back() == ']');
}

}  // namespace

std::string item_type(const dsl::Schema& schema, std::string_view path) {
  const dsl::FieldInfo* f = field_at(schema, path);
  if (!f || f->derived) return "display";
  dsl::Type t = f->type;
  if (t.base == dsl::BaseType::record) return "display";
  // A whole list of records (the treatments) is no single answer: the EHR sends the records
  // (MedicationStatements) instead. A list of members is a repeating choice.
  if (t.list && !ends_in_element(path, *f)) return t.base == dsl::BaseType::enumeration ? "choice" : "display";
  switch (t.base) {
    case dsl::BaseType::boolean: return "boolean";
    case dsl::BaseType::integer:
    case dsl::BaseType::duration: return "integer";
    case dsl::BaseType::decimal: return "decimal";
    case dsl::BaseType::date: return "date";
    case dsl::BaseType::enumeration: return "choice";
    default: return "string";
  }
}

std::string questionnaire_id(const Determination& d) {
  std::vector<std::string_view> parts;
  if (d.payer) parts.push_back(*d.payer);
  for (const PolicyRef& p : d.policies) parts.push_back(p.digest);
  for (const MissingFact& m : d.missing) parts.push_back(m.fact);
  return "covcheck-" + digest_hex(parts).substr(0, 24);
}

void write_questionnaire(JsonWriter& w, const Determination& d, const dsl::Schema& schema, std::string_view id,
                         std::string_view url) {
  std::string title = "Information the coverage decision waits for";
  for (const PolicyRef& p : d.policies)
    if (p.kind == "policy") {
      title = fmt::format("{} ({} {})", title, p.name, p.version);
      break;
    }
  w.begin_object().member("resourceType", "Questionnaire").member("id", id).member("url", url);
  w.member("name", "CovcheckMissingFacts").member("title", title).member("status", "active");
  w.key("subjectType").begin_array().value("Patient").end_array();
  w.key("item").begin_array();
  for (const MissingFact& m : d.missing) {
    const dsl::FieldInfo* f = field_at(schema, m.fact);
    std::string type = item_type(schema, m.fact);
    std::string doc = fact_doc(schema, m.fact);
    if (doc.empty() && f) doc = words_of(f->name);
    std::string text = doc.empty() ? m.fact : fmt::format("{} ({})", doc, m.fact);
    // The criterion waiting for the fact, in the checklist's words, with its citation.
    std::optional<std::string> criterion, cite;
    for (const ChecklistEntry& e : d.checklist)
      for (const ChecklistCriterion& c : e.criteria)
        for (const std::string& missing : c.missing)
          if (missing == m.fact && !criterion) {
            criterion = c.text;
            cite = c.cite ? c.cite : e.cite;
          }
    if (criterion) text += ": " + *criterion;
    if (type == "display") text = "Send the records for: " + text;
    w.begin_object().member("linkId", m.fact).member("text", text).member("type", type);
    if (type != "display") w.member("required", false);
    bool repeats = type == "choice" && f && f->type.list;
    if (repeats) w.member("repeats", true);
    if (!m.rules.empty() || cite) {
      w.key("code").begin_array();
      for (const std::string& rule : m.rules) {
        w.begin_object().member("system", "urn:covcheck:rule").member("code", rule);
        if (cite) w.member("display", *cite);
        w.end_object();
      }
      w.end_array();
    }
    if (type == "choice" && f) {
      const dsl::EnumType& e = schema.enums[f->type.ref];
      w.key("answerOption").begin_array();
      for (const std::string& member : e.members) {
        w.begin_object().key("valueCoding").begin_object();
        w.member("system", fmt::format("urn:covcheck:enum:{}", e.name))
            .member("code", member)
            .member("display", words_of(member));
        w.end_object().end_object();
      }
      // A list may be known to be empty: this option says so (the FHIR reader reads it as []).
      if (repeats)
        w.begin_object()
            .key("valueCoding")
            .begin_object()
            .member("system", "urn:covcheck:none")
            .member("code", "none")
            .member("display", "none of these")
            .end_object()
            .end_object();
      w.end_array();
    }
    w.end_object();
  }
  w.end_array().end_object();
}

}  // namespace covcheck::engine::crd
