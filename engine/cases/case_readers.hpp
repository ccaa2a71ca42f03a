// The table of case readers: each input format (YAML, JSON; FHIR R4 to come) is one row
// naming its media types, file extensions, how to recognise its text, and how to read it
// into a Case. The decision session (session.hpp) picks a row per case; nothing else does.
#pragma once

#include <span>
#include <string_view>

#include "dsl/source/diagnostics.hpp"
#include "engine/cases/case.hpp"
#include "engine/cases/case_builder.hpp"
#include "engine/cases/json_case_loader.hpp"
#include "engine/cases/yaml_tree.hpp"

namespace covcheck::engine {

// One case's text as a reader sees it.
struct CaseText {
  std::string_view text;
  dsl::FileId file = dsl::no_file;  // spans name this file (offsets relative to `text`)
  // A record cut from a stream by the batch reader (size, byte-order mark and document
  // boundaries already dealt with), rather than a whole case file or request body.
  bool record = false;
  // An in-memory value tree instead of text (a YamlTree built from the Python binding's dicts
  // and lists), for the "value" reader; `text` is then empty. The YAML and JSON readers read
  // text only.
  const void* value = nullptr;
};

// The scratch state of every reader, owned by a session and reused from case to case. A
// reader that needs state of its own adds a member here.
struct ReaderScratch {
  JsonCaseLoader json;  // simdjson's parser and the walks' pools
  YamlTree yaml;
  std::string copy;  // a JSON file whose byte-order mark must be blanked
};

// Reads `in` into `out` (its storage reused) by the schema; false when an error was
// reported. Warnings do not stop a read.
using ReadCase = bool (*)(ReaderScratch& scratch, const SchemaIndex& index, const CaseText& in,
                          dsl::Diagnostics& diagnostics, Case& out);

struct CaseReader {
  std::string_view name;                          // `--case-format` value: "yaml", "json"
  std::span<const std::string_view> media_types;  // lowercase, without parameters
  std::span<const std::string_view> extensions;   // with the dot, compared ignoring case
  // Recognises the reader's text when neither a format, a media type nor a file name chose
  // (a FHIR resource's `"resourceType"`); null for readers only chosen by name.
  bool (*sniff)(std::string_view text) = nullptr;
  ReadCase read = nullptr;
  // Reads CaseText::value rather than text: offered to callers holding values (the Python
  // binding), never as a `--case-format` of the CLI.
  bool value_tree = false;
};

// The rows, in the order they are tried. YAML is last: it is the fallback for any text no
// other row claims (stdin, `.yaml`, `.jsonl` records read one by one, unknown names).
//
// Adding a format (the FHIR R4 reader of the next issue): one row in case_readers.cpp with
// its media types (application/fhir+json), extensions and a sniff function, placed before
// the rows it must win over; its read function walks the resource and writes each value
// through a CaseBuilder, as the JSON and YAML walks do, so that its diagnostics carry field
// paths like theirs. The reader over an in-memory value tree, "value", is such a row with
// no media types, chosen by its name only: CaseText::value points at a YamlTree the caller
// built from its values (the Python binding, from dicts and lists), walked as a YAML
// document's tree is, so that its diagnostics and field paths are the YAML reader's.
std::span<const CaseReader> case_readers();

// The row named `name` ("yaml", "json"); null when none is.
const CaseReader* case_reader_named(std::string_view name);

// Chooses a row: by `format` when given, else by media type, else by the file name's
// extension, else by sniffing the text; YAML when nothing chose.
const CaseReader& choose_case_reader(std::string_view format, std::string_view media_type, std::string_view file_name,
                                     std::string_view text);

}  // namespace covcheck::engine
