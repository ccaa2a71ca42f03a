// Loaded cases: input paths of case values (`treatments[1].adequate_dose`), rebuilt from
// parent links only when a message needs one, and compaction of cases kept in memory.
#include "engine/cases/case.hpp"

namespace covcheck::engine {

namespace {

template <typename T>
std::vector<T> exact_copy(const std::vector<T>& v) {
  return std::vector<T>(v.begin(), v.end());
}

// The hot arrays of a case, copied at their exact sizes.
struct HotArrays {
  std::vector<CaseRecord> records;
  std::vector<CaseList> lists;
  std::vector<Value> slots, items;
  std::vector<std::string> strings;
  explicit HotArrays(const Case& c)
      : records(exact_copy(c.records)),
        lists(exact_copy(c.lists)),
        slots(exact_copy(c.slots)),
        items(exact_copy(c.items)),
        strings(exact_copy(c.strings)) {}
  void swap_into(Case& c) {
    c.records.swap(records);
    c.lists.swap(lists);
    c.slots.swap(slots);
    c.items.swap(items);
    c.strings.swap(strings);
  }
};

}  // namespace

void Case::compact() {
  HotArrays(*this).swap_into(*this);  // allocated before the old arrays are freed: adjacent
}

void compact_cases(std::vector<Case>& cases) {
  std::vector<HotArrays> fresh;
  fresh.reserve(cases.size());
  for (const Case& c : cases) fresh.emplace_back(c);
  for (std::size_t i = 0; i < cases.size(); ++i) fresh[i].swap_into(cases[i]);
}

std::string Case::record_path(const dsl::Schema& schema, std::uint32_t record) const {
  if (record >= records.size()) return {};
  const CaseRecord& r = records[record];
  if (r.parent_list != no_parent) {
    return list_path(schema, r.parent_list) + "[" + std::to_string(r.index_in_list) + "]";
  }
  if (r.parent_record != no_parent) return field_path(schema, r.parent_record, r.parent_field);
  return {};  // the root
}

std::string Case::field_path(const dsl::Schema& schema, std::uint32_t record, std::uint32_t field_index) const {
  std::string path = record_path(schema, record);
  const std::uint32_t type = record < records.size() ? records[record].type : 0;
  if (type >= schema.records.size() || field_index >= schema.records[type].fields.size()) return path;
  if (!path.empty()) path += '.';
  path += schema.records[type].fields[field_index].name;
  return path;
}

std::string Case::list_path(const dsl::Schema& schema, std::uint32_t list) const {
  if (list >= lists.size() || lists[list].parent_record == no_parent) return {};
  return field_path(schema, lists[list].parent_record, lists[list].parent_field);
}

}  // namespace covcheck::engine
