// The language features, each a function from an Analysis (and a position) to the LSP
// result as JSON. The server (lsp/server.cpp) only dispatches requests to these.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lsp/analysis.hpp"
#include "lsp/documents.hpp"
#include "lsp/positions.hpp"

namespace covcheck::lsp {

using Json = nlohmann::json;

Json to_json(const Position& p);
Json to_json(const Range& r);
// A position from a request's JSON; nullopt when malformed.
std::optional<Position> position_from_json(const Json& j);

// Where a file of the analysis lives, as a URI. The built-in schema has no file: it is
// written once to a cache file so that go-to-definition can open it.
std::optional<std::string> file_uri(const Analysis& a, dsl::FileId file);
// A location in any file of the analysis: {uri, range}; null when the file has no URI.
Json location_json(const Analysis& a, dsl::SourceSpan span);

// textDocument/publishDiagnostics's `diagnostics` for the document (diagnostics in
// imported files are shown at the import that reaches them).
Json diagnostics_json(const Analysis& a, const Document& document);
// Whether diagnostics_json shows `d`: the document's own, those without a location, and the
// errors of imported files (their warnings belong to those files).
bool shown_in_document(const Analysis& a, const dsl::Diagnostic& d);

Json hover(const Analysis& a, std::uint32_t offset);
Json definition(const Analysis& a, std::uint32_t offset);
Json references(const Analysis& a, std::uint32_t offset, bool include_declaration);
// A WorkspaceEdit renaming the define, parameter, code set, param, rule or variable at
// `offset` in every file of the rule set; nullopt with `error` set for schema names, files,
// nothing at all, or a new name that is not a CPL name.
std::optional<Json> rename(const Analysis& a, std::uint32_t offset, const std::string& new_name, std::string& error);
Json document_symbols(const Analysis& a, const Document& document);
Json folding_ranges(const Analysis& a, const Document& document);
// `last_checked`: the most recent analysis of the document that checked, for names and the
// schema while the text being typed does not parse. Either may be null.
Json completion(const Document& document, std::uint32_t offset, const Analysis* current, const Analysis* last_checked);
// Fixes for the diagnostics overlapping [begin, end): did-you-mean, add the import, add
// `days`, drop the quotes.
Json code_actions(const Analysis& a, const Document& document, const DocumentStore& documents, std::uint32_t begin,
                  std::uint32_t end);
// The whole document formatted, as one edit; nullopt (with `error` set) when it does not parse.
std::optional<Json> formatting(const Document& document, std::string& error);

// A comment documenting a declaration: the comment lines right above it, or the comment
// after it on its first line.
std::string doc_comment(const Analysis& a, dsl::SourceSpan decl);

}  // namespace covcheck::lsp
