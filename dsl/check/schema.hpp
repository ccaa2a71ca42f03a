// The case schema, built from `schema` files: enumerations, records, fields (with
// defaults, derived facts and validation checks). The engine resolves paths against it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "dsl/check/types.hpp"
#include "dsl/source/diagnostics.hpp"
#include "dsl/syntax/ast.hpp"

namespace covcheck::dsl {

// Another spelling of a member, from a `synonyms` declaration: `folded` is the text in ASCII
// lowercase (case data matches it ignoring case).
struct Synonym {
  std::string folded;
  std::uint32_t member = 0;
};

struct EnumType {
  std::string name;
  std::vector<std::string> members;
  SourceSpan span;
  std::vector<Synonym> synonyms;
  // Each member's documentation, parallel to `members`: the comment after it on its line when
  // it is the line's only member, else "". What forms and summaries show beside the member.
  std::vector<std::string> member_docs;
  std::optional<std::uint32_t> find(std::string_view member) const;
  // What case data may spell: a member exactly, a member or a synonym ignoring ASCII case.
  std::optional<std::uint32_t> match(std::string_view text) const;
};

// ASCII lowercase, the folding case data is matched with against members and synonyms.
std::string fold_case(std::string_view text);

using DefaultLiteral = std::variant<bool, std::int64_t, double, std::string>;

struct FieldInfo {
  std::string name;
  Type type;
  SourceSpan span;
  std::optional<DefaultLiteral> default_value;  // rare: `primary: bool default false`
  const ast::Expr* derived = nullptr;           // derived fact; never read from case data
  bool exclusive = false;                       // at most one list element may set it true
  bool or_none = false;                         // `type or none`: a case may say the fact is known to be absent
  // Its documentation: the comment after it on its line, else the comment lines right above
  // it; "" without one. Plain words for the answer's checklist and next steps.
  std::string doc;
};

struct RecordType {
  std::string name;
  std::vector<FieldInfo> fields;  // a field's index is its slot in a case record
  std::vector<const ast::CheckDecl*> checks;
  SourceSpan span;
  std::optional<std::uint32_t> find(std::string_view field) const;
  std::vector<std::string> field_names() const;
};

struct Schema {
  std::string name;  // schema header id
  std::string version;
  std::vector<EnumType> enums;
  std::vector<RecordType> records;
  std::uint32_t root = 0;  // index of the record named `case`

  std::optional<std::uint32_t> find_enum(std::string_view name) const;
  std::optional<std::uint32_t> find_record(std::string_view name) const;
  const RecordType& root_record() const { return records[root]; }
  // Human-readable name of a type: `int`, `list of treatment`, `enum drug_class`.
  std::string type_name(const Type& t) const;
};

// Builds the schema from the files with a `schema` header (exactly one is allowed). The
// built schema points into `files`, which must outlive it. With `sources`, fields keep their
// documentation comments (FieldInfo::doc).
// `extensions` are policy and module files in merge order (a file after the files it imports):
// their own `enum`s and `record`s are new types, their `extend enum|record|synonyms` add to
// existing ones (new fields take the next slots). A field or member declared again exactly is
// allowed (`schema.extend_redundant`, a warning, when the schema file itself declares it);
// any other redeclaration is `schema.extend_conflict`, naming both places; extending what the
// schema lacks is `schema.extend_unknown`.
std::optional<Schema> build_schema(const std::vector<const ast::File*>& schema_files, Diagnostics& diagnostics,
                                   const SourceRegistry* sources = nullptr,
                                   const std::vector<const ast::File*>& extensions = {});

// Code formats per system: ICD-10-CM `F33.2`, CPT `96365` / `0001F`, HCPCS `J0013`.
bool is_valid_code(BaseType system, std::string_view code);
// A wildcard prefix (`F33.`, `G90.5`) is valid when it can start a valid code.
bool is_valid_code_prefix(BaseType system, std::string_view prefix);

}  // namespace covcheck::dsl
