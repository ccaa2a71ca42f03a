// Input paths of case values (`treatments[1].adequate_dose`), rebuilt from parent links
// only when a message needs one, so that loading and evaluation never build strings.
#include "engine/case.hpp"

namespace covcheck::engine {

namespace {

template <typename T>
std::vector<T> exact_copy(const std::vector<T>& v) {
  return std::vector<T>(v.begin(), v.end());
}

}  // namespace

void Case::compact() {
  // Every new array is allocated before any old one is freed, so they come out adjacent.
  auto r = exact_copy(records);
  auto l = exact_copy(lists);
  auto s = exact_copy(slots);
  auto i = exact_copy(items);
  auto t = exact_copy(strings);
  records.swap(r);
  lists.swap(l);
  slots.swap(s);
  items.swap(i);
  strings.swap(t);
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
