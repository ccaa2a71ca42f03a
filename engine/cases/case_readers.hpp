// The table of case readers: each input format (FHIR R4, JSON, YAML) is one row
// naming its media types, file extensions, how to recognise its text, and how to read it
// into a Case. The decision session (session.hpp) picks a row per case; nothing else does.
#pragma once

#include <span>
#include <string_view>

#include "dsl/source/diagnostics.hpp"
#include "engine/cases/case.hpp"
#include "engine/cases/case_builder.hpp"
#include "engine/cases/fhir/bundle_reader.hpp"
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
  std::string copy;        // a JSON file whose byte-order mark must be blanked
  fhir::FhirScratch fhir;  // the FHIR tables (set by the session), parser and mapped tree
};

// Reads `in` into `out` (its storage reused) by the schema; false when an error was
// reported. Warnings do not stop a read.
using ReadCase = bool (*)(ReaderScratch& scratch, const SchemaIndex& index, const CaseText& in,
                          dsl::Diagnostics& diagnostics, Case& out);

struct CaseReader {
  std::string_view name;                          // `--case-format` value: "fhir", "json", "yaml"
  std::span<const std::string_view> media_types;  // lowercase, without parameters
  std::span<const std::string_view> extensions;   // with the dot, compared ignoring case
  // Recognises the reader's text when neither a format, a media type nor a file name chose
  // (a FHIR resource's `"resourceType"`); null for readers only chosen by name.
  bool (*sniff)(std::string_view text) = nullptr;
  ReadCase read = nullptr;
  // The row whose texts this one's are a kind of (FHIR's bundles are JSON): when a media
  // type or extension chose that row, `sniff_refined` may still claim a text. It runs on
  // every text of that row, so it reads only the first bytes.
  std::string_view refines;
  bool (*sniff_refined)(std::string_view text) = nullptr;
  // Reads CaseText::value rather than text: offered to callers holding values (the Python
  // binding), never as a `--case-format` of the CLI.
  bool value_tree = false;
};

// The rows, in the order they are tried: FHIR (application/fhir+json; sniffed by a
// top-level `"resourceType": "Bundle"`, so it goes before JSON, whose `.json` extension a
// bundle file shares), JSON, then YAML, the fallback for any text no other row claims
// (stdin, `.yaml`, `.jsonl` records read one by one, unknown names).
//
// Adding a format: one row in case_readers.cpp with its media types, extensions and a sniff
// function, placed before the rows it must win over; its read function writes each value
// through a CaseBuilder, as the JSON, YAML and FHIR readers do, so that its diagnostics
// carry field paths like theirs. The reader over an in-memory value tree, "value", is a row
// with no media types, chosen by its name only: CaseText::value points at a YamlTree the
// caller built from its values (the Python binding, from dicts and lists), walked as a YAML
// document's tree is, so that its diagnostics and field paths are the YAML reader's.
std::span<const CaseReader> case_readers();

// The row named `name` ("fhir", "json", "yaml"); null when none is.
const CaseReader* case_reader_named(std::string_view name);

// Chooses a row: by `format` when given, else by media type, else by the file name's
// extension, else by sniffing the text; YAML when nothing chose. A row chosen by media type
// or extension yields to a row that refines it and claims the text by `sniff_refined` (a
// bundle sent as `application/json` or named `.json`, `resourceType` first, is read as
// FHIR); only `format` forces a row.
const CaseReader& choose_case_reader(std::string_view format, std::string_view media_type, std::string_view file_name,
                                     std::string_view text);

}  // namespace covcheck::engine
