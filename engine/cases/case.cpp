// Loaded cases: input paths of case values (`treatments[1].adequate_dose`), rebuilt from
// parent links only when a message needs one, and compaction of cases kept in memory.
#include "engine/cases/case.hpp"

#include <charconv>

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
  std::string path;
  append_record_path(path, schema, record);
  return path;
}

std::string Case::field_path(const dsl::Schema& schema, std::uint32_t record, std::uint32_t field_index) const {
  std::string path;
  append_field_path(path, schema, record, field_index);
  return path;
}

std::string Case::list_path(const dsl::Schema& schema, std::uint32_t list) const {
  std::string path;
  append_list_path(path, schema, list);
  return path;
}

void Case::append_record_path(std::string& out, const dsl::Schema& schema, std::uint32_t record) const {
  if (record >= records.size()) return;
  const CaseRecord& r = records[record];
  if (r.parent_list != no_parent) {
    append_list_path(out, schema, r.parent_list);
    char index[16];
    auto [end, ec] = std::to_chars(index, index + sizeof index, r.index_in_list);
    out += '[';
    out.append(index, end);
    out += ']';
  } else if (r.parent_record != no_parent) {
    append_field_path(out, schema, r.parent_record, r.parent_field);
  }  // else the root: no path
}

void Case::append_field_path(std::string& out, const dsl::Schema& schema, std::uint32_t record,
                             std::uint32_t field_index) const {
  const std::size_t start = out.size();
  append_record_path(out, schema, record);
  const std::uint32_t type = record < records.size() ? records[record].type : 0;
  if (type >= schema.records.size() || field_index >= schema.records[type].fields.size()) return;
  if (out.size() != start) out += '.';
  out += schema.records[type].fields[field_index].name;
}

void Case::append_list_path(std::string& out, const dsl::Schema& schema, std::uint32_t list) const {
  if (list >= lists.size() || lists[list].parent_record == no_parent) return;
  append_field_path(out, schema, lists[list].parent_record, lists[list].parent_field);
}

}  // namespace covcheck::engine
