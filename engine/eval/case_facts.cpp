// The case's facts in plain words, grouped by record (see case_facts.hpp).
#include "engine/eval/case_facts.hpp"

#include <fmt/format.h>

#include "engine/eval/plain_words.hpp"

namespace covcheck::engine {

namespace {

bool is_record(const dsl::FieldInfo& f) { return f.type.base == dsl::BaseType::record; }

// The scalar facts (and lists of scalars) of one record, nested records flattened into it
// with their name before each label ("prior authorization start").
void record_facts(const dsl::Schema& schema, const Case& c, std::uint32_t record, const std::string& path,
                  const std::string& label_prefix, std::vector<CaseFact>& out) {
  const dsl::RecordType& type = schema.records[c.records[record].type];
  for (std::uint32_t i = 0; i < type.fields.size(); ++i) {
    const dsl::FieldInfo& f = type.fields[i];
    if (f.derived) continue;
    const Value& v = c.field(record, i);
    if (!v.known()) continue;
    std::string field = path.empty() ? f.name : fmt::format("{}.{}", path, f.name);
    std::string label = label_prefix + words_of(f.name);
    if (is_record(f)) {
      if (!f.type.list && v.kind == Kind::record) record_facts(schema, c, v.index, field, label + " ", out);
      continue;  // a list of records inside a record is left to the checklist's evidence
    }
    out.push_back({std::move(field), std::move(label), value_words(schema, c, v, f.type.ref)});
  }
}

}  // namespace

std::vector<CaseFactGroup> case_facts(const dsl::Schema& schema, const Case& c) {
  std::vector<CaseFactGroup> groups;
  if (c.records.empty()) return groups;
  const dsl::RecordType& root = schema.records[c.records[0].type];
  // The case's own facts first (id, date of service, documents…), then each record and list.
  CaseFactGroup own;
  own.facts.emplace_back();
  for (std::uint32_t i = 0; i < root.fields.size(); ++i) {
    const dsl::FieldInfo& f = root.fields[i];
    const Value& v = c.field(0, i);
    // The id heads the summary on its own.
    if (f.derived || is_record(f) || !v.known() || f.name == "id") continue;
    own.facts.front().push_back({f.name, words_of(f.name), value_words(schema, c, v, f.type.ref)});
  }
  if (!own.facts.front().empty()) groups.push_back(std::move(own));
  for (std::uint32_t i = 0; i < root.fields.size(); ++i) {
    const dsl::FieldInfo& f = root.fields[i];
    const Value& v = c.field(0, i);
    if (f.derived || !is_record(f) || !v.known()) continue;
    CaseFactGroup g;
    g.field = f.name;
    if (!f.type.list) {
      if (v.kind != Kind::record) continue;
      g.facts.emplace_back();
      record_facts(schema, c, v.index, f.name, "", g.facts.front());
      if (g.facts.front().empty()) continue;
    } else {
      if (v.kind != Kind::list) continue;
      g.rows = true;
      const CaseList& list = c.lists[v.index];
      for (std::uint32_t k = 0; k < list.count; ++k) {
        const Value& item = c.items[list.first + k];
        if (item.kind != Kind::record) continue;
        g.facts.emplace_back();
        record_facts(schema, c, item.index, fmt::format("{}[{}]", f.name, k), "", g.facts.back());
      }
      if (g.facts.empty()) continue;
    }
    groups.push_back(std::move(g));
  }
  return groups;
}

}  // namespace covcheck::engine
