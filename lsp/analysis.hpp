// One document's analysis: its rule set (the document and the files it imports, read from
// open buffers first) loaded, checked and linted as the CLI does, plus an index of every
// name occurrence for hover, go-to-definition and references.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dsl/check/checked.hpp"
#include "dsl/source/diagnostics.hpp"
#include "lsp/documents.hpp"

namespace covcheck::lsp {

namespace ast = dsl::ast;

// What a name denotes, comparable so that all occurrences of one symbol can be found.
struct Symbol {
  enum class Kind {
    define,
    define_param,
    codeset,
    param,
    rule,
    field,
    enumeration,
    enum_member,
    record,
    variable,
    file
  };
  Kind kind = Kind::define;
  std::uint32_t a = 0;  // index: define, codeset, param, rule, enum, record, file; the binder NodeId of a variable
  std::uint32_t b = 0;  // second index: a define's param, a record's field, an enumeration's member
  friend bool operator==(const Symbol&, const Symbol&) = default;
};

struct Occurrence {
  dsl::SourceSpan span;
  Symbol symbol;
  bool declaration = false;
  std::optional<ast::NodeId> expr;  // the expression node, for its type
};

struct Analysis {
  std::string uri;
  std::string path;
  dsl::SourceRegistry sources;
  dsl::Diagnostics diagnostics;                  // all files', sorted; lint findings when it checks
  std::optional<dsl::FileId> file;               // the document's text in `sources`
  std::unique_ptr<dsl::CheckedRuleSet> checked;  // null when a file of the rule set does not parse
  std::optional<std::size_t> file_index;         // the document in checked->files.files
  std::vector<Occurrence> occurrences;           // every file's, declarations included
  bool parsed = false;                           // the document parsed

  const ast::File* document_ast() const { return checked && file_index ? &checked->files.files[*file_index] : nullptr; }
  // The innermost occurrence whose span holds `offset` in `file` (its end counts: a cursor
  // just after a name is on it).
  const Occurrence* occurrence_at(dsl::FileId in, std::uint32_t offset) const;
  // Where a symbol is declared, if the rule set declares it.
  const Occurrence* declaration_of(const Symbol& s) const;
};

// Loads the document's rule set from `documents` (and disk), checks it, lints it when it
// checks, and indexes its names. Never throws for bad input: problems are diagnostics.
std::unique_ptr<Analysis> analyse(const Document& document, const DocumentStore& documents);

}  // namespace covcheck::lsp
