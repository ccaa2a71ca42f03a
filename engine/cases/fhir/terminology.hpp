// The FHIR mapping's terminology: code systems and the tables that turn a FHIR coding into a
// case value (RxNorm -> drug class, NUCC -> specialty, ...). Data, read at run time from
// rules/fhir/*.yaml: the shipped tables are compiled into the binary, and `--fhir-map DIR`
// replaces or adds tables file by file, so an analyst extends them without a rebuild.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "dsl/source/diagnostics.hpp"

namespace covcheck::engine::fhir {

// One table file: its name (`drug_classes.yaml`) and text.
struct TableText {
  std::string name;
  std::string text;
};

// The tables shipped in rules/fhir/, as compiled into the binary.
std::vector<TableText> shipped_tables();

// Reads every `*.yaml` of `dir`; a file named like a shipped one replaces it. False (with
// an `io.*` error) when the directory cannot be read.
bool add_table_dir(const std::string& dir, std::vector<TableText>& tables, dsl::Diagnostics& diagnostics);

// One row: a code of a system mapped to a case value.
struct TermEntry {
  std::string to;       // the case value: an enumeration member (`ssri`) or a name
  std::string display;  // the code's meaning as the table gives it (`sertraline`)
  std::string route;    // `system|code` the order's route must have, or empty
  dsl::SourceSpan at;   // where the row is, for diagnostics
};

class Terminology {
 public:
  // The short name (`rxnorm`) of a code system URI; nullopt for a system no table knows.
  std::optional<std::string_view> system_name(std::string_view uri) const;
  // The URIs of a short name (first: canonical).
  const std::vector<std::string>* uris(std::string_view name) const;
  // The row mapping `code` of `system` (short name) in `table`; `route` (`system|code`)
  // selects among rows that name one. System `text` matches case-insensitively.
  const TermEntry* lookup(std::string_view table, std::string_view system, std::string_view code,
                          std::string_view route = {}) const;
  // Every row of a table, as (system, code, entry): for tests and documentation.
  struct Row {
    std::string system;
    std::string code;
    const TermEntry* entry;
  };
  std::vector<Row> rows(std::string_view table) const;
  bool has_table(std::string_view table) const;

 private:
  friend std::optional<Terminology> build_terminology(const std::vector<TableText>&, dsl::SourceRegistry&,
                                                      dsl::Diagnostics&);
  static std::string key(std::string_view table, std::string_view system, std::string_view code);
  // Looked up by string_view (no allocation per coding read).
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, std::string, Hash, std::equal_to<>> system_of_uri_;
  std::unordered_map<std::string, std::vector<std::string>> uris_;
  std::unordered_map<std::string, std::vector<TermEntry>, Hash, std::equal_to<>> rows_;  // key(table, system, code)
  std::unordered_map<std::string, std::vector<std::string>> keys_of_table_;
};

// Parses the tables (each registered in `sources`, so that a mistake in one names its
// file:line:col). nullopt when any table is malformed (`fhir_map.*` errors).
std::optional<Terminology> build_terminology(const std::vector<TableText>& tables, dsl::SourceRegistry& sources,
                                             dsl::Diagnostics& diagnostics);

}  // namespace covcheck::engine::fhir
